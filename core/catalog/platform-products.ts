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

/**
 * Upserts by (tenant, handle), as SQL: every product webhook runs it, and building it with knex cost
 * more CPU than PostgreSQL spent running it (issue 13). With `occurredAt`, a row the platform
 * changed later than that is left as it is.
 */
function upsertStatement(tenantId: string, input: { source: string; installationId: string; products: CatalogProduct[]; occurredAt?: string }): SqlStatement<{ id: string }[]> {
  const bindings: unknown[] = [tenantId];
  const tuples = input.products.map((p) => {
    const values = [
      input.source,
      p.externalId,
      input.installationId,
      p.handle,
      p.title,
      p.description,
      platformMinorUnits(p.price.amount, p.price.currency),
      p.price.currency,
      p.url ?? null,
      p.imageUrl ?? null,
      p.tags ?? [],
      JSON.stringify(p.variants ?? []),
      input.occurredAt ?? null,
    ];
    const at = bindings.length;
    bindings.push(...values);
    return `($1, ${values.map((_, i) => `$${at + i + 1}`).join(', ')}, now())`;
  });
  let text = `INSERT INTO products (tenant_id, ${UPSERT_COLUMNS.join(', ')}, updated_at) VALUES ${tuples.join(', ')}
     ON CONFLICT (tenant_id, handle) DO UPDATE SET ${[...MERGED, 'updated_at'].map((c) => `${c} = excluded.${c}`).join(', ')}`;
  if (input.occurredAt) {
    bindings.push(input.occurredAt);
    text += ` WHERE products.source_updated_at IS NULL OR products.source_updated_at <= $${bindings.length}`;
  }
  return sql(`${text} RETURNING id`, bindings);
}

export class PlatformProducts {
  /** Product upserts, grouped and not waiting for the disk (see upsert). */
  private readonly upserts: WriteGroups;

  constructor(private readonly db: Database) {
    this.upserts = new WriteGroups(db, { durable: false });
  }

  /**
   * Upserts by (tenant, handle); with `occurredAt` a row the platform changed later is kept as it is.
   * Returns how many rows were written.
   */
  upsert(tenantId: string, input: { source: string; installationId: string; products: CatalogProduct[]; occurredAt?: string }): Promise<number> {
    if (input.products.length === 0) return Promise.resolve(0);
    // Grouped with the upserts arriving at the same time (webhook bursts): one message, one commit.
    // The commit does not wait for the disk: whoever delivered these products writes a durable
    // record of being done later (a sync's finish, a webhook delivery marked processed, itself
    // reprocessed until then), and WAL reaches the disk in order, so that record's flush carries
    // this row with it; a crash before it redoes the work.
    return this.upserts.run(tenantId, () => upsertStatement(tenantId, input)).then((written) => written.length);
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
