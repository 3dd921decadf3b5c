import type { IncomingMessage } from 'node:http';
import { PluginError, type CatalogPage, type CatalogProduct } from '@concierge/plugin-sdk';
import type { AdminClient } from './admin-client.ts';
import {
  BULK_PRODUCTS_QUERY,
  BULK_RUN,
  BULK_START,
  BULK_STATUS,
  bulkCursor,
  isOurQuery,
  isRunning,
  jsonlLines,
  parseBulkCursor,
  PRODUCTS_BY_ID,
  readBulkPage,
  SYNC_PLAN,
  type BulkOperationNode,
} from './bulk.ts';
import { mapProduct, PRODUCTS_PAGE, type ProductNode } from './queries.ts';
import type { Upstream } from './upstream.ts';

/**
 * `catalog.list` (the host's full sync): a shop of `bulkThreshold` products or more is read through
 * one bulk operation, a smaller one through cursor pages (decision 0022). Both honour the cost
 * throttle (AdminClient); the bulk file itself costs no points.
 *
 * Cursors: none (plan), a Shopify page cursor (paged), `page:` (paged from the first page, after a
 * failed bulk operation), `bulk:start` (plan again), `bulk:<n>:<offset>` (an operation and where its
 * file is read from).
 */
export const catalogSync = {
  /** From this many products on, a full sync uses a bulk operation (decision 0022). */
  bulkThreshold: 1_000,
  /** How long the host waits before polling a running bulk operation again. */
  pollMs: 1_000,
};

/**
 * Products per page: a product with its first 10 variants costs about 13 points, and one query may
 * not ask for more than 1,000 (MAX_COST_EXCEEDED), so 50 (≈ 650) leaves room.
 */
export const MAX_PAGE = 50;

export const PAGED_FROM_START = 'page:';

export interface CatalogDeps {
  admin: AdminClient;
  upstream: Upstream;
  shop: string;
  currency: string;
  warn(details: Record<string, unknown>, message: string): void;
}

type ProductsPage = { products: { nodes: ProductNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }; productsCount?: { count: number } };

async function paged(deps: CatalogDeps, after: string | null, limit: number, total?: number): Promise<CatalogPage> {
  const first = Math.max(1, Math.min(limit, MAX_PAGE));
  const data = await deps.admin.query<ProductsPage>(PRODUCTS_PAGE, { first, after, withCount: total === undefined && after === null });
  const count = total ?? data.productsCount?.count;
  return {
    items: data.products.nodes.map((node) => mapProduct(node, deps.shop, deps.currency)),
    nextCursor: data.products.pageInfo.hasNextPage ? data.products.pageInfo.endCursor : null,
    ...(count !== undefined ? { total: count } : {}),
  };
}

const waitFor = (cursor: string, total?: number): CatalogPage => ({ items: [], nextCursor: cursor, retryAfterMs: catalogSync.pollMs, ...(total !== undefined ? { total } : {}) });

function fallBack(deps: CatalogDeps, reason: string, details: Record<string, unknown>): CatalogPage {
  deps.warn({ shop: deps.shop, ...details }, `catalog sync: ${reason}; reading the catalog page by page instead`);
  return { items: [], nextCursor: PAGED_FROM_START };
}

/** First call of a sync: count the products, adopt a bulk query of ours that already runs, or start one. */
async function plan(deps: CatalogDeps, limit: number): Promise<CatalogPage> {
  const { productsCount, currentBulkOperation: current } = await deps.admin.query<{ productsCount: { count: number }; currentBulkOperation: BulkOperationNode | null }>(SYNC_PLAN);
  const total = productsCount.count;
  if (current && isRunning(current.status)) {
    // One bulk query per shop and app at a time: a sync already started ours (another instance, a
    // resync) → read the same file; someone else's query → wait for it to end.
    return isOurQuery(current.query) ? waitFor(bulkCursor(current.id, 0), total) : waitFor(BULK_START, total);
  }
  if (total < catalogSync.bulkThreshold) return paged(deps, null, limit, total);
  const { bulkOperationRunQuery: run } = await deps.admin.query<{
    bulkOperationRunQuery: { bulkOperation: { id: string; status: string } | null; userErrors: { message: string; code?: string | null }[] };
  }>(BULK_RUN, { query: BULK_PRODUCTS_QUERY });
  if (run.bulkOperation) return waitFor(bulkCursor(run.bulkOperation.id, 0), total);
  const problem = run.userErrors[0];
  // Started elsewhere between our plan and our run: the next call adopts it.
  if (problem?.code === 'OPERATION_IN_PROGRESS') return waitFor(BULK_START, total);
  return { ...fallBack(deps, 'Shopify refused the bulk query', { userError: problem?.message }), total };
}

async function download(deps: CatalogDeps, url: string, offset: number): Promise<{ body: IncomingMessage; skip: number } | undefined> {
  const body = await deps.upstream.stream(url, { headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
  const status = body.statusCode ?? 0;
  if (status === 206 || status === 200) return { body, skip: status === 200 ? offset : 0 };
  body.resume();
  if (status === 416) return undefined; // nothing after `offset`: the file ended exactly there
  if (status >= 500 || status === 429) throw new PluginError('UPSTREAM_RETRYABLE', `the bulk file of ${deps.shop} could not be downloaded (HTTP ${status})`, { retryAfterSeconds: 5 });
  throw new PluginError('UPSTREAM_FAILED', `the bulk file of ${deps.shop} is not available (HTTP ${status})`);
}

/** Products whose variants came on a later page than themselves: read again by id (variants as the paged query has them). */
async function reread(deps: CatalogDeps, ids: string[]): Promise<CatalogProduct[]> {
  const products: CatalogProduct[] = [];
  for (let i = 0; i < ids.length; i += MAX_PAGE) {
    const { nodes } = await deps.admin.query<{ nodes: (ProductNode | null)[] }>(PRODUCTS_BY_ID, { ids: ids.slice(i, i + MAX_PAGE) });
    for (const node of nodes) if (node?.id) products.push(mapProduct(node, deps.shop, deps.currency));
  }
  return products;
}

async function bulkPage(deps: CatalogDeps, id: string, offset: number, limit: number): Promise<CatalogPage> {
  const { node: op } = await deps.admin.query<{ node: BulkOperationNode | null }>(BULK_STATUS, { id });
  if (!op) return fallBack(deps, 'the bulk operation is gone', { operation: id });
  if (isRunning(op.status)) return waitFor(bulkCursor(op.id, offset));
  if (op.status !== 'COMPLETED') {
    // FAILED (with partialDataUrl at best), CANCELED, EXPIRED: the whole catalog is read again by pages.
    return fallBack(deps, `the bulk operation ended ${op.status}${op.errorCode ? ` (${op.errorCode})` : ''}`, { operation: id, status: op.status, errorCode: op.errorCode ?? null });
  }
  if (!op.url) return { items: [], nextCursor: null }; // completed with nothing: the shop has no products
  let file;
  try {
    file = await download(deps, op.url, offset);
  } catch (error) {
    if (error instanceof PluginError && error.code === 'UPSTREAM_FAILED') return fallBack(deps, error.message, { operation: id });
    throw error;
  }
  if (!file) return { items: [], nextCursor: null };
  const page = await readBulkPage(jsonlLines(file.body, offset, file.skip), Math.max(1, limit));
  file.body.destroy();
  const items = page.products.map((node) => mapProduct(node, deps.shop, deps.currency));
  if (page.lateParents.length > 0) items.push(...(await reread(deps, page.lateParents)));
  return { items, nextCursor: page.nextOffset === null ? null : bulkCursor(op.id, page.nextOffset) };
}

export async function listCatalog(deps: CatalogDeps, input: { cursor?: string; limit: number }): Promise<CatalogPage> {
  const { cursor, limit } = input;
  if (cursor === undefined) return plan(deps, limit);
  if (cursor === PAGED_FROM_START) return paged(deps, null, limit);
  if (!cursor.startsWith('bulk:')) return paged(deps, cursor, limit);
  const bulk = parseBulkCursor(cursor);
  if (!bulk) throw new PluginError('UPSTREAM_FAILED', 'the sync cursor is not one this plugin wrote');
  return bulk.kind === 'start' ? plan(deps, limit) : bulkPage(deps, bulk.id, bulk.offset, limit);
}
