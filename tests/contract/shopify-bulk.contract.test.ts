import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPluginError, type CatalogPage, type PluginContext } from '@concierge/plugin-sdk';
import { createTestContext } from '@concierge/plugin-sdk/testkit';
import shopify, { catalogSync } from '../../plugins/shopify/index.ts';
import { gid, startFakeShopify, type FakeShop, type FakeShopify } from '../fakes/shopify/index.ts';

/**
 * Catalog sync through a bulk operation (issue 10, decision 0022), against the fake Shopify's state:
 * which path ran (bulk operations started, ProductsPage queries seen), what the file requests asked
 * for (Range), and every product with every variant compared with the fake's own records.
 */

let fake: FakeShopify;
const defaults = { ...catalogSync };
/** Read by the fake when an operation starts: how long it stays RUNNING at least. */
const fakeOptions = { throttle: { maximumAvailable: 2000, restoreRate: 1000 }, bulkCompletionMs: 50 };

beforeAll(async () => {
  fake = await startFakeShopify(fakeOptions);
  catalogSync.pollMs = 20;
});
afterEach(() => {
  catalogSync.bulkThreshold = defaults.bulkThreshold;
  fakeOptions.bulkCompletionMs = 50;
  Object.assign(fake.bulkFiles, { order: 'as-asked', ignoreRange: false, failDownloads: [] });
});
afterAll(async () => {
  Object.assign(catalogSync, defaults);
  await shopify.teardown?.();
  await fake?.close();
});

let shopNumber = 0;
function newShop(products: number): FakeShop {
  const shop = fake.shops.create({ name: `bulk-${++shopNumber}`, email: `owner${shopNumber}@bulk.test`, currencyCode: 'EUR' });
  fake.seedProducts(shop, products, { seed: shopNumber });
  return shop;
}

function installation(shop: FakeShop, warnings: string[] = []): PluginContext<never, never, never> {
  const issued = fake.issueToken(shop, { expiring: true });
  return createTestContext({
    pluginId: 'shopify',
    externalId: shop.domain,
    settings: { apiKey: fake.apiKey, apiSecret: fake.apiSecret, scopes: 'read_products', upstream: fake.url },
    config: { currency: 'EUR' },
    secrets: { accessToken: issued.accessToken, refreshToken: issued.refreshToken ?? undefined, expiresAt: new Date(issued.expiresAt!).toISOString() },
    logger: { debug() {}, info() {}, error() {}, warn: (_details: unknown, message?: string) => void warnings.push(String(message)) } as never,
  }) as never;
}

interface Walk {
  products: Map<string, { title: string; variants: string[] }>;
  pages: CatalogPage[];
  cursors: (string | undefined)[];
}

/** Drives catalog.list the way the host does: same cursor again after `retryAfterMs`, until `nextCursor` is null. */
async function walk(ctx: PluginContext<never, never, never>, limit = 100, after?: (page: CatalogPage, calls: number) => void, start?: string): Promise<Walk> {
  const out: Walk = { products: new Map(), pages: [], cursors: [] };
  let cursor = start;
  for (let calls = 1; calls < 5_000; calls++) {
    out.cursors.push(cursor);
    const page = await shopify.catalog!.list!(ctx, { cursor, limit });
    out.pages.push(page);
    for (const item of page.items) out.products.set(item.externalId, { title: item.title, variants: item.variants.map((v) => v.externalId) });
    after?.(page, calls);
    if (page.nextCursor === null) return out;
    if (page.retryAfterMs) await new Promise((resolve) => setTimeout(resolve, page.retryAfterMs));
    cursor = page.nextCursor;
  }
  throw new Error('the sync never ended');
}

/** The oracle: every product of the fake with every variant id. */
const expected = (shop: FakeShop) =>
  new Map(shop.productList().map((p) => [gid('Product', p.id), { title: p.title, variants: p.variants.map((v) => gid('ProductVariant', v.id)) }]));

const log = (shop: FakeShop) => fake.graphqlLog.filter((entry) => entry.shop === shop.domain);
const pagedQueries = (shop: FakeShop) => log(shop).filter((entry) => /query ProductsPage/.test(entry.query)).length;
const bulkOps = (shop: FakeShop) => fake.bulkOperations.filter((op) => op.shop === shop.domain);

describe('shopify catalog sync through a bulk operation', () => {
  it('syncs a 10,000-product shop through one bulk operation, no paged product query, every variant kept, the file read page by page with Range', async () => {
    const shop = newShop(10_000);
    const ctx = installation(shop);
    const result = await walk(ctx, 250);

    expect(bulkOps(shop)).toHaveLength(1);
    expect(bulkOps(shop)[0]).toMatchObject({ status: 'COMPLETED', type: 'QUERY' });
    expect(pagedQueries(shop)).toBe(0);
    expect(result.pages[0]).toMatchObject({ items: [], total: 10_000 });
    expect(result.products).toEqual(expected(shop));
    // Variants beyond the paged query's first 10 come through the bulk file.
    expect([...result.products.values()].some((p) => p.variants.length > 10)).toBe(true);
    // 10,000 products at 250 a page: 40 reads of the file, each from where the previous one stopped.
    const downloads = fake.bulkDownloadLog.filter((d) => d.token === bulkOps(shop)[0]!.token);
    expect(downloads).toHaveLength(40);
    expect(downloads[0]!.range).toBeNull();
    const offsets = downloads.slice(1).map((d) => Number(/^bytes=(\d+)-$/.exec(d.range ?? '')?.[1]));
    expect(offsets.every((o, i) => o > (i === 0 ? 0 : offsets[i - 1]!))).toBe(true);
    expect(result.pages.filter((p) => p.items.length > 0).every((p) => p.items.length === 250)).toBe(true);
  }, 120_000);

  it('pages a shop below the threshold and starts no bulk operation', async () => {
    const shop = newShop(120);
    const result = await walk(installation(shop), 50);
    expect(bulkOps(shop)).toHaveLength(0);
    expect(pagedQueries(shop)).toBe(3);
    expect(result.pages[0]!.total).toBe(120);
    expect(result.products.size).toBe(120);
  });

  it('chooses the path at the threshold: one product below it pages, exactly at it goes bulk', async () => {
    catalogSync.bulkThreshold = 30;
    const below = newShop(29);
    const at = newShop(30);
    await walk(installation(below));
    const result = await walk(installation(at));
    expect(bulkOps(below)).toHaveLength(0);
    expect(bulkOps(at)).toHaveLength(1);
    expect(result.products).toEqual(expected(at));
  });

  it('a second sync while one runs reads the same operation and starts no other', async () => {
    catalogSync.bulkThreshold = 100;
    const shop = newShop(600);
    const first = installation(shop);
    const second = installation(shop);
    fakeOptions.bulkCompletionMs = 400;
    const started = await shopify.catalog!.list!(first, { limit: 100 });
    expect(started.nextCursor).toMatch(/^bulk:\d+:0$/);
    const adopted = await shopify.catalog!.list!(second, { limit: 100 });
    expect(adopted).toMatchObject({ items: [], nextCursor: started.nextCursor, total: 600 });
    const [a, b] = await Promise.all([walk(first, 100, undefined, started.nextCursor!), walk(second, 100, undefined, adopted.nextCursor!)]);
    expect(bulkOps(shop)).toHaveLength(1);
    expect(a.products).toEqual(expected(shop));
    expect(b.products).toEqual(expected(shop));
    expect(pagedQueries(shop)).toBe(0);
    // A later sync (the first one's operation has ended) starts a fresh operation.
    await walk(installation(shop), 100);
    expect(bulkOps(shop)).toHaveLength(2);
  });

  it('waits for a bulk query that is not ours, then starts its own', async () => {
    catalogSync.bulkThreshold = 10;
    fakeOptions.bulkCompletionMs = 300;
    const shop = newShop(40);
    const ctx = installation(shop);
    const admin = fake.issueToken(shop);
    const res = await fetchGraphql(shop, admin.accessToken, 'mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { bulkOperation { id } userErrors { message } } }');
    expect(res.data.bulkOperationRunQuery.userErrors).toEqual([]);
    const result = await walk(ctx, 100);
    expect(result.cursors[1]).toBe('bulk:start');
    expect(bulkOps(shop)).toHaveLength(2);
    expect(result.products).toEqual(expected(shop));
  });

  for (const ending of ['FAILED', 'CANCELED', 'EXPIRED'] as const) {
    it(`falls back to pages when the bulk operation ends ${ending}, says so, and still syncs everything`, async () => {
      catalogSync.bulkThreshold = 100;
      const shop = newShop(150);
      const warnings: string[] = [];
      const ctx = installation(shop, warnings);
      const result = await walk(ctx, 50, (page, calls) => {
        if (calls === 1) fake.endBulkOperation(Number(/^bulk:(\d+):/.exec(page.nextCursor!)![1]), ending, ending === 'FAILED' ? 'TIMEOUT' : null, true);
      });
      expect(bulkOps(shop)).toHaveLength(1);
      expect(bulkOps(shop)[0]!.status).toBe(ending);
      expect(result.cursors).toContain('page:');
      expect(pagedQueries(shop)).toBe(3);
      expect(result.products).toEqual(new Map([...expected(shop)].map(([id, p]) => [id, { ...p, variants: p.variants.slice(0, 10) }])));
      expect(warnings.join('\n')).toContain(`ended ${ending}${ending === 'FAILED' ? ' (TIMEOUT)' : ''}`);
    });
  }

  it('assembles a file whose variants come before their products (ungrouped) across page ends', async () => {
    catalogSync.bulkThreshold = 10;
    fake.bulkFiles.order = 'children-first';
    const shop = newShop(90);
    const result = await walk(installation(shop), 7);
    const op = bulkOps(shop)[0]!;
    // The file really is children-first: it opens with variants, their product comes after them.
    const lines = op.jsonl.trim().split('\n').map((l) => JSON.parse(l) as { id: string; __parentId?: string });
    expect(lines[0]!.__parentId).toMatch(/^gid:\/\/shopify\/Product\//);
    expect(lines.findIndex((l) => l.id === lines[0]!.__parentId)).toBeGreaterThan(0);
    expect(result.products).toEqual(expected(shop));
    expect(result.pages.filter((p) => p.items.length > 0).length).toBe(13);
  });

  it('reads products again by id whose variants all come at the end of the file (after their page)', async () => {
    catalogSync.bulkThreshold = 10;
    fake.bulkFiles.order = 'children-last';
    const shop = newShop(40);
    const before = log(shop).length;
    const result = await walk(installation(shop), 15);
    // Pages of 15, 15, then the last 10 with every variant line: the first 30 products are read again.
    expect(result.pages.filter((p) => p.items.length > 0).map((p) => p.items.length)).toEqual([15, 15, 40]);
    expect(log(shop).slice(before).filter((e) => /query ProductsById/.test(e.query))).toHaveLength(1);
    const first10 = new Map([...expected(shop)].map(([id, p]) => [id, { ...p, variants: p.variants.slice(0, 10) }]));
    expect(result.products).toEqual(first10);
  });

  it('reads the file from where it stopped when the storage ignores Range, and retries the same page after a 503', async () => {
    catalogSync.bulkThreshold = 10;
    fake.bulkFiles.ignoreRange = true;
    const shop = newShop(60);
    const ctx = installation(shop);
    const pages: CatalogPage[] = [];
    let cursor: string | undefined;
    let failedOnce = false;
    for (;;) {
      if (cursor?.match(/^bulk:\d+:[1-9]/) && !failedOnce) {
        failedOnce = true;
        fake.bulkFiles.failDownloads.push(503);
        const error = await shopify.catalog!.list!(ctx, { cursor, limit: 25 }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'UPSTREAM_RETRYABLE', message: expect.stringContaining('HTTP 503') });
      }
      const page = await shopify.catalog!.list!(ctx, { cursor, limit: 25 });
      pages.push(page);
      if (page.nextCursor === null) break;
      if (page.retryAfterMs) await new Promise((resolve) => setTimeout(resolve, page.retryAfterMs));
      cursor = page.nextCursor;
    }
    expect(failedOnce).toBe(true);
    expect(pages.filter((p) => p.items.length > 0).map((p) => p.items.length)).toEqual([25, 25, 10]);
    expect(new Map(pages.flatMap((p) => p.items.map((i) => [i.externalId, { title: i.title, variants: i.variants.map((v) => v.externalId) }])))).toEqual(expected(shop));
    expect(pagedQueries(shop)).toBe(0);
  });

  it('falls back to pages when the file is refused (403), and says so', async () => {
    catalogSync.bulkThreshold = 10;
    fake.bulkFiles.failDownloads.push(403);
    const shop = newShop(30);
    const warnings: string[] = [];
    const result = await walk(installation(shop, warnings), 50);
    expect(result.cursors).toContain('page:');
    expect(pagedQueries(shop)).toBe(1);
    expect(result.products.size).toBe(30);
    expect(warnings.join('\n')).toMatch(/not available \(HTTP 403\).*page by page/);
  });

  it('ends the sync without a file when the shop has no product (url null)', async () => {
    catalogSync.bulkThreshold = 0;
    const shop = newShop(0);
    const result = await walk(installation(shop));
    expect(bulkOps(shop)).toHaveLength(1);
    expect(result.products.size).toBe(0);
    expect(fake.bulkDownloadLog.filter((d) => d.token === bulkOps(shop)[0]!.token)).toHaveLength(0);
  });
});

describe('shopify bulk catalog sync: edges', () => {
  it('asks the host to wait the poll interval while the operation runs, counts in the plan, and reads the first page of the file without Range', async () => {
    catalogSync.bulkThreshold = 10;
    catalogSync.pollMs = 35;
    fakeOptions.bulkCompletionMs = 300;
    const shop = newShop(20);
    const ctx = installation(shop);
    const before = log(shop).length;
    const first = await shopify.catalog!.list!(ctx, { limit: 10 });
    expect(first).toEqual({ items: [], nextCursor: expect.stringMatching(/^bulk:\d+:0$/), retryAfterMs: 35, total: 20 });
    const plan = log(shop)[before]!;
    expect(plan.query).toMatch(/query CatalogSyncPlan/);
    const polled = await shopify.catalog!.list!(ctx, { cursor: first.nextCursor!, limit: 10 });
    expect(polled).toEqual({ items: [], nextCursor: first.nextCursor, retryAfterMs: 35 });
    catalogSync.pollMs = 20;
    const result = await walk(ctx, 10, undefined, first.nextCursor!);
    expect(result.products).toEqual(expected(shop));
    const downloads = fake.bulkDownloadLog.filter((d) => d.token === bulkOps(shop)[0]!.token);
    expect(downloads.map((d) => d.range?.replace(/\d+/, 'N') ?? null)).toEqual([null, 'bytes=N-']);
  });

  it('pages a small shop with the count from the plan (no second count) and the first page right away', async () => {
    const shop = newShop(12);
    const before = log(shop).length;
    const page = await shopify.catalog!.list!(installation(shop), { limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.total).toBe(12);
    const queries = log(shop).slice(before);
    expect(queries.map((q) => /query (\w+)/.exec(q.query)?.[1])).toEqual(['CatalogSyncPlan', 'ProductsPage']);
    expect(queries[1]!.variables).toMatchObject({ first: 5, after: null, withCount: false });
    const again = await shopify.catalog!.list!(installation(shop), { cursor: 'page:', limit: 500 });
    expect(again.items).toHaveLength(12);
    expect(again.total).toBe(12);
    expect(log(shop).at(-1)!.variables).toMatchObject({ first: 50, after: null, withCount: true });
  });

  it('reads at least one product when asked for none, and ends at a cursor where the file ends', async () => {
    catalogSync.bulkThreshold = 1;
    const shop = newShop(3);
    const ctx = installation(shop);
    const result = await walk(ctx, 0);
    expect(result.pages.filter((p) => p.items.length > 0).map((p) => p.items.length)).toEqual([1, 1, 1]);
    const op = bulkOps(shop)[0]!;
    const size = Buffer.byteLength(op.jsonl);
    expect(await shopify.catalog!.list!(ctx, { cursor: `bulk:${op.id}:${size}`, limit: 10 })).toEqual({ items: [], nextCursor: null });
    expect(fake.bulkDownloadLog.at(-1)).toEqual({ token: op.token, range: `bytes=${size}-` });
  });

  it('answers 429 or 5xx on the file as retryable (retry after 5 s), and falls back to pages for an operation that is gone', async () => {
    catalogSync.bulkThreshold = 1;
    const shop = newShop(4);
    const warnings: string[] = [];
    const ctx = installation(shop, warnings);
    const done = await walk(ctx, 10);
    expect(done.products.size).toBe(4);
    const op = bulkOps(shop)[0]!;
    for (const status of [429, 500]) {
      fake.bulkFiles.failDownloads.push(status);
      const error = await shopify.catalog!.list!(ctx, { cursor: `bulk:${op.id}:0`, limit: 10 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'UPSTREAM_RETRYABLE', details: { retryAfterSeconds: 5 }, message: expect.stringContaining(`HTTP ${status}`) });
    }
    const gone = await shopify.catalog!.list!(ctx, { cursor: 'bulk:999999999:0', limit: 10 });
    expect(gone).toEqual({ items: [], nextCursor: 'page:' });
    expect(warnings.at(-1)).toMatch(/bulk operation is gone.*page by page/);
    const foreign = await shopify.catalog!.list!(ctx, { cursor: 'bulk:nope', limit: 10 }).catch((e: unknown) => e);
    expect(isPluginError(foreign, 'UPSTREAM_FAILED') && foreign.message).toBe('the sync cursor is not one this plugin wrote');
  });

  it('reads late products again by id in batches of 50', async () => {
    catalogSync.bulkThreshold = 10;
    fake.bulkFiles.order = 'children-last';
    const shop = newShop(130);
    const before = log(shop).length;
    const result = await walk(installation(shop), 10);
    // 13 full pages of 10, then a page of variant lines only: all 130 products, read again by id in 3 queries.
    const rereads = log(shop).slice(before).filter((e) => /query ProductsById/.test(e.query));
    expect(rereads.map((e) => (e.variables as { ids: string[] }).ids.length)).toEqual([50, 50, 30]);
    expect(result.pages.filter((p) => p.items.length > 0).map((p) => p.items.length)).toEqual([...Array(13).fill(10), 130]);
    expect(result.pages.at(-1)!.items).toHaveLength(130);
    expect(result.products.size).toBe(130);
  });
});

async function fetchGraphql(shop: FakeShop, token: string, query: string): Promise<{ data: { bulkOperationRunQuery: { userErrors: unknown[] } } }> {
  const res = await fetch(`${fake.url}/admin/api/${fake.apiVersion}/graphql.json?shop=${shop.domain}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': token, 'x-shopify-shop-domain': shop.domain },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as never;
}
