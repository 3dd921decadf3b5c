/**
 * `npm run new:plugin -- <id> [--with webhooks,catalog,orders] [--root <dir>]`
 *
 * Scaffolds a platform plugin on the SDK: `plugins/<id>/index.ts` (manifest + the capabilities you
 * picked, as small working implementations against a JSON API to replace with your platform's),
 * a fake platform with its own state in `tests/fakes/<id>/server.ts`, and a contract test already
 * wired to `runPluginContract` in `tests/contract/<id>.contract.test.ts`. The output passes lint,
 * the type check, the dependency rules and its contract test as created.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const CAPABILITIES = ['webhooks', 'catalog', 'orders'] as const;
export type ScaffoldCapability = (typeof CAPABILITIES)[number];

const ID = /^[a-z][a-z0-9-]*$/;
const RESERVED = new Set(['sdk', 'node_modules']);

export function validateId(id: string | undefined, root: string): string {
  if (!id) throw new Error('usage: npm run new:plugin -- <id> [--with webhooks,catalog,orders]');
  if (!ID.test(id) || id.length > 40 || id.endsWith('-')) throw new Error(`plugin id "${id}" must be lower-case letters, digits and dashes, start with a letter, at most 40 characters`);
  if (RESERVED.has(id)) throw new Error(`plugin id "${id}" is reserved`);
  if (existsSync(path.join(root, 'plugins', id))) throw new Error(`plugins/${id} already exists`);
  return id;
}

export function parseCapabilities(value: string | undefined): ScaffoldCapability[] {
  if (value === undefined || value === '') return [...CAPABILITIES];
  const picked = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of picked) {
    if (!(CAPABILITIES as readonly string[]).includes(c)) throw new Error(`unknown capability "${c}" (choose from ${CAPABILITIES.join(', ')})`);
  }
  return CAPABILITIES.filter((c) => picked.includes(c));
}

const camel = (id: string) => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const title = (id: string) => id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');

function pluginSource(id: string, caps: ScaffoldCapability[]): string {
  const has = (c: ScaffoldCapability) => caps.includes(c);
  const calls = has('catalog') || has('orders');
  const imports = ['definePlugin'];
  if (calls) imports.push('PluginError', 'type PluginContext');
  if (has('catalog')) imports.push('type CatalogProduct');
  if (has('orders')) imports.push('type OrderSummary');
  if (has('webhooks')) imports.push('constantTimeEqual', 'hmacSha256');
  const out: string[] = [];
  out.push(`import { z } from 'zod';`);
  out.push(`import { ${imports.join(', ')} } from '@concierge/plugin-sdk';`);
  out.push('');
  out.push(`/**
 * ${title(id)} plugin, scaffolded by \`npm run new:plugin\`. Everything below works against the fake in
 * tests/fakes/${id}/ (a small JSON API); replace the requests and mappings with your platform's real API,
 * and keep the fake speaking the platform's real protocol. Guide: docs/plugin-authors.md.
 */`);
  out.push(`const config = z.object({ apiUrl: z.string().url() });`);
  out.push(`const secrets = z.object({ apiKey: z.string().min(1)${has('webhooks') ? ', webhookSecret: z.string().min(1)' : ''} });`);
  out.push('');
  if (calls) {
    out.push(`type Ctx = PluginContext<z.output<typeof config>, z.output<typeof secrets>, unknown>;

/** One request to the platform: refused credentials → UPSTREAM_AUTH, network/5xx/429 → UPSTREAM_RETRYABLE, 404 → undefined. */
async function request<T>(ctx: Ctx, pathAndQuery: string): Promise<T | undefined> {
  const response = await ctx.http.fetch(new URL(pathAndQuery, ctx.config.apiUrl).href, {
    headers: { authorization: \`Bearer \${ctx.secrets.apiKey}\`, accept: 'application/json' },
  });
  if (response.status === 401 || response.status === 403) throw new PluginError('UPSTREAM_AUTH', \`${id} refused the credentials (\${response.status})\`);
  if (response.status === 404) return undefined;
  if (response.status === 429 || response.status >= 500) throw new PluginError('UPSTREAM_RETRYABLE', \`${id} answered \${response.status}\`);
  if (!response.ok) throw new PluginError('UPSTREAM_FAILED', \`${id} answered \${response.status}\`);
  return (await response.json()) as T;
}
`);
  }
  if (has('catalog')) {
    out.push(`/** The platform's product as its API returns it; map it to the SDK's CatalogProduct. */
interface PlatformProduct {
  id: string;
  slug: string;
  name: string;
  description: string;
  price: string;
  currency: string;
}

function toProduct(p: PlatformProduct): CatalogProduct {
  return { externalId: p.id, handle: p.slug, title: p.name, description: p.description, price: { amount: p.price, currency: p.currency }, tags: [], variants: [] };
}
`);
  }
  if (has('orders')) {
    out.push(`/** The platform's order as its API returns it; map it to the SDK's OrderSummary. */
interface PlatformOrder {
  id: string;
  number: string;
  email: string;
  status: string;
  createdAt: string;
  total: string;
  currency: string;
  lines: { name: string; quantity: number }[];
}

function toOrder(o: PlatformOrder): OrderSummary {
  return { externalId: o.id, number: o.number, email: o.email, status: o.status, placedAt: o.createdAt, total: { amount: o.total, currency: o.currency }, items: o.lines.map((l) => ({ title: l.name, quantity: l.quantity })), tracking: [] };
}
`);
  }
  out.push(`export default definePlugin({
  manifest: {
    id: '${id}',
    name: '${title(id)}',
    version: '0.1.0',
    // The SDK (contract) versions this plugin works with; the host checks it before anything runs.
    coreRange: '^0.1.0',
    config,
    secrets,
  },`);
  if (has('webhooks')) {
    out.push(`
  webhooks: {
    topics: ['product.updated', 'product.deleted'],
    identify(request) {
      const topic = request.headers['x-${id}-topic'];
      const deliveryId = request.headers['x-${id}-delivery'];
      const externalId = request.headers['x-${id}-account'];
      return topic && deliveryId && externalId ? { topic, deliveryId, externalId } : undefined;
    },
    verify(ctx, request) {
      // Over the raw bytes the platform sent, compared in constant time.
      const expected = hmacSha256(ctx.secrets.webhookSecret, request.rawBody, 'base64');
      return constantTimeEqual(expected, request.headers['x-${id}-signature']);
    },
    normalize(_ctx, request, identity) {
      const body = JSON.parse(request.rawBody.toString('utf8')) as { id: string; slug?: string; name?: string; description?: string; price?: string; currency?: string; updatedAt?: string };
      if (identity.topic === 'product.deleted') return [{ type: 'product.deleted', externalId: String(body.id), occurredAt: body.updatedAt }];
      return [{
        type: 'product.upserted',
        occurredAt: body.updatedAt,
        product: { externalId: String(body.id), handle: body.slug ?? String(body.id), title: body.name ?? String(body.id), description: body.description ?? '', price: { amount: body.price ?? '0', currency: body.currency ?? 'USD' }, tags: [], variants: [] },
      }];
    },
  },`);
  }
  if (has('catalog')) {
    out.push(`
  catalog: {
    async search(ctx, { query, limit }) {
      const found = await request<{ items: PlatformProduct[] }>(ctx, \`products?q=\${encodeURIComponent(query)}&limit=\${limit}\`);
      return (found?.items ?? []).slice(0, limit).map(toProduct);
    },
    async get(ctx, externalId) {
      const found = await request<PlatformProduct>(ctx, \`products/\${encodeURIComponent(externalId)}\`);
      return found ? toProduct(found) : undefined;
    },
    async list(ctx, { cursor, limit }) {
      const page = Number(cursor ?? '1');
      const found = await request<{ items: PlatformProduct[]; total: number }>(ctx, \`products?page=\${page}&limit=\${limit}\`);
      const items = (found?.items ?? []).map(toProduct);
      const total = found?.total ?? 0;
      return { items, total, nextCursor: page * limit < total ? String(page + 1) : null };
    },
  },`);
  }
  if (has('orders')) {
    out.push(`
  orders: {
    async findByNumber(ctx, { number, email }) {
      if (!email) return undefined;
      const found = await request<PlatformOrder>(ctx, \`orders/\${encodeURIComponent(number)}\`);
      // Only the buyer's email unlocks an order.
      return found && found.email.toLowerCase() === email.toLowerCase() ? toOrder(found) : undefined;
    },
  },`);
  }
  out.push(`});
`);
  return out.join('\n');
}

function fakeSource(id: string): string {
  const name = camel(id);
  return `import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hmacSha256, type CatalogProduct, type OrderSummary } from '@concierge/plugin-sdk';

/**
 * A fake ${title(id)} platform with its own state, for the contract test (scaffolded by
 * \`npm run new:plugin\`). Make it speak the platform's real protocol (paths, auth, paging, errors,
 * webhook signatures) as you learn it; the contract kit checks the plugin against \`products()\`/\`orders()\`.
 */
export interface Fake${name.charAt(0).toUpperCase() + name.slice(1)} {
  url: string;
  apiKey: string;
  webhookSecret: string;
  accountId: string;
  products(): Promise<CatalogProduct[]>;
  orders(): Promise<OrderSummary[]>;
  /** A webhook delivery as the platform would send it (raw body + headers). */
  delivery(topic: string, options?: { deliveryId?: string; secret?: string }): { rawBody: Buffer; headers: Record<string, string> };
  close(): Promise<void>;
}

interface Product { id: string; slug: string; name: string; description: string; price: string; currency: string }
interface Order { id: string; number: string; email: string; status: string; createdAt: string; total: string; currency: string; lines: { name: string; quantity: number }[] }

export async function startFake${name.charAt(0).toUpperCase() + name.slice(1)}(): Promise<Fake${name.charAt(0).toUpperCase() + name.slice(1)}> {
  const apiKey = 'key_' + Math.random().toString(36).slice(2);
  const webhookSecret = 'whsec_' + Math.random().toString(36).slice(2);
  const state = {
    products: Array.from({ length: 7 }, (_, i): Product => ({ id: String(100 + i), slug: \`item-\${i}\`, name: \`Sample item \${i}\`, description: \`Description of item \${i}\`, price: \`\${10 + i}.00\`, currency: 'EUR' })),
    orders: [{ id: '9001', number: '1001', email: 'buyer@example.com', status: 'paid', createdAt: '2026-01-02T10:00:00Z', total: '21.00', currency: 'EUR', lines: [{ name: 'Sample item 1', quantity: 1 }] }] as Order[],
  };
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== \`Bearer \${apiKey}\`) return send(res, 401, { error: 'unauthorized' });
    const url = new URL(req.url ?? '/', 'http://fake');
    const [, resource, id] = url.pathname.split('/');
    if (resource === 'products' && id) {
      const product = state.products.find((p) => p.id === decodeURIComponent(id));
      return product ? send(res, 200, product) : send(res, 404, { error: 'not found' });
    }
    if (resource === 'products') {
      const q = (url.searchParams.get('q') ?? '').toLowerCase();
      const limit = Number(url.searchParams.get('limit') ?? '50');
      const page = Number(url.searchParams.get('page') ?? '1');
      const matching = state.products.filter((p) => p.name.toLowerCase().includes(q));
      return send(res, 200, { items: matching.slice((page - 1) * limit, page * limit), total: matching.length });
    }
    if (resource === 'orders' && id) {
      const order = state.orders.find((o) => o.number === decodeURIComponent(id));
      return order ? send(res, 200, order) : send(res, 404, { error: 'not found' });
    }
    return send(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = \`http://127.0.0.1:\${(server.address() as AddressInfo).port}/\`;
  return {
    url,
    apiKey,
    webhookSecret,
    accountId: 'account-1',
    async products() {
      return state.products.map((p) => ({ externalId: p.id, handle: p.slug, title: p.name, description: p.description, price: { amount: p.price, currency: p.currency }, tags: [], variants: [] }));
    },
    async orders() {
      return state.orders.map((o) => ({ externalId: o.id, number: o.number, email: o.email, status: o.status, placedAt: o.createdAt, total: { amount: o.total, currency: o.currency }, items: o.lines.map((l) => ({ title: l.name, quantity: l.quantity })), tracking: [] }));
    },
    delivery(topic, options = {}) {
      const product = state.products[0];
      const rawBody = Buffer.from(JSON.stringify({ ...product, updatedAt: '2026-01-02T10:00:00Z' }));
      return {
        rawBody,
        headers: {
          'x-${id}-topic': topic,
          'x-${id}-delivery': options.deliveryId ?? 'delivery-' + Math.random().toString(36).slice(2),
          'x-${id}-account': 'account-1',
          'x-${id}-signature': hmacSha256(options.secret ?? webhookSecret, rawBody, 'base64'),
        },
      };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
`;
}

function contractSource(id: string, caps: ScaffoldCapability[]): string {
  const Name = camel(id).charAt(0).toUpperCase() + camel(id).slice(1);
  const has = (c: ScaffoldCapability) => caps.includes(c);
  const calls = has('catalog') || has('orders');
  const fixtures: string[] = [];
  if (has('webhooks')) fixtures.push(`    webhooks: {
      // How the platform authenticates deliveries: 'body-signature' (an HMAC over the raw body, as here),
      // 'header-secret' (a shared secret sent back in a header), or 'none' (docs/plugin-authors.md §8).
      authentication: { kind: 'body-signature', header: 'x-${id}-signature' },
      signed: (topic, options) => fake.delivery(topic, options),
      signedWithWrongSecret: (topic) => fake.delivery(topic, { secret: 'not-the-secret' }),
    },`);
  if (has('catalog')) fixtures.push(`    catalogQuery: 'sample',\n    catalogPageSize: 3,`);
  if (calls) fixtures.push(`    errorContexts: {
      revoked: () => ({ config: { apiUrl: fake.url }, secrets: { apiKey: 'revoked', webhookSecret: fake.webhookSecret } }),
      unreachable: () => ({ config: { apiUrl: 'http://127.0.0.1:9/' }, secrets: { apiKey: fake.apiKey, webhookSecret: fake.webhookSecret } }),
    },`);
  return `import { afterAll, describe, expect, it } from 'vitest';
import { runPluginContract } from '@concierge/plugin-sdk/testkit';
import plugin from '../../plugins/${id}/index.ts';
import { startFake${Name} } from '../fakes/${id}/server.ts';

// The ${id} plugin against its fake platform (scaffolded by \`npm run new:plugin\`).
const fake = await startFake${Name}();
afterAll(() => fake.close());

runPluginContract({ describe, it, expect }, {
  plugin,
  context: () => ({ externalId: fake.accountId, config: { apiUrl: fake.url }, secrets: { apiKey: fake.apiKey, webhookSecret: fake.webhookSecret } }),
  fakePlatform: { products: () => fake.products(), orders: () => fake.orders() },
  fixtures: {
${fixtures.join('\n')}
  },
});
`;
}

export async function scaffold(root: string, id: string, caps: ScaffoldCapability[]): Promise<string[]> {
  validateId(id, root);
  const files: [string, string][] = [
    [`plugins/${id}/index.ts`, pluginSource(id, caps)],
    [`tests/fakes/${id}/server.ts`, fakeSource(id)],
    [`tests/contract/${id}.contract.test.ts`, contractSource(id, caps)],
  ];
  for (const [file] of files) if (existsSync(path.join(root, file))) throw new Error(`${file} already exists`);
  for (const [file, text] of files) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text, { flag: 'wx' });
  }
  return files.map(([file]) => file);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { with: { type: 'string' }, root: { type: 'string' } } });
    const root = path.resolve(values.root ?? fileURLToPath(new URL('..', import.meta.url)));
    const files = await scaffold(root, validateId(positionals[0], root), parseCapabilities(values.with));
    console.warn(`Created:\n  ${files.join('\n  ')}\nNext: npx vitest run tests/contract/${positionals[0]}.contract.test.ts`);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
