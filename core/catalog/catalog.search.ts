import type { Database } from '../db/database.ts';
import type { ProductRow } from './catalog.repository.ts';

/**
 * Full-text search over the tenant's products and FAQ (PostgreSQL tsvector columns of migration
 * 20261122T0220), always inside `db.tenant`, so another store's rows cannot come back.
 *
 * Queries go through `websearch_to_tsquery` in both 'simple' (words as written: German, brand
 * names) and 'english' (stemmed) configurations. All words must match first; when that finds
 * nothing, any word may (a shopper's sentence rarely matches as a whole).
 */

/** What the search reads of a product row. */
export type CatalogProductRow = Pick<ProductRow, 'id' | 'title' | 'description' | 'price_cents' | 'currency' | 'url' | 'image_url' | 'tags' | 'variants'>;

export interface FaqRow {
  id: string;
  question: string;
  answer: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const STRICT = `(websearch_to_tsquery('simple', :q) || websearch_to_tsquery('english', :q))`;
const LOOSE = `(replace(websearch_to_tsquery('simple', :q)::text, ' & ', ' | ')::tsquery || replace(websearch_to_tsquery('english', :q)::text, ' & ', ' | ')::tsquery)`;

export class CatalogSearch {
  constructor(private readonly db: Database) {}

  searchProducts(tenantId: string, query: string, limit: number): Promise<CatalogProductRow[]> {
    return this.db.tenant(tenantId, async (trx) => {
      for (const tsquery of [STRICT, LOOSE]) {
        const { rows } = await trx.raw<{ rows: CatalogProductRow[] }>(
          `SELECT p.id, p.title, p.description, p.price_cents, p.currency, p.url, p.image_url, p.tags, p.variants
           FROM products p, (SELECT ${tsquery} AS query) q
           WHERE p.tenant_id = :tenantId AND p.search @@ q.query
           ORDER BY ts_rank_cd(p.search, q.query) DESC, p.title
           LIMIT :limit`,
          { q: query, tenantId, limit },
        );
        if (rows.length > 0) return rows;
      }
      return [];
    });
  }

  getProduct(tenantId: string, id: string): Promise<CatalogProductRow | undefined> {
    if (!UUID.test(id)) return Promise.resolve(undefined);
    return this.db.tenant(tenantId, async (trx) => {
      const row = await trx('products')
        .where({ tenant_id: tenantId, id })
        .first('id', 'title', 'description', 'price_cents', 'currency', 'url', 'image_url', 'tags', 'variants');
      return row as CatalogProductRow | undefined;
    });
  }

  searchFaq(tenantId: string, query: string, limit: number): Promise<FaqRow[]> {
    return this.db.tenant(tenantId, async (trx) => {
      for (const tsquery of [STRICT, LOOSE]) {
        const { rows } = await trx.raw<{ rows: FaqRow[] }>(
          `SELECT f.id, f.question, f.answer
           FROM faq_entries f, (SELECT ${tsquery} AS query) q
           WHERE f.tenant_id = :tenantId AND f.search @@ q.query
           ORDER BY ts_rank_cd(f.search, q.query) DESC, f.question
           LIMIT :limit`,
          { q: query, tenantId, limit },
        );
        if (rows.length > 0) return rows;
      }
      return [];
    });
  }
}
