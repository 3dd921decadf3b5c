/**
 * A fake WooCommerce store (node:http on 127.0.0.1, random port) with its own state, speaking the
 * protocol the real `@woocommerce/woocommerce-rest-api` client and WooCommerce's webhooks use:
 *
 * - REST v3 under `/wp-json/wc/v3`: `products` (+ `/:id`), `orders` (+ `/:id`), `webhooks`
 *   (create / list / get / delete with `force=true`), `settings/general/woocommerce_currency`;
 *   `page` / `per_page` (1..100) with `X-WP-Total`, `X-WP-TotalPages` and `Link`; `search`;
 *   orders filtered by `customer`; WooCommerce's error shape `{ code, message, data: { status } }`.
 * - OAuth 1.0a verified exactly as WooCommerce does (see oauth.ts). Basic auth is ignored over
 *   http, as WooCommerce only reads it when is_ssl(). Revoked keys answer 401
 *   `woocommerce_rest_cannot_view`.
 * - Webhooks: a form-encoded, unsigned `webhook_id=N` ping when one is created; deliveries on
 *   product/order changes with `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body with
 *   the webhook's secret), Topic / Resource / Event / ID / Delivery-ID / Source headers; the
 *   delivery id is `wp_hash(webhook id . unix second)` as in WC_Webhook::get_new_delivery_id, so two
 *   deliveries of one webhook in one second share it; a webhook is disabled after more than 5
 *   consecutive failed deliveries.
 * - Permalinks (`permalinks`, default `pretty`): WordPress answers the REST API at
 *   `/index.php?rest_route=/wc/v3/…` (and `/?rest_route=`) always, and at `/wp-json/wc/v3/…` only with
 *   pretty permalinks; wc-auth at `/?wc-auth-version=1&wc-auth-route=…` always (WC_Auth reads $_GET),
 *   and at `/wc-auth/v1/…` only with pretty permalinks. Without them those paths are WordPress's HTML
 *   404 page.
 * - wc-auth: `GET /wc-auth/v1/authorize?app_name&scope&user_id&return_url&callback_url` shows an
 *   approval form (or approves at once with `autoApprove`); approval creates a key, POSTs
 *   `{ key_id, user_id, consumer_key, consumer_secret, key_permissions }` as JSON to callback_url
 *   (the key is deleted unless the answer is exactly 200) and redirects to
 *   `return_url?success=1&user_id=...`. Real WooCommerce requires an https callback_url;
 *   `allowHttpCallback` relaxes that for local tests.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  REQUIRED_OAUTH_PARAMS,
  expectedSignature,
  hashEquals,
  parseOAuthHeader,
  parsePhpQuery,
  signatureBaseString,
} from './oauth.ts';

export interface WooImage { id: number; src: string; name: string; alt: string }
export interface WooProduct {
  id: number;
  name: string;
  slug: string;
  permalink: string;
  date_created: string;
  date_created_gmt: string;
  date_modified: string;
  date_modified_gmt: string;
  type: 'simple' | 'variable';
  status: 'publish' | 'draft';
  description: string;
  short_description: string;
  sku: string;
  price: string;
  regular_price: string;
  sale_price: string;
  stock_status: 'instock' | 'outofstock' | 'onbackorder';
  images: WooImage[];
  tags: { id: number; name: string; slug: string }[];
  categories: { id: number; name: string; slug: string }[];
  variations: number[];
}
export interface WooAddress { first_name: string; last_name: string; email?: string; phone?: string; address_1: string; city: string; postcode: string; country: string }
export interface WooOrder {
  id: number;
  number: string;
  order_key: string;
  status: 'pending' | 'processing' | 'on-hold' | 'completed' | 'cancelled' | 'refunded' | 'failed';
  currency: string;
  date_created: string;
  date_created_gmt: string;
  date_modified: string;
  date_modified_gmt: string;
  date_completed: string | null;
  total: string;
  customer_id: number;
  billing: WooAddress & { email: string };
  shipping: WooAddress;
  line_items: { id: number; name: string; product_id: number; quantity: number; total: string }[];
  shipping_lines: { id: number; method_title: string; total: string }[];
  meta_data: { id: number; key: string; value: unknown }[];
}
export interface WooWebhook {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  resource: string;
  event: string;
  hooks: string[];
  delivery_url: string;
  secret: string;
  date_created: string;
  date_modified: string;
  failure_count: number;
}
export interface WooApiKey {
  key_id: number;
  user_id: number;
  description: string;
  permissions: 'read' | 'write' | 'read_write';
  consumer_key: string;
  consumer_secret: string;
  revoked: boolean;
  /** nonce → timestamp it came with (WooCommerce keeps them per key). */
  nonces: Map<string, number>;
}
export interface WooDelivery {
  deliveryId: string;
  webhookId: number;
  topic: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number | 'network-error';
  responseBody: string;
  ping: boolean;
}
export interface WooRequestLog {
  method: string;
  path: string;
  /** The REST route (`/wc/v3/products`), from the path or from `rest_route`; absent for other requests. */
  route?: string;
  query: Record<string, string>;
  status: number;
  code?: string;
  auth: 'oauth' | 'none';
}
export interface WooAuthorization {
  appName: string;
  scope: string;
  userId: string;
  returnUrl: string;
  callbackUrl: string;
  /** What the callback answered (the key is kept only on exactly 200). */
  callbackStatus?: number | 'network-error';
  keyId?: number;
  outcome: 'pending' | 'granted' | 'denied' | 'callback-failed';
}

export interface FakeWooOptions {
  /** Approve /wc-auth/v1/authorize immediately instead of showing the approval form. */
  autoApprove?: boolean;
  /** Accept an http callback_url (real WooCommerce demands https). */
  allowHttpCallback?: boolean;
  /** Store currency (settings/general/woocommerce_currency). */
  currency?: string;
  /** Clock in ms (OAuth timestamps, dates, delivery ids). */
  now?: () => number;
  /** Deliver webhooks automatically on every product/order change (default true). */
  autoDeliver?: boolean;
  /** WordPress user id of the store admin who approves wc-auth requests. */
  adminUserId?: number;
  /**
   * Turns on `/__fake/keys` (register / delete REST keys over HTTP) for callers holding this token:
   * a stand-in in a real WordPress (tests/fixtures/wordpress/wc-auth-stand-in.php) creates keys there.
   */
  controlToken?: string;
  /** WordPress's permalink setting: `plain` (permalink_structure empty) or `pretty` (the default). */
  permalinks?: 'pretty' | 'plain';
}

export interface SeedOptions { products?: number; orders?: number; customers?: number }

type Json = Record<string, unknown>;

class WooRestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly extra: Json = {}) {
    super(message);
  }
}

const WEBHOOK_TOPICS = [
  'product.created', 'product.updated', 'product.deleted', 'product.restored',
  'order.created', 'order.updated', 'order.deleted', 'order.restored',
  'customer.created', 'customer.updated', 'customer.deleted',
  'coupon.created', 'coupon.updated', 'coupon.deleted',
];
const OAUTH_WINDOW_SECONDS = 15 * 60;
const MAX_DELIVERY_FAILURES = 5;
const HASH_SALT = randomBytes(16).toString('hex');

const ADJECTIVES = ['Merino', 'Linen', 'Canvas', 'Leather', 'Organic', 'Waxed', 'Alpine', 'Harbor', 'Trail', 'Studio', 'Classic', 'Coastal'];
const NOUNS = ['Sweater', 'Shirt', 'Backpack', 'Boots', 'Jacket', 'Scarf', 'Beanie', 'Tote', 'Wallet', 'Sneakers', 'Raincoat', 'Socks'];
const COLORS = ['Navy', 'Olive', 'Rust', 'Charcoal', 'Sand', 'Forest', 'Cream', 'Black', 'Plum', 'Sky'];
const FIRST = ['Ada', 'Ben', 'Cleo', 'Dan', 'Eva', 'Finn', 'Gia', 'Hugo', 'Ivy', 'Jon'];
const LAST = ['Meyer', 'Schulz', 'Novak', 'Rossi', 'Dubois', 'Klein', 'Berg', 'Lind', 'Costa', 'Weber'];
const STATUSES: WooOrder['status'][] = ['processing', 'completed', 'on-hold', 'pending', 'completed', 'processing'];

function slugify(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19); // WooCommerce dates: site-local, no zone
}

export class FakeWooCommerce {
  url = '';
  /**
   * The site this store's WooCommerce answers for (its `home_url`): the base OAuth signatures are
   * checked against, the `X-WC-Webhook-Source` and permalink origin. The fake's own `url` unless a
   * real WordPress in front forwards REST calls here (then that WordPress's URL).
   */
  siteUrl = '';
  readonly products = new Map<number, WooProduct>();
  readonly orders = new Map<number, WooOrder>();
  readonly webhooks = new Map<number, WooWebhook>();
  readonly keys = new Map<number, WooApiKey>();
  readonly deliveries: WooDelivery[] = [];
  readonly requests: WooRequestLog[] = [];
  readonly authorizations: WooAuthorization[] = [];
  readonly customers = new Map<number, { id: number; email: string; first_name: string; last_name: string }>();
  currency: string;
  autoDeliver: boolean;
  /**
   * While set, every REST request is answered with this error instead (a store that is down, throttled
   * or behind a firewall that refuses), with `Retry-After` when given; `requests` still logs it.
   */
  outage: { status: number; code?: string; retryAfter?: number } | undefined;
  /** WordPress's permalink setting, which decides the paths REST and wc-auth answer at (see the header). */
  permalinks: 'pretty' | 'plain';
  private nextId = 1000;
  private pending = new Set<Promise<unknown>>();
  private sockets = new Set<Socket>();
  private server = createServer((req, res) => void this.handle(req, res));
  private clockOffsetMs = 0;

  constructor(private readonly options: FakeWooOptions = {}) {
    this.currency = options.currency ?? 'EUR';
    this.autoDeliver = options.autoDeliver ?? true;
    this.permalinks = options.permalinks ?? 'pretty';
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Milliseconds since the epoch as the store sees them. */
  now(): number {
    return (this.options.now?.() ?? Date.now()) + this.clockOffsetMs;
  }
  /** Moves the store's clock (e.g. to put a client's OAuth timestamp outside the window). */
  shiftClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.siteUrl ||= this.url;
    return this;
  }

  async close(): Promise<void> {
    await this.settled();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Waits until every webhook delivery and wc-auth callback started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private id(): number {
    return ++this.nextId;
  }

  // ---------------------------------------------------------------- state changes

  /** Deterministic catalog and order history: product i and order j are always the same. */
  seed({ products = 0, orders = 0, customers = 20 }: SeedOptions): void {
    const before = this.autoDeliver;
    this.autoDeliver = false;
    const base = Date.UTC(2026, 0, 1);
    for (let c = 1; c <= customers; c++) {
      const first = FIRST[c % FIRST.length]!;
      const last = LAST[Math.floor(c / FIRST.length) % LAST.length]!;
      this.addCustomer({ id: c + 1, email: `${first}.${last}${c}@example.com`.toLowerCase(), first_name: first, last_name: last });
    }
    const start = this.products.size;
    for (let i = start; i < start + products; i++) {
      const name = `${COLORS[i % COLORS.length]} ${ADJECTIVES[Math.floor(i / COLORS.length) % ADJECTIVES.length]} ${NOUNS[Math.floor(i / (COLORS.length * ADJECTIVES.length)) % NOUNS.length]} ${i + 1}`;
      const cents = 1500 + ((i * 7919) % 20000);
      this.addProduct({
        name,
        description: `<p>The ${name.toLowerCase()}, made to last.</p>`,
        short_description: `${name} in ${COLORS[i % COLORS.length]!.toLowerCase()}.`,
        sku: `SKU-${String(i + 1).padStart(5, '0')}`,
        regular_price: (cents / 100).toFixed(2),
        stock_status: i % 17 === 0 ? 'outofstock' : 'instock',
        date_created: iso(base + i * 60_000),
      });
    }
    const productIds = [...this.products.keys()];
    const customerIds = [...this.customers.keys()];
    for (let j = 0; j < orders; j++) {
      const guest = j % 4 === 3 || customerIds.length === 0;
      const customer = guest ? undefined : this.customers.get(customerIds[j % customerIds.length]!)!;
      const product = this.products.get(productIds[(j * 31) % Math.max(productIds.length, 1)]!);
      const quantity = 1 + (j % 3);
      const price = product ? Number(product.price) : 10;
      this.addOrder({
        customer_id: customer?.id ?? 0,
        status: STATUSES[j % STATUSES.length]!,
        billing: {
          first_name: customer?.first_name ?? FIRST[j % FIRST.length]!,
          last_name: customer?.last_name ?? 'Guest',
          email: customer?.email ?? `guest${j}@example.org`,
          address_1: `${j + 1} Market Street`,
          city: 'Berlin',
          postcode: '10115',
          country: 'DE',
        },
        line_items: product ? [{ id: this.id(), name: product.name, product_id: product.id, quantity, total: (price * quantity).toFixed(2) }] : [],
        date_created: iso(base + 86_400_000 + j * 3_600_000),
      });
    }
    this.autoDeliver = before;
  }

  addCustomer(customer: { id: number; email: string; first_name: string; last_name: string }): void {
    this.customers.set(customer.id, customer);
    this.nextId = Math.max(this.nextId, customer.id);
  }

  addProduct(input: Partial<WooProduct> & { name: string }): WooProduct {
    const id = input.id ?? this.id();
    const slug = input.slug ?? slugify(input.name);
    const created = input.date_created ?? iso(this.now());
    const regular = input.regular_price ?? input.price ?? '10.00';
    const product: WooProduct = {
      id,
      name: input.name,
      slug,
      permalink: `${this.siteUrl}/product/${slug}/`,
      date_created: created,
      date_created_gmt: created, // the store's zone is UTC
      date_modified: input.date_modified ?? created,
      date_modified_gmt: input.date_modified ?? created,
      type: input.type ?? 'simple',
      status: input.status ?? 'publish',
      description: input.description ?? '',
      short_description: input.short_description ?? '',
      sku: input.sku ?? '',
      price: input.sale_price || regular,
      regular_price: regular,
      sale_price: input.sale_price ?? '',
      stock_status: input.stock_status ?? 'instock',
      images: input.images ?? [{ id: id + 500_000, src: `${this.siteUrl}/wp-content/uploads/${slug}.jpg`, name: slug, alt: input.name }],
      tags: input.tags ?? [],
      categories: input.categories ?? [{ id: 15, name: 'Uncategorized', slug: 'uncategorized' }],
      variations: input.variations ?? [],
    };
    this.products.set(id, product);
    this.fire('product.created', product);
    return product;
  }

  updateProduct(id: number, patch: Partial<WooProduct>): WooProduct {
    const current = this.products.get(id);
    if (!current) throw new Error(`no product ${id}`);
    const modified = iso(this.now());
    const next: WooProduct = { ...current, ...patch, id, date_modified: modified, date_modified_gmt: modified };
    if (patch.regular_price !== undefined || patch.sale_price !== undefined) next.price = next.sale_price || next.regular_price;
    this.products.set(id, next);
    this.fire('product.updated', next);
    return next;
  }

  deleteProduct(id: number): void {
    if (!this.products.delete(id)) throw new Error(`no product ${id}`);
    this.fire('product.deleted', { id });
  }

  addOrder(input: Partial<WooOrder> & { billing: WooOrder['billing'] }): WooOrder {
    const id = input.id ?? this.id();
    const created = input.date_created ?? iso(this.now());
    const items = input.line_items ?? [];
    const order: WooOrder = {
      id,
      number: input.number ?? String(id),
      order_key: `wc_order_${randomBytes(6).toString('hex')}`,
      status: input.status ?? 'processing',
      currency: input.currency ?? this.currency,
      date_created: created,
      date_created_gmt: created,
      date_modified: input.date_modified ?? created,
      date_modified_gmt: input.date_modified ?? created,
      date_completed: input.status === 'completed' ? created : null,
      total: input.total ?? items.reduce((sum, li) => sum + Number(li.total), 0).toFixed(2),
      customer_id: input.customer_id ?? 0,
      billing: input.billing,
      shipping: input.shipping ?? { ...input.billing, email: undefined },
      line_items: items,
      shipping_lines: input.shipping_lines ?? [],
      meta_data: input.meta_data ?? [],
    };
    this.orders.set(id, order);
    this.fire('order.created', order);
    return order;
  }

  updateOrder(id: number, patch: Partial<WooOrder>): WooOrder {
    const current = this.orders.get(id);
    if (!current) throw new Error(`no order ${id}`);
    const modified = iso(this.now());
    const next = { ...current, ...patch, id, date_modified: modified, date_modified_gmt: modified };
    this.orders.set(id, next);
    this.fire('order.updated', next);
    return next;
  }

  /** Creates REST API keys as WooCommerce's key screen or wc-auth would. */
  createKey(input: { userId?: number; permissions?: WooApiKey['permissions']; description?: string } = {}): WooApiKey {
    const key: WooApiKey = {
      key_id: Math.max(0, ...this.keys.keys()) + 1,
      user_id: input.userId ?? this.options.adminUserId ?? 1,
      description: input.description ?? 'test key',
      permissions: input.permissions ?? 'read_write',
      consumer_key: `ck_${randomBytes(20).toString('hex')}`,
      consumer_secret: `cs_${randomBytes(20).toString('hex')}`,
      revoked: false,
      nonces: new Map(),
    };
    this.keys.set(key.key_id, key);
    return key;
  }

  /**
   * `/__fake/keys` for a wc-auth stand-in that makes the keys itself, as WC_Auth::create_keys does:
   * `POST` `{ consumer_key, consumer_secret, permissions, description, user_id }` registers them
   * (→ 201 `{ key_id }`), `DELETE /__fake/keys/:id` removes them (WC_Auth::maybe_delete_key).
   */
  private control(req: IncomingMessage, url: URL, bodyText: string): { status: number; body: unknown } {
    if (req.headers['x-fake-control-token'] !== this.options.controlToken) return { status: 403, body: { code: 'forbidden', message: 'control token required' } };
    const del = /^\/__fake\/keys\/(\d+)$/.exec(url.pathname);
    if (req.method === 'DELETE' && del) return { status: this.keys.delete(Number(del[1])) ? 200 : 404, body: { deleted: true } };
    if (req.method !== 'POST' || url.pathname !== '/__fake/keys') return { status: 404, body: { code: 'rest_no_route', message: 'No route' } };
    let input: { consumer_key?: unknown; consumer_secret?: unknown; permissions?: unknown; description?: unknown; user_id?: unknown };
    try {
      input = JSON.parse(bodyText) as typeof input;
    } catch {
      return { status: 400, body: { code: 'invalid_json', message: 'JSON body expected' } };
    }
    const permissions = input.permissions;
    if (typeof input.consumer_key !== 'string' || !/^ck_[0-9a-f]{40}$/.test(input.consumer_key) || typeof input.consumer_secret !== 'string' || !/^cs_[0-9a-f]{40}$/.test(input.consumer_secret) || (permissions !== 'read' && permissions !== 'write' && permissions !== 'read_write')) {
      return { status: 400, body: { code: 'invalid_key', message: 'consumer_key ck_ + 40 hex, consumer_secret cs_ + 40 hex, permissions read|write|read_write' } };
    }
    const key = this.createKey({ permissions, description: String(input.description ?? 'wc-auth stand-in'), userId: Number(input.user_id) || undefined });
    key.consumer_key = input.consumer_key;
    key.consumer_secret = input.consumer_secret;
    return { status: 201, body: { key_id: key.key_id } };
  }

  /** The merchant revokes a key (WooCommerce → Settings → Advanced → REST API → Revoke). */
  revokeKey(consumerKeyOrId: string | number): void {
    for (const key of this.keys.values()) {
      if (key.key_id === consumerKeyOrId || key.consumer_key === consumerKeyOrId) key.revoked = true;
    }
  }

  // ---------------------------------------------------------------- webhooks out

  private fire(topic: string, resource: unknown): void {
    if (!this.autoDeliver) return;
    for (const hook of this.webhooks.values()) {
      if (hook.status === 'active' && hook.topic === topic) this.track(this.deliver(hook, resource));
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  /** WC_Webhook::get_new_delivery_id: wp_hash( webhook id . strtotime('now') ). */
  deliveryIdFor(webhookId: number): string {
    return createHmac('md5', HASH_SALT).update(`${webhookId}${Math.floor(this.now() / 1000)}`).digest('hex');
  }

  /** Delivers `payload` to one webhook (signed), as WC_Webhook::deliver does. */
  async deliver(hook: WooWebhook, payload: unknown, overrides: { body?: string; signature?: string } = {}): Promise<WooDelivery> {
    const body = overrides.body ?? JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'WooCommerce/9.4.0 Hookshot (WordPress/6.7)',
      'x-wc-webhook-source': `${this.siteUrl}/`,
      'x-wc-webhook-topic': hook.topic,
      'x-wc-webhook-resource': hook.resource,
      'x-wc-webhook-event': hook.event,
      'x-wc-webhook-signature': overrides.signature ?? createHmac('sha256', hook.secret).update(body).digest('base64'),
      'x-wc-webhook-id': String(hook.id),
      'x-wc-webhook-delivery-id': this.deliveryIdFor(hook.id),
    };
    const delivery = await this.send({ deliveryId: headers['x-wc-webhook-delivery-id']!, webhookId: hook.id, topic: hook.topic, url: hook.delivery_url, headers, body, ping: false });
    const ok = typeof delivery.status === 'number' && delivery.status >= 200 && delivery.status < 300;
    hook.failure_count = ok ? 0 : hook.failure_count + 1;
    if (hook.failure_count > MAX_DELIVERY_FAILURES) hook.status = 'disabled';
    return delivery;
  }

  /** Sends a recorded delivery again, byte for byte (a retry after a timeout). */
  async redeliver(delivery: WooDelivery): Promise<WooDelivery> {
    return this.send({ ...delivery });
  }

  /** Delivers a payload to every active webhook on `topic`; resolves with the deliveries. */
  async trigger(topic: string, payload: unknown): Promise<WooDelivery[]> {
    const hooks = [...this.webhooks.values()].filter((h) => h.status === 'active' && h.topic === topic);
    return Promise.all(hooks.map((h) => this.track(this.deliver(h, payload))));
  }

  /** WC_Webhook::deliver_ping: form-encoded `webhook_id=N`, no signature headers. */
  async ping(hook: WooWebhook): Promise<WooDelivery> {
    return this.send({
      deliveryId: '',
      webhookId: hook.id,
      topic: 'ping',
      url: hook.delivery_url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'WooCommerce/9.4.0 Hookshot (WordPress/6.7)' },
      body: `webhook_id=${hook.id}`,
      ping: true,
    });
  }

  private async send(d: Omit<WooDelivery, 'status' | 'responseBody'>): Promise<WooDelivery> {
    const delivery: WooDelivery = { ...d, status: 'network-error', responseBody: '' };
    try {
      const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
      delivery.status = res.status;
      delivery.responseBody = await res.text();
    } catch {
      delivery.status = 'network-error';
    }
    this.deliveries.push(delivery);
    return delivery;
  }

  // ---------------------------------------------------------------- HTTP in

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const rawQuery = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
    const query = parsePhpQuery(rawQuery);
    const bodyText = await readBody(req);
    const log: WooRequestLog = { method: req.method ?? 'GET', path: url.pathname, query, status: 200, auth: 'none' };
    try {
      if (url.pathname.startsWith('/__fake/keys') && this.options.controlToken) {
        const result = this.control(req, url, bodyText);
        sendJson(res, result.status, result.body);
        log.status = result.status;
        return;
      }
      const front = url.pathname === '/' || url.pathname === '/index.php';
      const pretty = this.permalinks === 'pretty';
      const wcAuthStep = front && query['wc-auth-version'] && query['wc-auth-route'] ? query['wc-auth-route'] : pretty && url.pathname.startsWith('/wc-auth/v1/') ? url.pathname.slice('/wc-auth/v1/'.length) : undefined;
      if (wcAuthStep !== undefined) {
        await this.handleWcAuth(req, res, wcAuthStep.replace(/\/$/, ''), query, bodyText);
        log.status = res.statusCode;
        return;
      }
      if (!pretty && (url.pathname.startsWith('/wp-json/') || url.pathname.startsWith('/wc-auth/'))) {
        // Plain permalinks: WordPress has no rewrite rules, so these are its theme's 404 page.
        res.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
        res.end('<!doctype html><html><head><title>Page not found</title></head><body class="error404"><h1>Oops! That page can’t be found.</h1></body></html>');
        log.status = 404;
        return;
      }
      const route = front && query.rest_route ? query.rest_route : url.pathname.startsWith('/wp-json/') ? url.pathname.slice('/wp-json'.length) : undefined;
      if (route === undefined) throw new WooRestError(404, 'rest_no_route', 'No route was found matching the URL and request method.');
      log.route = route;
      if (this.outage) {
        if (this.outage.retryAfter !== undefined) res.setHeader('Retry-After', String(this.outage.retryAfter));
        throw new WooRestError(this.outage.status, this.outage.code ?? 'fake_outage', 'The store is not answering as usual.');
      }
      const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? parsePhpQuery(bodyText) : {};
      const key = this.authenticate(req, url, { ...query, ...form });
      if (key) log.auth = 'oauth';
      let body: Json = {};
      if (bodyText && (req.headers['content-type'] ?? '').includes('json')) {
        try {
          body = JSON.parse(bodyText) as Json;
        } catch {
          throw new WooRestError(400, 'rest_invalid_json', 'Invalid JSON body passed.');
        }
      }
      const result = await this.route(req.method ?? 'GET', route, query, body, key);
      for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
      sendJson(res, result.status ?? 200, result.body);
      log.status = result.status ?? 200;
    } catch (error) {
      const e = error instanceof WooRestError ? error : new WooRestError(500, 'internal_server_error', String(error));
      sendJson(res, e.status, { code: e.code, message: e.message, data: { status: e.status, ...e.extra } });
      log.status = e.status;
      log.code = e.code;
    } finally {
      this.requests.push(log);
    }
  }

  /**
   * check_oauth_signature's base URI: `get_home_url( null, $request_path )` with the request path made
   * relative to the home path; an empty rest (a request to `/?rest_route=…`) gets no trailing slash.
   */
  private signedBaseUrl(pathname: string): string {
    const home = this.siteUrl.replace(/\/+$/, '');
    const wpBase = `${new URL(home).pathname.replace(/\/+$/, '')}/`;
    const path = pathname.startsWith(wpBase) ? pathname.slice(wpBase.length) : pathname;
    return path ? `${home}/${path.replace(/^\/+/, '')}` : home;
  }

  /** WC_REST_Authentication::perform_oauth_authentication (http: Basic is not read). */
  private authenticate(req: IncomingMessage, url: URL, requestParams: Record<string, string>): WooApiKey | undefined {
    const params: Record<string, string> = { ...requestParams, ...parseOAuthHeader(req.headers.authorization) };
    const missing = REQUIRED_OAUTH_PARAMS.filter((p) => !params[p]);
    if (missing.length === REQUIRED_OAUTH_PARAMS.length) return undefined; // not trying OAuth at all
    const authError = (message: string, code = 'woocommerce_rest_authentication_error') => new WooRestError(401, code, message);
    if (missing.length) throw authError(`Missing OAuth parameter ${missing.join(', ')}`, 'woocommerce_rest_authentication_missing_parameter');
    const key = [...this.keys.values()].find((k) => k.consumer_key === params.oauth_consumer_key);
    if (!key) throw authError('Consumer key is invalid.');
    if (key.revoked) throw new WooRestError(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.');
    const provided = params.oauth_signature!.replace(/ /g, '+');
    const signed = { ...params };
    delete signed.oauth_signature;
    const base = signatureBaseString(req.method ?? 'GET', this.signedBaseUrl(url.pathname), signed);
    const expected = expectedSignature(params.oauth_signature_method!, base, key.consumer_secret);
    if (!expected) throw authError('Invalid signature method.');
    if (!hashEquals(expected, provided)) throw authError('Invalid signature - provided signature does not match.');
    const timestamp = Number(params.oauth_timestamp);
    const nowSeconds = Math.floor(this.now() / 1000);
    if (!Number.isFinite(timestamp) || timestamp < nowSeconds - OAUTH_WINDOW_SECONDS || timestamp > nowSeconds + OAUTH_WINDOW_SECONDS) throw authError('Invalid timestamp.');
    if (key.nonces.has(params.oauth_nonce!)) throw authError('Invalid nonce - nonce has already been used.');
    key.nonces.set(params.oauth_nonce!, timestamp);
    for (const [nonce, ts] of key.nonces) if (ts < nowSeconds - OAUTH_WINDOW_SECONDS) key.nonces.delete(nonce);
    const method = (req.method ?? 'GET').toUpperCase();
    const needs = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
    if (key.permissions !== 'read_write' && key.permissions !== needs) throw authError(`The API key provided does not have ${needs} permissions.`);
    return key;
  }

  private async route(method: string, route: string, q: Record<string, string>, body: Json, key: WooApiKey | undefined): Promise<{ status?: number; body: unknown; headers?: Record<string, string> }> {
    const m = /^\/wc\/v3\/(products|orders|webhooks)(?:\/(\d+))?\/?$/.exec(route);
    if (route.replace(/\/$/, '') === '/wc/v3/settings/general/woocommerce_currency' && method === 'GET') {
      requireKey(key, 'woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.');
      return { body: { id: 'woocommerce_currency', label: 'Currency', type: 'select', default: 'USD', value: this.currency } };
    }
    if (!m) throw new WooRestError(404, 'rest_no_route', 'No route was found matching the URL and request method.');
    const [, collection, idText] = m;
    const id = idText ? Number(idText) : undefined;
    if (collection === 'products' && method === 'GET') {
      if (id !== undefined) {
        requireKey(key, 'woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.');
        const p = this.products.get(id);
        if (!p) throw new WooRestError(404, 'woocommerce_rest_product_invalid_id', 'Invalid ID.');
        return { body: p };
      }
      requireKey(key, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.');
      const items = [...this.products.values()]
        .filter((p) => matchesSearch(q.search, [p.name, p.description, p.short_description]) && (!q.sku || p.sku === q.sku))
        .filter((p) => !q.status || q.status === 'any' || p.status === q.status)
        .sort(ordering(q));
      return this.page(route, q, items);
    }
    if (collection === 'orders' && method === 'GET') {
      if (id !== undefined) {
        requireKey(key, 'woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.');
        const o = this.orders.get(id);
        if (!o) throw new WooRestError(404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
        return { body: o };
      }
      requireKey(key, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.');
      if (q.customer !== undefined && !/^\d+$/.test(q.customer)) throw invalidParam('customer', 'customer is not of type integer.');
      const items = [...this.orders.values()]
        .filter((o) => (q.customer === undefined || o.customer_id === Number(q.customer)) && (!q.status || q.status === 'any' || o.status === q.status))
        .filter((o) => !q.search || o.number === q.search.trim() || String(o.id) === q.search.trim() || matchesSearch(q.search, [o.billing.email, o.billing.first_name, o.billing.last_name]))
        .sort(ordering(q));
      return this.page(route, q, items);
    }
    if (collection === 'webhooks') {
      if (method === 'GET' && id === undefined) {
        requireKey(key, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.');
        return this.page(route, q, [...this.webhooks.values()].filter((w) => !q.status || q.status === 'all' || w.status === q.status).sort((a, b) => b.id - a.id).map(publicWebhook));
      }
      if (method === 'GET') {
        requireKey(key, 'woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.');
        const w = this.webhooks.get(id!);
        if (!w) throw new WooRestError(404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.');
        return { body: publicWebhook(w) };
      }
      if (method === 'POST' && id === undefined) {
        requireKey(key, 'woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.');
        const missing = ['topic', 'delivery_url'].filter((k) => typeof body[k] !== 'string' || body[k] === '');
        if (missing.length) throw new WooRestError(400, 'rest_missing_callback_param', `Missing parameter(s): ${missing.join(', ')}`, { params: missing });
        const topic = String(body.topic);
        if (!WEBHOOK_TOPICS.includes(topic) && !topic.startsWith('action.')) throw new WooRestError(400, 'woocommerce_rest_webhook_invalid_topic', 'Webhook topic is required and must be valid.');
        let delivery: URL;
        try {
          delivery = new URL(String(body.delivery_url));
          if (!/^https?:$/.test(delivery.protocol)) throw new Error('scheme');
        } catch {
          throw invalidParam('delivery_url', 'Invalid URL.');
        }
        const [resource, event] = topic.split('.') as [string, string];
        const now = iso(this.now());
        const hook: WooWebhook = {
          id: this.id(),
          name: typeof body.name === 'string' && body.name ? body.name : `Webhook created on ${now}`,
          status: body.status === 'paused' || body.status === 'disabled' ? body.status : 'active',
          topic,
          resource,
          event,
          hooks: [`woocommerce_${event === 'deleted' ? 'delete' : event === 'created' ? 'new' : 'update'}_${resource}`],
          delivery_url: delivery.toString(),
          secret: typeof body.secret === 'string' && body.secret ? body.secret : randomBytes(24).toString('base64'),
          date_created: now,
          date_modified: now,
          failure_count: 0,
        };
        this.webhooks.set(hook.id, hook);
        if (hook.status === 'active') await this.track(this.ping(hook));
        return { status: 201, body: publicWebhook(hook) };
      }
      if (method === 'DELETE' && id !== undefined) {
        requireKey(key, 'woocommerce_rest_cannot_delete', 'Sorry, you are not allowed to delete this resource.');
        const w = this.webhooks.get(id);
        if (!w) throw new WooRestError(404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.');
        if (q.force !== 'true' && q.force !== '1') throw new WooRestError(501, 'woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.');
        this.webhooks.delete(id);
        return { body: publicWebhook(w) };
      }
    }
    throw new WooRestError(404, 'rest_no_route', 'No route was found matching the URL and request method.');
  }

  private page<T>(route: string, q: Record<string, string>, items: T[]): { body: T[]; headers: Record<string, string> } {
    const perPage = q.per_page === undefined ? 10 : Number(q.per_page);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) throw invalidParam('per_page', 'per_page must be between 1 (inclusive) and 100 (inclusive)');
    const page = q.page === undefined ? 1 : Number(q.page);
    if (!Number.isInteger(page) || page < 1) throw invalidParam('page', 'page must be greater than or equal to 1');
    const total = items.length;
    const totalPages = Math.ceil(total / perPage);
    const headers: Record<string, string> = { 'X-WP-Total': String(total), 'X-WP-TotalPages': String(totalPages) };
    const link = (p: number) => {
      // rest_url(): /wp-json/… with pretty permalinks, /index.php?rest_route=… without.
      const u = this.permalinks === 'pretty' ? new URL(`${this.siteUrl}/wp-json${route}`) : new URL(`${this.siteUrl}/index.php?rest_route=${encodeURIComponent(route)}`);
      for (const [k, v] of Object.entries(q)) if (!k.startsWith('oauth_')) u.searchParams.set(k, v);
      u.searchParams.set('page', String(p));
      return `<${u}>`;
    };
    const links: string[] = [];
    if (page > 1 && page - 1 <= totalPages) links.push(`${link(page - 1)}; rel="prev"`);
    if (page < totalPages) links.push(`${link(page + 1)}; rel="next"`);
    if (links.length) headers.Link = links.join(', ');
    return { body: items.slice((page - 1) * perPage, page * perPage), headers };
  }

  // ---------------------------------------------------------------- wc-auth

  private async handleWcAuth(req: IncomingMessage, res: ServerResponse, step: string, query: Record<string, string>, bodyText: string): Promise<void> {
    const params = req.method === 'POST' ? { ...query, ...parsePhpQuery(bodyText) } : query;
    const action = (to: string) => (this.permalinks === 'pretty' ? `/wc-auth/v1/${to}/` : `/?wc-auth-version=1&amp;wc-auth-route=${to}`);
    const fail = (message: string) => {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Error</title><p class="wc-auth-error">${escapeHtml(message)}</p>`);
    };
    const required = ['app_name', 'scope', 'user_id', 'return_url', 'callback_url'] as const;
    for (const r of required) if (!params[r]) return fail(`Missing parameter ${r}`);
    if (!['read', 'write', 'read_write'].includes(params.scope!)) return fail('Invalid scope');
    for (const u of ['return_url', 'callback_url'] as const) {
      try {
        new URL(params[u]!);
      } catch {
        return fail(`The ${u} is not a valid URL`);
      }
    }
    if (!params.callback_url!.startsWith('https://') && !this.options.allowHttpCallback) return fail('The callback_url needs to be over SSL');
    const auth: WooAuthorization = { appName: params.app_name!, scope: params.scope!, userId: params.user_id!, returnUrl: params.return_url!, callbackUrl: params.callback_url!, outcome: 'pending' };
    if (step === 'authorize' && req.method === 'GET' && !this.options.autoApprove) {
      this.authorizations.push(auth);
      const hidden = required.map((r) => `<input type="hidden" name="${r}" value="${escapeHtml(params[r]!)}">`).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>Authorize ${escapeHtml(auth.appName)}</title></head><body class="wc-auth">
<h1>${escapeHtml(auth.appName)} would like to connect to your store</h1><p>Permissions: ${escapeHtml(auth.scope)}</p>
<form method="post" action="${action('access_granted')}">${hidden}<button type="submit" id="wc-auth-approve">Approve</button></form>
<form method="post" action="${action('access_denied')}">${hidden}<button type="submit" id="wc-auth-deny">Deny</button></form></body></html>`);
      return;
    }
    const existing = this.authorizations.find((a) => a.outcome === 'pending' && a.userId === auth.userId && a.callbackUrl === auth.callbackUrl);
    const record = existing ?? auth;
    if (!existing) this.authorizations.push(record);
    const back = new URL(record.returnUrl);
    back.searchParams.set('user_id', record.userId);
    if (step === 'access_denied') {
      record.outcome = 'denied';
      back.searchParams.set('success', '0');
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (step !== 'access_granted' && step !== 'authorize') return fail('Invalid endpoint');
    const key = this.createKey({ permissions: record.scope as WooApiKey['permissions'], description: `${record.appName} - API (${iso(this.now())})` });
    record.keyId = key.key_id;
    const payload = { key_id: key.key_id, user_id: record.userId, consumer_key: key.consumer_key, consumer_secret: key.consumer_secret, key_permissions: key.permissions };
    const status = await this.track(
      fetch(record.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'WordPress/6.7; ' + this.url }, body: JSON.stringify(payload), redirect: 'manual', signal: AbortSignal.timeout(60_000) })
        .then(async (r) => (await r.arrayBuffer(), r.status))
        .catch(() => 'network-error' as const),
    );
    record.callbackStatus = status;
    if (status !== 200) {
      this.keys.delete(key.key_id); // WC_Auth::post_consumer_data failed: the key is removed
      record.keyId = undefined;
      record.outcome = 'callback-failed';
      return fail('An error occurred in the request and at the time were unable to send the consumer data');
    }
    record.outcome = 'granted';
    back.searchParams.set('success', '1');
    res.writeHead(302, { location: back.toString() });
    res.end();
  }
}

function requireKey(key: WooApiKey | undefined, code: string, message: string): void {
  if (!key) throw new WooRestError(401, code, message);
}
function invalidParam(param: string, message: string): WooRestError {
  return new WooRestError(400, 'rest_invalid_param', `Invalid parameter(s): ${param}`, { params: { [param]: message }, details: { [param]: { code: 'rest_invalid_param', message, data: null } } });
}
function matchesSearch(search: string | undefined, fields: string[]): boolean {
  if (!search || !search.trim()) return true;
  const hay = fields.join(' ').toLowerCase();
  return search.toLowerCase().split(/\s+/).filter(Boolean).every((term) => hay.includes(term));
}
/** `orderby` (date | id | title, default date) and `order` (asc | desc, default desc), as WooCommerce sorts lists. */
function ordering(q: Record<string, string>) {
  const desc = (q.order ?? 'desc').toLowerCase() !== 'asc';
  const by = q.orderby ?? 'date';
  return (a: { date_created: string; id: number; name?: string }, b: { date_created: string; id: number; name?: string }): number => {
    let c: number;
    if (by === 'id') c = a.id - b.id;
    else if (by === 'title') c = (a.name ?? '').localeCompare(b.name ?? '') || a.id - b.id;
    else c = a.date_created === b.date_created ? a.id - b.id : a.date_created < b.date_created ? -1 : 1;
    return desc ? -c : c;
  };
}
function publicWebhook(w: WooWebhook): Omit<WooWebhook, 'failure_count'> {
  const { failure_count: _ignored, ...rest } = w;
  return rest;
}
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts a fake store on a random port. */
export async function startFakeWooCommerce(options: FakeWooOptions = {}): Promise<FakeWooCommerce> {
  return new FakeWooCommerce(options).listen();
}

