import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isPluginError } from '@concierge/plugin-sdk';
import {
  BULK_PRODUCTS_QUERY,
  BULK_START,
  bulkCursor,
  isOurQuery,
  isRunning,
  jsonlLines,
  MAX_LINE_BYTES,
  parseBulkCursor,
  ProductAssembler,
  readBulkPage,
} from '../../../../plugins/shopify/bulk.ts';

const P = (n: number) => `gid://shopify/Product/${n}`;
const V = (n: number) => `gid://shopify/ProductVariant/${n}`;
const product = (n: number) => ({ id: P(n), handle: `p${n}`, title: `Product ${n}` });
const variant = (n: number, parent: number) => ({ id: V(n), title: `V${n}`, price: '1.00', __parentId: P(parent) });

/** A JSONL body as Shopify's storage sends it, cut into chunks of `size` bytes. */
function body(lines: object[], size = 7): Readable {
  const bytes = Buffer.from(lines.map((l) => JSON.stringify(l) + '\n').join(''));
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const summary = (products: { id: string; variants?: { nodes: { id: string }[] } | null }[]) => products.map((p) => [p.id, (p.variants?.nodes ?? []).map((v) => v.id)]);

describe('jsonlLines', () => {
  it('yields whole lines with the byte offset each starts at, across chunk ends and multibyte characters', async () => {
    const text = '{"a":"é€"}\n\n{"b":2}\n{"c":"ü"}';
    const chunks = [...Buffer.from(text)].map((byte) => Buffer.from([byte]));
    const lines = await collect(jsonlLines(Readable.from(chunks), 100));
    expect(lines).toEqual([
      { offset: 100, text: '{"a":"é€"}' },
      { offset: 100 + Buffer.byteLength('{"a":"é€"}\n\n'), text: '{"b":2}' },
      { offset: 100 + Buffer.byteLength('{"a":"é€"}\n\n{"b":2}\n'), text: '{"c":"ü"}' },
    ]);
  });

  it('drops `skip` bytes first (a server that ignored Range sent the whole file)', async () => {
    const text = '{"a":1}\n{"b":2}\n{"c":3}\n';
    const lines = await collect(jsonlLines(Readable.from([Buffer.from(text.slice(0, 5)), Buffer.from(text.slice(5))]), 8, 8));
    expect(lines).toEqual([
      { offset: 8, text: '{"b":2}' },
      { offset: 16, text: '{"c":3}' },
    ]);
  });

  it('accepts string chunks and refuses a line longer than the limit', async () => {
    expect(await collect(jsonlLines(Readable.from(['{"a":1}\n', '{"b"', ':2}\n']), 0))).toEqual([
      { offset: 0, text: '{"a":1}' },
      { offset: 8, text: '{"b":2}' },
    ]);
    const huge = Readable.from([Buffer.alloc(MAX_LINE_BYTES, 0x61), Buffer.from('aa')]);
    await expect(collect(jsonlLines(huge, 0))).rejects.toSatisfy((e) => isPluginError(e, 'UPSTREAM_FAILED') && /longer than/.test((e as Error).message));
    expect(await collect(jsonlLines(Readable.from([Buffer.alloc(MAX_LINE_BYTES, 0x61), Buffer.from('\n')]), 0))).toHaveLength(1);
  });
});

describe('ProductAssembler', () => {
  it('attaches variants to their product whether they come before or after it, skips other lines', () => {
    const a = new ProductAssembler();
    expect(a.add(variant(11, 1))).toBe(false);
    expect(a.waiting).toBe(true);
    expect(a.holds(P(1))).toBe(false);
    expect(a.add(product(1))).toBe(true);
    expect(a.waiting).toBe(false);
    expect(a.holds(P(1))).toBe(true);
    expect(a.holds(undefined)).toBe(false);
    a.add(variant(12, 1));
    a.add({ id: 'gid://shopify/MediaImage/5', url: 'https://x', __parentId: P(1) });
    a.add({ id: 'gid://shopify/Collection/9', title: 'not a product' });
    a.add({ __parentId: P(1) });
    a.add(product(2));
    expect(a.size).toBe(2);
    const products = a.take();
    expect(summary(products)).toEqual([
      [P(1), [V(11), V(12)]],
      [P(2), []],
    ]);
    expect(products[0]).toMatchObject({ handle: 'p1', title: 'Product 1' });
    expect(products[0]!.variants!.nodes[0]).not.toHaveProperty('__parentId');
    expect(a.size).toBe(0);
  });

  it('keeps the children of a product it has not seen, and names those products', () => {
    const a = new ProductAssembler();
    a.add(variant(31, 3));
    a.add(variant(32, 3));
    a.add(variant(41, 4));
    expect(a.take()).toEqual([]);
    expect(a.orphanParents()).toEqual([P(3), P(4)]);
    a.add(product(3));
    expect(summary(a.take())).toEqual([[P(3), [V(31), V(32)]]]);
    expect(a.orphanParents()).toEqual([P(4)]);
  });
});

describe('readBulkPage', () => {
  const grouped = [product(1), variant(11, 1), variant(12, 1), product(2), variant(21, 2), product(3), product(4), variant(41, 4)];

  it('grouped file: ends a page before the next product, with that line as the next offset', async () => {
    const first = await readBulkPage(jsonlLines(body(grouped), 0), 2);
    expect(summary(first.products)).toEqual([
      [P(1), [V(11), V(12)]],
      [P(2), [V(21)]],
    ]);
    const bytes = grouped.slice(0, 5).reduce((n, l) => n + Buffer.byteLength(JSON.stringify(l)) + 1, 0);
    expect(first.nextOffset).toBe(bytes);
    const rest = Buffer.from(grouped.map((l) => JSON.stringify(l) + '\n').join('')).subarray(bytes);
    const second = await readBulkPage(jsonlLines(Readable.from([rest]), bytes), 2);
    expect(summary(second.products)).toEqual([
      [P(3), []],
      [P(4), [V(41)]],
    ]);
    expect(second).toMatchObject({ nextOffset: null, lateParents: [] });
  });

  it('children-first file: ends a page before the next product’s first child, never between a child and its product', async () => {
    const lines = [variant(11, 1), product(1), variant(21, 2), variant(22, 2), product(2), variant(31, 3), product(3)];
    const page = await readBulkPage(jsonlLines(body(lines), 0), 1);
    expect(summary(page.products)).toEqual([[P(1), [V(11)]]]);
    expect(page.nextOffset).toBe(Buffer.byteLength(JSON.stringify(lines[0]) + '\n' + JSON.stringify(lines[1]) + '\n'));
    const whole = await readBulkPage(jsonlLines(body(lines), 0), 100);
    expect(summary(whole.products)).toEqual([
      [P(1), [V(11)]],
      [P(2), [V(21), V(22)]],
      [P(3), [V(31)]],
    ]);
  });

  it('does not end a page while a child waits for its product further on', async () => {
    const lines = [product(1), variant(21, 2), product(3), product(2), product(4)];
    const page = await readBulkPage(jsonlLines(body(lines), 0), 1);
    expect(summary(page.products)).toEqual([[P(1), []]]);
    const page2 = await readBulkPage(jsonlLines(body(lines.slice(1)), 0), 1);
    expect(summary(page2.products)).toEqual([
      [P(3), []],
      [P(2), [V(21)]],
    ]);
    expect(page2.nextOffset).not.toBeNull();
  });

  it('names the products whose children came after their page (read again by id), and refuses a line that is not JSON', async () => {
    const page = await readBulkPage(jsonlLines(body([variant(91, 9), product(5)]), 0), 10);
    expect(summary(page.products)).toEqual([[P(5), []]]);
    expect(page).toMatchObject({ nextOffset: null, lateParents: [P(9)] });
    const bad = Readable.from([Buffer.from('{"id":"gid://shopify/Product/1"}\n{oops\n')]);
    await expect(readBulkPage(jsonlLines(bad, 0), 10)).rejects.toSatisfy((e) => isPluginError(e, 'UPSTREAM_FAILED') && /byte 33/.test((e as Error).message));
  });
});

describe('bulk cursors and operations', () => {
  it('writes and reads `bulk:<n>:<offset>` and `bulk:start`; anything else is not a bulk cursor', () => {
    expect(bulkCursor('gid://shopify/BulkOperation/123', 456)).toBe('bulk:123:456');
    expect(parseBulkCursor('bulk:123:456')).toEqual({ kind: 'operation', id: 'gid://shopify/BulkOperation/123', offset: 456 });
    expect(parseBulkCursor(BULK_START)).toEqual({ kind: 'start' });
    for (const cursor of ['bulk:123', 'bulk:x:1', 'bulk:1:-2', 'xbulk:1:2', 'bulk:1:2x', 'eyJsYXN0X2lkIjo1fQ==']) expect(parseBulkCursor(cursor), cursor).toBeUndefined();
    expect(() => bulkCursor('gid://shopify/Product/1', 0)).toThrow(/unexpected bulk operation id/);
  });

  it('knows which statuses still run and which query is ours', () => {
    expect(['CREATED', 'RUNNING', 'CANCELING'].every((s) => isRunning(s as never))).toBe(true);
    expect(['COMPLETED', 'CANCELED', 'FAILED', 'EXPIRED'].some((s) => isRunning(s as never))).toBe(false);
    expect(isOurQuery(BULK_PRODUCTS_QUERY)).toBe(true);
    expect(isOurQuery(`  ${BULK_PRODUCTS_QUERY.replace(/\n\s*/g, ' ')}\n`)).toBe(true);
    expect(isOurQuery('{ products { edges { node { id } } } }')).toBe(false);
    expect(isOurQuery(undefined)).toBe(false);
    expect(isOurQuery('')).toBe(false);
  });
});
