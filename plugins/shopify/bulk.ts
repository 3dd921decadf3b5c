import type { Readable } from 'node:stream';
import { PluginError } from '@concierge/plugin-sdk';
import { PRODUCT_FIELDS, PRODUCT_OWN_FIELDS, VARIANT_FIELDS, type ProductNode } from './queries.ts';

/**
 * Catalog sync through a bulk operation (decision 0022): `bulkOperationRunQuery` over every product
 * with its variants, polled with `node(id:)`, then the JSONL file streamed page by page. Shopify
 * writes one line per node; a nested connection's nodes are lines of their own with `__parentId`.
 * With `groupObjects: true` (the 2025-10 default, asked for explicitly) they follow their parent, so
 * a page ends where the next product starts; the assembler does not rely on it (see ProductAssembler).
 */

/** The bulk query: what PRODUCT_FIELDS selects, as a bulk query (no `first`: a bulk query reads every node). */
export const BULK_PRODUCTS_QUERY = /* GraphQL */ `{
  products(sortKey: ID) {
    edges {
      node {
        ${PRODUCT_OWN_FIELDS}
        variants { edges { node { ${VARIANT_FIELDS} } } }
      }
    }
  }
}`;

export const BULK_RUN = /* GraphQL */ `
mutation BulkProductsRun($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`;

export const BULK_STATUS = /* GraphQL */ `
query BulkProductsStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode url partialDataUrl objectCount } }
}`;

/** What decides the sync's path: the shop's product count, and a bulk query of ours already running. */
export const SYNC_PLAN = /* GraphQL */ `
query CatalogSyncPlan {
  productsCount(limit: null) { count }
  currentBulkOperation(type: QUERY) { id status query }
}`;

export const PRODUCTS_BY_ID = /* GraphQL */ `
query ProductsById($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Product { ...ProductFields } }
}
${PRODUCT_FIELDS}`;

export type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'CANCELING' | 'CANCELED' | 'FAILED' | 'EXPIRED';

export interface BulkOperationNode {
  id: string;
  status: BulkStatus;
  errorCode?: string | null;
  url?: string | null;
  partialDataUrl?: string | null;
  objectCount?: string | null;
  query?: string;
}

export const isRunning = (status: BulkStatus): boolean => status === 'CREATED' || status === 'RUNNING' || status === 'CANCELING';

/** Whitespace-insensitive: is this running bulk query the one this plugin asks for? */
export const isOurQuery = (query: string | undefined): boolean => !!query && query.replace(/\s+/g, ' ').trim() === BULK_PRODUCTS_QUERY.replace(/\s+/g, ' ').trim();

/**
 * Cursors of the bulk path: `bulk:start` (plan again: another bulk query was running),
 * `bulk:<operation number>:<byte offset>` (poll that operation, then read its file from that byte).
 * Shopify's own page cursors are base64 and never contain a colon.
 */
export type BulkCursor = { kind: 'start' } | { kind: 'operation'; id: string; offset: number };

export const BULK_START = 'bulk:start';

export function parseBulkCursor(cursor: string): BulkCursor | undefined {
  if (cursor === BULK_START) return { kind: 'start' };
  const match = /^bulk:(\d{1,20}):(\d{1,15})$/.exec(cursor);
  return match ? { kind: 'operation', id: `gid://shopify/BulkOperation/${match[1]}`, offset: Number(match[2]) } : undefined;
}

export function bulkCursor(operationId: string, offset: number): string {
  const number = /^gid:\/\/shopify\/BulkOperation\/(\d{1,20})$/.exec(operationId)?.[1];
  if (!number) throw new PluginError('UPSTREAM_FAILED', `Shopify answered an unexpected bulk operation id (${operationId.slice(0, 80)})`);
  return `bulk:${number}:${offset}`;
}

type Variant = NonNullable<ProductNode['variants']>['nodes'][number];
type Line = Record<string, unknown> & { id?: unknown; __parentId?: unknown };
type Assembled = ProductNode & { variants: { nodes: Variant[] } };

const typeOf = (gid: unknown): string | undefined => (typeof gid === 'string' ? /^gid:\/\/shopify\/([A-Za-z]+)\//.exec(gid)?.[1] : undefined);

/**
 * Puts products back together from JSONL lines in any order. A child whose product has not been
 * seen yet waits (`orphans`) until its product arrives; a page may only end while no child waits.
 * Only variants are kept as children (other child types are skipped).
 */
export class ProductAssembler {
  private readonly open = new Map<string, Assembled>();
  private readonly orphans = new Map<string, Variant[]>();

  /** Products put together since the last `take()`. */
  get size(): number {
    return this.open.size;
  }

  /** Some child still waits for its product (the page cannot end here). */
  get waiting(): boolean {
    return this.orphans.size > 0;
  }

  /** This page holds the product `id` (a line with this `__parentId` belongs here). */
  holds(id: unknown): boolean {
    return typeof id === 'string' && this.open.has(id);
  }

  /** Adds one parsed line; `true` when it started a product. */
  add(line: Line): boolean {
    const parentId = line.__parentId;
    if (typeof parentId === 'string') {
      if (typeOf(line.id) !== 'ProductVariant') return false;
      const { __parentId: _parent, ...variant } = line;
      const product = this.open.get(parentId);
      if (product) product.variants.nodes.push(variant as unknown as Variant);
      else this.orphans.set(parentId, [...(this.orphans.get(parentId) ?? []), variant as unknown as Variant]);
      return false;
    }
    if (typeOf(line.id) !== 'Product') return false;
    const id = line.id as string;
    const waiting = this.orphans.get(id) ?? [];
    this.orphans.delete(id);
    this.open.set(id, { ...(line as unknown as ProductNode), variants: { nodes: waiting } });
    return true;
  }

  /** The products put together so far, in file order; the assembler starts over (waiting children stay). */
  take(): ProductNode[] {
    const products = [...this.open.values()];
    this.open.clear();
    return products;
  }

  /** Products whose children came without them in this read (at the end of the file: seen on an earlier page). */
  orphanParents(): string[] {
    return [...this.orphans.keys()];
  }
}

/** Longest JSONL line accepted (a product line with a long description stays far below). */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Yields the lines of a byte stream with the byte offset each starts at (counted from `base`),
 * holding no more than one line. `skip` bytes are dropped first (a server that ignored `Range`).
 */
export async function* jsonlLines(body: Readable | AsyncIterable<Buffer | string>, base: number, skip = 0): AsyncGenerator<{ offset: number; text: string }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineStart = base;
  let toSkip = skip;
  for await (const piece of body) {
    let chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    if (toSkip > 0) {
      const dropped = Math.min(toSkip, chunk.length);
      toSkip -= dropped;
      chunk = chunk.subarray(dropped);
    }
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, from);
      if (newline === -1) break;
      const part = chunk.subarray(from, newline);
      const line = pendingBytes > 0 ? Buffer.concat([...pending, part]) : part;
      pending = [];
      pendingBytes = 0;
      const start = lineStart;
      lineStart += line.length + 1;
      from = newline + 1;
      if (line.length > 0) yield { offset: start, text: line.toString('utf8') };
    }
    if (from < chunk.length) {
      pending.push(chunk.subarray(from));
      pendingBytes += chunk.length - from;
      if (pendingBytes > MAX_LINE_BYTES) throw new PluginError('UPSTREAM_FAILED', `a line of the bulk file at byte ${lineStart} is longer than ${MAX_LINE_BYTES} bytes`);
    }
  }
  if (pendingBytes > 0) yield { offset: lineStart, text: Buffer.concat(pending).toString('utf8') };
}

export interface BulkPage {
  products: ProductNode[];
  /** Byte offset the next page starts at; `null` at the end of the file. */
  nextOffset: number | null;
  /** Products whose variants came after the page they were on (to be read again by id). */
  lateParents: string[];
}

/**
 * Reads products from `lines` until `limit` products are complete, then stops before the first line
 * that belongs to none of them while no child waits for its product: that line's first byte is where
 * the next page begins (grouped files: the next product; children-first files: the next product's
 * first child). Stops reading there (the caller's stream is closed by ending the iteration).
 */
export async function readBulkPage(lines: AsyncIterable<{ offset: number; text: string }>, limit: number): Promise<BulkPage> {
  const assembler = new ProductAssembler();
  for await (const { offset, text } of lines) {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      throw new PluginError('UPSTREAM_FAILED', `the bulk file holds a line that is not JSON at byte ${offset}`);
    }
    if (assembler.size >= limit && !assembler.waiting && !assembler.holds(line.__parentId)) {
      return { products: assembler.take(), nextOffset: offset, lateParents: [] };
    }
    assembler.add(line);
  }
  return { products: assembler.take(), nextOffset: null, lateParents: assembler.orphanParents() };
}
