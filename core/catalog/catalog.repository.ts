import type { Database } from '../db/database.ts';

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
