import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CatalogProduct, OrderSummary } from '@concierge/plugin-sdk';

/**
 * A fake BigCommerce with its own state, speaking the protocol a single-click app sees:
 *
 * - login.bigcommerce.com: `POST /oauth2/token` (authorization_code grant: client_id, client_secret,
 *   code, scope, grant_type, redirect_uri, context) → `{ access_token, scope, user, owner, context, account_uuid }`.
 *   Codes are single-use and bound to the store and the redirect_uri.
 * - `signedPayloadJwt(storeHash)`: the `signed_payload_jwt` of the load/uninstall callbacks (HS256 with the
 *   app's client secret; aud = client id, iss = "bc", sub = "stores/{hash}").
 * - api.bigcommerce.com (`X-Auth-Token`): `/stores/{hash}/v2/store`, v3 catalog products (keyword,
 *   is_visible, page/limit, include=variants,images, `meta.pagination`), v2 orders (by id, by customer_id,
 *   204 when a list is empty) with their products and shipments, v3 hooks (create/list/delete, custom `headers`).
 *   401 for an unknown token, 429 with `X-Rate-Limit-Time-Reset-Ms` when a store is throttled.
 * - Webhook deliveries as BigCommerce posts them: `{ scope, store_id, data: { type, id }, hash, created_at,
 *   producer }` where `hash` = sha1 of the JSON without it, with the hook's custom headers. Unsigned by design.
 *
 * Prices are numbers in the v3 API and 4-decimal strings in v2, as BigCommerce sends them.
 */

export interface BcVariant {
  id: number;
  sku: string;
  price: number | null;
  option_values: { label: string; option_display_name: string }[];
  inventory_level: number;
  purchasing_disabled: boolean;
}
export interface BcProduct {
  id: number;
  name: string;
  sku: string;
  description: string;
  price: number;
  sale_price: number;
  is_visible: boolean;
  inventory_tracking: 'none' | 'product' | 'variant';
  search_keywords: string;
  custom_url: { url: string; is_customized: boolean };
  date_modified: string;
  variants: BcVariant[];
  images: { id: number; url_standard: string; url_thumbnail: string; is_thumbnail: boolean }[];
}
export interface BcOrder {
  id: number;
  customer_id: number;
  date_created: string;
  status: string;
  total_inc_tax: string;
  currency_code: string;
  billing_address: { first_name: string; email: string };
  products: { name: string; quantity: number }[];
  shipments: { tracking_number: string; shipping_provider: string; tracking_link: string }[];
}
export interface BcHook {
  id: number;
  scope: string;
  destination: string;
  is_active: boolean;
  headers: Record<string, string> | null;
}
export interface BcStore {
  hash: string;
  name: string;
  domain: string;
  currency: string;
  ownerEmail: string;
  products: Map<number, BcProduct>;
  orders: Map<number, BcOrder>;
  hooks: Map<number, BcHook>;
  /** Set by a test: the next N API calls to this store answer 429. */
  throttled: number;
}
export interface BcDelivery {
  hook: BcHook;
  body: string;
  status: number;
}

export interface FakeBigCommerce {
  /** api.bigcommerce.com stand-in. */
  apiUrl: string;
  /** login.bigcommerce.com stand-in. */
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  stores: Map<string, BcStore>;
  /** Access tokens the fake honours: token → store hash. */
  tokens: Map<string, string>;
  /** Token requests as they arrived (the oracle for the install). */
  tokenRequests: Record<string, unknown>[];
  deliveries: BcDelivery[];
  addStore(input: { hash: string; name: string; domain: string; currency?: string; ownerEmail: string }): BcStore;
  addProduct(store: BcStore, input: Partial<BcProduct> & { name: string; price: number }): BcProduct;
  updateProduct(store: BcStore, id: number, change: Partial<BcProduct>): BcProduct;
  addOrder(store: BcStore, input: { email: string; customerId?: number; status?: string; total: string; items: { name: string; quantity: number }[]; shipments?: BcOrder['shipments'] }): BcOrder;
  /** What the merchant's approval gives the app: an auth callback query (code, scope, context, account_uuid). */
  authorize(storeHash: string, redirectUri: string): { code: string; scope: string; context: string; account_uuid: string };
  /** A token for the store, as an API account would have (tests that skip the install). */
  issueToken(storeHash: string): string;
  revokeToken(token: string): void;
  signedPayloadJwt(storeHash: string, options?: { secret?: string; aud?: string; expiresIn?: number; email?: string }): string;
  /** The products the storefront shows, in the SDK's shape, mapped here on their own (the oracle). */
  products(storeHash: string): CatalogProduct[];
  orders(storeHash: string): OrderSummary[];
  /** A delivery body as BigCommerce would post it for `scope` about resource `id`. */
  payload(store: BcStore, scope: string, id: number | string, createdAt?: number): string;
  /** Posts `scope` about `id` to every active hook of the store for that scope; resolves with the answers. */
  fire(store: BcStore, scope: string, id: number | string): Promise<BcDelivery[]>;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};
const v3Error = (res: ServerResponse, status: number, title: string) => json(res, status, { status, title, type: 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes' });
const v2Error = (res: ServerResponse, status: number, message: string) => json(res, status, [{ status, message }]);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const plain = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startFakeBigCommerce(): Promise<FakeBigCommerce> {
  const clientId = `bc_client_${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('hex');
  const stores = new Map<string, BcStore>();
  const tokens = new Map<string, string>();
  const codes = new Map<string, { storeHash: string; redirectUri: string; scope: string }>();
  const tokenRequests: Record<string, unknown>[] = [];
  const deliveries: BcDelivery[] = [];
  let nextId = 100;
  const SCOPE = 'store_v2_products_read_only store_v2_orders_read_only store_v2_information_read_only';

  const store = (hash: string) => stores.get(hash);

  function productJson(p: BcProduct, include: Set<string>) {
    const { variants, images, ...rest } = p;
    const calculated = p.sale_price > 0 ? p.sale_price : p.price;
    return {
      ...rest,
      type: 'physical',
      calculated_price: calculated,
      ...(include.has('variants') ? { variants: variants.map((v) => ({ ...v, product_id: p.id, calculated_price: v.price ?? calculated })) } : {}),
      ...(include.has('images') ? { images: images.map((i) => ({ ...i, product_id: p.id })) } : {}),
    };
  }

  function orderJson(s: BcStore, o: BcOrder, base: string) {
    const { products: _items, shipments: _shipments, ...rest } = o;
    return {
      ...rest,
      status_id: 11,
      products: { url: `${base}/stores/${s.hash}/v2/orders/${o.id}/products`, resource: `/orders/${o.id}/products` },
      shipping_addresses: { url: `${base}/stores/${s.hash}/v2/orders/${o.id}/shipping_addresses`, resource: `/orders/${o.id}/shipping_addresses` },
    };
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, base: string) {
    const match = /^\/stores\/([a-z0-9]+)\/(v2|v3)\/(.*)$/.exec(url.pathname);
    const s = match ? store(match[1]!) : undefined;
    if (!match || !s) return v3Error(res, 404, 'Store not found');
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || tokens.get(token) !== s.hash) return v3Error(res, 401, 'Unauthorized');
    if (s.throttled > 0) {
      s.throttled--;
      return json(res, 429, { status: 429, title: 'Too many requests' }, { 'x-rate-limit-time-reset-ms': '1500', 'x-rate-limit-requests-left': '0' });
    }
    const [, , version, rest] = match as unknown as [string, string, string, string];
    const parts = rest.split('/').filter(Boolean);

    if (version === 'v2' && parts[0] === 'store' && parts.length === 1) {
      return json(res, 200, { id: s.hash, name: s.name, domain: s.domain, secure_url: `https://${s.domain}`, admin_email: s.ownerEmail, order_email: s.ownerEmail, currency: s.currency, language: 'en', timezone: { name: 'Europe/London' } });
    }
    if (version === 'v3' && parts[0] === 'catalog' && parts[1] === 'products') {
      const include = new Set((url.searchParams.get('include') ?? '').split(',').filter(Boolean));
      if (parts[2]) {
        const p = /^\d+$/.test(parts[2]) ? s.products.get(Number(parts[2])) : undefined;
        return p ? json(res, 200, { data: productJson(p, include), meta: {} }) : v3Error(res, 404, 'The requested product was not found.');
      }
      const keyword = (url.searchParams.get('keyword') ?? '').toLowerCase();
      const visible = url.searchParams.get('is_visible');
      const limit = Math.min(250, Math.max(1, Number(url.searchParams.get('limit') ?? 50)));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const all = [...s.products.values()]
        .filter((p) => visible === null || String(p.is_visible) === visible)
        .filter((p) => !keyword || [p.name, p.sku, p.description, p.search_keywords].some((f) => f.toLowerCase().includes(keyword)))
        .sort((a, b) => a.id - b.id);
      const totalPages = Math.max(1, Math.ceil(all.length / limit));
      const data = all.slice((page - 1) * limit, page * limit).map((p) => productJson(p, include));
      const link = (n: number) => `?page=${n}&limit=${limit}`;
      return json(res, 200, {
        data,
        meta: {
          pagination: {
            total: all.length,
            count: data.length,
            per_page: limit,
            current_page: page,
            total_pages: totalPages,
            links: { ...(page > 1 ? { previous: link(page - 1) } : {}), current: link(page), ...(page < totalPages ? { next: link(page + 1) } : {}) },
          },
        },
      });
    }
    if (version === 'v2' && parts[0] === 'orders') {
      if (parts[1]) {
        const o = /^\d+$/.test(parts[1]) ? s.orders.get(Number(parts[1])) : undefined;
        if (!o) return v2Error(res, 404, 'The requested resource was not found.');
        if (parts[2] === 'products') return json(res, 200, o.products.map((item, i) => ({ id: i + 1, order_id: o.id, name: item.name, quantity: item.quantity })));
        if (parts[2] === 'shipments') return o.shipments.length ? json(res, 200, o.shipments.map((sh, i) => ({ id: i + 1, order_id: o.id, ...sh }))) : json(res, 204);
        return json(res, 200, orderJson(s, o, base));
      }
      const customer = url.searchParams.get('customer_id');
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const list = [...s.orders.values()]
        .filter((o) => customer === null || String(o.customer_id) === customer)
        .sort((a, b) => Date.parse(b.date_created) - Date.parse(a.date_created))
        .slice(0, limit);
      // BigCommerce's v2 answers an empty list with 204 No Content.
      return list.length ? json(res, 200, list.map((o) => orderJson(s, o, base))) : json(res, 204);
    }
    if (version === 'v3' && parts[0] === 'hooks') {
      if (req.method === 'POST' && !parts[1]) {
        const body = JSON.parse(await readBody(req)) as Partial<BcHook>;
        if (typeof body.scope !== 'string' || typeof body.destination !== 'string' || !body.destination.startsWith('http')) return v3Error(res, 422, 'scope and destination are required');
        const hook: BcHook = { id: nextId++, scope: body.scope, destination: body.destination, is_active: body.is_active ?? true, headers: body.headers ?? null };
        s.hooks.set(hook.id, hook);
        return json(res, 200, { data: { ...hook, store_hash: s.hash, created_at: 0, updated_at: 0 }, meta: {} });
      }
      if (req.method === 'GET' && !parts[1]) return json(res, 200, { data: [...s.hooks.values()], meta: { pagination: { total: s.hooks.size, count: s.hooks.size, per_page: 250, current_page: 1, total_pages: 1 } } });
      if (req.method === 'DELETE' && parts[1]) {
        const hook = s.hooks.get(Number(parts[1]));
        if (!hook) return v3Error(res, 404, 'Webhook not found');
        s.hooks.delete(hook.id);
        return json(res, 200, { data: hook, meta: {} });
      }
    }
    return v3Error(res, 404, 'Not found');
  }

  async function login(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const type = String(req.headers['content-type'] ?? '');
    const body = (type.includes('json') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw))) as Record<string, string>;
    tokenRequests.push({ ...body, client_secret: body.client_secret ? '[present]' : undefined });
    const grant = codes.get(body.code ?? '');
    if (body.client_id !== clientId || body.client_secret !== clientSecret) return json(res, 401, { error: 'Invalid client id or secret' });
    if (body.grant_type !== 'authorization_code' || !grant || grant.redirectUri !== body.redirect_uri || `stores/${grant.storeHash}` !== body.context) {
      return json(res, 400, { error: 'Invalid grant' });
    }
    codes.delete(body.code!);
    const s = store(grant.storeHash)!;
    const token = randomBytes(16).toString('hex');
    tokens.set(token, s.hash);
    return json(res, 200, {
      access_token: token,
      scope: grant.scope,
      user: { id: 24654, username: s.ownerEmail, email: s.ownerEmail },
      owner: { id: 24654, username: s.ownerEmail, email: s.ownerEmail },
      context: `stores/${s.hash}`,
      account_uuid: '0f36b1b4-7e64-4a4f-9b2a-0b6f9a4f3c10',
    });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const base = `http://${req.headers.host}`;
    const handle = url.pathname === '/oauth2/token' && req.method === 'POST' ? login(req, res) : api(req, res, url, base);
    handle.catch((error: unknown) => v3Error(res, 500, (error as Error).message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeBigCommerce = {
    apiUrl: origin,
    loginUrl: origin,
    clientId,
    clientSecret,
    stores,
    tokens,
    tokenRequests,
    deliveries,
    addStore({ hash, name, domain, currency = 'USD', ownerEmail }) {
      const s: BcStore = { hash, name, domain, currency, ownerEmail, products: new Map(), orders: new Map(), hooks: new Map(), throttled: 0 };
      stores.set(hash, s);
      return s;
    },
    addProduct(s, input) {
      const id = input.id ?? nextId++;
      const slug = input.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
      const product: BcProduct = {
        id,
        sku: `SKU-${id}`,
        description: `<p>${input.name}</p>`,
        sale_price: 0,
        is_visible: true,
        inventory_tracking: 'none',
        search_keywords: '',
        custom_url: { url: `/${slug}/`, is_customized: false },
        date_modified: '2026-11-30T10:00:00+00:00',
        variants: [{ id: id * 10, sku: `SKU-${id}`, price: null, option_values: [], inventory_level: 0, purchasing_disabled: false }],
        images: [{ id: id * 10, url_standard: `https://cdn11.bigcommerce.com/s-${s.hash}/products/${id}/images/1/standard.jpg`, url_thumbnail: `https://cdn11.bigcommerce.com/s-${s.hash}/products/${id}/images/1/thumb.jpg`, is_thumbnail: true }],
        ...input,
      } as BcProduct;
      s.products.set(id, product);
      return product;
    },
    updateProduct(s, id, change) {
      const product = { ...s.products.get(id)!, ...change, date_modified: new Date().toISOString() };
      s.products.set(id, product);
      return product;
    },
    addOrder(s, input) {
      const id = nextId++;
      const order: BcOrder = {
        id,
        customer_id: input.customerId ?? 0,
        date_created: new Date(Date.UTC(2026, 10, 1) + id * 60_000).toUTCString().replace('GMT', '+0000'),
        status: input.status ?? 'Awaiting Fulfillment',
        total_inc_tax: input.total,
        currency_code: s.currency,
        billing_address: { first_name: 'Ann', email: input.email },
        products: input.items,
        shipments: input.shipments ?? [],
      };
      s.orders.set(id, order);
      return order;
    },
    authorize(storeHash, redirectUri) {
      const code = randomBytes(12).toString('hex');
      codes.set(code, { storeHash, redirectUri, scope: SCOPE });
      return { code, scope: SCOPE, context: `stores/${storeHash}`, account_uuid: '0f36b1b4-7e64-4a4f-9b2a-0b6f9a4f3c10' };
    },
    issueToken(storeHash) {
      const token = randomBytes(16).toString('hex');
      tokens.set(token, storeHash);
      return token;
    },
    revokeToken(token) {
      tokens.delete(token);
    },
    signedPayloadJwt(storeHash, options = {}) {
      const s = store(storeHash);
      const now = Math.floor(Date.now() / 1000);
      const email = options.email ?? s?.ownerEmail ?? 'owner@example.com';
      const header = b64url({ typ: 'JWT', alg: 'HS256' });
      const payload = b64url({
        aud: options.aud ?? clientId,
        iss: 'bc',
        iat: now,
        nbf: now - 5,
        exp: now + (options.expiresIn ?? 3600),
        jti: randomBytes(8).toString('hex'),
        sub: `stores/${storeHash}`,
        user: { id: 24654, email, locale: 'en-US' },
        owner: { id: 24654, email },
        url: '/',
        channel_id: null,
      });
      const signature = createHmac('sha256', options.secret ?? clientSecret).update(`${header}.${payload}`).digest('base64url');
      return `${header}.${payload}.${signature}`;
    },
    products(storeHash) {
      const s = store(storeHash)!;
      return [...s.products.values()]
        .filter((p) => p.is_visible)
        .map((p) => ({
          externalId: String(p.id),
          handle: p.custom_url.url.replace(/^\/+|\/+$/g, ''),
          title: p.name,
          description: plain(p.description),
          price: { amount: (p.sale_price > 0 ? p.sale_price : p.price).toFixed(2), currency: s.currency },
          tags: [],
          variants: [],
        }));
    },
    orders(storeHash) {
      const s = store(storeHash)!;
      return [...s.orders.values()].map((o) => ({
        externalId: String(o.id),
        number: String(o.id),
        email: o.billing_address.email,
        ...(o.customer_id ? { customerId: String(o.customer_id) } : {}),
        status: o.status,
        placedAt: new Date(o.date_created).toISOString(),
        total: { amount: o.total_inc_tax, currency: o.currency_code },
        items: o.products.map((item) => ({ title: item.name, quantity: item.quantity })),
        tracking: [],
      }));
    },
    payload(s, scope, id, createdAt = Math.floor(Date.now() / 1000)) {
      const type = scope.split('/')[1]!;
      // BigCommerce: hash = sha1(json_encode(payload)) taken before `hash` is added; key order as BigCommerce sends it.
      const unhashed = { scope, store_id: '1001' + s.hash.length, data: { type, id }, created_at: createdAt, producer: `stores/${s.hash}` };
      const hash = createHash('sha1').update(JSON.stringify(unhashed)).digest('hex');
      const { scope: sc, store_id, data, created_at, producer } = unhashed;
      return JSON.stringify({ scope: sc, store_id, data, hash, created_at, producer });
    },
    async fire(s, scope, id) {
      const out: BcDelivery[] = [];
      const body = fake.payload(s, scope, id);
      for (const hook of s.hooks.values()) {
        if (!hook.is_active || hook.scope !== scope) continue;
        const res = await fetch(hook.destination, { method: 'POST', headers: { 'content-type': 'application/json', ...(hook.headers ?? {}) }, body });
        await res.arrayBuffer();
        const delivery = { hook, body, status: res.status };
        deliveries.push(delivery);
        out.push(delivery);
      }
      return out;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
  return fake;
}
