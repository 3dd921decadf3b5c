import type { AuditRepository } from '../accounts/index.ts';
import type { Database, Tx } from '../db/database.ts';

/**
 * The platforms' privacy requests, executed (issue #10): `customer.redact` erases one customer's
 * conversations (messages, events, contact requests cascade), anonymises their bookings' personal
 * fields and drops their cached orders; `customer.data_request` stores an export of all of it for
 * the merchant (GET /api/v1/privacy/exports) and notes it in the audit log; `shop.redact` removes
 * what one installation brought (products, its cached orders, kv, delivery payloads, exports).
 * Each runs in one tenant transaction: all of it or nothing.
 */

export interface CustomerRef {
  customerId?: string;
  email?: string;
  orderIds?: string[];
}

const ERASED = '(erased)';

function normalized(ref: CustomerRef) {
  const email = ref.email?.trim().toLowerCase() || undefined;
  const customerId = ref.customerId?.trim() || undefined;
  const orderIds = (ref.orderIds ?? []).map(String).filter(Boolean);
  return { email, customerId, orderIds };
}

/** Platform customer ids come as GIDs or plain numbers; match both spellings. */
function idVariants(customerId: string | undefined): string[] {
  if (!customerId) return [];
  const tail = /\/(\d+)$/.exec(customerId)?.[1];
  return [...new Set([customerId, ...(tail ? [tail] : []), ...(/^\d+$/.test(customerId) ? [`gid://shopify/Customer/${customerId}`] : [])])];
}

export class ComplianceService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private conversations(trx: Tx, ref: ReturnType<typeof normalized>) {
    const ids = idVariants(ref.customerId);
    return trx('conversations').where((q) => {
      if (ids.length) q.orWhereIn('verified_customer_id', ids);
      if (ref.email) q.orWhereRaw('lower(verified_email) = ?', [ref.email]).orWhereRaw('lower(contact_email) = ?', [ref.email]);
      if (!ids.length && !ref.email) q.whereRaw('false');
    });
  }

  private orders(trx: Tx, source: string, ref: ReturnType<typeof normalized>) {
    const ids = idVariants(ref.customerId);
    return trx('orders').where((q) => {
      if (ids.length) q.orWhereIn('customer_id', ids);
      if (ref.email) q.orWhereRaw('lower(email) = ?', [ref.email]);
      if (ref.orderIds.length) q.orWhere((o) => o.where({ source }).where((x) => x.whereIn('external_id', ref.orderIds).orWhereIn('number', ref.orderIds)));
      if (!ids.length && !ref.email && !ref.orderIds.length) q.whereRaw('false');
    });
  }

  /** The customer's bookings: under their email, and those made in their conversations (whatever email was typed). */
  private bookings(trx: Tx, ref: ReturnType<typeof normalized>, conversationIds: string[]) {
    return trx('bookings').where((q) => {
      if (ref.email) q.orWhereRaw('lower(customer_email) = ?', [ref.email]);
      if (conversationIds.length) q.orWhereIn('conversation_id', conversationIds);
      if (!ref.email && !conversationIds.length) q.whereRaw('false');
    });
  }

  async redactCustomer(tenantId: string, input: { pluginId: string; externalId: string } & CustomerRef): Promise<{ conversations: number; bookings: number; orders: number }> {
    const ref = normalized(input);
    return this.db.tenant(tenantId, async (trx) => {
      const conversationIds = (await this.conversations(trx, ref).select('id')).map((r) => r.id as string);
      // The merchant's cancel reason is free text about the customer too ("Kim phoned: she is ill").
      const bookings = await this.bookings(trx, ref, conversationIds).update({
        customer_name: ERASED,
        customer_email: trx.raw(`'erased+' || id || '@invalid.invalid'`),
        customer_phone: null,
        notes: null,
        cancel_reason: null,
        updated_at: trx.fn.now(),
      });
      await trx('booking_notifications').whereIn('booking_id', trx('bookings').select('id').where('customer_name', ERASED)).update({ payload: '{}' });
      if (ref.email) await trx('chat_contact_requests').whereRaw('lower(email) = ?', [ref.email]).delete();
      const conversations = conversationIds.length ? await trx('conversations').whereIn('id', conversationIds).delete() : 0;
      const orders = await this.orders(trx, input.pluginId, ref).delete();
      // An earlier data request's export holds all of the above: it goes too.
      const customerIds = idVariants(ref.customerId);
      await trx('privacy_exports')
        .where((q) => {
          if (customerIds.length) q.orWhereIn('customer_id', customerIds);
          if (ref.email) q.orWhereRaw('lower(email) = ?', [ref.email]);
          if (!customerIds.length && !ref.email) q.whereRaw('false');
        })
        .delete();
      await this.audit.record(trx, tenantId, {
        action: 'privacy.customer_redacted',
        actor: { email: 'system' },
        details: { pluginId: input.pluginId, externalId: input.externalId, conversations, bookings, orders },
        at: this.clock(),
      });
      return { conversations, bookings, orders };
    });
  }

  /** Everything we hold about the customer, stored as an export the merchant can download. */
  async exportCustomer(tenantId: string, input: { pluginId: string; externalId: string; installationId?: string; requestId?: string } & CustomerRef): Promise<string> {
    const ref = normalized(input);
    return this.db.tenant(tenantId, async (trx) => {
      const conversations = await this.conversations(trx, ref).select('id', 'bot_id', 'status', 'locale', 'verified_customer_id', 'verified_email', 'contact_email', 'created_at', 'updated_at');
      const ids = conversations.map((c) => c.id as string);
      const messages = ids.length ? await trx('chat_messages').whereIn('conversation_id', ids).orderBy('created_at').select('conversation_id', 'role', 'text', 'created_at') : [];
      const contactRequests = ref.email ? await trx('chat_contact_requests').whereRaw('lower(email) = ?', [ref.email]).select('conversation_id', 'email', 'text', 'created_at') : [];
      const bookings = await this.bookings(trx, ref, ids).select('id', 'status', 'start_at', 'end_at', 'customer_name', 'customer_email', 'customer_phone', 'notes', 'cancel_reason', 'created_at');
      const orders = await this.orders(trx, input.pluginId, ref).select('source', 'external_id', 'number', 'email', 'customer_id', 'status', 'placed_at', 'total', 'items', 'tracking');
      const data = {
        customer: { customerId: ref.customerId ?? null, email: ref.email ?? null },
        conversations: conversations.map((c) => ({ ...c, messages: messages.filter((m) => m.conversation_id === c.id) })),
        contactRequests,
        bookings,
        orders,
      };
      const [row] = await trx('privacy_exports')
        .insert({
          tenant_id: tenantId,
          plugin_id: input.pluginId,
          installation_id: input.installationId ?? null,
          customer_id: ref.customerId ?? null,
          email: ref.email ?? null,
          request_id: input.requestId ?? null,
          data: JSON.stringify(data),
        })
        .returning('id');
      await this.audit.record(trx, tenantId, {
        action: 'privacy.data_request',
        actor: { email: 'system' },
        details: { pluginId: input.pluginId, externalId: input.externalId, exportId: row.id, requestId: input.requestId ?? null, conversations: conversations.length, bookings: bookings.length, orders: orders.length },
        at: this.clock(),
      });
      return row.id as string;
    });
  }

  /** What one installation brought; the installation row itself is marked `redacted` by the caller. */
  async redactShop(tenantId: string, input: { pluginId: string; externalId: string; installationId: string }): Promise<void> {
    await this.db.tenant(tenantId, async (trx) => {
      await trx('products').where({ installation_id: input.installationId }).delete();
      const others = await trx('plugin_installations').where({ plugin_id: input.pluginId }).whereNot({ id: input.installationId }).whereNot('status', 'redacted').count<{ count: number }[]>('* as count');
      const alone = Number(others[0]?.count ?? 0) === 0;
      if (alone) {
        // Cached orders and the plugin's kv carry no installation id: only when no other account of the plugin shares them.
        await trx('orders').where({ source: input.pluginId }).delete();
        await trx('plugin_kv').where({ plugin_id: input.pluginId }).delete();
        await trx('products').where({ source: input.pluginId }).delete();
      }
      await trx('privacy_exports').where({ installation_id: input.installationId }).delete();
      await trx('webhook_deliveries').where({ plugin_id: input.pluginId }).whereIn('status', ['processed', 'dead']).update({ payload: Buffer.alloc(0), headers: '{}' });
      await this.audit.record(trx, tenantId, { action: 'privacy.shop_redacted', actor: { email: 'system' }, details: { pluginId: input.pluginId, externalId: input.externalId }, at: this.clock() });
    });
  }

  listExports(tenantId: string) {
    return this.db.tenant(tenantId, (trx) =>
      trx('privacy_exports').orderBy('created_at', 'desc').limit(200).select('id', 'plugin_id', 'customer_id', 'email', 'request_id', 'created_at'),
    );
  }

  getExport(tenantId: string, id: string) {
    return this.db.tenant(tenantId, (trx) => trx('privacy_exports').where({ id }).first('id', 'plugin_id', 'customer_id', 'email', 'request_id', 'data', 'created_at'));
  }
}
