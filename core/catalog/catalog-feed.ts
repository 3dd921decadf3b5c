import { Parser } from 'htmlparser2';
import type { ProductInputBody } from './catalog.schema.ts';
import { MAX_IMPORT_ERRORS, MAX_IMPORT_ROWS, productsFromRows, type ImportRow, type ImportRowError, type ParsedCsv } from './catalog-csv.ts';

/**
 * A Google Merchant product feed (RSS 2.0 `<item>`s, or Atom `<entry>`s, with the
 * `xmlns:g="http://base.google.com/ns/1.0"` fields) → the same product records as a CSV import
 * (issue #18). Each item becomes a row under the CSV's column names and goes through the CSV's
 * assembly and validation (catalog-csv.ts `productsFromRows`): items sharing `g:item_group_id`
 * are variants of one product (handle = the group id; `g:id` is the variant's SKU), others are
 * products of their own (handle = `g:id`). Errors name the item's line and the feed field.
 * XML is read by htmlparser2 in XML mode: no DTDs, no external entities, nothing fetched.
 */

/** CSV column → the feed field a row error is about. */
const FEED_FIELD: Record<string, string> = {
  handle: 'g:id',
  title: 'g:title',
  description: 'g:description',
  price: 'g:price',
  currency: 'g:price',
  url: 'g:link',
  images: 'g:image_link',
  image_url: 'g:image_link',
  availability: 'g:availability',
  tags: 'g:product_type',
  variant_sku: 'g:id',
  variant_title: 'g:title',
  variant_price: 'g:price',
  variant_available: 'g:availability',
  size: 'g:size',
  color: 'g:color',
};

/** A feed id as a handle: letters, digits, ".", "_" and "-", starting with a letter or digit. */
const handleOf = (id: string) => id.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 200);

/** "129.00 EUR" or "EUR 129.00" → amount and currency; neither when it is something else. */
function priceOf(value: string | undefined): { amount?: string; currency?: string } {
  if (!value) return {};
  const v = value.trim();
  const after = /^([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})$/.exec(v);
  if (after) return { amount: after[1]!.replace(',', '.'), currency: after[2]!.toUpperCase() };
  const before = /^([A-Za-z]{3})\s*([0-9]+(?:[.,][0-9]+)?)$/.exec(v);
  if (before) return { amount: before[2]!.replace(',', '.'), currency: before[1]!.toUpperCase() };
  return {};
}

interface Item {
  line: number;
  fields: Map<string, string[]>;
}

export function parseProductFeed(xml: string): ParsedCsv<ProductInputBody> {
  const errors: ImportRowError[] = [];
  const items: Item[] = [];
  const newlines: number[] = [];
  for (let i = xml.indexOf('\n'); i >= 0; i = xml.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (index: number) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };

  let root: string | undefined;
  let item: Item | undefined;
  let field: string | undefined;
  let text = '';
  let tooMany = false;
  const parser = new Parser(
    {
      onopentag(name) {
        const tag = name.toLowerCase();
        root ??= tag;
        if (!item && (tag === 'item' || tag === 'entry')) {
          if (items.length >= MAX_IMPORT_ROWS) tooMany = true;
          else item = { line: lineAt(parser.startIndex), fields: new Map() };
          return;
        }
        if (item) {
          field = tag;
          text = '';
        }
      },
      ontext(data) {
        if (item && field) text += data;
      },
      onclosetag(name) {
        const tag = name.toLowerCase();
        if (item && (tag === 'item' || tag === 'entry')) {
          items.push(item);
          item = undefined;
          field = undefined;
          return;
        }
        if (item && field === tag) {
          const value = text.trim();
          if (value) item.fields.set(tag, [...(item.fields.get(tag) ?? []), value]);
          field = undefined;
        }
      },
    },
    { xmlMode: true, decodeEntities: true, recognizeCDATA: true },
  );
  parser.write(xml.replace(/\0/g, ''));
  parser.end();

  if (root === 'urlset' || root === 'sitemapindex') {
    errors.push({ line: 1, column: null, message: 'this is a sitemap (a list of pages, without prices): give the URL of the Google Merchant product feed' });
    return { records: [], errors, total: 0 };
  }
  if (root !== 'rss' && root !== 'feed') {
    errors.push({ line: 1, column: null, message: 'not a product feed: expected RSS 2.0 (<rss>) or Atom (<feed>) with Google Merchant g: fields' });
    return { records: [], errors, total: 0 };
  }
  if (tooMany) {
    errors.push({ line: 1, column: null, message: `the feed has more than ${MAX_IMPORT_ROWS} items; at most ${MAX_IMPORT_ROWS} per import` });
    return { records: [], errors, total: 0 };
  }

  const rows: ImportRow[] = [];
  // Items refused here (no id, no usable price) still count as products of the feed.
  const refused = new Set<string>();
  for (const { line, fields } of items) {
    const one = (...names: string[]) => names.map((n) => fields.get(n)?.[0]).find((v) => v !== undefined);
    const id = one('g:id', 'id');
    if (!id) {
      errors.push({ line, column: 'g:id', message: 'is missing' });
      refused.add(`line:${line}`);
      continue;
    }
    const group = one('g:item_group_id');
    const cells = new Map<string, string>();
    const set = (column: string, value: string | undefined) => {
      if (value !== undefined && value !== '') cells.set(column, value);
    };
    const rawPrice = one('g:price');
    const price = priceOf(rawPrice);
    if (!price.amount || !price.currency) {
      errors.push({ line, column: 'g:price', message: rawPrice ? 'must be an amount and a currency such as "129.00 EUR"' : 'is missing' });
      refused.add(handleOf(group ?? id).toLowerCase());
      continue;
    }
    set('handle', handleOf(group ?? id));
    set('title', one('g:title', 'title'));
    set('description', one('g:description', 'description', 'summary'));
    set('price', price.amount);
    set('currency', price.currency);
    set('url', one('g:link', 'link'));
    set('images', [...(fields.get('g:image_link') ?? []), ...(fields.get('g:additional_image_link') ?? [])].slice(0, 20).join('|') || undefined);
    set('availability', one('g:availability'));
    const tags = [...(one('g:product_type')?.split('>') ?? []), ...(fields.get('g:brand') ?? [])].map((t) => t.trim()).filter(Boolean);
    set('tags', tags.length ? tags.join('|') : undefined);
    set('size', one('g:size'));
    set('color', one('g:color'));
    if (group) {
      set('variant_sku', id);
      set('variant_price', price.amount);
      const available = one('g:availability');
      if (available) set('variant_available', /^in[ _]stock$/i.test(available) ? 'true' : 'false');
    }
    rows.push({ line, cells });
  }
  const parsed = productsFromRows(rows, errors);
  const assembled = new Set(rows.map((r) => r.cells.get('handle')?.toLowerCase()));
  return {
    ...parsed,
    total: parsed.total + [...refused].filter((k) => !assembled.has(k)).length,
    errors: parsed.errors.map((e) => ({ ...e, column: e.column && e.column.startsWith('g:') ? e.column : e.column ? (FEED_FIELD[e.column] ?? e.column) : null })).slice(0, MAX_IMPORT_ERRORS),
  };
}
