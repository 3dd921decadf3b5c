import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloads, queryHmac, startFakeShopify, type FakeShop, type FakeShopify } from '../../fakes/shopify/index.ts';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { completed, WidgetClient } from '../chat/helpers.ts';
import { call, installFromShopify, ownerToken, shopifyEnv, syncedInstallation, until } from './helpers.ts';

/**
 * Issue 10, "Done when" #2 and #3 on two app instances sharing one database: refused installs store
 * nothing; a THROTTLED answer and a token expiring in the middle of the sync are waited out and
 * refreshed once across both instances; bad webhook HMACs are 401 on every topic; a redelivered
 * event runs once; a verified shopper (app proxy) is erased by customers/redact; app/uninstalled
 * stops the widget on the shop's origins; shop/redact still verifies after the uninstall.
 */

const STOREFRONT = 'https://life-shop.e2e.test';
const TOPICS = ['products/create', 'products/update', 'products/delete', 'app/uninstalled', 'customers/data_request', 'customers/redact', 'shop/redact'];

let fake: FakeShopify;
let shop: FakeShop;
let smtp: TestSmtp;
let a: TestApp;
let b: TestApp;
let token: string;
let botKey: string;

const count = async (table: string) => Number((await a.database.db.system((trx) => trx(table).count({ n: '*' }).first()))?.n ?? 0);

function delivery(topic: string, payload: unknown, options: { secret?: string; eventId?: string } = {}) {
  return fake.deliverWebhook(shop, topic, payload, { to: `${a.url}/webhooks/shopify`, retries: 0, ...options });
}

function payloadFor(topic: string): unknown {
  const product = shop.productList()[0]!;
  const customer = [...shop.customers.values()][0]!;
  switch (topic) {
    case 'products/create':
    case 'products/update':
      return payloads.productPayload(shop, product);
    case 'products/delete':
      return payloads.productDeletePayload(product.id);
    case 'app/uninstalled':
      return payloads.shopPayload(shop);
    case 'customers/data_request':
      return payloads.customersDataRequestPayload(shop, customer, []);
    case 'customers/redact':
      return payloads.customersRedactPayload(shop, customer, []);
    default:
      return payloads.shopRedactPayload(shop);
  }
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  // Slow enough that a sync of 800 products takes many pages and waits on the bucket (~250 points a page).
  fake = await startFakeShopify({ throttle: { maximumAvailable: 1000, restoreRate: 250 } });
  shop = fake.shops.create({ name: 'life-shop', email: 'owner@life-shop.e2e.test', currencyCode: 'EUR', primaryDomain: 'life-shop.e2e.test' });
  fake.seedProducts(shop, 800);
  shop.addCustomer({ email: 'vera@e2e.test', firstName: 'Vera' });
  a = await startTestApp(shopifyEnv(fake, { SMTP_URL: smtp.url }));
  b = await startTestApp(shopifyEnv(fake, { SMTP_URL: smtp.url }), { database: a.database });
}, 120_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await fake?.close();
  await smtp?.close();
});

describe('Shopify lifecycle on two instances', () => {
  it('refuses a forged HMAC, a stale timestamp, a bad shop domain and a wrong state, storing nothing', async () => {
    const before = { tenants: await count('tenants'), installations: await count('plugin_installations') };
    const forged = fake.signInstallQuery(shop, {}, { secret: 'shpss_forged' }).query;
    const stale = fake.signInstallQuery(shop, {}, { timestamp: Math.floor(Date.now() / 1000) - 3600 }).query;
    const badDomain = (() => {
      const params = { shop: 'life-shop.evil.example', timestamp: String(Math.floor(Date.now() / 1000)) };
      return new URLSearchParams({ ...params, hmac: queryHmac(fake.apiSecret, params) }).toString();
    })();
    for (const query of [forged, stale, badDomain]) {
      const res = await call(a.url, `/plugins/shopify/install?${query}`, { redirect: 'manual' });
      expect(res.status, query).toBeGreaterThanOrEqual(400);
      expect(res.status, query).toBeLessThan(500);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    // A callback Shopify really signed, but with a state the host never issued.
    const callback = { code: 'x'.repeat(32), shop: shop.domain, state: 'st_not-ours', timestamp: String(Math.floor(Date.now() / 1000)) };
    const res = await call(a.url, `/plugins/shopify/auth/callback?${new URLSearchParams({ ...callback, hmac: queryHmac(fake.apiSecret, callback) })}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await count('tenants')).toBe(before.tenants);
    expect(await count('plugin_installations')).toBe(before.installations);
    expect(fake.counters.authorizationCodeGrants).toBe(0);
    expect(fake.counters.tokenRequests).toBe(0);
  });

  it('syncs through a THROTTLED answer and a token expiring mid-sync, refreshed once across both instances', async () => {
    await installFromShopify(a.url, fake, shop);
    // Mid-sync: once two product pages went through, empty the bucket and expire every token.
    const pages = () => fake.graphqlLog.filter((e) => e.shop === shop.domain && /ProductsPage/.test(e.query) && e.status === 200 && !e.throttled).length;
    await until('two synced pages', async () => (pages() >= 2 ? true : undefined), 60_000);
    const refreshesBefore = fake.counters.tokenRefreshes;
    expect(fake.expireTokens(shop)).toBeGreaterThan(0);
    // Meanwhile instance B needs Shopify too: a shopper asks for an order there (its own 401, same refresh).
    const ownerMail = ownerToken(a.url, smtp, shop.email);
    const shopper = (async () => {
      token = await ownerMail;
      botKey = (await call<{ items: { publicKey: string }[] }>(a.url, '/api/v1/bots', { token })).body.items[0]!.publicKey;
      const widget = new WidgetClient(b.url, STOREFRONT);
      await widget.start(botKey);
      const stream = widget.stream();
      await stream.opened();
      await widget.send('Where is my order #1001? My email is nobody@e2e.test');
      await stream.until((all) => completed(all).length > 0, 60_000);
      await stream.close();
    })();
    // Once the token is refreshed, the bucket runs dry: the next page is THROTTLED and must be waited out.
    await until('the token refreshed', async () => (fake.counters.tokenRefreshes > refreshesBefore ? true : undefined), 60_000);
    fake.drainBucket(shop, 0);
    expect(pages()).toBeLessThan(16);
    await shopper;

    const synced = await syncedInstallation(a.url, token, 800, 150_000);
    expect(synced).toMatchObject({ status: 'active', sync: { done: 800, total: 800, lastError: null } });
    expect(fake.counters.throttled).toBeGreaterThan(0);
    expect(fake.counters.tokenRefreshes - refreshesBefore).toBe(1);
    expect(fake.counters.tokenErrors).toBe(0);
    expect(fake.activeTokens(shop).some((t) => t.grant === 'refresh_token')).toBe(true);
  }, 240_000);

  it('answers 401 to a bad HMAC on every topic, compliance included, and processes nothing', async () => {
    const before = await count('webhook_deliveries');
    for (const topic of TOPICS) {
      const [sent] = await delivery(topic, payloadFor(topic), { secret: 'shpss_not-the-app-secret' });
      expect(sent!.attempts.map((x) => x.status), topic).toEqual([401]);
    }
    expect(await count('webhook_deliveries')).toBe(before);
  });

  it('processes a redelivered event once', async () => {
    const product = shop.productList()[1]!;
    shop.updateProduct(product.id, { title: 'Renamed Once' });
    const eventId = 'evt-redelivered-1';
    const [first] = await delivery('products/update', payloads.productPayload(shop, shop.products.get(product.id)!), { eventId });
    const [again] = await delivery('products/update', payloads.productPayload(shop, shop.products.get(product.id)!), { eventId });
    expect(first!.attempts.map((x) => x.status)).toEqual([200]);
    expect(again!.attempts.map((x) => x.status)).toEqual([200]);
    const rows = await a.database.db.system((trx) => trx('webhook_deliveries').where({ delivery_id: eventId }).select('*'));
    expect(rows).toHaveLength(1);
    const tenantId = (await call<{ tenant: { id: string } }>(a.url, '/api/v1/me', { token })).body.tenant.id;
    await until('the update applied', async () => {
      const row = await a.database.db.tenant(tenantId, (trx) => trx('products').where({ external_id: `gid://shopify/Product/${product.id}` }).first());
      return row?.title === 'Renamed Once' ? row : undefined;
    });
  });

  it('a verified shopper through the app proxy; customers/data_request exports, customers/redact erases them from the merchant API', async () => {
    const vera = [...shop.customers.values()][0]!;
    const proxied = fake.signAppProxy(shop, '/session', { logged_in_customer_id: String(vera.id) });
    const session = await call<{ customerToken: string }>(a.url, `/plugins/shopify/proxy/session?${proxied.query}`);
    expect(session.status).toBe(200);
    const widget = new WidgetClient(a.url, STOREFRONT);
    await widget.start(botKey, { platform: { plugin: 'shopify', token: session.body.customerToken } });
    const stream = widget.stream();
    await stream.opened();
    await widget.send('Hello, do you have scarves?');
    await stream.until((all) => completed(all).length > 0, 30_000);
    await stream.close();
    const conversationId = widget.session.conversationId;
    expect((await call(a.url, `/api/v1/conversations/${conversationId}`, { token })).status).toBe(200);

    const [requested] = await delivery('customers/data_request', payloads.customersDataRequestPayload(shop, vera, []));
    expect(requested!.attempts.map((x) => x.status)).toEqual([200]);
    const exported = await until('the export', async () => {
      const list = await call<{ items: { id: string; customerId: string | null }[] }>(a.url, '/api/v1/privacy/exports', { token });
      return list.body.items?.length ? list.body.items[0] : undefined;
    });
    const full = await call<{ data: { conversations: { id: string }[] } }>(a.url, `/api/v1/privacy/exports/${exported.id}`, { token });
    expect(full.body.data.conversations.map((c) => c.id)).toContain(conversationId);

    const [redacted] = await delivery('customers/redact', payloads.customersRedactPayload(shop, vera, []));
    expect(redacted!.attempts.map((x) => x.status)).toEqual([200]);
    await until('the conversation erased', async () => ((await call(a.url, `/api/v1/conversations/${conversationId}`, { token })).status === 404 ? true : undefined));
    const list = await call<{ items: { id: string }[] }>(a.url, '/api/v1/conversations', { token });
    expect(list.body.items.map((c) => c.id)).not.toContain(conversationId);
  });

  it('app/uninstalled stops the widget on the shop\'s origins; shop/redact still verifies afterwards and removes the shop', { timeout: 120_000 }, async () => {
    expect((await call(a.url, '/widget/v1/sessions', { method: 'POST', headers: { origin: STOREFRONT }, body: JSON.stringify({ botKey }) })).status).toBe(201);
    await fake.uninstall(shop, { to: `${a.url}/webhooks/shopify`, retries: 0 });
    await until('the installation ended', async () => {
      const list = await call<{ items: { status: string }[] }>(a.url, '/api/v1/installations', { token });
      return list.body.items[0]?.status === 'uninstalled' ? true : undefined;
    });
    // The shop's origins leave the bot at once; each instance's bot cache (≤ 30 s) then refuses them.
    for (const [name, app] of [['A', a], ['B', b]] as const) {
      await until(
        `instance ${name} refusing the shop's origin`,
        async () => ((await call(app.url, '/widget/v1/sessions', { method: 'POST', headers: { origin: STOREFRONT }, body: JSON.stringify({ botKey }) })).status === 403 ? true : undefined),
        45_000,
      );
    }
    const [bad] = await delivery('shop/redact', payloads.shopRedactPayload(shop), { secret: 'shpss_not-the-app-secret' });
    expect(bad!.attempts.map((x) => x.status)).toEqual([401]);
    const [redact] = await delivery('shop/redact', payloads.shopRedactPayload(shop));
    expect(redact!.attempts.map((x) => x.status)).toEqual([200]);
    const tenantId = (await call<{ tenant: { id: string } }>(a.url, '/api/v1/me', { token })).body.tenant.id;
    await until('the shop\'s products removed', async () => {
      const left = await a.database.db.tenant(tenantId, (trx) => trx('products').where({ source: 'shopify' }).count({ n: '*' }).first());
      return Number(left?.n) === 0 ? true : undefined;
    });
  });
});
