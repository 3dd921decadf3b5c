import type { Database } from '../db/database.ts';
import type { Money } from '../wire/shapes.ts';
import type { Order, OrderStatus } from './orders.tools.schema.ts';

/** One cached order, as the assistant may show it (never the customer's name or address). */
export interface OrderInput {
  /** 'demo' or the plugin id. */
  source: string;
  externalId: string;
  number: string;
  email?: string | null;
  customerId?: string | null;
  status: OrderStatus;
  rawStatus?: string | null;
  placedAt: Date;
  total: Money;
  items: Order['items'];
  tracking?: NonNullable<Order['tracking']>;
}

export interface OrderRow {
  tenant_id: string;
  id: string;
  source: string;
  external_id: string;
  number: string;
  email: string | null;
  customer_id: string | null;
  status: OrderStatus;
  raw_status: string | null;
  placed_at: Date;
  total: Money;
  items: Order['items'];
  tracking: NonNullable<Order['tracking']>;
}

/** Order numbers are compared without the "#" some platforms put in front. */
export function normalizeOrderNumber(value: string): string {
  return value.trim().replace(/^#\s*/, '');
}

/** The tenant's order cache (migration 20261122T0841). */
export class OrdersRepository {
  constructor(private readonly db: Database) {}

  upsert(tenantId: string, orders: OrderInput[]): Promise<number> {
    if (orders.length === 0) return Promise.resolve(0);
    return this.db.tenant(tenantId, async (trx) => {
      const rows = orders.map((o) => ({
        tenant_id: tenantId,
        source: o.source,
        external_id: o.externalId,
        number: normalizeOrderNumber(o.number),
        email: o.email?.trim() || null,
        customer_id: o.customerId || null,
        status: o.status,
        raw_status: o.rawStatus ?? null,
        placed_at: o.placedAt,
        total: JSON.stringify(o.total),
        items: JSON.stringify(o.items),
        tracking: JSON.stringify(o.tracking ?? []),
      }));
      const saved = await trx('orders')
        .insert(rows)
        .onConflict(['tenant_id', 'source', 'external_id'])
        .merge(['number', 'email', 'customer_id', 'status', 'raw_status', 'placed_at', 'total', 'items', 'tracking', 'updated_at'])
        .returning('id');
      return saved.length;
    });
  }

  /** Every cached order with this number (several sources may reuse a number), newest first. */
  findByNumber(tenantId: string, number: string): Promise<OrderRow[]> {
    const n = normalizeOrderNumber(number);
    return this.db.tenant(tenantId, (trx) =>
      trx<OrderRow>('orders').where({ tenant_id: tenantId, number: n }).orderBy('placed_at', 'desc').limit(20),
    );
  }

  /** A verified customer's newest orders, matched by customer id or (case-insensitive) email. */
  findForCustomer(tenantId: string, customer: { customerId?: string; email?: string }, limit = 5): Promise<OrderRow[]> {
    if (!customer.customerId && !customer.email) return Promise.resolve([]);
    return this.db.tenant(tenantId, (trx) =>
      trx<OrderRow>('orders')
        .where({ tenant_id: tenantId })
        .andWhere((q) => {
          if (customer.customerId) q.orWhere('customer_id', customer.customerId);
          if (customer.email) q.orWhereRaw('lower(email) = lower(?)', [customer.email.trim()]);
        })
        .orderBy('placed_at', 'desc')
        .limit(limit),
    );
  }

  /** Privacy requests: forget a customer's cached orders. */
  deleteForCustomer(tenantId: string, customer: { customerId?: string; email?: string }): Promise<number> {
    if (!customer.customerId && !customer.email) return Promise.resolve(0);
    return this.db.tenant(tenantId, (trx) =>
      trx('orders')
        .where({ tenant_id: tenantId })
        .andWhere((q) => {
          if (customer.customerId) q.orWhere('customer_id', customer.customerId);
          if (customer.email) q.orWhereRaw('lower(email) = lower(?)', [customer.email.trim()]);
        })
        .delete(),
    );
  }
}
