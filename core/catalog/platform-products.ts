import { moneyFromDecimal, toMinorUnits, type CatalogProduct } from '@concierge/plugin-sdk';
import { sql, type Database, type SqlStatement } from '../db/database.ts';
import { WriteGroups } from '../db/write-groups.ts';

/**
 * Products that come from a platform plugin (catalog sync and product webhooks, issue #10), written
 * into the same `products` table the chat's product tools search: source = plugin id, the platform's
 * external id, the installation they came from, and the platform's time of the change, so an older
 * webhook delivery never overwrites a newer row.
 */

/**
 * A platform's price in the currency's minor units (JPY 0 decimals, EUR 2, KWD 3 — money.ts). Lenient
 * where the merchant API is strict: a platform's extra decimals are rounded, never a failed sync page.
 */
export function platformMinorUnits(amount: string, currency: string): number {
  const money = moneyFromDecimal(amount, currency) ?? { amount: '0', currency };
  return toMinorUnits(money.amount, money.currency);
}

/** The columns an upsert writes (besides `tenant_id` and `updated_at`), in the order of its bindings. */
const UPSERT_COLUMNS = ['source', 'external_id', 'installation_id', 'handle', 'title', 'description', 'price_cents', 'currency', 'url', 'image_url', 'tags', 'variants', 'source_updated_at'] as const;
/** Written again on a conflict: all of them but the key (`handle`). */
const MERGED = UPSERT_COLUMNS.filter((c) => c !== 'handle');

/** One product to upsert, with where it came from and (for a webhook) the platform's time of the change. */
export interface PlatformProductWrite {
  source: string;
  installationId: string;
  product: CatalogProduct;
  /** The platform's time of the change; absent (a full sync) = written whatever is stored. */
  occurredAt?: string | undefined;
}

/**
 * An ISO time in microseconds since the epoch, PostgreSQL's precision (a platform may send
 * nanoseconds: Shopify's X-Shopify-Triggered-At does). Date.parse alone stops at milliseconds.
 */
function micros(iso: string): number {
  const fraction = /\.(\d+)/.exec(iso);
  const whole = Date.parse(fraction ? iso.replace(fraction[0], '') : iso);
  return whole * 1000 + (fraction ? Math.round(Number(`0.${fraction[1]}`) * 1e6) : 0);
}

/** A write as it stands after others of its handle: `force` = it is written whatever time is stored. */
type Standing = { write: PlatformProductWrite; force: boolean };

/**
 * What running `earlier` then `later` (one handle, in arrival order) amounts to, as one write. A
 * write without the platform's time is always written and leaves no time stored, so a timed write
 * after it is written whatever was stored before; of two timed writes the later stands unless the
 * earlier is newer (its guard then keeps the earlier's row).
 */
function standing(earlier: Standing, later: PlatformProductWrite): Standing {
  if (!later.occurredAt) return { write: later, force: false };
  if (!earlier.write.occurredAt) return { write: later, force: true };
  if (micros(earlier.write.occurredAt) > micros(later.occurredAt)) return earlier;
  return { write: later, force: earlier.force };
}

/**
 * The writes to send, one per handle, and the handles to write whatever time is stored. A
 * multi-row upsert cannot touch a row twice; running only the standing write of each handle leaves
 * the table as running all of them in order would.
 */
export function coalesceProductWrites(writes: readonly PlatformProductWrite[]): { writes: PlatformProductWrite[]; forced: string[] } {
  const byHandle = new Map<string, Standing>();
  for (const write of writes) {
    const before = byHandle.get(write.product.handle);
    byHandle.set(write.product.handle, before ? standing(before, write) : { write, force: false });
  }
  const kept = [...byHandle.values()];
  return { writes: kept.map((k) => k.write), forced: kept.filter((k) => k.force).map((k) => k.write.product.handle) };
}

/**
 * Upserts by (tenant, handle), as SQL: every product webhook runs it, and building it with knex cost
 * more CPU than PostgreSQL spent running it (issue 13). Several writes go in one multi-row statement
 * (a sync page, or the deliveries of a webhook burst: see plugins.http.ts); each keeps its own guard:
 * a row the platform changed later than the write's `occurredAt` is left as it is.
 */
export function productUpsertStatement(tenantId: string, writes: readonly PlatformProductWrite[]): SqlStatement<{ id: string }[]> {
  const { writes: kept, forced } = coalesceProductWrites(writes);
  const bindings: unknown[] = [tenantId];
  const tuples = kept.map(({ source, installationId, product: p, occurredAt }) => {
    const values = [
      source,
      p.externalId,
      installationId,
      p.handle,
      p.title,
      p.description,
      platformMinorUnits(p.price.amount, p.price.currency),
      p.price.currency,
      p.url ?? null,
      p.imageUrl ?? null,
      p.tags ?? [],
      JSON.stringify(p.variants ?? []),
      occurredAt ?? null,
    ];
    const at = bindings.length;
    bindings.push(...values);
    return `($1, ${values.map((_, i) => `$${at + i + 1}`).join(', ')}, now())`;
  });
  bindings.push(forced);
  return sql(
    `INSERT INTO products (tenant_id, ${UPSERT_COLUMNS.join(', ')}, updated_at) VALUES ${tuples.join(', ')}
     ON CONFLICT (tenant_id, handle) DO UPDATE SET ${[...MERGED, 'updated_at'].map((c) => `${c} = excluded.${c}`).join(', ')}
     WHERE excluded.source_updated_at IS NULL OR products.source_updated_at IS NULL OR products.source_updated_at <= excluded.source_updated_at
       OR excluded.handle = ANY($${bindings.length}::text[])
     RETURNING id`,
    bindings,
  );
}

export class PlatformProducts {
  /** Product upserts, grouped and not waiting for the disk (see upsert). */
  private readonly upserts: WriteGroups;

  constructor(private readonly db: Database) {
    this.upserts = new WriteGroups(db, { durable: false });
  }

  /**
   * Upserts by (tenant, handle); with `occurredAt` a row the platform changed later is kept as it is.
   * Returns how many rows were written (a handle given twice is written once).
   */
  upsert(tenantId: string, input: { source: string; installationId: string; products: CatalogProduct[]; occurredAt?: string }): Promise<number> {
    if (input.products.length === 0) return Promise.resolve(0);
    // Grouped with the upserts arriving at the same time (webhook bursts): one message, one commit.
    // The commit does not wait for the disk: whoever delivered these products writes a durable
    // record of being done later (a sync's finish, a webhook delivery marked processed, itself
    // reprocessed until then), and WAL reaches the disk in order, so that record's flush carries
    // this row with it; a crash before it redoes the work.
    const writes = input.products.map((product) => ({ source: input.source, installationId: input.installationId, product, occurredAt: input.occurredAt }));
    return this.upserts.run(tenantId, () => productUpsertStatement(tenantId, writes)).then((written) => written.length);
  }

  /** Deletes unless the stored row is newer than the delivery. */
  delete(tenantId: string, input: { source: string; externalId: string; occurredAt?: string }): Promise<number> {
    return this.db.tenant(tenantId, (trx) => {
      const query = trx('products').where({ source: input.source, external_id: input.externalId });
      if (input.occurredAt) query.where((q) => q.whereNull('source_updated_at').orWhere('source_updated_at', '<=', input.occurredAt!));
      return query.delete();
    });
  }

  /** After a full sync: rows of the installation the platform no longer has (not written since the sync started). */
  deleteStale(tenantId: string, installationId: string): Promise<number> {
    return this.db.tenant(tenantId, (trx) =>
      trx('products')
        .where({ installation_id: installationId })
        .whereRaw('updated_at < (SELECT sync_started_at FROM plugin_installations WHERE tenant_id = products.tenant_id AND id = ?)', [installationId])
        .delete(),
    );
  }

  /** Everything that came from one installation (shop redaction). */
  deleteInstallation(tenantId: string, installationId: string): Promise<number> {
    return this.db.tenant(tenantId, (trx) => trx('products').where({ installation_id: installationId }).delete());
  }

  count(tenantId: string, installationId: string): Promise<number> {
    return this.db.tenant(tenantId, async (trx) => Number((await trx('products').where({ installation_id: installationId }).count<{ count: number }[]>('* as count'))[0]?.count ?? 0));
  }
}
