import { DateTime } from 'luxon';
import type { LookupOrderResult, Order } from './orders.tools.schema.ts';
import { normalizeOrderStatus } from './order-status.ts';
import { normalizeOrderNumber, type OrderInput, type OrderRow, type OrdersRepository } from './orders.repository.ts';

/** The order summary a platform plugin emits (`order.upserted`) or finds; the SDK's OrderSummary shape. */
export interface PlatformOrder {
  externalId: string;
  number: string;
  email?: string;
  customerId?: string;
  status: string;
  financialStatus?: string;
  fulfillmentStatus?: string;
  placedAt: string;
  total: { amount: string; currency: string };
  items: { title: string; quantity: number }[];
  tracking?: { company?: string; number?: string; url?: string }[];
}

/** Asks the store's platform for an order the cache does not know (plugins with an `orders` capability). */
export type RemoteOrderLookup = (tenantId: string, input: { number: string; email: string }) => Promise<{ source: string; order: PlatformOrder } | undefined>;
/** A verified customer's recent orders from the platform (plugins' `findForCustomer`), newest first. */
export type RemoteCustomerOrders = (tenantId: string, input: { customerId: string; limit: number }) => Promise<{ source: string; orders: PlatformOrder[] }[]>;

export interface VerifiedCustomer {
  customerId: string;
  email?: string | undefined;
}

const sameEmail = (a: string | null | undefined, b: string | null | undefined) => Boolean(a && b && a.trim().toLowerCase() === b.trim().toLowerCase());

export function orderFromPlatform(source: string, o: PlatformOrder): OrderInput {
  const placed = DateTime.fromISO(o.placedAt, { setZone: true });
  return {
    source,
    externalId: o.externalId,
    number: o.number,
    email: o.email ?? null,
    customerId: o.customerId ?? null,
    status: normalizeOrderStatus(o),
    rawStatus: [o.status, o.financialStatus, o.fulfillmentStatus].filter(Boolean).join('/'),
    placedAt: placed.isValid ? placed.toJSDate() : new Date(),
    total: { amount: o.total.amount, currency: o.total.currency.toUpperCase() },
    items: o.items.map((i) => ({ title: i.title, quantity: i.quantity })),
    tracking: (o.tracking ?? []).map((t) => ({ ...(t.company ? { company: t.company } : {}), ...(t.number ? { number: t.number } : {}), ...(t.url ? { url: t.url } : {}) })),
  };
}


/** What the assistant sees of an order: status, items, total, tracking; placedAt in the store's zone. */
export function toToolOrder(row: OrderRow, timeZone: string): Order {
  const placed = DateTime.fromJSDate(row.placed_at).setZone(timeZone);
  return {
    number: row.number,
    status: row.status,
    placedAt: (placed.isValid ? placed : DateTime.fromJSDate(row.placed_at).toUTC()).toISO({ suppressMilliseconds: true })!,
    items: row.items,
    total: row.total,
    ...(row.tracking.length > 0 ? { tracking: row.tracking } : {}),
  };
}

/**
 * Order lookup for the assistant. The rule (issue #4): an order is shown only to a verified
 * customer it belongs to, or to whoever gives its number together with the email it was placed
 * with (case-insensitive). Otherwise the answer asks for what is missing, and a wrong pair is
 * "not_found" whether or not the number exists, so nothing is learnt from guessing.
 */
export class OrdersService {
  constructor(
    private readonly repository: OrdersRepository,
    private readonly remote?: RemoteOrderLookup,
    private readonly remoteForCustomer?: RemoteCustomerOrders,
  ) {}

  /**
   * Asks the platforms for a verified customer's orders when the cache has none to show, caches
   * what belongs to the customer (the core checks ownership again), and returns the cached rows.
   */
  private async refreshForCustomer(tenantId: string, verified: VerifiedCustomer): Promise<void> {
    if (!this.remoteForCustomer) return;
    const found = await this.remoteForCustomer(tenantId, { customerId: verified.customerId, limit: 5 });
    const mine = found.flatMap(({ source, orders }) =>
      orders.filter((o) => (o.customerId !== undefined && o.customerId === verified.customerId) || sameEmail(o.email ?? null, verified.email)).map((o) => orderFromPlatform(source, o)),
    );
    if (mine.length > 0) await this.repository.upsert(tenantId, mine);
  }

  async lookup(
    tenantId: string,
    input: { orderNumber?: string | undefined; email?: string | undefined; verified?: VerifiedCustomer | undefined; timeZone: string },
  ): Promise<LookupOrderResult> {
    const number = input.orderNumber ? normalizeOrderNumber(input.orderNumber) : '';
    const email = input.email?.trim() || undefined;
    const { verified } = input;

    if (verified) {
      const owns = (row: OrderRow) => (row.customer_id !== null && row.customer_id === verified.customerId) || sameEmail(row.email, verified.email);
      if (!number) {
        let [latest] = await this.repository.findForCustomer(tenantId, { customerId: verified.customerId, email: verified.email });
        if (!latest && this.remoteForCustomer) {
          await this.refreshForCustomer(tenantId, verified);
          [latest] = await this.repository.findForCustomer(tenantId, { customerId: verified.customerId, email: verified.email });
        }
        return latest ? { status: 'found', order: toToolOrder(latest, input.timeZone) } : { status: 'not_found' };
      }
      let mine = (await this.repository.findByNumber(tenantId, number)).find(owns);
      if (!mine && this.remoteForCustomer) {
        await this.refreshForCustomer(tenantId, verified);
        mine = (await this.repository.findByNumber(tenantId, number)).find(owns);
      }
      if (mine) return { status: 'found', order: toToolOrder(mine, input.timeZone) };
      // A verified customer may still ask about another order (e.g. a guest checkout) with its email.
      if (!email) return { status: 'not_found' };
    }

    const missing: ('orderNumber' | 'email')[] = [];
    if (!number) missing.push('orderNumber');
    if (!email) missing.push('email');
    if (missing.length > 0) return { status: 'verification_required', missing };

    const match = (await this.repository.findByNumber(tenantId, number)).find((row) => sameEmail(row.email, email));
    if (match) return { status: 'found', order: toToolOrder(match, input.timeZone) };

    if (this.remote) {
      const found = await this.remote(tenantId, { number, email: email! });
      // The plugin promises to check the email; the core checks again before showing anything.
      if (found && sameEmail(found.order.email, email) && normalizeOrderNumber(found.order.number) === number) {
        const saved = orderFromPlatform(found.source, found.order);
        await this.repository.upsert(tenantId, [saved]);
        const [row] = (await this.repository.findByNumber(tenantId, number)).filter((r) => sameEmail(r.email, email));
        if (row) return { status: 'found', order: toToolOrder(row, input.timeZone) };
      }
    }
    return { status: 'not_found' };
  }

  /** An `order.upserted` event from a platform plugin. */
  upsertFromPlatform(tenantId: string, source: string, order: PlatformOrder): Promise<number> {
    return this.repository.upsert(tenantId, [orderFromPlatform(source, order)]);
  }

  /** Orders from a source without a plugin (the demo store's seed). */
  importOrders(tenantId: string, orders: OrderInput[]): Promise<number> {
    return this.repository.upsert(tenantId, orders);
  }
}
