import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMiniPlugin, miniCustomerToken, miniWebhook } from '../../fakes/mini-platform/plugin.ts';
import { startMiniPlatform, type MiniPlatform } from '../../fakes/mini-platform/server.ts';
import { call, createBookable, createStore, eventually, merchantApi, startBookingApp, STORE_ORIGIN, type BookingTestApp, type TestStore } from '../booking/helpers.ts';

/**
 * Issue 10, "Done when": `customers/redact` then the merchant API — nothing of that customer remains
 * readable: not their conversation, not their booking's personal fields, not the export an earlier
 * `customers/data_request` produced, not their cached order. Another customer's data stays. And
 * `shop/redact`: nothing of that shop (installation, products, orders, exports). Read through the
 * merchant API only, as the merchant (or a reviewer) would.
 */

const ACCOUNT = 'erasure-shop.example';
const ADA = { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0001' };
const BOB = { name: 'Bob Babbage', email: 'bob@example.com', phone: '+44 20 7946 0002' };

let fake: MiniPlatform;
let app: BookingTestApp;
let store: TestStore;
let api: ReturnType<typeof merchantApi>;

const deliver = async (topic: string, deliveryId: string, body: unknown) => {
  const request = miniWebhook(fake.appSecret, { account: ACCOUNT, topic, deliveryId, body });
  const res = await fetch(`${app.url}/webhooks/mini`, { method: 'POST', headers: request.headers as Record<string, string>, body: new Uint8Array(request.rawBody) });
  expect(res.status, `${topic}: ${await res.text()}`).toBe(200);
  await eventually(async () => (await app.database.db.knex('webhook_deliveries').where({ delivery_id: deliveryId }).first('status'))?.status === 'processed', 15_000, `${topic} processed`);
};

/** A verified shopper of the platform (customer token from the platform) who books in their conversation. */
async function shopperBooks(customerId: string, who: typeof ADA, serviceId: string, start: string) {
  const session = await call(`${app.url}/widget/v1/sessions`, { method: 'POST', headers: { origin: STORE_ORIGIN }, body: { botKey: store.botKey, platform: { plugin: 'mini', token: miniCustomerToken(fake.appSecret, ACCOUNT, customerId) } } });
  expect(session.status).toBe(201);
  expect(session.body.identified).toBe(true);
  const headers = { authorization: `Bearer ${session.body.visitorToken}`, origin: STORE_ORIGIN, 'idempotency-key': `book-${customerId}` };
  const booked = await call(`${app.url}/widget/v1/bookings`, { method: 'POST', headers, body: { serviceId, start, customer: who, conversationId: session.body.conversationId } });
  expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  return { conversationId: session.body.conversationId as string, bookingId: booked.body.id as string };
}

/** Everything the merchant API shows about the store's customers, as one text. */
async function merchantView(ids: { conversationId: string; bookingId: string }[], exportIds: string[]) {
  const reads = [
    '/api/v1/conversations',
    '/api/v1/bookings?from=2027-03-01&to=2027-03-31',
    '/api/v1/privacy/exports',
    '/api/v1/audit-log',
    ...ids.flatMap(({ conversationId, bookingId }) => [`/api/v1/conversations/${conversationId}`, `/api/v1/bookings/${bookingId}`]),
    ...exportIds.map((id) => `/api/v1/privacy/exports/${id}`),
  ];
  const answers = await Promise.all(reads.map(async (path) => ({ path, ...(await api.get(path)) })));
  return { text: JSON.stringify(answers.map((a) => [a.path, a.status, a.body])), status: Object.fromEntries(answers.map((a) => [a.path, a.status])) };
}

beforeAll(async () => {
  fake = await startMiniPlatform();
  fake.addAccount(ACCOUNT, 5);
  app = await startBookingApp(
    { PLUGIN_MINI_APP_SECRET: fake.appSecret, PLUGIN_MINI_UPSTREAM: fake.url },
    { pluginCandidates: [{ id: 'mini', load: async () => ({ default: makeMiniPlugin() }) }], pluginHost: { catalogSync: { pageSize: 50 } } },
  );
  store = await createStore(app);
  api = merchantApi(app, store);
  // The merchant connects the platform account to the store (begin → the platform approves → callback).
  const begin = await fetch(`${app.url}/plugins/mini/connect?account=${ACCOUNT}`, { headers: store.merchant.headers, redirect: 'manual' });
  const location = begin.headers.get('location');
  expect(location, await begin.text()).toBeTruthy();
  const approved = await fetch(location!, { redirect: 'manual' });
  const back = new URL(approved.headers.get('location')!);
  const done = await fetch(`${app.url}${back.pathname}${back.search}`, { redirect: 'manual' });
  expect(done.status).toBeLessThan(400);
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

describe('privacy requests, read back through the merchant API', () => {
  let ada: { conversationId: string; bookingId: string };
  let bob: { conversationId: string; bookingId: string };

  it('customers/redact: nothing of that customer remains readable; the other customer stays', async () => {
    const { serviceId } = await createBookable(app, store);
    const slots = ((await api.get(`/api/v1/availability?serviceId=${serviceId}&from=2027-03-02&to=2027-03-02`)).body.slots as { start: string }[]).map((s) => s.start);
    ada = await shopperBooks('c-1', ADA, serviceId, slots[0]!);
    bob = await shopperBooks('c-2', BOB, serviceId, slots[1]!);
    await deliver('orders/updated', 'order-ada', { id: 'ada-o1', number: '1001', email: ADA.email, status: 'paid', placedAt: '2027-02-20T10:00:00Z', total: '42.00' });
    await deliver('customers/data_request', 'request-ada', { customerId: 'c-1', email: ADA.email, requestId: 'req-1' });
    const exports = (await api.get('/api/v1/privacy/exports')).body.items as { id: string; email: string }[];
    expect(exports.map((e) => e.email)).toEqual([ADA.email]);

    // Before: the merchant reads Ada's conversation, booking and export.
    const before = await merchantView([ada, bob], exports.map((e) => e.id));
    for (const value of [ADA.name, ADA.email, ADA.phone, BOB.email]) expect(before.text).toContain(value);
    expect(before.status[`/api/v1/conversations/${ada.conversationId}`]).toBe(200);

    await deliver('customers/redact', 'redact-ada', { customerId: 'c-1', email: ADA.email, orderIds: ['ada-o1'] });

    const after = await merchantView([ada, bob], exports.map((e) => e.id));
    for (const value of [ADA.name, ADA.email, ADA.phone]) expect(after.text, `${value} still readable`).not.toContain(value);
    expect(after.status[`/api/v1/conversations/${ada.conversationId}`]).toBe(404);
    expect(after.status[`/api/v1/privacy/exports/${exports[0]!.id}`], 'the export made for her').toBe(404);
    expect(((await api.get('/api/v1/conversations')).body.items as { id: string }[]).map((c) => c.id)).not.toContain(ada.conversationId);
    const booking = await api.get(`/api/v1/bookings/${ada.bookingId}`);
    expect(booking.status, 'the booking itself stays (the slot was taken), anonymised').toBe(200);
    // Bob is untouched.
    for (const value of [BOB.name, BOB.email, BOB.phone]) expect(after.text).toContain(value);
    expect(after.status[`/api/v1/conversations/${bob.conversationId}`]).toBe(200);
    // The cached order is gone too (no merchant route lists orders: read as the table owner).
    expect(await app.database.db.knex('orders').where({ tenant_id: store.tenantId, external_id: 'ada-o1' })).toEqual([]);
  });

  it('shop/redact: nothing of that shop remains', async () => {
    await deliver('orders/updated', 'order-bob', { id: 'bob-o1', number: '1002', email: BOB.email, status: 'paid', placedAt: '2027-02-21T10:00:00Z', total: '19.00' });
    await deliver('customers/data_request', 'request-bob', { customerId: 'c-2', email: BOB.email, requestId: 'req-2' });
    const installations = (await api.get('/api/v1/installations')).body.items as { id: string; externalId: string }[];
    const installation = installations.find((i) => i.externalId === ACCOUNT)!;
    await eventually(async () => ((await api.get('/api/v1/products')).body.items?.length ?? 0) === 5, 15_000, 'the catalog synced');
    expect((await api.get('/api/v1/privacy/exports')).body.items).toHaveLength(1);

    await deliver('app/uninstalled', 'uninstalled-1', {});
    await deliver('shop/redact', 'shop-redact-1', {});

    expect((await api.get('/api/v1/installations')).body.items.map((i: { externalId: string }) => i.externalId)).not.toContain(ACCOUNT);
    expect((await api.get(`/api/v1/installations/${installation.id}`)).status).toBe(404);
    expect((await api.get('/api/v1/products')).body.items).toEqual([]);
    expect((await api.get('/api/v1/privacy/exports')).body.items).toEqual([]);
    expect(await app.database.db.knex('orders').where({ tenant_id: store.tenantId, source: 'mini' })).toEqual([]);
    expect(await app.database.db.knex('plugin_kv').where({ tenant_id: store.tenantId, plugin_id: 'mini' })).toEqual([]);
  });
});
