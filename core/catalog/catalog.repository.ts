import type { Database } from '../db/database.ts';
import type { Tx } from '../db/database.ts';

export interface ProductInput {
  source: string;
  externalId?: string | null;
  handle: string;
  title: string;
  description: string;
  priceCents: number;
  currency: string;
  url?: string | null;
  imageUrl?: string | null;
  tags: string[];
  variants: unknown[];
}

export interface ProductRow {
  tenant_id: string;
  id: string;
  source: string;
  external_id: string | null;
  handle: string;
  title: string;
  description: string;
  price_cents: number;
  currency: string;
  url: string | null;
  image_url: string | null;
  tags: string[];
  variants: unknown[];
}

/** The store's catalog and FAQ as the assistant searches them. */
export class CatalogRepository {
  constructor(private readonly db: Database) {}

  upsertProducts(tenantId: string, products: ProductInput[]): Promise<number> {
    if (products.length === 0) return Promise.resolve(0);
    return this.db.tenant(tenantId, async (trx) => {
      const rows = products.map((p) => ({
        tenant_id: tenantId,
        source: p.source,
        external_id: p.externalId ?? null,
        handle: p.handle,
        title: p.title,
        description: p.description,
        price_cents: p.priceCents,
        currency: p.currency,
        url: p.url ?? null,
        image_url: p.imageUrl ?? null,
        tags: p.tags,
        variants: JSON.stringify(p.variants),
      }));
      const saved = await trx('products')
        .insert(rows)
        .onConflict(['tenant_id', 'handle'])
        .merge(['source', 'external_id', 'title', 'description', 'price_cents', 'currency', 'url', 'image_url', 'tags', 'variants'])
        .returning('id');
      return saved.length;
    });
  }

  deleteProductByExternalId(tenantId: string, source: string, externalId: string): Promise<number> {
    return this.db.tenant(tenantId, (trx) => trx('products').where({ source, external_id: externalId }).delete());
  }

  addFaq(tenantId: string, entries: { question: string; answer: string; locale?: string }[]): Promise<number> {
    if (entries.length === 0) return Promise.resolve(0);
    return this.db.tenant(tenantId, async (trx) => {
      const saved = await trx('faq_entries')
        .insert(entries.map((e) => ({ tenant_id: tenantId, question: e.question, answer: e.answer, locale: e.locale ?? 'en' })))
        .returning('id');
      return saved.length;
    });
  }

  countProducts(tenantId: string): Promise<number> {
    return this.db.tenant(tenantId, async (trx) => Number((await trx('products').count<{ count: number }[]>('* as count'))[0]?.count ?? 0));
  }
}

/** A products row as the merchant API reads it (issue #18 columns included). */
export interface ProductRecord extends ProductRow {
  availability: string;
  images: string[];
  created_at: Date;
  updated_at: Date;
}

export interface FaqRecord {
  tenant_id: string;
  id: string;
  question: string;
  answer: string;
  locale: string;
  created_at: Date;
  updated_at: Date;
}

export interface ImportJobRow {
  tenant_id: string;
  id: string;
  kind: 'products' | 'faq';
  status: 'queued' | 'running' | 'done' | 'failed';
  total: number;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  rows: unknown[];
  errors: { line: number; column: string | null; message: string }[];
  claimed_by: string | null;
  claim_expires_at: Date | null;
  created_at: Date;
  finished_at: Date | null;
}

export const PRODUCT_COLUMNS = [
  'tenant_id', 'id', 'source', 'external_id', 'handle', 'title', 'description', 'price_cents', 'currency', 'url', 'image_url',
  'images', 'availability', 'tags', 'variants', 'created_at', 'updated_at',
] as const;
export const FAQ_COLUMNS = ['tenant_id', 'id', 'question', 'answer', 'locale', 'created_at', 'updated_at'] as const;
const IMPORT_COLUMNS = ['tenant_id', 'id', 'kind', 'status', 'total', 'processed', 'created', 'updated', 'unchanged', 'errors', 'claimed_by', 'claim_expires_at', 'created_at', 'finished_at'] as const;

/** Import jobs: created by the merchant API, claimed by any instance's worker (FOR UPDATE SKIP LOCKED). */
export class ImportJobsRepository {
  constructor(private readonly db: Database) {}

  create(tenantId: string, job: { kind: 'products' | 'faq'; total: number; rows: unknown[]; errors: unknown[] }): Promise<ImportJobRow> {
    return this.db.tenant(tenantId, async (trx) => {
      const [row] = await trx('catalog_imports')
        .insert({ tenant_id: tenantId, kind: job.kind, total: job.total, rows: JSON.stringify(job.rows), errors: JSON.stringify(job.errors) })
        .returning([...IMPORT_COLUMNS]);
      return row as ImportJobRow;
    });
  }

  get(tenantId: string, id: string, kind: 'products' | 'faq'): Promise<ImportJobRow | undefined> {
    return this.db.tenant(tenantId, async (trx) => (await trx('catalog_imports').where({ tenant_id: tenantId, id, kind }).first(...IMPORT_COLUMNS)) as ImportJobRow | undefined);
  }

  /** Takes the oldest queued job, or one whose claim expired (its instance died); undefined when none. */
  claim(instanceId: string, now: Date, leaseMs: number): Promise<{ tenantId: string; id: string } | undefined> {
    return this.db.system(async (trx) => {
      const { rows } = await trx.raw<{ rows: { tenant_id: string; id: string }[] }>(
        `WITH next AS (
           SELECT tenant_id, id FROM catalog_imports
           WHERE status = 'queued' OR (status = 'running' AND claim_expires_at < :now)
           ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
         )
         UPDATE catalog_imports j SET status = 'running', claimed_by = :me, claim_expires_at = :expires
         FROM next WHERE j.tenant_id = next.tenant_id AND j.id = next.id
         RETURNING j.tenant_id, j.id`,
        { now, me: instanceId, expires: new Date(now.getTime() + leaseMs) },
      );
      const row = rows[0];
      return row ? { tenantId: row.tenant_id, id: row.id } : undefined;
    });
  }

  /** The job with its rows, inside the caller's tenant transaction; undefined when another instance holds it. */
  async loadOwned(trx: Tx, tenantId: string, id: string, instanceId: string): Promise<ImportJobRow | undefined> {
    return (await trx('catalog_imports').where({ tenant_id: tenantId, id, claimed_by: instanceId, status: 'running' }).forUpdate().first()) as ImportJobRow | undefined;
  }

  async saveProgress(trx: Tx, tenantId: string, id: string, patch: Partial<Pick<ImportJobRow, 'processed' | 'created' | 'updated' | 'unchanged' | 'status'>> & { errors?: unknown[]; finished?: Date; leaseUntil?: Date }): Promise<void> {
    const done = patch.status === 'done' || patch.status === 'failed';
    await trx('catalog_imports')
      .where({ tenant_id: tenantId, id })
      .update({
        ...(patch.processed !== undefined ? { processed: patch.processed } : {}),
        ...(patch.created !== undefined ? { created: patch.created, updated: patch.updated, unchanged: patch.unchanged } : {}),
        ...(patch.errors ? { errors: JSON.stringify(patch.errors) } : {}),
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.leaseUntil ? { claim_expires_at: patch.leaseUntil } : {}),
        ...(done ? { finished_at: patch.finished ?? new Date(), rows: '[]', claimed_by: null, claim_expires_at: null } : {}),
      });
  }
}
