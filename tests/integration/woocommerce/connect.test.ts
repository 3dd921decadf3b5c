// WooCommerce end to end on the real application: connect through wc-auth against the fake store
// (1,500 products, 300 orders), catalog sync, signed webhooks, the ping, dedupe, forged callbacks,
// and a store that revokes the key.
import { createHash, createHmac } from 'node:crypto';
import { get, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { startFakeWooCommerce, type FakeWooCommerce, type WooDelivery } from '../../fakes/woocommerce/server.ts';

let app: TestApp;
let store: FakeWooCommerce;
let owner: TestMerchant;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Installation { id: string; platform: string; externalId: string; status: string; lastError: string | null; sync: { status: string; done: number; total: number | null } }
async function installations(): Promise<Installation[]> {
  const res = await fetch(`${app.url}/api/v1/installations`, { headers: owner.headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Installation[] }).items.filter((i) => i.platform === 'woocommerce');
}
async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number | undefined; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => get(url, { headers }, (r) => resolve({ status: r.resume().statusCode, headers: r.headers })).on('error', reject));
}
const products = () => app.database.db.tenant(owner.tenantId, (trx) => trx('products').where({ source: 'woocommerce' }).select('external_id', 'title', 'price_cents'));
/** The plugin's dedupe id: WooCommerce's delivery id (per webhook and second) + a hash of the body. */
const dedupeId = (d: WooDelivery) => `${d.deliveryId}:${createHash('sha256').update(d.body).digest('hex').slice(0, 16)}`;
const deliveriesOf = (d: WooDelivery) => app.database.db.tenant(owner.tenantId, (trx) => trx('webhook_deliveries').where({ delivery_id: dedupeId(d) }).select('delivery_id', 'status'));

beforeAll(async () => {
  const port = await freePort();
  app = await startTestApp({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, PLUGIN_WOOCOMMERCE_ALLOW_HTTP: 'true' });
  store = await startFakeWooCommerce({ allowHttpCallback: true, autoApprove: true });
  store.seed({ products: 1500, orders: 300 });
  owner = await createMerchant(app.application, { storeName: 'Woo Outfitters' });
}, 120_000);
afterAll(async () => {
  await store?.close();
  await app?.stop();
});

describe('WooCommerce connect, sync and webhooks on the real application', () => {
  it('refuses a forged key POST (unknown state) and stores nothing', async () => {
    const body = { key_id: 1, user_id: 'made-up-state', consumer_key: `ck_${'a'.repeat(40)}`, consumer_secret: `cs_${'b'.repeat(40)}`, key_permissions: 'read_write' };
    const res = await fetch(`${app.url}/plugins/woocommerce/auth/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await installations()).toEqual([]);
  });

  it('sends a signed-out browser navigation to Connect to the dashboard sign-in (back to the connect page); API calls still get the 401 problem', async () => {
    const query = `site=${encodeURIComponent(`${store.url}/`)}&return=${encodeURIComponent(`${store.url}/wp-admin/options-general.php?page=concierge`)}`;
    const url = `${app.url}/plugins/woocommerce/connect?${query}`;
    // node:http, because fetch always sends its own `Sec-Fetch-Mode: cors`.
    const navigation = await rawGet(url, { 'sec-fetch-mode': 'navigate', accept: 'text/html,application/xhtml+xml' });
    expect(navigation.status).toBe(302);
    expect(navigation.headers['cache-control']).toBe('no-store');
    const location = new URL(navigation.headers.location!, app.url);
    expect(location.pathname).toBe('/admin/sign-in');
    expect(location.searchParams.get('next')).toBe(`/admin/connect/woocommerce?${query}`);
    // A browser without Fetch Metadata that asks for HTML is a navigation too.
    expect((await rawGet(url, { accept: 'text/html' })).status).toBe(302);

    const apiCalls: Record<string, string>[] = [{ 'sec-fetch-mode': 'cors', accept: 'text/html' }, { accept: 'application/json' }, { 'sec-fetch-mode': 'navigate', authorization: 'Bearer not-a-token' }];
    for (const headers of apiCalls) {
      const res = await rawGet(url, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // Nothing was started for anyone.
    expect(await installations()).toEqual([]);
  });

  it('connects through wc-auth (keys answered exactly 200), registers signed webhooks and syncs 1,500 products', async () => {
    const connect = await fetch(`${app.url}/plugins/woocommerce/connect?site=${encodeURIComponent(`${store.url}/`)}`, { headers: owner.headers, redirect: 'manual' });
    expect(connect.status).toBe(302);
    const authorize = new URL(connect.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${store.url}/wc-auth/v1/authorize`);
    expect(authorize.searchParams.get('app_name')).toBe('Concierge');
    expect(authorize.searchParams.get('scope')).toBe('read_write');
    expect(authorize.searchParams.get('callback_url')).toBe(`${app.url}/plugins/woocommerce/auth/callback`);
    const state = authorize.searchParams.get('user_id')!;
    expect(state.length).toBeGreaterThan(20);

    // The merchant approves on the store: WooCommerce posts the keys to our callback, then redirects back.
    const approved = await fetch(authorize, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    expect(new URL(approved.headers.get('location')!).searchParams.get('success')).toBe('1');
    const grant = store.authorizations.at(-1)!;
    expect(grant).toMatchObject({ outcome: 'granted', callbackStatus: 200, userId: state });

    const [installation] = await installations();
    expect(installation).toMatchObject({ externalId: store.url, status: 'active' });

    // Webhooks: one per topic, to our route, each with the same fresh secret; every ping answered 200.
    await store.settled();
    const hooks = [...store.webhooks.values()];
    expect(hooks.map((h) => h.topic).sort()).toEqual(['order.created', 'order.updated', 'product.created', 'product.deleted', 'product.updated']);
    expect(new Set(hooks.map((h) => h.delivery_url))).toEqual(new Set([`${app.url}/webhooks/woocommerce`]));
    expect(new Set(hooks.map((h) => h.secret)).size).toBe(1);
    const pings = store.deliveries.filter((d) => d.ping);
    expect(pings).toHaveLength(5);
    expect(pings.every((p) => p.status === 200)).toBe(true);
    // The secret is stored encrypted: not in the installation row in clear.
    const raw = JSON.stringify(await app.database.db.system((trx) => trx('plugin_installations').select('*')));
    expect(raw).not.toContain(hooks[0]!.secret);
    expect(raw).not.toContain(store.keys.get(grant.keyId!)!.consumer_secret);

    const synced = await until('the catalog sync', installations, (items) => items[0]?.sync.status === 'done', 90_000);
    expect(synced[0]!.sync).toMatchObject({ done: 1500, total: 1500 });
    const rows = await products();
    expect(rows).toHaveLength(1500);
    const sample = store.products.get(Number(rows[0]!.external_id))!;
    expect(rows[0]!.title).toBe(sample.name);
    expect(rows[0]!.price_cents).toBe(Math.round(Number(sample.price) * 100));
  }, 180_000);

  it('keeps the catalog fresh from signed product webhooks; a bad signature is 401 and nothing is processed', async () => {
    const [first] = [...store.products.values()];
    store.updateProduct(first!.id, { name: 'Renamed Storm Jacket', regular_price: '199.00' });
    await store.settled();
    const update = store.deliveries.at(-1)!;
    expect(update.status).toBe(200);
    await until('the renamed product', products, (rows) => rows.some((r) => r.external_id === String(first!.id) && r.title === 'Renamed Storm Jacket'));

    const gone = [...store.products.values()][1]!;
    store.deleteProduct(gone.id);
    await store.settled();
    await until('the deleted product', products, (rows) => !rows.some((r) => r.external_id === String(gone.id)));

    const hook = [...store.webhooks.values()].find((h) => h.topic === 'product.updated')!;
    const forged = await store.deliver(hook, { ...first!, name: 'Forged' }, { signature: createHmac('sha256', 'not-the-secret').update('x').digest('base64') });
    expect(forged.status).toBe(401);
    const stored = await deliveriesOf(forged);
    expect(stored).toEqual([]);
    expect((await products()).some((r) => r.title === 'Forged')).toBe(false);
  });

  it('processes a redelivery once and answers a ping 200 without processing it', async () => {
    const product = [...store.products.values()][5]!;
    store.updateProduct(product.id, { name: 'Once Only Scarf' });
    await store.settled();
    const original = store.deliveries.at(-1)!;
    const again = await store.redeliver(original);
    expect(again.status).toBe(200);
    await until('the delivery processed', () => deliveriesOf(original), (rows) => rows.length === 1 && rows[0]!.status === 'processed');
    expect(await deliveriesOf(original)).toHaveLength(1);
    expect(again.deliveryId).toBe(original.deliveryId);

    const hook = [...store.webhooks.values()][0]!;
    const ping = await store.ping(hook);
    expect(ping.status).toBe(200);
  });

  it('refuses a replayed key POST (state already used) and keeps the installation as it was', async () => {
    const grant = store.authorizations.find((a) => a.outcome === 'granted')!;
    const body = { key_id: 77, user_id: grant.userId, consumer_key: `ck_${'c'.repeat(40)}`, consumer_secret: `cs_${'d'.repeat(40)}`, key_permissions: 'read_write' };
    const res = await fetch(`${app.url}/plugins/woocommerce/auth/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await installations()).toHaveLength(1);
  });

  it('tells a verified customer their latest order status without an email; a guest needs number + matching email', async () => {
    const botRes = await fetch(`${app.url}/api/v1/bots`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Orders Bot', allowedOrigins: [store.url] }) });
    const bot = (await botRes.json()) as { publicKey: string; identitySecret: string };
    const customer = [...store.customers.values()][2]!;
    const latest = [...store.orders.values()].filter((o) => o.customer_id === customer.id).sort((a, b) => (a.date_created < b.date_created ? 1 : -1))[0]!;
    const email = customer.email.toLowerCase();
    const signature = createHmac('sha256', bot.identitySecret).update(`${customer.id}\n${email}`).digest('hex');
    const ask = async (text: string, identity?: object) => {
      const session = await fetch(`${app.url}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: store.url }, body: JSON.stringify({ botKey: bot.publicKey, ...(identity ? { identity } : {}) }) });
      expect(session.status).toBe(201);
      const { visitorToken, conversationId } = (await session.json()) as { visitorToken: string; conversationId: string };
      const posted = await fetch(`${app.url}/widget/v1/conversations/${conversationId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${visitorToken}`, origin: store.url }, body: JSON.stringify({ text }) });
      expect(posted.status).toBe(202);
      const rows = await until('an answer', () => app.database.db.tenant(owner.tenantId, (trx) => trx('chat_messages').where({ conversation_id: conversationId, role: 'assistant' }).select('text', 'status')), (r) => r.length > 0 && r.every((m) => m.text && m.status === 'complete'), 30_000);
      return rows.map((r) => r.text as string).join('\n');
    };
    const verified = await ask('Where is my order?', { customerId: String(customer.id), email, signature });
    expect(verified).toContain(latest.number);
    expect(verified.toLowerCase()).toContain(latest.line_items[0]!.name.toLowerCase());
    expect(verified).not.toMatch(/email address you used/);
    const guest = await ask('Where is my order?');
    expect(guest).not.toContain(latest.number);
    const guestOrder = [...store.orders.values()].find((o) => o.customer_id === 0)!;
    const withEmail = await ask(`Where is order ${guestOrder.number}? My email is ${guestOrder.billing.email}`);
    expect(withEmail).toContain(guestOrder.number);
    const wrongEmail = await ask(`Where is order ${guestOrder.number}? My email is someone@else.example`);
    expect(wrongEmail).not.toContain(guestOrder.line_items[0]!.name);
  });

  it('marks the installation reconnect_needed when the store revokes the key, without a 5xx', async () => {
    for (const key of store.keys.values()) store.revokeKey(key.key_id);
    // The next call to the store (a webhook-triggered or sync read) hits the 401; here, a product webhook is still
    // signed and accepted (the store's webhooks do not use the key), and an order lookup through chat uses it.
    const [installation] = await installations();
    const session = await fetch(`${app.url}/api/v1/installations/${installation!.id}`, { headers: owner.headers });
    expect(session.status).toBe(200);
    const order = [...store.orders.values()][0]!;
    const botRes = await fetch(`${app.url}/api/v1/bots`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Woo Bot', allowedOrigins: [store.url] }) });
    expect(botRes.status).toBe(201);
    const bot = (await botRes.json()) as { publicKey: string };
    const sessionRes = await fetch(`${app.url}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: store.url }, body: JSON.stringify({ botKey: bot.publicKey }) });
    expect(sessionRes.status).toBe(201);
    const { visitorToken, conversationId } = (await sessionRes.json()) as { visitorToken: string; conversationId: string };
    const ask = await fetch(`${app.url}/widget/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${visitorToken}`, origin: store.url },
      body: JSON.stringify({ text: `Where is my order ${order.number}? My email is ${order.billing.email}` }),
    });
    expect(ask.status).toBe(202);
    const answer = await until(
      'the assistant answer',
      () => app.database.db.tenant(owner.tenantId, (trx) => trx('chat_messages').where({ conversation_id: conversationId, role: 'assistant' }).select('text', 'status')),
      (rows) => rows.length > 0 && rows.every((r) => typeof r.text === 'string' && r.text.length > 0 && r.status === 'complete'),
      30_000,
    );
    expect(answer[0]!.text).not.toContain(order.line_items[0]?.name ?? '<none>');
    const after = await until('reconnect_needed', installations, (items) => items[0]?.status === 'reconnect_needed', 30_000);
    expect(after[0]!.lastError).toMatch(/refused the API key/);
  });
});
