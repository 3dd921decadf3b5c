import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WooModule from '@woocommerce/woocommerce-rest-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWooCommerce, type FakeWooCommerce } from '../../fakes/woocommerce/server.ts';
import { signatureBaseString } from '../../fakes/woocommerce/oauth.ts';

// Under Node's ESM the package's default export is the CommonJS module object and the class is its
// `default`; vitest's interop already unwraps it. Take whichever is the class.
type WooClass = typeof WooModule.default;
const wrapped = (WooModule as unknown as { default?: WooClass }).default;
const WooCommerceRestApi: WooClass = typeof wrapped === 'function' ? wrapped : (WooModule as unknown as WooClass);

interface Received { headers: IncomingMessage['headers']; body: string; url: string }
async function startReceiver(status: (r: Received) => number = () => 200): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '' };
      received.push(r);
      res.writeHead(status(r)).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

async function wooError(p: Promise<unknown>): Promise<{ status: number; data: { code: string; message: string; data: { status: number } } }> {
  try {
    await p;
  } catch (error) {
    const response = (error as { response?: { status: number; data: never } }).response;
    if (response) return { status: response.status, data: response.data };
    throw error;
  }
  throw new Error('expected the request to fail');
}

let store: FakeWooCommerce;
let api: InstanceType<typeof WooCommerceRestApi>;
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  store = await startFakeWooCommerce({ allowHttpCallback: true });
  store.seed({ products: 1500, orders: 300 });
  const key = store.createKey();
  api = new WooCommerceRestApi({ url: store.url, consumerKey: key.consumer_key, consumerSecret: key.consumer_secret, version: 'wc/v3' });
});
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
afterAll(async () => {
  await store.close();
});

describe('fake WooCommerce: REST v3 through the real client over http (OAuth 1.0a)', () => {
  it('pages 1,500 products 100 at a time with X-WP-Total / X-WP-TotalPages', async () => {
    const first = await api.get('products', { per_page: '100', page: '1' });
    expect(first.status).toBe(200);
    expect(first.headers['x-wp-total']).toBe('1500');
    expect(first.headers['x-wp-totalpages']).toBe('15');
    expect(first.data).toHaveLength(100);
    const last = await api.get('products', { per_page: '100', page: '15' });
    expect(last.data).toHaveLength(100);
    const ids = new Set([...first.data, ...last.data].map((p: { id: number }) => p.id));
    expect(ids.size).toBe(200);
    expect(store.requests.filter((r) => r.path === '/wp-json/wc/v3/products').every((r) => r.auth === 'oauth')).toBe(true);
  });

  it('refuses per_page above 100 with rest_invalid_param', async () => {
    const e = await wooError(api.get('products', { per_page: '101' }));
    expect(e.status).toBe(400);
    expect(e.data.code).toBe('rest_invalid_param');
    expect(e.data.data.status).toBe(400);
  });

  it('searches products (every term must match) and signs queries with spaces, % and unicode', async () => {
    const res = await api.get('products', { search: 'navy merino', per_page: '100' });
    expect(res.data.length).toBeGreaterThan(0);
    expect(Number(res.headers['x-wp-total'])).toBe(res.data.length);
    for (const p of res.data as { name: string }[]) expect(p.name.toLowerCase()).toMatch(/navy.*merino|merino.*navy/);
    const odd = await api.get('products', { search: '100% wöol & (co)*' });
    expect(odd.status).toBe(200);
    expect(odd.data).toEqual([]);
  });

  it('filters orders by customer and finds one by number; unknown ids are 404 with the Woo error shape', async () => {
    const someOrder = [...store.orders.values()].find((o) => o.customer_id > 0)!;
    const byCustomer = await api.get('orders', { customer: String(someOrder.customer_id), per_page: '100' });
    expect(byCustomer.data.length).toBeGreaterThan(0);
    expect((byCustomer.data as { customer_id: number }[]).every((o) => o.customer_id === someOrder.customer_id)).toBe(true);
    const byNumber = await api.get('orders', { search: someOrder.number });
    expect((byNumber.data as { id: number }[]).map((o) => o.id)).toContain(someOrder.id);
    const missing = await wooError(api.get('orders/99999999'));
    expect(missing).toMatchObject({ status: 404, data: { code: 'woocommerce_rest_shop_order_invalid_id', data: { status: 404 } } });
  });
});

describe('fake WooCommerce: OAuth 1.0a verification', () => {
  it('builds the base string WooCommerce signs (sorted, RFC 3986, double-encoded %)', () => {
    const base = signatureBaseString('get', 'http://127.0.0.1:1/wp-json/wc/v3/products', { search: 'a b', oauth_nonce: 'n', page: '2' });
    expect(base).toBe('GET&http%3A%2F%2F127.0.0.1%3A1%2Fwp-json%2Fwc%2Fv3%2Fproducts&oauth_nonce%3Dn%26page%3D2%26search%3Da%2520b');
  });

  it('refuses a wrong consumer secret and an unknown key', async () => {
    const key = [...store.keys.values()][0]!;
    const wrong = new WooCommerceRestApi({ url: store.url, consumerKey: key.consumer_key, consumerSecret: 'cs_wrong', version: 'wc/v3' });
    const e = await wooError(wrong.get('products'));
    expect(e).toMatchObject({ status: 401, data: { code: 'woocommerce_rest_authentication_error', message: 'Invalid signature - provided signature does not match.' } });
    const unknown = new WooCommerceRestApi({ url: store.url, consumerKey: 'ck_nope', consumerSecret: 'cs_nope', version: 'wc/v3' });
    expect((await wooError(unknown.get('products'))).data.message).toBe('Consumer key is invalid.');
  });

  it('refuses a timestamp outside ±15 minutes and accepts one inside', async () => {
    store.shiftClock(16 * 60_000);
    try {
      const e = await wooError(api.get('products'));
      expect(e.data.message).toBe('Invalid timestamp.');
    } finally {
      store.shiftClock(-16 * 60_000);
    }
    store.shiftClock(14 * 60_000);
    try {
      expect((await api.get('products')).status).toBe(200);
    } finally {
      store.shiftClock(-14 * 60_000);
    }
  });

  it('refuses a replayed request (nonce already used)', async () => {
    const res = await api.get('products', { per_page: '1' });
    const config = res.config as { url: string; params: Record<string, string> };
    const replayUrl = `${config.url}&${new URLSearchParams(config.params)}`;
    expect(replayUrl).toContain('oauth_nonce=');
    const replay = await fetch(replayUrl);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'woocommerce_rest_authentication_error', message: 'Invalid nonce - nonce has already been used.' });
  });

  it('answers an unauthenticated request (no OAuth at all, Basic over http ignored) with cannot_view', async () => {
    const key = [...store.keys.values()][0]!;
    const res = await fetch(`${store.url}/wp-json/wc/v3/products`, { headers: { authorization: `Basic ${Buffer.from(`${key.consumer_key}:${key.consumer_secret}`).toString('base64')}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } });
  });

  it('a read-only key cannot write; a revoked key gets 401 woocommerce_rest_cannot_view', async () => {
    const ro = store.createKey({ permissions: 'read' });
    const roApi = new WooCommerceRestApi({ url: store.url, consumerKey: ro.consumer_key, consumerSecret: ro.consumer_secret, version: 'wc/v3' });
    expect((await roApi.get('products', { per_page: '1' })).status).toBe(200);
    const e = await wooError(roApi.post('webhooks', { topic: 'product.updated', delivery_url: 'http://127.0.0.1:9/x' }));
    expect(e.data.message).toBe('The API key provided does not have write permissions.');
    store.revokeKey(ro.consumer_key);
    expect(await wooError(roApi.get('products'))).toMatchObject({ status: 401, data: { code: 'woocommerce_rest_cannot_view' } });
    expect(store.webhooks.size).toBe(0);
  });
});

describe('fake WooCommerce: webhooks', () => {
  it('pings on creation (unsigned, form-encoded), then delivers signed deliveries with the Woo headers', async () => {
    const receiver = await startReceiver();
    closers.push(() => void receiver.server.close());
    const created = await api.post('webhooks', { name: 'Concierge', topic: 'product.updated', delivery_url: `${receiver.url}/hook`, secret: 's3cret' });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ topic: 'product.updated', resource: 'product', event: 'updated', status: 'active', secret: 's3cret' });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).toBe(`webhook_id=${created.data.id}`);
    expect(receiver.received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(receiver.received[0]!.headers['x-wc-webhook-signature']).toBeUndefined();

    const product = [...store.products.values()][3]!;
    store.updateProduct(product.id, { regular_price: '42.00' });
    await store.settled();
    expect(receiver.received).toHaveLength(2);
    const delivery = receiver.received[1]!;
    expect(delivery.headers).toMatchObject({
      'content-type': 'application/json',
      'x-wc-webhook-topic': 'product.updated',
      'x-wc-webhook-resource': 'product',
      'x-wc-webhook-event': 'updated',
      'x-wc-webhook-source': `${store.url}/`,
      'x-wc-webhook-id': String(created.data.id),
    });
    expect(delivery.headers['x-wc-webhook-delivery-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(delivery.headers['x-wc-webhook-signature']).toBe(createHmac('sha256', 's3cret').update(delivery.body).digest('base64'));
    expect(JSON.parse(delivery.body)).toMatchObject({ id: product.id, price: '42.00' });

    const listed = await api.get('webhooks');
    expect(listed.headers['x-wp-total']).toBe('1');
    expect((await wooError(api.delete(`webhooks/${created.data.id}`))).status).toBe(501);
    expect((await api.delete(`webhooks/${created.data.id}`, { force: 'true' })).status).toBe(200);
    expect(store.webhooks.has(created.data.id)).toBe(false);
  });

  it('sends product.deleted as { id } and disables a webhook after more than 5 failed deliveries', async () => {
    const receiver = await startReceiver((r) => (r.headers['x-wc-webhook-topic'] ? 500 : 200));
    closers.push(() => void receiver.server.close());
    const created = await api.post('webhooks', { topic: 'product.deleted', delivery_url: receiver.url, secret: 'k' });
    const ids = [...store.products.keys()].slice(-6);
    store.deleteProduct(ids[0]!);
    await store.settled();
    expect(JSON.parse(receiver.received[1]!.body)).toEqual({ id: ids[0] });
    for (const id of ids.slice(1)) {
      store.deleteProduct(id);
      await store.settled();
    }
    expect(store.webhooks.get(created.data.id)!.status).toBe('disabled');
    expect(store.products.size).toBe(1494);
  });

  it('refuses a webhook without a topic (rest_missing_callback_param)', async () => {
    const e = await wooError(api.post('webhooks', { delivery_url: 'http://127.0.0.1:9/' }));
    expect(e).toMatchObject({ status: 400, data: { code: 'rest_missing_callback_param', data: { status: 400, params: ['topic'] } } });
  });
});

describe('fake WooCommerce: wc-auth app authorization', () => {
  it('approval POSTs the keys as JSON to callback_url and redirects to return_url; the keys work', async () => {
    const receiver = await startReceiver();
    closers.push(() => void receiver.server.close());
    const qs = new URLSearchParams({ app_name: 'Concierge', scope: 'read_write', user_id: 'state-123', return_url: 'http://127.0.0.1:9/return', callback_url: `${receiver.url}/cb` });
    const page = await fetch(`${store.url}/wc-auth/v1/authorize?${qs}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="wc-auth-approve"');
    expect(receiver.received).toHaveLength(0);
    const approve = await fetch(`${store.url}/wc-auth/v1/access_granted/`, { method: 'POST', body: qs, redirect: 'manual' });
    expect(approve.status).toBe(302);
    expect(approve.headers.get('location')).toBe('http://127.0.0.1:9/return?user_id=state-123&success=1');
    const posted = JSON.parse(receiver.received[0]!.body);
    expect(receiver.received[0]!.headers['content-type']).toBe('application/json');
    expect(posted).toMatchObject({ user_id: 'state-123', key_permissions: 'read_write' });
    expect(posted.consumer_key).toMatch(/^ck_[0-9a-f]{40}$/);
    expect(store.keys.get(posted.key_id)?.consumer_secret).toBe(posted.consumer_secret);
    const client = new WooCommerceRestApi({ url: store.url, consumerKey: posted.consumer_key, consumerSecret: posted.consumer_secret, version: 'wc/v3' });
    expect((await client.get('products', { per_page: '1' })).status).toBe(200);
  });

  it('deletes the key when the callback does not answer 200, and refuses an http callback unless allowed', async () => {
    const receiver = await startReceiver(() => 201);
    closers.push(() => void receiver.server.close());
    const before = store.keys.size;
    const qs = new URLSearchParams({ app_name: 'X', scope: 'read', user_id: 'u', return_url: 'http://127.0.0.1:9/r', callback_url: receiver.url });
    const res = await fetch(`${store.url}/wc-auth/v1/access_granted/`, { method: 'POST', body: qs, redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(receiver.received).toHaveLength(1);
    expect(store.keys.size).toBe(before);
    const strict = await startFakeWooCommerce();
    closers.push(() => strict.close());
    const refused = await fetch(`${strict.url}/wc-auth/v1/authorize?${qs}`);
    expect(await refused.text()).toContain('needs to be over SSL');
  });
});
