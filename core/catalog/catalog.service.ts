import type { Database, Tx } from '../db/database.ts';
import { decodeKey, decodeKeyset, encodeKey, encodeKeyset } from '../kernel/cursor.ts';
import { catalogErrors } from './catalog.errors.ts';
import type { FaqInputBody, ProductInputBody } from './catalog.schema.ts';
import { faqKey, type ImportRowError, type ParsedCsv } from './catalog-csv.ts';
import { FAQ_COLUMNS, PRODUCT_COLUMNS, type FaqRecord, type ProductRecord } from './catalog.repository.ts';
import { fromMinorUnits, toMinorUnits } from '@concierge/plugin-sdk';

/**
 * The merchant's own catalog and FAQ (issue #18): CRUD, bulk upsert and the apply step of CSV
 * imports. Products a platform plugin syncs (source = plugin id) are read-only here: the
 * platform is their source of truth, and the next sync would undo an edit anyway.
 */

/** Sources the merchant edits here; any other source is a platform plugin's id. */
export const EDITABLE_SOURCES: ReadonlySet<string> = new Set(['manual', 'demo']);
export const isReadOnly = (source: string) => !EDITABLE_SOURCES.has(source);

export interface UpsertCounts {
  created: number;
  updated: number;
  unchanged: number;
}

type ProductDbFields = Omit<ProductRecord, 'tenant_id' | 'id' | 'source' | 'external_id' | 'created_at' | 'updated_at'>;

/** The stored form of a product input (prices in minor units, variant prices as Money). */
export function productFields(input: ProductInputBody): ProductDbFields {
  const currency = input.price.currency;
  return {
    handle: input.handle,
    title: input.title,
    description: input.description,
    price_cents: toMinorUnits(input.price.amount, currency),
    currency,
    url: input.url ?? null,
    image_url: input.images[0] ?? null,
    images: input.images,
    availability: input.availability,
    tags: input.tags,
    variants: input.variants.map((v) => ({
      ...(v.sku ? { sku: v.sku } : {}),
      title: v.title,
      ...(v.price ? { price: fromMinorUnits(toMinorUnits(v.price.amount, v.price.currency), v.price.currency) } : {}),
      available: v.available,
      ...(v.options ? { options: v.options } : {}),
    })),
  };
}

const canonical = (f: ProductDbFields | ProductRecord) =>
  JSON.stringify([f.title, f.description, String(f.price_cents), f.currency, f.url ?? null, f.images ?? [], f.availability, f.tags ?? [], f.variants ?? []]);

/** What differs between a stored product and new fields (names as on the wire). */
export function productChanges(before: ProductRecord, after: ProductDbFields): string[] {
  const out: string[] = [];
  const pairs: [string, unknown, unknown][] = [
    ['title', before.title, after.title],
    ['description', before.description, after.description],
    ['price', `${before.price_cents} ${before.currency}`, `${after.price_cents} ${after.currency}`],
    ['url', before.url ?? null, after.url],
    ['images', before.images ?? [], after.images],
    ['availability', before.availability, after.availability],
    ['tags', before.tags ?? [], after.tags],
    ['variants', before.variants ?? [], after.variants],
  ];
  for (const [name, a, b] of pairs) if (JSON.stringify(a) !== JSON.stringify(b)) out.push(name);
  return out;
}

export function productBody(row: ProductRecord) {
  const variants = (Array.isArray(row.variants) ? row.variants : []) as Record<string, unknown>[];
  return {
    id: row.id,
    handle: row.handle,
    title: row.title,
    description: row.description,
    price: fromMinorUnits(row.price_cents, row.currency),
    url: row.url,
    images: Array.isArray(row.images) && row.images.length > 0 ? row.images : row.image_url ? [row.image_url] : [],
    availability: row.availability as 'in_stock',
    tags: row.tags ?? [],
    variants: variants.map((v) => {
      const price =
        v.price && typeof v.price === 'object'
          ? (v.price as { amount: string; currency: string })
          : typeof v.priceCents === 'number'
            ? fromMinorUnits(v.priceCents, row.currency)
            : undefined;
      return {
        ...(typeof v.sku === 'string' ? { sku: v.sku } : {}),
        title: String(v.title ?? ''),
        ...(price ? { price } : {}),
        available: v.available !== false,
        ...(v.options && typeof v.options === 'object' ? { options: v.options as Record<string, string> } : {}),
      };
    }),
    source: row.source,
    externalId: row.external_id,
    readOnly: isReadOnly(row.source),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function faqBody(row: FaqRecord) {
  return { id: row.id, question: row.question, answer: row.answer, locale: row.locale, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
}

const readOnlyError = (row: { source: string; handle: string }) =>
  catalogErrors.readOnly(`Product "${row.handle}" is synced from ${row.source}; change it there (it is read-only here).`, { readOnly: true, source: row.source });

export interface PlannedProduct {
  line: number;
  key: string;
  action: 'create' | 'update' | 'unchanged';
  changes: string[];
  fields: ProductDbFields;
}

export class CatalogService {
  constructor(private readonly db: Database) {}

  // ------------------------------------------------------------------ products

  listProducts(tenantId: string, query: { limit: number; cursor?: string | undefined; q?: string | undefined }) {
    const after = decodeKey('products', query.cursor);
    return this.db.tenant(tenantId, async (trx) => {
      const q = trx('products').where({ tenant_id: tenantId });
      if (after) q.andWhere('handle', '>', after);
      if (query.q) q.andWhere((w) => w.whereILike('title', `%${query.q!.replace(/[\\%_]/g, '\\$&')}%`).orWhereILike('handle', `%${query.q!.replace(/[\\%_]/g, '\\$&')}%`));
      const rows = (await q.orderBy('handle').limit(query.limit + 1).select(...PRODUCT_COLUMNS)) as ProductRecord[];
      const page = rows.slice(0, query.limit);
      return { items: page.map(productBody), nextCursor: rows.length > query.limit ? encodeKey('products', page.at(-1)!.handle) : null };
    });
  }

  async getProduct(tenantId: string, id: string) {
    const row = await this.db.tenant(tenantId, (trx) => this.productRow(trx, tenantId, id));
    if (!row) throw catalogErrors.notFound('No product with this id in this store.');
    return productBody(row);
  }

  private async productRow(trx: Tx, tenantId: string, id: string): Promise<ProductRecord | undefined> {
    return (await trx('products').where({ tenant_id: tenantId, id }).first(...PRODUCT_COLUMNS)) as ProductRecord | undefined;
  }

  async createProduct(tenantId: string, input: ProductInputBody) {
    const fields = productFields(input);
    return this.db.tenant(tenantId, async (trx) => {
      const existing = await trx('products').where({ tenant_id: tenantId, handle: input.handle }).first('id', 'source', 'handle');
      if (existing) throw catalogErrors.handleTaken(`A product with handle "${input.handle}" exists (id ${existing.id}).`, { existingId: existing.id });
      const [row] = await trx('products')
        .insert({ tenant_id: tenantId, source: 'manual', ...fields, images: JSON.stringify(fields.images), variants: JSON.stringify(fields.variants) })
        .returning([...PRODUCT_COLUMNS]);
      return productBody(row as ProductRecord);
    });
  }

  async updateProduct(tenantId: string, id: string, patch: Partial<ProductInputBody>) {
    return this.db.tenant(tenantId, async (trx) => {
      const row = await this.productRow(trx, tenantId, id);
      if (!row) throw catalogErrors.notFound('No product with this id in this store.');
      if (isReadOnly(row.source)) throw readOnlyError(row);
      const current = productBody(row);
      const merged: ProductInputBody = {
        handle: patch.handle ?? current.handle,
        title: patch.title ?? current.title,
        description: patch.description ?? current.description,
        price: patch.price ?? current.price,
        url: patch.url !== undefined ? patch.url : current.url,
        images: patch.images ?? current.images,
        availability: patch.availability ?? (current.availability as ProductInputBody['availability']),
        tags: patch.tags ?? current.tags,
        variants: patch.variants ?? current.variants,
      };
      if (merged.handle !== row.handle && (await trx('products').where({ tenant_id: tenantId, handle: merged.handle }).first('id'))) {
        throw catalogErrors.handleTaken(`A product with handle "${merged.handle}" exists.`);
      }
      const fields = productFields(merged);
      const [saved] = await trx('products')
        .where({ tenant_id: tenantId, id })
        .update({ ...fields, images: JSON.stringify(fields.images), variants: JSON.stringify(fields.variants), updated_at: trx.fn.now() })
        .returning([...PRODUCT_COLUMNS]);
      return productBody(saved as ProductRecord);
    });
  }

  async deleteProduct(tenantId: string, id: string): Promise<void> {
    await this.db.tenant(tenantId, async (trx) => {
      const row = await this.productRow(trx, tenantId, id);
      if (!row) throw catalogErrors.notFound('No product with this id in this store.');
      if (isReadOnly(row.source)) throw readOnlyError(row);
      await trx('products').where({ tenant_id: tenantId, id }).delete();
    });
  }

  /** Classifies each record against the stored catalog; platform-synced handles become row errors. */
  async planProducts(trx: Tx, tenantId: string, records: { line: number; key: string; value: ProductInputBody }[], errors: ImportRowError[]): Promise<PlannedProduct[]> {
    const existing = new Map<string, ProductRecord>();
    for (let i = 0; i < records.length; i += 1000) {
      const rows = (await trx('products')
        .where({ tenant_id: tenantId })
        .whereIn('handle', records.slice(i, i + 1000).map((r) => r.key))
        .select(...PRODUCT_COLUMNS)) as ProductRecord[];
      for (const row of rows) existing.set(row.handle, row);
    }
    const out: PlannedProduct[] = [];
    for (const record of records) {
      let fields: ProductDbFields;
      try {
        fields = productFields(record.value);
      } catch (error) {
        errors.push({ line: record.line, column: 'price', message: (error as Error).message });
        continue;
      }
      const before = existing.get(record.key);
      if (before && isReadOnly(before.source)) {
        errors.push({ line: record.line, column: 'handle', message: `"${record.key}" is synced from ${before.source} and read-only here` });
        continue;
      }
      const action = !before ? 'create' : canonical(before) === canonical(fields) ? 'unchanged' : 'update';
      out.push({ line: record.line, key: record.key, action, changes: before && action === 'update' ? productChanges(before, fields) : [], fields });
    }
    return out;
  }

  /** Writes planned products (created and updated ones) in one statement. */
  async applyProducts(trx: Tx, tenantId: string, planned: PlannedProduct[]): Promise<UpsertCounts> {
    const writes = planned.filter((p) => p.action !== 'unchanged');
    if (writes.length > 0) {
      await trx('products')
        .insert(writes.map((p) => ({ tenant_id: tenantId, source: 'manual', ...p.fields, images: JSON.stringify(p.fields.images), variants: JSON.stringify(p.fields.variants) })))
        .onConflict(['tenant_id', 'handle'])
        .merge(['title', 'description', 'price_cents', 'currency', 'url', 'image_url', 'images', 'availability', 'tags', 'variants', 'updated_at']);
    }
    return count(planned);
  }

  async bulkUpsertProducts(tenantId: string, items: ProductInputBody[]): Promise<UpsertCounts> {
    const seen = new Set<string>();
    for (const [i, item] of items.entries()) {
      if (seen.has(item.handle)) throw catalogErrors.invalid([{ path: `body.items.${i}.handle`, message: `"${item.handle}" appears twice` }]);
      seen.add(item.handle);
    }
    return this.db.tenant(tenantId, async (trx) => {
      const errors: ImportRowError[] = [];
      const planned = await this.planProducts(trx, tenantId, items.map((value, i) => ({ line: i, key: value.handle, value })), errors);
      if (errors.length > 0) {
        const readOnly = errors.find((e) => /read-only/.test(e.message));
        if (readOnly) throw catalogErrors.readOnly(`Item ${readOnly.line}: ${readOnly.message}.`, { readOnly: true });
        throw catalogErrors.invalid(errors.map((e) => ({ path: `body.items.${e.line}.${e.column ?? ''}`, message: e.message })));
      }
      return this.applyProducts(trx, tenantId, planned);
    });
  }

  previewProducts(tenantId: string, parsed: ParsedCsv<ProductInputBody>) {
    return this.db.tenant(tenantId, async (trx) => {
      const errors = [...parsed.errors];
      const planned = await this.planProducts(trx, tenantId, parsed.records, errors);
      return preview(parsed.total, planned, errors);
    });
  }

  // ------------------------------------------------------------------ FAQ

  listFaq(tenantId: string, query: { limit: number; cursor?: string | undefined; q?: string | undefined }) {
    const after = decodeKeyset('faq', query.cursor);
    return this.db.tenant(tenantId, async (trx) => {
      const q = trx('faq_entries').where({ tenant_id: tenantId });
      if (after) q.andWhereRaw('(created_at, id) > (?::timestamptz, ?::uuid)', [after.at.toISOString(), after.id]);
      if (query.q) q.andWhereILike('question', `%${query.q.replace(/[\\%_]/g, '\\$&')}%`);
      const rows = (await q.orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(query.limit + 1).select(...FAQ_COLUMNS)) as FaqRecord[];
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return { items: page.map(faqBody), nextCursor: rows.length > query.limit && last ? encodeKeyset('faq', last.created_at, last.id) : null };
    });
  }

  async getFaq(tenantId: string, id: string) {
    const row = (await this.db.tenant(tenantId, (trx) => trx('faq_entries').where({ tenant_id: tenantId, id }).first(...FAQ_COLUMNS))) as FaqRecord | undefined;
    if (!row) throw catalogErrors.notFound('No FAQ entry with this id in this store.');
    return faqBody(row);
  }

  createFaq(tenantId: string, input: FaqInputBody) {
    return this.db.tenant(tenantId, async (trx) => {
      const [row] = await trx('faq_entries').insert({ tenant_id: tenantId, ...input }).returning([...FAQ_COLUMNS]);
      return faqBody(row as FaqRecord);
    });
  }

  updateFaq(tenantId: string, id: string, patch: Partial<FaqInputBody>) {
    return this.db.tenant(tenantId, async (trx) => {
      const [row] = await trx('faq_entries').where({ tenant_id: tenantId, id }).update({ ...patch, updated_at: trx.fn.now() }).returning([...FAQ_COLUMNS]);
      if (!row) throw catalogErrors.notFound('No FAQ entry with this id in this store.');
      return faqBody(row as FaqRecord);
    });
  }

  async deleteFaq(tenantId: string, id: string): Promise<void> {
    const deleted = await this.db.tenant(tenantId, (trx) => trx('faq_entries').where({ tenant_id: tenantId, id }).delete());
    if (deleted === 0) throw catalogErrors.notFound('No FAQ entry with this id in this store.');
  }

  async planFaq(trx: Tx, tenantId: string, records: { line: number; key: string; value: FaqInputBody }[]) {
    const locales = [...new Set(records.map((r) => r.value.locale))];
    const stored = locales.length
      ? ((await trx('faq_entries').where({ tenant_id: tenantId }).whereIn('locale', locales).select(...FAQ_COLUMNS)) as FaqRecord[])
      : [];
    const byKey = new Map(stored.map((r) => [faqKey(r.locale, r.question), r]));
    return records.map((r) => {
      const before = byKey.get(r.key);
      const action: PlannedProduct['action'] = !before ? 'create' : before.answer === r.value.answer && before.question === r.value.question ? 'unchanged' : 'update';
      return { line: r.line, key: r.value.question, action, changes: action === 'update' ? ['answer'] : [], value: r.value, id: before?.id };
    });
  }

  async applyFaq(trx: Tx, tenantId: string, planned: Awaited<ReturnType<CatalogService['planFaq']>>): Promise<UpsertCounts> {
    const creates = planned.filter((p) => p.action === 'create');
    if (creates.length > 0) await trx('faq_entries').insert(creates.map((p) => ({ tenant_id: tenantId, ...p.value })));
    for (const p of planned.filter((x) => x.action === 'update')) {
      await trx('faq_entries').where({ tenant_id: tenantId, id: p.id }).update({ question: p.value.question, answer: p.value.answer, updated_at: trx.fn.now() });
    }
    return count(planned);
  }

  bulkUpsertFaq(tenantId: string, items: FaqInputBody[]): Promise<UpsertCounts> {
    return this.db.tenant(tenantId, async (trx) => {
      const seen = new Set<string>();
      const records = items.map((value, i) => {
        const key = faqKey(value.locale, value.question);
        if (seen.has(key)) throw catalogErrors.invalid([{ path: `body.items.${i}.question`, message: 'appears twice' }]);
        seen.add(key);
        return { line: i, key, value };
      });
      return this.applyFaq(trx, tenantId, await this.planFaq(trx, tenantId, records));
    });
  }

  previewFaq(tenantId: string, parsed: ParsedCsv<FaqInputBody>) {
    return this.db.tenant(tenantId, async (trx) => preview(parsed.total, await this.planFaq(trx, tenantId, parsed.records), [...parsed.errors]));
  }
}

function count(planned: { action: PlannedProduct['action'] }[]): UpsertCounts {
  const out = { created: 0, updated: 0, unchanged: 0 };
  for (const p of planned) out[p.action === 'create' ? 'created' : p.action === 'update' ? 'updated' : 'unchanged']++;
  return out;
}

function preview(total: number, planned: { line: number; key: string; action: PlannedProduct['action']; changes: string[] }[], errors: ImportRowError[]) {
  errors.sort((a, b) => a.line - b.line);
  const interesting = [...planned.filter((p) => p.action !== 'unchanged'), ...planned.filter((p) => p.action === 'unchanged')].slice(0, 20);
  return {
    dryRun: true as const,
    total,
    valid: planned.length,
    ...count(planned),
    errors,
    sample: interesting.sort((a, b) => a.line - b.line).map(({ line, key, action, changes }) => ({ line, key, action, changes })),
  };
}
