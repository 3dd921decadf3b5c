// plugins/woocommerce against the fake store, case by case where the contract kit only takes the
// common path: order lookups (renumbered orders, fuzzy search pages, bad input that must not reach the
// store), catalog paging and clamping, webhook bookkeeping on a store shared with other apps, connect
// edge cases, webhook identification and payloads, and the store's error answers. Assertions are on
// what the plugin returns and on the fake's own state and request log.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PluginError, type WebhookRequest } from '@concierge/plugin-sdk';
import { createTestContext } from '@concierge/plugin-sdk/testkit';
import woocommerce, { normalizeSiteUrl } from '../../../plugins/woocommerce/index.ts';
import { WooClient } from '../../../plugins/woocommerce/client.ts';
import { startFakeWooCommerce, type FakeWooCommerce, type WooOrder } from '../../fakes/woocommerce/server.ts';

let store: FakeWooCommerce;
let ctx: ReturnType<typeof createTestContext>;
const PUBLIC_URL = 'http://127.0.0.1:9';
const plugin = woocommerce;

beforeAll(async () => {
  store = await startFakeWooCommerce({ autoDeliver: false });
  const key = store.createKey();
  ctx = createTestContext({ publicUrl: PUBLIC_URL, config: { siteUrl: store.url, currency: 'EUR' }, secrets: { consumerKey: key.consumer_key, consumerSecret: key.consumer_secret } });
});
afterAll(() => store.close());
beforeEach(() => {
  store.outage = undefined;
  store.requests.length = 0;
});

const codeOf = async (work: () => unknown): Promise<string> => {
  try {
    await work();
    return 'resolved';
  } catch (error) {
    return error instanceof PluginError ? error.code : `not a PluginError: ${String(error)}`;
  }
};
const errorOf = async (work: () => unknown): Promise<PluginError> => {
  try {
    await work();
  } catch (error) {
    if (error instanceof PluginError) return error;
    throw error;
  }
  throw new Error('resolved');
};
const setupCtx = (settings: { allowHttp: boolean } = { allowHttp: true }) => ({
  pluginId: 'woocommerce', logger: { debug() {}, info() {}, warn() {}, error() {} }, settings, http: { fetch }, publicUrl: 'https://concierge.example/', environment: 'test' as const,
});
const billing = (email: string) => ({ first_name: 'Ada', last_name: 'Lovelace', email, address_1: '1 Market Street', city: 'Berlin', postcode: '10115', country: 'DE' });
const restCalls = () => store.requests.filter((r) => r.route !== undefined);

describe('orders: findByNumber', () => {
  it('finds an order by its number with "#", spaces and another letter case in the email', async () => {
    const order = store.addOrder({ billing: billing('Ada.Lovelace@Example.com'), status: 'completed', total: '42.00' });
    const found = await plugin.orders!.findByNumber(ctx as never, { number: `  #${order.number} `, email: ' ADA.lovelace@example.COM ' });
    expect(found).toMatchObject({ externalId: String(order.id), number: order.number, status: 'completed', email: 'ada.lovelace@example.com' });
    expect(restCalls()[0]).toMatchObject({ method: 'GET', route: '/wc/v3/orders', query: expect.objectContaining({ search: order.number, per_page: '20' }) });
  });

  it('gives nothing for a wrong email, an order without billing email, or empty input (and asks the store nothing for empty input)', async () => {
    const order = store.addOrder({ billing: billing('grace@example.com') });
    expect(await plugin.orders!.findByNumber(ctx as never, { number: order.number, email: 'mallory@example.com' })).toBeUndefined();
    const noEmail = store.addOrder({ billing: { ...billing(''), email: undefined as unknown as string } });
    expect(await plugin.orders!.findByNumber(ctx as never, { number: noEmail.number, email: 'grace@example.com' })).toBeUndefined();
    store.requests.length = 0;
    expect(await plugin.orders!.findByNumber(ctx as never, { number: order.number, email: '   ' })).toBeUndefined();
    expect(await plugin.orders!.findByNumber(ctx as never, { number: ' # ', email: 'grace@example.com' })).toBeUndefined();
    expect(await plugin.orders!.findByNumber(ctx as never, { number: '', email: '' })).toBeUndefined();
    expect(restCalls()).toEqual([]);
  });

  it('falls back to GET /orders/:id when the fuzzy search fills its page with other orders', async () => {
    const target = store.addOrder({ billing: billing('target@example.com'), date_created: '2020-01-01T00:00:00' });
    // 25 newer orders whose emails contain the number: WooCommerce's search returns them first.
    for (let i = 0; i < 25; i++) store.addOrder({ billing: billing(`buyer${target.number}x${i}@example.com`) });
    const found = await plugin.orders!.findByNumber(ctx as never, { number: target.number, email: 'target@example.com' });
    expect(found).toMatchObject({ externalId: String(target.id), number: target.number });
    expect(restCalls().map((r) => r.route)).toEqual(['/wc/v3/orders', `/wc/v3/orders/${target.id}`]);
  });

  it('does not take an order id for a number when the store renumbers its orders, and does not look up ids that are not numbers', async () => {
    const renumbered = store.addOrder({ billing: billing('seq@example.com'), number: 'WC-77001' });
    expect(await plugin.orders!.findByNumber(ctx as never, { number: String(renumbered.id), email: 'seq@example.com' })).toBeUndefined();
    expect(await plugin.orders!.findByNumber(ctx as never, { number: 'WC-77001', email: 'seq@example.com' })).toMatchObject({ externalId: String(renumbered.id), number: 'WC-77001' });
    store.requests.length = 0;
    expect(await plugin.orders!.findByNumber(ctx as never, { number: 'NOPE-1', email: 'seq@example.com' })).toBeUndefined();
    expect(restCalls().map((r) => r.route)).toEqual(['/wc/v3/orders']); // no GET /orders/NOPE-1
    store.requests.length = 0;
    expect(await plugin.orders!.findByNumber(ctx as never, { number: '999999', email: 'seq@example.com' })).toBeUndefined(); // 404: nothing
    expect(restCalls().map((r) => [r.route, r.status])).toEqual([['/wc/v3/orders', 200], ['/wc/v3/orders/999999', 404]]);
  });
});

describe('orders: findForCustomer', () => {
  it("returns only that customer's orders, newest first, as many as asked (1..100 per request)", async () => {
    const mine: WooOrder[] = [];
    for (let i = 0; i < 3; i++) mine.push(store.addOrder({ customer_id: 4242, billing: billing('c4242@example.com'), date_created: `2026-02-0${i + 1}T10:00:00` }));
    store.addOrder({ customer_id: 4243, billing: billing('other@example.com') });
    const two = await plugin.orders!.findForCustomer!(ctx as never, { customerId: '4242', limit: 2 });
    expect(two.map((o) => o.externalId)).toEqual([mine[2]!.id, mine[1]!.id].map(String));
    expect(restCalls()[0]!.query).toMatchObject({ customer: '4242', per_page: '2', orderby: 'date', order: 'desc' });
    expect((await plugin.orders!.findForCustomer!(ctx as never, { customerId: '4242', limit: 500 })).length).toBe(3);
    expect(restCalls()[1]!.query.per_page).toBe('100');
    expect((await plugin.orders!.findForCustomer!(ctx as never, { customerId: '4242', limit: 0 })).length).toBe(1);
    expect(restCalls()[2]!.query.per_page).toBe('1');
  });

  it('asks the store nothing for a customer id that is not a WordPress user id', async () => {
    for (const customerId of ['0', '', 'abc', '12abc', 'x12', '-3', '007']) expect(await plugin.orders!.findForCustomer!(ctx as never, { customerId, limit: 5 })).toEqual([]);
    expect(restCalls()).toEqual([]);
  });
});

describe('catalog', () => {
  it('search: published products only, limit clamped to 1..100', async () => {
    const shown = store.addProduct({ name: 'Zephyr Lantern One' });
    store.addProduct({ name: 'Zephyr Lantern Draft', status: 'draft' });
    const found = await plugin.catalog!.search(ctx as never, { query: 'Zephyr Lantern', limit: 0 });
    expect(found.map((p) => p.externalId)).toEqual([String(shown.id)]);
    expect(restCalls()[0]!.query).toMatchObject({ search: 'Zephyr Lantern', per_page: '1', status: 'publish' });
    await plugin.catalog!.search(ctx as never, { query: 'Zephyr', limit: 1000 });
    expect(restCalls()[1]!.query.per_page).toBe('100');
  });

  it('get: by numeric id only; a draft or a missing product is not found', async () => {
    const shown = store.addProduct({ name: 'Quill Pen' });
    const draft = store.addProduct({ name: 'Quill Draft', status: 'draft' });
    expect(await plugin.catalog!.get(ctx as never, String(shown.id))).toMatchObject({ externalId: String(shown.id), title: 'Quill Pen' });
    expect(await plugin.catalog!.get(ctx as never, String(draft.id))).toBeUndefined();
    expect(await plugin.catalog!.get(ctx as never, '98765432')).toBeUndefined();
    store.requests.length = 0;
    for (const id of ['abc', `${shown.id}x`, `x${shown.id}`, '', '../orders']) expect(await plugin.catalog!.get(ctx as never, id)).toBeUndefined();
    expect(restCalls()).toEqual([]);
  });

  it('list: pages oldest first by id; a cursor that is not a page number starts at page 1; the last page has no next cursor', async () => {
    const local = await startFakeWooCommerce({ autoDeliver: false });
    try {
      local.seed({ products: 5 });
      const key = local.createKey();
      const c = createTestContext({ config: { siteUrl: local.url, currency: 'EUR' }, secrets: { consumerKey: key.consumer_key, consumerSecret: key.consumer_secret } });
      const ids = [...local.products.keys()].sort((a, b) => a - b).map(String);
      const first = await plugin.catalog!.list!(c as never, { limit: 2 });
      expect(first).toEqual({ items: expect.any(Array), nextCursor: '2', total: 5 });
      expect(first.items.map((p) => p.externalId)).toEqual(ids.slice(0, 2));
      const third = await plugin.catalog!.list!(c as never, { cursor: '3', limit: 2 });
      expect(third.items.map((p) => p.externalId)).toEqual(ids.slice(4));
      expect(third.nextCursor).toBeNull();
      for (const cursor of ['x', '2x', 'x2', '']) expect((await plugin.catalog!.list!(c as never, { cursor, limit: 2 })).items.map((p) => p.externalId)).toEqual(ids.slice(0, 2));
      expect((await plugin.catalog!.list!(c as never, { cursor: '12', limit: 2 })).items).toEqual([]); // past the end
      const all = await plugin.catalog!.list!(c as never, { limit: 500 });
      expect(all).toMatchObject({ nextCursor: null, total: 5 });
      expect(local.requests.filter((r) => r.route === '/wc/v3/products').map((r) => r.query.per_page)).toEqual(['2', '2', '2', '2', '2', '2', '2', '100']);
      expect(local.requests.every((r) => r.query.status === 'publish' && r.query.orderby === 'id' && r.query.order === 'asc')).toBe(true);
    } finally {
      await local.close();
    }
  });
});

describe('webhook bookkeeping on a store shared with other apps', () => {
  it('uninstall removes only our webhooks (paused or disabled ones too), across pages of the webhook list', async () => {
    const local = await startFakeWooCommerce({ autoDeliver: false });
    try {
      const key = local.createKey();
      const c = createTestContext({ publicUrl: `${PUBLIC_URL}/`, config: { siteUrl: local.url, currency: 'EUR' }, secrets: { consumerKey: key.consumer_key, consumerSecret: key.consumer_secret } });
      const other = new WooClient({ siteUrl: local.url, consumerKey: key.consumer_key, consumerSecret: key.consumer_secret });
      for (let i = 0; i < 60; i++) await other.post('webhooks', { topic: 'order.created', delivery_url: `https://other-app.example/hooks/${i}`, status: 'paused' });
      await plugin.install!.afterInstall!(c as never);
      expect([...local.webhooks.values()].filter((w) => w.delivery_url === `${PUBLIC_URL}/webhooks/woocommerce`).map((w) => w.name).sort()).toEqual(
        ['order.created', 'order.updated', 'product.created', 'product.deleted', 'product.updated'].map((t) => `Concierge ${t}`),
      );
      for (let i = 60; i < 120; i++) await other.post('webhooks', { topic: 'order.created', delivery_url: `https://other-app.example/hooks/${i}`, status: 'paused' });
      const ours = [...local.webhooks.values()].filter((w) => w.delivery_url.startsWith(PUBLIC_URL));
      ours[0]!.status = 'disabled'; // Woo disabled it after failed deliveries: still ours to remove
      local.requests.length = 0;
      await plugin.install!.uninstall!(c as never, { reason: 'merchant' });
      expect([...local.webhooks.values()].filter((w) => w.delivery_url.startsWith(PUBLIC_URL))).toEqual([]);
      expect(local.webhooks.size).toBe(120);
      const listed = local.requests.filter((r) => r.method === 'GET' && r.route === '/wc/v3/webhooks');
      expect(listed.map((r) => [r.query.page, r.query.per_page, r.query.status])).toEqual([['1', '100', 'all'], ['2', '100', 'all']]);
    } finally {
      await local.close();
    }
  });
});

describe('connect', () => {
  const keysBody = (over: Record<string, unknown> = {}) => {
    const key = store.createKey();
    return { key_id: key.key_id, user_id: 'st_1', consumer_key: key.consumer_key, consumer_secret: key.consumer_secret, key_permissions: 'read_write', ...over };
  };
  const complete = (body: unknown, remembered: Record<string, string> = { site: `${store.url}/` }) =>
    plugin.install!.complete!(setupCtx() as never, { origin: 'tenant', remembered, request: { method: 'POST', query: {}, body, rawBody: Buffer.from(JSON.stringify(body)), headers: {} }, callbackUrl: 'x' } as never);

  it('keeps the key id and the store currency; an odd currency value becomes USD', async () => {
    store.currency = 'JPY';
    const body = keysBody();
    const done = await complete(body);
    expect(done).toEqual({ externalId: store.url, config: { siteUrl: store.url, currency: 'JPY', permalinks: 'pretty' }, secrets: { consumerKey: body.consumer_key, consumerSecret: body.consumer_secret, keyId: body.key_id } });
    const { key_id: _dropped, ...withoutId } = keysBody();
    expect((await complete(withoutId)).secrets).not.toHaveProperty('keyId');
    for (const odd of ['jpy', 'EURO', 'E', 'XEUR', '']) {
      store.currency = odd;
      expect((await complete(keysBody())).config).toMatchObject({ currency: 'USD' });
    }
    store.currency = 'EUR';
  });

  it('refuses keys the store does not accept; a store that is down is retryable, not a bad request', async () => {
    expect(await codeOf(() => complete(keysBody({ consumer_key: `ck_${'0'.repeat(40)}` })))).toBe('INSTALL_REQUEST_INVALID');
    const revoked = keysBody();
    store.revokeKey(revoked.consumer_key);
    expect(await codeOf(() => complete(revoked))).toBe('INSTALL_REQUEST_INVALID');
    store.outage = { status: 503, retryAfter: 30 };
    expect(await codeOf(() => complete(keysBody()))).toBe('UPSTREAM_RETRYABLE');
    store.outage = undefined;
    expect(await codeOf(() => complete(keysBody(), { site: 'http://127.0.0.1:9' }))).toBe('UPSTREAM_RETRYABLE');
  });

  it('verifyCallback: only a POST, only for a state that was connecting a store', () => {
    const body = { key_id: 1, user_id: 'st', consumer_key: `ck_${'a'.repeat(40)}`, consumer_secret: `cs_${'b'.repeat(40)}`, key_permissions: 'read_write' };
    const input = (method: 'GET' | 'POST', remembered: Record<string, string>, b: unknown = body) => ({ origin: 'tenant' as const, remembered, request: { method, query: {}, body: b, rawBody: Buffer.alloc(0), headers: {} }, callbackUrl: 'x' });
    const verify = (i: ReturnType<typeof input>) => codeOf(() => plugin.install!.verifyCallback!(setupCtx() as never, i));
    return Promise.all([
      expect(verify(input('POST', { site: 'https://shop.example' }))).resolves.toBe('resolved'),
      expect(verify(input('GET', { site: 'https://shop.example' }))).resolves.toBe('INSTALL_REQUEST_INVALID'),
      expect(verify(input('POST', {}))).resolves.toBe('INSTALL_STATE_INVALID'),
      expect(verify(input('POST', { site: 'https://shop.example' }, { ...body, consumer_key: `xck_${'a'.repeat(40)}` }))).resolves.toBe('INSTALL_REQUEST_INVALID'),
      expect(verify(input('POST', { site: 'https://shop.example' }, { ...body, consumer_secret: `cs_${'b'.repeat(40)}!` }))).resolves.toBe('INSTALL_REQUEST_INVALID'),
    ]);
  });

  it('stateFrom: the state is user_id as WooCommerce posts it (string or number), else none', () => {
    const from = (body: unknown) => plugin.install!.stateFrom!({ method: 'POST', query: {}, body, rawBody: Buffer.alloc(0), headers: {} });
    expect(from({ user_id: 'st_abc' })).toBe('st_abc');
    expect(from({ user_id: 42 })).toBe('42');
    expect(from({ user_id: { nested: 1 } })).toBeUndefined();
    expect(from(undefined)).toBeUndefined();
    expect(from(null)).toBeUndefined();
  });

  it('begin: back to the Concierge dashboard unless the return address is on the store; refuses a platform-started install', async () => {
    const begin = (params: Record<string, string>) => plugin.install!.begin(setupCtx() as never, { origin: 'tenant', tenantId: 't', state: 's', callbackUrl: 'https://concierge.example/cb', params, rawQuery: '' });
    const returnOf = async (params: Record<string, string>) => {
      const step = await begin(params);
      return step.kind === 'redirect' ? new URL(step.url).searchParams.get('return_url') : undefined;
    };
    expect(await returnOf({ site: 'https://shop.example' })).toBe('https://concierge.example/admin/');
    expect(await returnOf({ site: 'https://shop.example', return: 'not a url' })).toBe('https://concierge.example/admin/');
    expect(await returnOf({ site: 'https://shop.example', return: 'https://shop.example.evil.example/x' })).toBe('https://concierge.example/admin/');
    expect(await returnOf({ site: 'https://shop.example', return: 'https://shop.example/wp-admin/' })).toBe('https://shop.example/wp-admin/');
    const error = await errorOf(() => plugin.install!.begin(setupCtx() as never, { origin: 'platform', state: 's', callbackUrl: 'x', params: { site: 'https://shop.example' }, rawQuery: '' }));
    expect(error.code).toBe('INSTALL_REQUEST_INVALID');
    expect(error.message).toMatch(/connect/);
  });

  it('normalizeSiteUrl: trims, drops trailing slashes and the query, refuses credentials and other schemes', async () => {
    const allow = { allowHttp: false };
    expect(normalizeSiteUrl('  https://shop.example/store///?a=1#x ', allow, 'test')).toBe('https://shop.example/store');
    expect(normalizeSiteUrl('https://shop.example', allow, 'test')).toBe('https://shop.example');
    expect(normalizeSiteUrl('http://localhost:8080/', { allowHttp: true }, 'development')).toBe('http://localhost:8080');
    for (const bad of [undefined, '', 'shop.example', 'https://user@shop.example', 'https://:pw@shop.example', 'https://user:pw@shop.example', 'ftp://shop.example', 'http://shop.example']) {
      const error = await errorOf(() => normalizeSiteUrl(bad, allow, 'test'));
      expect(error.code, String(bad)).toBe('INSTALL_REQUEST_INVALID');
      expect(error.message.length).toBeGreaterThan(10);
    }
  });

  it('reads PLUGIN_WOOCOMMERCE_ALLOW_HTTP as true only for true, "true" or "1"', () => {
    const parse = (allowHttp: unknown) => (plugin.manifest.settings!.parse({ allowHttp }) as { allowHttp: boolean }).allowHttp;
    expect([true, 'true', '1'].map(parse)).toEqual([true, true, true]);
    expect([false, 'false', '0', 'yes', '', undefined].map(parse)).toEqual([false, false, false, false, false, false]);
    expect(plugin.manifest.settings!.safeParse({ allowHttp: 1 }).success).toBe(false);
  });
});

describe('webhooks', () => {
  const hooks = plugin.webhooks!;
  const request = (body: string, headers: Record<string, string> = {}): WebhookRequest => ({
    rawBody: Buffer.from(body),
    headers: { 'x-wc-webhook-topic': 'order.updated', 'x-wc-webhook-source': 'https://shop.example/', 'x-wc-webhook-delivery-id': 'd'.repeat(32), ...headers },
  });

  it('identify: the store from the source URL, trimmed headers, delivery id + body hash; nothing without topic, source or delivery id', () => {
    const got = hooks.identify(request('{"id":1}', { 'x-wc-webhook-topic': ' order.updated ', 'x-wc-webhook-source': 'https://shop.example/store//', 'x-wc-webhook-delivery-id': ' abc ' }))!;
    expect(got.externalId).toBe('https://shop.example/store');
    expect(got.topic).toBe('order.updated');
    expect(got.deliveryId).toMatch(/^abc:[0-9a-f]{16}$/);
    for (const missing of ['x-wc-webhook-topic', 'x-wc-webhook-source', 'x-wc-webhook-delivery-id']) {
      expect(hooks.identify(request('{"id":1}', { [missing]: '' })), missing).toBeUndefined();
      expect(hooks.identify(request('{"id":1}', { [missing]: '   ' })), missing).toBeUndefined();
    }
  });

  it('isPing: exactly the unsigned form body webhook_id=N (surrounding whitespace allowed) and no topic', () => {
    const ping = (body: string) => hooks.isPing!({ rawBody: Buffer.from(body), headers: {} });
    expect(ping('webhook_id=7')).toBe(true);
    expect(ping(' webhook_id=7\n')).toBe(true);
    expect(ping('webhook_id=7&x=1')).toBe(false);
    expect(ping('xwebhook_id=7')).toBe(false);
    expect(ping('webhook_id=')).toBe(false);
    expect(hooks.isPing!({ rawBody: Buffer.from('webhook_id=7'), headers: { 'x-wc-webhook-topic': '  ' } })).toBe(true);
  });

  it('verify: base64 HMAC-SHA256 of the raw body with our secret', async () => {
    const c = createTestContext({ secrets: { webhookSecret: 'sekrit' } });
    const body = '{"id":1}';
    const sign = (secret: string) => createHmac('sha256', secret).update(body).digest('base64');
    expect(await hooks.verify(c as never, request(body, { 'x-wc-webhook-signature': sign('sekrit') }))).toBe(true);
    expect(await hooks.verify(c as never, request(body, { 'x-wc-webhook-signature': sign('other') }))).toBe(false);
    expect(await hooks.verify(c as never, request(body))).toBe(false);
  });

  it('normalize: deletions, orders, unknown topics, and payloads without an id', async () => {
    const c = createTestContext({ config: { siteUrl: 'https://shop.example', currency: 'EUR' } });
    const identity = (topic: string) => ({ externalId: 'https://shop.example', deliveryId: 'd', topic });
    expect(await hooks.normalize(c as never, request('{"id":17}'), identity('product.deleted'))).toEqual([{ type: 'product.deleted', externalId: '17' }]);
    expect(await hooks.normalize(c as never, request('{"id":"18"}'), identity('product.deleted'))).toEqual([{ type: 'product.deleted', externalId: '18' }]);
    const order = store.addOrder({ billing: billing('ada@example.com'), status: 'on-hold' });
    const events = await hooks.normalize(c as never, request(JSON.stringify(order)), identity('order.created'));
    expect(events).toEqual([{ type: 'order.upserted', order: expect.objectContaining({ externalId: String(order.id), status: 'on-hold', email: 'ada@example.com' }) }]);
    expect(await hooks.normalize(c as never, request(JSON.stringify(order)), identity('order.updated'))).toEqual(events);
    expect(await hooks.normalize(c as never, request('{"id":1}'), identity('coupon.created'))).toEqual([]);
    for (const body of ['{}', 'null', '{"id":null}', '{"id":true}', '[1]']) {
      const error = await errorOf(() => hooks.normalize(c as never, request(body), identity('product.deleted')));
      expect(error.code, body).toBe('WEBHOOK_PAYLOAD_INVALID');
      expect(error.message).toMatch(/id/);
    }
    expect((await errorOf(() => hooks.normalize(c as never, request('{nope'), identity('product.deleted')))).message).toMatch(/JSON/);
  });
});

describe("the store's error answers", () => {
  it('a revoked key is UPSTREAM_AUTH naming the store\'s code; 429/5xx are retryable with Retry-After; other 4xx fail', async () => {
    const key = store.createKey();
    const c = createTestContext({ config: { siteUrl: store.url, currency: 'EUR' }, secrets: { consumerKey: key.consumer_key, consumerSecret: key.consumer_secret } });
    store.outage = { status: 429, retryAfter: 12 };
    const throttled = await errorOf(() => plugin.catalog!.search(c as never, { query: 'x', limit: 5 }));
    expect([throttled.code, throttled.details.retryAfterSeconds]).toEqual(['UPSTREAM_RETRYABLE', 12]);
    expect(throttled.message).toContain('GET products');
    store.outage = { status: 502 };
    const down = await errorOf(() => plugin.catalog!.get(c as never, '1'));
    expect(down.code).toBe('UPSTREAM_RETRYABLE');
    expect(down.details.retryAfterSeconds).toBeUndefined();
    store.outage = { status: 400, code: 'rest_invalid_param' };
    const bad = await errorOf(() => plugin.orders!.findForCustomer!(c as never, { customerId: '5', limit: 5 }));
    expect(bad.code).toBe('UPSTREAM_FAILED');
    expect(bad.message).toBe('WooCommerce answered 400 rest_invalid_param during GET orders');
    store.outage = { status: 403, code: 'woocommerce_rest_cannot_view' };
    const refused = await errorOf(() => plugin.catalog!.list!(c as never, { limit: 5 }));
    expect(refused.code).toBe('UPSTREAM_AUTH');
    expect(refused.message).toBe('WooCommerce refused the API key (403 woocommerce_rest_cannot_view) during GET products');
    store.outage = { status: 500 };
    expect(await codeOf(() => plugin.install!.uninstall!(c as never, { reason: 'merchant' }))).toBe('UPSTREAM_RETRYABLE');
    store.outage = undefined;
    store.revokeKey(key.consumer_key);
    expect(await codeOf(() => plugin.orders!.findByNumber(c as never, { number: '1', email: 'a@b.example' }))).toBe('UPSTREAM_AUTH');
  });

  it('POST to a route the store lacks fails plainly; DELETE of something already gone is fine, a DELETE the store refuses is not', async () => {
    const key = store.createKey();
    const client = new WooClient({ siteUrl: store.url, consumerKey: key.consumer_key, consumerSecret: key.consumer_secret });
    const missing = await errorOf(() => client.post('no-such-thing', {}));
    expect([missing.code, missing.message]).toEqual(['UPSTREAM_FAILED', 'WooCommerce has no no-such-thing']);
    const invalid = await errorOf(() => client.post('webhooks', { topic: 'nope' }));
    expect(invalid.code).toBe('UPSTREAM_FAILED');
    expect(invalid.message).toContain('POST webhooks');
    await expect(client.delete('webhooks/987654')).resolves.toBeUndefined();
    store.outage = { status: 401, code: 'woocommerce_rest_cannot_delete' };
    const refused = await errorOf(() => client.delete('webhooks/987654'));
    expect([refused.code, refused.message]).toEqual(['UPSTREAM_AUTH', 'WooCommerce refused the API key (401 woocommerce_rest_cannot_delete) during DELETE webhooks/987654']);
  });

  it('does not follow a redirect to another host with its credentials', async () => {
    let elsewhere = 0;
    const target: Server = createServer((_req, res) => {
      elsewhere++;
      res.end('[]');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const redirecting: Server = createServer((_req, res) => {
      res.writeHead(301, { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}/steal` });
      res.end();
    });
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    try {
      const client = new WooClient({ siteUrl: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`, consumerKey: 'ck_x', consumerSecret: 'cs_x' });
      expect(await codeOf(() => client.get('products'))).toBe('UPSTREAM_FAILED');
      expect(elsewhere).toBe(0);
    } finally {
      await new Promise((r) => redirecting.close(r));
      await new Promise((r) => target.close(r));
    }
  });
});

describe('storefront', () => {
  it('embeds the loader with both attributes escaped, and tells the merchant to use the WordPress plugin', () => {
    const embed = plugin.storefront!.embed(setupCtx() as never, { botKey: 'k"<&>', widgetUrl: 'https://c.example/widget.js?a=1&b="2"' });
    expect(embed.kind).toBe('instructions');
    expect(embed.html).toBe('<script async src="https://c.example/widget.js?a=1&amp;b=&quot;2&quot;" data-bot="k&quot;&lt;&amp;&gt;"></script>');
    expect(embed.instructions).toMatch(/WordPress/);
  });
});
