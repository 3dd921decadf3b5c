import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { FaqInputSchema, ProductInputSchema, type FaqInputBody, type ProductInputBody } from './catalog.schema.ts';

/**
 * CSV files → validated catalog records, with every problem named by line and column (issue #18).
 * csv-parse does the CSV dialect (quotes, embedded newlines, BOM, CRLF); this file maps columns.
 *
 * Products: one row per product, or one row per variant (rows sharing a `handle`; the first
 * carries the product fields). Columns, case-insensitive: handle, title, description, price,
 * currency, url, image_url (or images, "|"-separated), availability, tags ("|" or ","),
 * variant_sku, variant_title, variant_price, variant_available, size, color/colour, option_<name>.
 * FAQ: question, answer, locale.
 */

export interface ImportRowError {
  line: number;
  column: string | null;
  message: string;
}
export interface ParsedRecord<T> {
  line: number;
  key: string;
  value: T;
}
export interface ParsedCsv<T> {
  records: ParsedRecord<T>[];
  errors: ImportRowError[];
  /** Records in the file: distinct product handles, or FAQ rows. */
  total: number;
}

export const MAX_IMPORT_ROWS = 50_000;
export const MAX_IMPORT_ERRORS = 1_000;

/** One record of a file, by column name (CSV header, or a feed item's fields under CSV names). */
export interface ImportRow {
  line: number;
  cells: Map<string, string>;
}
type Row = ImportRow;

function readRows(text: string, errors: ImportRowError[]): { header: string[]; rows: Row[] } {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    // PostgreSQL text cannot hold NUL; no real catalog needs it.
    parsed = parse(text.replace(/\0/g, ''), { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: 100_000 }) as unknown as typeof parsed;
  } catch (error) {
    const e = error as { lines?: number; message?: string };
    errors.push({ line: e.lines ?? 1, column: null, message: `not readable as CSV: ${(e.message ?? 'parse error').replace(/^Invalid[^:]*:\s*/, '').slice(0, 200)}` });
    return { header: [], rows: [] };
  }
  const [head, ...body] = parsed;
  if (!head) return { header: [], rows: [] };
  const header = head.record.map((h) => h.trim().toLowerCase().replace(/\s+/g, '_'));
  if (body.length > MAX_IMPORT_ROWS) {
    errors.push({ line: 1, column: null, message: `the file has ${body.length} rows; at most ${MAX_IMPORT_ROWS} per import` });
    return { header, rows: [] };
  }
  const rows = body.map(({ record, info }) => {
    const cells = new Map<string, string>();
    header.forEach((name, i) => {
      const value = record[i];
      if (name && value !== undefined && value !== '') cells.set(name, value);
    });
    if (record.length > header.length) errors.push({ line: info.lines, column: null, message: `has ${record.length} cells but the header names ${header.length} columns` });
    return { line: info.lines, cells };
  });
  return { header, rows };
}

function requireColumns(header: string[], required: string[][], errors: ImportRowError[]): boolean {
  const missing = required.filter((names) => !names.some((n) => header.includes(n)));
  for (const names of missing) errors.push({ line: 1, column: names[0]!, message: `the header has no "${names[0]}" column` });
  return missing.length === 0;
}

const list = (value: string | undefined, separators: RegExp) =>
  value
    ? value
        .split(separators)
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

function bool(value: string | undefined): boolean | string | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (['true', 'yes', '1', 'y', 'in_stock', 'in stock'].includes(v)) return true;
  if (['false', 'no', '0', 'n', 'out_of_stock', 'out of stock'].includes(v)) return false;
  return value;
}

/** Which CSV column a zod issue path points at. */
function productColumn(path: PropertyKey[], cells: Map<string, string>): string | null {
  const [first, , third, fourth] = path.map(String);
  switch (first) {
    case 'price':
      return path[1] === 'currency' ? 'currency' : 'price';
    case 'images':
      return cells.has('images') ? 'images' : 'image_url';
    case 'variants':
      if (third === 'price') return fourth === 'currency' ? 'currency' : 'variant_price';
      if (third === 'options') return fourth ?? 'size';
      return third ? `variant_${third}` : 'variant_title';
    default:
      return first ?? null;
  }
}

function issuesToErrors(error: z.ZodError, line: number, column: (path: PropertyKey[]) => string | null, errors: ImportRowError[]): void {
  for (const issue of error.issues) errors.push({ line, column: column(issue.path), message: issue.message });
}

export function parseProductsCsv(text: string): ParsedCsv<ProductInputBody> {
  const errors: ImportRowError[] = [];
  const { header, rows } = readRows(text, errors);
  if (header.length === 0 || !requireColumns(header, [['handle'], ['title'], ['price'], ['currency']], errors)) return { records: [], errors, total: 0 };
  return productsFromRows(rows, errors);
}

/**
 * Rows under the CSV's column names → products: rows sharing a handle are variants of one
 * product (the first carries the product fields), each product validated, errors by line and column.
 * The product feed import (catalog-feed.ts) maps its items to these columns too.
 */
export function productsFromRows(rows: ImportRow[], errors: ImportRowError[]): ParsedCsv<ProductInputBody> {
  const products = new Map<string, { line: number; raw: Record<string, unknown>; cells: Map<string, string>; failed: boolean }>();
  const order: string[] = [];
  for (const { line, cells } of rows) {
    const handle = cells.get('handle');
    if (!handle) {
      errors.push({ line, column: 'handle', message: 'is empty' });
      continue;
    }
    const options: Record<string, string> = {};
    for (const [name, value] of cells) {
      if (name === 'size') options.size = value;
      else if (name === 'color' || name === 'colour') options.color = value;
      else if (name.startsWith('option_') && name.length > 7) options[name.slice(7)] = value;
    }
    const currency = cells.get('currency')?.toUpperCase();
    const variantTitle = cells.get('variant_title') ?? (cells.has('variant_sku') || Object.keys(options).length > 0 ? Object.values(options).join(' / ') || cells.get('variant_sku') : undefined);
    const variant =
      variantTitle !== undefined
        ? {
            ...(cells.get('variant_sku') ? { sku: cells.get('variant_sku') } : {}),
            title: variantTitle,
            ...(cells.get('variant_price') ? { price: { amount: cells.get('variant_price'), currency } } : {}),
            ...(cells.has('variant_available') ? { available: bool(cells.get('variant_available')) } : {}),
            ...(Object.keys(options).length > 0 ? { options } : {}),
          }
        : undefined;

    const existing = products.get(handle.toLowerCase());
    if (existing) {
      if (!variant) {
        errors.push({ line, column: 'handle', message: `"${handle}" already appears on line ${existing.line}` });
        continue;
      }
      (existing.raw.variants as unknown[]).push(variant);
      continue;
    }
    const images = list(cells.get('images'), /\s*\|\s*/) ?? list(cells.get('image_url'), /\s*\|\s*/);
    const raw: Record<string, unknown> = {
      handle,
      title: cells.get('title'),
      ...(cells.has('description') ? { description: cells.get('description') } : {}),
      price: { amount: cells.get('price'), currency },
      ...(cells.has('url') ? { url: cells.get('url') } : {}),
      ...(images ? { images } : {}),
      ...(cells.has('availability') ? { availability: cells.get('availability')!.toLowerCase().replace(/\s+/g, '_') } : {}),
      ...(cells.has('tags') ? { tags: list(cells.get('tags'), /\s*[|,]\s*/) } : {}),
      variants: variant ? [variant] : [],
    };
    products.set(handle.toLowerCase(), { line, raw, cells, failed: false });
    order.push(handle.toLowerCase());
  }

  const records: ParsedRecord<ProductInputBody>[] = [];
  for (const key of order) {
    const p = products.get(key)!;
    const result = ProductInputSchema.safeParse(p.raw);
    if (result.success) records.push({ line: p.line, key: result.data.handle, value: result.data });
    else issuesToErrors(result.error, p.line, (path) => productColumn(path, p.cells), errors);
  }
  errors.sort((x, y) => x.line - y.line);
  return { records, errors: errors.slice(0, MAX_IMPORT_ERRORS), total: order.length };
}

/** FAQ identity for upserts: the question in its language, compared without case or spacing. */
export const faqKey = (locale: string, question: string) => `${locale.toLowerCase()}\u001f${question.trim().replace(/\s+/g, ' ').toLowerCase()}`;

export function parseFaqCsv(text: string): ParsedCsv<FaqInputBody> {
  const errors: ImportRowError[] = [];
  const { header, rows } = readRows(text, errors);
  if (header.length === 0 || !requireColumns(header, [['question'], ['answer']], errors)) return { records: [], errors, total: 0 };
  const records: ParsedRecord<FaqInputBody>[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of rows) {
    const result = FaqInputSchema.safeParse({ question: cells.get('question') ?? '', answer: cells.get('answer') ?? '', ...(cells.has('locale') ? { locale: cells.get('locale') } : {}) });
    if (!result.success) {
      issuesToErrors(result.error, line, (path) => String(path[0] ?? '') || null, errors);
      continue;
    }
    const key = faqKey(result.data.locale, result.data.question);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({ line, column: 'question', message: `the same question already appears on line ${earlier}` });
      continue;
    }
    seen.set(key, line);
    records.push({ line, key, value: result.data });
  }
  errors.sort((x, y) => x.line - y.line);
  return { records, errors: errors.slice(0, MAX_IMPORT_ERRORS), total: rows.length };
}
