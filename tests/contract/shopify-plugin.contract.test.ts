import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginError, type InstallCallbackRequest, type InstallStep, type PluginContext, type PluginSetupContext } from '@concierge/plugin-sdk';
import { createTestContext } from '@concierge/plugin-sdk/testkit';
import shopify from '../../plugins/shopify/index.ts';
import { queryHmac, startFakeShopify, type FakeShop, type FakeShopify } from '../fakes/shopify/index.ts';

/**
 * The Shopify plugin on its own against the fake Shopify: install refusals, code grant, token
 * exchange, throttling and token expiry in the middle of a sync, the app proxy. Asserts on the
 * fake's state (tokens issued, grants, refreshes, THROTTLED answers).
 */

let fake: FakeShopify;
let shop: FakeShop;

beforeAll(async () => {
  fake = await startFakeShopify({ throttle: { maximumAvailable: 1000, restoreRate: 5000 } });
  shop = fake.shops.create({ name: 'plugin-test', email: 'owner@plugin.test', currencyCode: 'EUR', primaryDomain: 'shop.plugin.test' });
  fake.seedProducts(shop, 240);
});
afterAll(async () => {
  await shopify.teardown?.();
  await fake?.close();
});

const settings = () => ({ apiKey: fake.apiKey, apiSecret: fake.apiSecret, scopes: 'read_products,read_orders', upstream: fake.url });
const setupCtx = (over: Partial<PluginSetupContext<unknown>> = {}): PluginSetupContext<never> => {
  const { pluginId, logger, http, environment } = createTestContext();
  return { pluginId, logger, http, publicUrl: 'https://concierge.example', environment, settings: settings(), ...over } as never;
};
const begin = (params: Record<string, string>, origin: 'platform' | 'tenant' = 'platform') =>
  shopify.install!.begin(setupCtx(), { origin, state: 'st_1', callbackUrl: 'https://concierge.example/plugins/shopify/auth/callback', params, rawQuery: new URLSearchParams(params).toString() });
const codeOf = async (work: () => Promise<unknown> | unknown) => {
  try {
    await work();
    return 'resolved';
  } catch (error) {
    return isPluginError(error) ? error.code : String(error);
  }
};
const callback = (query: Record<string, string>): { origin: 'platform'; remembered: Record<string, string>; request: InstallCallbackRequest; callbackUrl: string } => ({
  origin: 'platform',
  remembered: {},
  request: { method: 'GET', query, body: undefined, rawBody: Buffer.alloc(0), headers: {} },
  callbackUrl: 'https://concierge.example/plugins/shopify/auth/callback',
});

describe('shopify plugin against the fake Shopify', () => {
  it('refuses a forged, stale, unsigned or foreign-domain install request and asks Shopify for nothing', async () => {
    const tokensBefore = fake.tokens.length;
    const authorizeBefore = fake.counters.authorizeRequests;
    const forged = fake.signInstallQuery(shop, {}, { secret: 'shpss_forged' }).params;
    const stale = fake.signInstallQuery(shop, {}, { timestamp: Math.floor(Date.now() / 1000) - 600 }).params;
    const future = fake.signInstallQuery(shop, {}, { timestamp: Math.floor(Date.now() / 1000) + 600 }).params;
    const { hmac: _drop, ...unsigned } = fake.signInstallQuery(shop).params;
    const foreign = { shop: 'evil.example.com', timestamp: String(Math.floor(Date.now() / 1000)) };
    const foreignSigned = { ...foreign, hmac: queryHmac(fake.apiSecret, foreign) };
    for (const params of [forged, stale, future, unsigned, foreignSigned, { ...fake.signInstallQuery(shop).params, shop: 'other.myshopify.com' }]) {
      expect(await codeOf(() => begin(params))).toBe('INSTALL_REQUEST_INVALID');
    }
    // A signed-in merchant may name the shop without Shopify's signature, but never a foreign domain.
    expect(await codeOf(() => begin({ shop: 'evil.example.com' }, 'tenant'))).toBe('INSTALL_REQUEST_INVALID');
    expect(fake.tokens.length).toBe(tokensBefore);
    expect(fake.counters.authorizeRequests).toBe(authorizeBefore);
  });

  it('redirects a signed install to Shopify\'s authorize page, approved there, and exchanges the code for an expiring offline token', async () => {
    const step = await begin(fake.signInstallQuery(shop).params);
    expect(step.kind).toBe('redirect');
    const url = new URL((step as { url: string }).url);
    expect(`${url.origin}${url.pathname}`).toBe(`https://${shop.domain}/admin/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: fake.apiKey,
      scope: 'read_products,read_orders',
      redirect_uri: 'https://concierge.example/plugins/shopify/auth/callback',
      state: 'st_1',
    });
    expect((await begin({ shop: shop.domain }, 'tenant')).kind).toBe('redirect');

    const approved = await fetch(`${fake.url}${url.pathname}${url.search}`, { redirect: 'manual', headers: { 'x-shopify-shop-domain': shop.domain } });
    const query = Object.fromEntries(new URL(approved.headers.get('location')!).searchParams);
    expect(query.state).toBe('st_1');

    // The callback's own signature, timestamp and code are checked before the host spends the state.
    const { hmac: _h, ...rest } = query;
    expect(await codeOf(() => shopify.install!.verifyCallback!(setupCtx(), callback({ ...rest, hmac: queryHmac('shpss_forged', rest) })))).toBe('INSTALL_REQUEST_INVALID');
    const noCode = { ...rest, code: '' };
    expect(await codeOf(() => shopify.install!.verifyCallback!(setupCtx(), callback({ ...noCode, hmac: queryHmac(fake.apiSecret, noCode) })))).toBe('INSTALL_REQUEST_INVALID');
    expect(await codeOf(() => shopify.install!.complete!(setupCtx(), callback({ ...noCode, hmac: queryHmac(fake.apiSecret, noCode) })))).toBe('INSTALL_REQUEST_INVALID');
    const staleQuery = { ...rest, timestamp: String(Math.floor(Date.now() / 1000) - 3600) };
    expect(await codeOf(() => shopify.install!.verifyCallback!(setupCtx(), callback({ ...staleQuery, hmac: queryHmac(fake.apiSecret, staleQuery) })))).toBe('INSTALL_REQUEST_INVALID');
    expect(fake.counters.authorizationCodeGrants).toBe(0);

    await shopify.install!.verifyCallback!(setupCtx(), callback(query));
    const result = await shopify.install!.complete!(setupCtx(), callback(query));
    expect(fake.counters.authorizationCodeGrants).toBe(1);
    const issued = fake.tokens.at(-1)!;
    expect(issued).toMatchObject({ shop: shop.domain, grant: 'authorization_code', mode: 'offline' });
    expect(issued.expiresAt).not.toBeNull();
    expect(result).toMatchObject({
      externalId: shop.domain,
      config: { currency: 'EUR', primaryDomain: 'shop.plugin.test' },
      secrets: { accessToken: issued.token, refreshToken: issued.refreshToken },
      account: { email: 'owner@plugin.test', storeName: shop.name, domains: ['shop.plugin.test', shop.domain], currency: 'EUR' },
    });
    const expiresAt = Date.parse((result.secrets as { expiresAt: string }).expiresAt);
    expect(Math.abs(expiresAt - issued.expiresAt!)).toBeLessThan(5_000);
  });

  it('installs from the embedded admin by token exchange (session token → offline token), and refuses a forged session token', async () => {
    const forged = fake.signInstallQuery(shop, { id_token: fake.mintSessionToken(shop, { secret: 'shpss_forged' }) }).params;
    expect(await codeOf(() => begin(forged))).toBe('INSTALL_REQUEST_INVALID');
    const otherAudience = fake.signInstallQuery(shop, { id_token: fake.mintSessionToken(shop, { audience: 'someone-else' }) }).params;
    expect(await codeOf(() => begin(otherAudience))).toBe('INSTALL_REQUEST_INVALID');
    expect(fake.counters.tokenExchanges).toBe(0);

    const step = await begin(fake.signInstallQuery(shop, { id_token: fake.mintSessionToken(shop) }).params);
    expect(step.kind).toBe('installed');
    expect(fake.counters.tokenExchanges).toBe(1);
    const issued = fake.tokens.at(-1)!;
    expect(issued).toMatchObject({ grant: 'token_exchange', mode: 'offline', shop: shop.domain });
    expect(issued.expiresAt).not.toBeNull();
    expect((step as { result: { secrets: { accessToken: string } } }).result.secrets.accessToken).toBe(issued.token);
  });

  it('opened inside the Shopify admin (embedded=1): the embedded dashboard for the shop, the token exchange only when the host asks for it', async () => {
    const signed = fake.signInstallQuery(shop, { id_token: fake.mintSessionToken(shop), embedded: '1' });
    const before = fake.counters.tokenExchanges;
    const step = await begin(signed.params);
    expect(step).toMatchObject({ kind: 'open-admin', externalId: shop.domain, dashboardQuery: { embedded: '1', shop: shop.domain, host: signed.params.host } });
    expect(fake.counters.tokenExchanges).toBe(before);
    const result = await (step as Extract<InstallStep, { kind: 'open-admin' }>).install();
    expect(fake.counters.tokenExchanges).toBe(before + 1);
    expect(result.externalId).toBe(shop.domain);

    const forged = (await begin(fake.signInstallQuery(shop, { id_token: fake.mintSessionToken(shop, { secret: 'shpss_forged' }), embedded: '1' }).params)) as Extract<InstallStep, { kind: 'open-admin' }>;
    expect(await codeOf(() => forged.install())).toBe('INSTALL_REQUEST_INVALID');
    const withoutToken = (await begin(fake.signInstallQuery(shop, { embedded: '1' }).params)) as Extract<InstallStep, { kind: 'open-admin' }>;
    expect(await codeOf(() => withoutToken.install())).toBe('INSTALL_REQUEST_INVALID');
    expect(fake.counters.tokenExchanges).toBe(before + 1);
    // Unsigned, it is no embedded load at all.
    const { hmac: _hmac, ...unsigned } = signed.params;
    expect(await codeOf(() => begin(unsigned))).toBe('INSTALL_REQUEST_INVALID');
  });

  it('embeddedAdmin: the shop from the query, its frame ancestors and App Bridge, and session tokens verified like Shopify signs them', () => {
    const admin = shopify.embeddedAdmin!;
    expect(admin.account(setupCtx(), { embedded: '1', shop: shop.domain })).toBe(shop.domain);
    expect(admin.account(setupCtx(), { shop: shop.domain })).toBeUndefined();
    expect(admin.account(setupCtx(), { embedded: '1', shop: 'evil.example.com' })).toBeUndefined();
    expect(admin.page(setupCtx(), shop.domain)).toEqual({
      frameAncestors: [`https://${shop.domain}`, 'https://admin.shopify.com'],
      scripts: ['https://cdn.shopify.com/shopifycloud/app-bridge.js'],
      meta: { 'shopify-api-key': fake.apiKey },
    });
    expect(admin.verifySessionToken(setupCtx(), fake.mintSessionToken(shop, { userId: 42 }))).toEqual({ externalId: shop.domain, userId: '42' });
    expect(admin.verifySessionToken(setupCtx(), fake.mintSessionToken(shop, { secret: 'shpss_forged' }))).toBeUndefined();
    expect(admin.verifySessionToken(setupCtx(), fake.mintSessionToken(shop, { audience: 'another-app' }))).toBeUndefined();
    expect(admin.verifySessionToken(setupCtx(), fake.mintSessionToken(shop, { issuedAt: Math.floor(Date.now() / 1000) - 600 }))).toBeUndefined();
    expect(admin.verifySessionToken(setupCtx(), 'not.a.jwt')).toBeUndefined();
  });

  function installation(shared?: { secrets: Record<string, unknown>; chain: Promise<unknown> }): PluginContext<never, never, never> {
    const issued = fake.issueToken(shop, { expiring: true });
    const store = shared ?? { secrets: { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: new Date(issued.expiresAt!).toISOString() }, chain: Promise.resolve() };
    const ctx = createTestContext({ pluginId: 'shopify', settings: settings(), externalId: shop.domain, config: { currency: 'EUR' }, secrets: { ...store.secrets } });
    // As the host's row lock does across instances: one rotation at a time, each sees what is stored now.
    ctx.rotateSecrets = (update) => {
      const run = store.chain.then(async () => {
        const next = await update(store.secrets);
        if (next !== undefined) store.secrets = next as Record<string, unknown>;
        ctx.secrets = store.secrets;
        return store.secrets;
      });
      store.chain = run.catch(() => undefined);
      return run;
    };
    (ctx as { store?: unknown }).store = store;
    return ctx as never;
  }

  async function walk(ctx: PluginContext<never, never, never>, between?: (page: number) => void): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      const result = await shopify.catalog!.list!(ctx, { cursor, limit: 50 });
      ids.push(...result.items.map((p) => p.externalId));
      if (result.nextCursor === null) return ids;
      cursor = result.nextCursor;
      between?.(page);
    }
  }

  it('waits out a THROTTLED answer in the middle of a sync and completes it', async () => {
    const ctx = installation();
    const throttledBefore = fake.counters.throttled;
    const ids = await walk(ctx, (page) => {
      if (page === 1) fake.drainBucket(shop, 0);
    });
    expect(fake.counters.throttled).toBeGreaterThan(throttledBefore);
    expect(new Set(ids).size).toBe(shop.products.size);
  });

  it('refreshes a token that expires mid-sync once, though two instances hit the 401 together, and both syncs complete', async () => {
    const first = installation();
    const shared = (first as unknown as { store: { secrets: Record<string, unknown>; chain: Promise<unknown> } }).store;
    const second = installation(shared);
    const refreshesBefore = fake.counters.tokenRefreshes;
    let expired = false;
    const expireOnce = (page: number) => {
      if (page === 1 && !expired) {
        expired = true;
        fake.expireTokens(shop);
      }
    };
    const [a, b] = await Promise.all([walk(first, expireOnce), walk(second, expireOnce)]);
    expect(fake.counters.tokenRefreshes - refreshesBefore).toBe(1);
    expect(fake.counters.tokenErrors).toBe(0);
    expect(new Set(a).size).toBe(shop.products.size);
    expect(new Set(b).size).toBe(shop.products.size);
    const refreshed = fake.tokens.at(-1)!;
    expect(refreshed.grant).toBe('refresh_token');
    expect(shared.secrets.accessToken).toBe(refreshed.token);
  });

  it('refreshes ahead of expiry: a token within 5 minutes of its end is rotated before the call', async () => {
    const ctx = installation();
    const store = (ctx as unknown as { store: { secrets: Record<string, unknown> } }).store;
    store.secrets = { ...store.secrets, expiresAt: new Date(Date.now() + 60_000).toISOString() };
    (ctx as { secrets: unknown }).secrets = store.secrets;
    const before = fake.counters.tokenRefreshes;
    expect(await shopify.catalog!.get(ctx, 'not-a-product-id')).toBeUndefined();
    expect(await shopify.catalog!.get(ctx, shop.productList()[0]!.id.toString())).toMatchObject({ title: shop.productList()[0]!.title });
    expect(fake.counters.tokenRefreshes - before).toBe(1);
    expect(Date.parse(store.secrets.expiresAt as string)).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('app proxy: a signed request with a logged-in customer yields a token that verifies that customer for that shop only', async () => {
    const route = shopify.routes!.find((r) => r.path === '/proxy/session')!;
    const call = (pathAndQuery: string) => {
      const rawQuery = pathAndQuery.split('?')[1] ?? '';
      return route.handle(setupCtx(), { method: 'GET', path: '/proxy/session', query: Object.fromEntries(new URLSearchParams(rawQuery)), rawQuery, headers: {}, body: undefined });
    };
    const signedIn = await call(fake.signAppProxy(shop, '/session', { logged_in_customer_id: '4242' }).pathAndQuery);
    expect(signedIn.status).toBe(200);
    const token = (signedIn.body as { customerToken: string }).customerToken;
    expect(token).toMatch(/^v1\./);
    const ctx = installation();
    expect(await shopify.storefront!.verifyCustomer!(ctx, { token })).toEqual({ customerId: 'gid://shopify/Customer/4242' });
    const otherShop = createTestContext({ settings: settings(), externalId: 'other.myshopify.com' });
    expect(await shopify.storefront!.verifyCustomer!(otherShop as never, { token })).toBeUndefined();

    const anonymous = await call(fake.signAppProxy(shop, '/session').pathAndQuery);
    expect(anonymous).toMatchObject({ status: 200, body: { shop: shop.domain, customerToken: null } });
    expect((await call(fake.signAppProxy(shop, '/session', { logged_in_customer_id: '1' }, { secret: 'shpss_forged' }).pathAndQuery)).status).toBe(401);
    expect((await call(fake.signAppProxy(shop, '/session', { logged_in_customer_id: '1' }, { timestamp: Math.floor(Date.now() / 1000) - 3600 }).pathAndQuery)).status).toBe(401);
    const tampered = fake.signAppProxy(shop, '/session', { logged_in_customer_id: '1' }).pathAndQuery.replace('logged_in_customer_id=1', 'logged_in_customer_id=2');
    expect((await call(tampered)).status).toBe(401);
    const repeated = fake.signAppProxy(shop, '/session', { logged_in_customer_id: '7', tag: ['a', 'b'] }).pathAndQuery;
    expect((await call(repeated)).status).toBe(200);
  });

  it('refuses PLUGIN_SHOPIFY_UPSTREAM in production', async () => {
    expect(await codeOf(() => shopify.setup!(setupCtx({ environment: 'production' }) as never))).toBe('PLUGIN_CONFIG_INVALID');
    expect(await codeOf(() => shopify.setup!(setupCtx({ environment: 'production', settings: { ...settings(), upstream: undefined } } as never) as never))).toBe('resolved');
  });
});
