import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginError, type PluginContext, type PluginSetupContext } from '@concierge/plugin-sdk';
import { createTestContext } from '@concierge/plugin-sdk/testkit';
import shopify from '../../plugins/shopify/index.ts';
import { gid, startFakeShopify, type FakeShop, type FakeShopify } from '../fakes/shopify/index.ts';

/**
 * The Shopify plugin's refusals and small paths against the fake Shopify: what each refusal says, ids
 * it will not send to Shopify, limits it clamps, the uninstall call, the app proxy's answers. Asserts
 * on the fake's log of GraphQL calls (what reached Shopify) as much as on the answers.
 */

let fake: FakeShopify;
let shop: FakeShop;
const warnings: string[] = [];

beforeAll(async () => {
  fake = await startFakeShopify({ throttle: { maximumAvailable: 2000, restoreRate: 5000 } });
  shop = fake.shops.create({ name: 'edges', email: 'owner@edges.test', currencyCode: 'EUR' });
  fake.seedProducts(shop, 30);
  const jo = shop.addCustomer({ email: 'jo@example.com' });
  for (let i = 0; i < 12; i++) shop.addOrder({ email: 'jo@example.com', customerId: jo.id, lineItems: [{ productId: shop.productList()[0]!.id }] });
});
afterAll(async () => {
  await shopify.teardown?.();
  await fake?.close();
});

const settings = () => ({ apiKey: fake.apiKey, apiSecret: fake.apiSecret, scopes: 'read_products,read_orders,read_customers', upstream: fake.url });
const setupCtx = (): PluginSetupContext<never> => {
  const { pluginId, logger, http, environment } = createTestContext();
  return { pluginId, logger, http, publicUrl: 'https://concierge.example', environment, settings: settings() } as never;
};
function installation(): PluginContext<never, never, never> {
  const issued = fake.issueToken(shop);
  return createTestContext({
    pluginId: 'shopify',
    settings: settings(),
    externalId: shop.domain,
    config: { currency: 'EUR' },
    secrets: { accessToken: issued.accessToken },
    logger: { debug() {}, info() {}, error() {}, warn: (_details: unknown, message?: string) => void warnings.push(String(message)) } as never,
  }) as never;
}
const refusal = async (work: () => unknown) => {
  try {
    await work();
    return 'resolved';
  } catch (error) {
    return isPluginError(error) ? `${error.code}: ${error.message}` : String(error);
  }
};
const calls = () => fake.graphqlLog.filter((e) => e.shop === shop.domain);
const begin = (params: Record<string, string>, origin: 'platform' | 'tenant' = 'platform') =>
  shopify.install!.begin(setupCtx(), { origin, state: 'st_1', callbackUrl: 'https://concierge.example/plugins/shopify/auth/callback', params, rawQuery: new URLSearchParams(params).toString() });
const callback = (query: Record<string, string>) => ({
  origin: 'platform' as const,
  remembered: {},
  request: { method: 'GET' as const, query, body: undefined, rawBody: Buffer.alloc(0), headers: {} },
  callbackUrl: 'https://concierge.example/plugins/shopify/auth/callback',
});

describe('shopify plugin: refusals and small paths', () => {
  it('says why an install request is refused', async () => {
    expect(await refusal(() => begin({ shop: 'evil.example.com' }))).toBe('INSTALL_REQUEST_INVALID: shop must be a <name>.myshopify.com domain');
    expect(await refusal(() => begin({ ...fake.signInstallQuery(shop).params, hmac: 'ab'.repeat(32) }))).toBe('INSTALL_REQUEST_INVALID: the request is not signed by Shopify (hmac)');
    expect(await refusal(() => begin(fake.signInstallQuery(shop, {}, { timestamp: Math.floor(Date.now() / 1000) - 301 }).params))).toBe(
      'INSTALL_REQUEST_INVALID: the request is too old or from the future (timestamp)',
    );
    expect((await begin(fake.signInstallQuery(shop, {}, { timestamp: Math.floor(Date.now() / 1000) - 290 }).params)).kind).toBe('redirect');
    const otherShopToken = fake.signInstallQuery(shop, { id_token: fake.mintSessionToken(fake.shops.create({ name: 'edges-other' })) }).params;
    expect(await refusal(() => begin(otherShopToken))).toBe('INSTALL_REQUEST_INVALID: the session token is not valid for this shop');
    // A signed-in merchant's own request (no hmac) for a shop: only the domain is checked.
    expect(await refusal(() => begin({ shop: 'Edges.myshopify.com' }, 'tenant'))).toBe('INSTALL_REQUEST_INVALID: shop must be a <name>.myshopify.com domain');
    expect(await refusal(() => begin({ shop: shop.domain, hmac: 'forged' }, 'tenant'))).toBe('INSTALL_REQUEST_INVALID: the request is not signed by Shopify (hmac)');
  });

  it('takes a callback code of Shopify\'s alphabet up to 256 characters only', async () => {
    const signed = (code: string) => {
      const params = fake.signInstallQuery(shop, { code }).params;
      return callback(params);
    };
    expect(await refusal(() => shopify.install!.verifyCallback!(setupCtx(), signed('a'.repeat(256))))).toBe('resolved');
    expect(await refusal(() => shopify.install!.verifyCallback!(setupCtx(), signed('A-z_09')))).toBe('resolved');
    for (const code of ['a'.repeat(257), 'a b', 'a.b', 'ä']) {
      expect(await refusal(() => shopify.install!.verifyCallback!(setupCtx(), signed(code))), code).toBe('INSTALL_REQUEST_INVALID: the callback carries no authorization code');
    }
  });

  it('asks Shopify to uninstall only on a merchant\'s disconnect, and only warns when that fails', async () => {
    const ctx = installation();
    const before = calls().length;
    await shopify.install!.uninstall!(ctx, { reason: 'platform' } as never);
    expect(calls().length).toBe(before);
    warnings.length = 0;
    await shopify.install!.uninstall!(ctx, { reason: 'merchant' } as never);
    expect(calls().slice(before).map((c) => /mutation (\w+)/.exec(c.query)?.[1])).toEqual(['AppUninstall']);
    // The fake has no appUninstall (as an older API version): a warning, never a throw.
    expect(warnings).toEqual([expect.stringMatching(/^could not uninstall the app at Shopify: /)]);
  });

  it('gets a product by numeric id or gid, and sends nothing else to Shopify', async () => {
    const ctx = installation();
    const product = shop.productList()[3]!;
    expect((await shopify.catalog!.get(ctx, String(product.id)))?.externalId).toBe(gid('Product', product.id));
    expect((await shopify.catalog!.get(ctx, gid('Product', product.id)))?.title).toBe(product.title);
    expect(await shopify.catalog!.get(ctx, gid('Product', 999_999_999))).toBeUndefined();
    const before = calls().length;
    for (const id of ['abc', '', `${product.id}x`, gid('Order', 1), `${gid('Product', product.id)}/x`, 'x' + gid('Product', 1), '1'.repeat(21)]) {
      expect(await shopify.catalog!.get(ctx, id), id).toBeUndefined();
    }
    expect(calls().length).toBe(before);
  });

  it('searches with plain words and a clamped limit; nothing to search for asks nothing', async () => {
    const ctx = installation();
    const before = calls().length;
    expect(await shopify.catalog!.search(ctx, { query: ' " OR ', limit: 5 })).toEqual([]);
    expect(calls().length).toBe(before);
    const word = shop.productList()[0]!.title.split(' ')[0]!;
    await shopify.catalog!.search(ctx, { query: word, limit: 0 });
    await shopify.catalog!.search(ctx, { query: word, limit: 500 });
    expect(calls().slice(before).map((c) => c.variables)).toEqual([
      { first: 1, query: word },
      { first: 50, query: word },
    ]);
  });

  it('finds orders only with a plain number and an email, and a customer\'s orders with a clamped limit', async () => {
    const ctx = installation();
    const order = shop.orderByName('#1001')!;
    expect((await shopify.orders!.findByNumber(ctx, { number: '#1001', email: ' JO@example.com ' }))?.number).toBe('1001');
    expect(await shopify.orders!.findByNumber(ctx, { number: '1001', email: 'other@example.com' })).toBeUndefined();
    const before = calls().length;
    expect(await shopify.orders!.findByNumber(ctx, { number: '1001 OR name:*', email: 'jo@example.com' })).toBeUndefined();
    expect(await shopify.orders!.findByNumber(ctx, { number: '1001', email: '  ' })).toBeUndefined();
    expect(await shopify.orders!.findForCustomer!(ctx, { customerId: 'not-an-id', limit: 3 })).toEqual([]);
    expect(calls().length).toBe(before);
    const customer = gid('Customer', order.customerId!);
    expect(await shopify.orders!.findForCustomer!(ctx, { customerId: customer, limit: 3 })).toHaveLength(3);
    expect(await shopify.orders!.findForCustomer!(ctx, { customerId: String(order.customerId), limit: 0 })).toHaveLength(1);
    expect(await shopify.orders!.findForCustomer!(ctx, { customerId: customer, limit: 50 })).toHaveLength(10);
    expect(await shopify.orders!.findForCustomer!(ctx, { customerId: gid('Customer', 987_654), limit: 5 })).toEqual([]);
  });

  it('app proxy: answers a problem for a bad signature, never caches, mints no token for a non-numeric customer', async () => {
    const route = shopify.routes!.find((r) => r.path === '/proxy/session')!;
    expect(route.method).toBe('GET');
    const call = (pathAndQuery: string) => {
      const rawQuery = pathAndQuery.split('?')[1] ?? '';
      return route.handle(setupCtx(), { method: 'GET', path: '/proxy/session', query: Object.fromEntries(new URLSearchParams(rawQuery)), rawQuery, headers: {}, body: undefined });
    };
    expect(await call(fake.signAppProxy(shop, '/session', {}, { secret: 'shpss_forged' }).pathAndQuery)).toEqual({
      status: 401,
      headers: { 'content-type': 'application/problem+json' },
      body: { type: 'about:blank', title: 'Invalid app proxy signature', status: 401 },
    });
    expect(await call(fake.signAppProxy(shop, '/session', { logged_in_customer_id: 'abc' }).pathAndQuery)).toEqual({
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { shop: shop.domain, plugin: 'shopify', customerToken: null },
    });
    expect((await call(fake.signAppProxy(shop, '/session', { logged_in_customer_id: ['1', '2'] as never }).pathAndQuery)).body).toMatchObject({ customerToken: null });
    expect((await call('shop=evil.example.com&timestamp=1&signature=00')).status).toBe(401);
    expect(await shopify.storefront!.verifyCustomer!(installation(), { token: '' })).toBeUndefined();
  });

  it('describes the app embed, and its settings: an upstream must be a bare origin, scopes have a default', () => {
    expect(shopify.storefront!.embed(setupCtx(), { botKey: 'bk', widgetUrl: 'https://w' })).toMatchObject({ kind: 'app-embed', instructions: expect.stringContaining('App embeds') });
    const schema = shopify.manifest.settings!;
    expect(schema.safeParse({ apiKey: 'k', apiSecret: 's' }).data).toEqual({ apiKey: 'k', apiSecret: 's', scopes: 'read_products,read_orders,read_customers' });
    for (const upstream of ['http://127.0.0.1:4010', 'https://localhost/']) expect(schema.safeParse({ apiKey: 'k', apiSecret: 's', upstream }).success, upstream).toBe(true);
    for (const upstream of ['http://127.0.0.1:4010/admin', 'ftp://x', '127.0.0.1:4010', 'http://']) expect(schema.safeParse({ apiKey: 'k', apiSecret: 's', upstream }).success, upstream).toBe(false);
    expect(schema.safeParse({ apiKey: '', apiSecret: 's' }).success).toBe(false);
    expect(shopify.manifest.config!.safeParse({}).data).toEqual({ currency: 'USD' });
    expect(shopify.manifest.config!.safeParse({ currency: 'EURO' }).success).toBe(false);
  });
});
