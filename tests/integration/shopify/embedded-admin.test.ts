import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeShopify, type FakeShop, type FakeShopify } from '../../fakes/shopify/index.ts';
import { ensureServedDashboard } from '../../e2e/dashboard/harness.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { WidgetClient } from '../chat/helpers.ts';
import { call, shopifyEnv, until } from './helpers.ts';

/**
 * Issue 12's last bullet over HTTP: the app URL opened in the Shopify admin (Shopify-managed install,
 * `embedded=1` + `id_token`) installs once by token exchange and opens the dashboard in embedded mode;
 * `/admin` may be framed only by that shop's admin; Shopify session tokens are merchant credentials for
 * the shop's store only; forged, expired, wrong-audience and uninstalled-shop tokens get a 401 problem.
 */

let fake: FakeShopify;
let shopA: FakeShop;
let shopB: FakeShop;
let stranger: FakeShop;
let app: TestApp;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const csp = (headers: Headers) => headers.get('content-security-policy') ?? '';
const directive = (headers: Headers, name: string) =>
  csp(headers)
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));

/** Shopify opens the app URL inside the admin, signed, with a session token: what the merchant's first click on the app does. */
async function openInAdmin(shop: FakeShop): Promise<Response> {
  const signed = fake.signInstallQuery(shop, { embedded: '1', id_token: fake.mintSessionToken(shop), locale: 'en', session: 'abc123' });
  return fetch(`${app.url}/plugins/shopify/install?${signed.query}`, { redirect: 'manual' });
}

beforeAll(async () => {
  await ensureServedDashboard();
  fake = await startFakeShopify({ throttle: { maximumAvailable: 2000, restoreRate: 2000 } });
  shopA = fake.shops.create({ name: 'alpha-shop', email: 'owner@alpha.test', primaryDomain: 'alpha.test' });
  shopB = fake.shops.create({ name: 'beta-shop', email: 'owner@beta.test', primaryDomain: 'beta.test' });
  stranger = fake.shops.create({ name: 'never-installed', email: 'owner@never.test' });
  fake.seedProducts(shopA, 3);
  fake.seedProducts(shopB, 3);
  app = await startTestApp(shopifyEnv(fake));
  fake.setApplicationUrl(`${app.url}/plugins/shopify/install`);
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

describe('the dashboard inside the Shopify admin', () => {
  it('the app URL opened in the admin installs the shop once (token exchange) and opens /admin embedded for it', async () => {
    const first = await openInAdmin(shopA);
    expect(first.status, await first.clone().text()).toBe(302);
    const location = new URL(first.headers.get('location')!, app.url);
    expect(location.pathname).toBe('/admin');
    expect(location.searchParams.get('embedded')).toBe('1');
    expect(location.searchParams.get('shop')).toBe(shopA.domain);
    expect(location.searchParams.get('host')).toBeTruthy();
    expect(location.searchParams.get('id_token')).toBeNull();
    expect(fake.counters.tokenExchanges).toBe(1);
    expect(fake.tokens.at(-1)).toMatchObject({ shop: shopA.domain, grant: 'token_exchange', mode: 'offline' });

    // Opening it again is no new install: no second token exchange.
    expect((await openInAdmin(shopA)).status).toBe(302);
    expect(fake.counters.tokenExchanges).toBe(1);
    expect((await openInAdmin(shopB)).status).toBe(302);
    expect(fake.counters.tokenExchanges).toBe(2);

    // A deep link (Shopify appends the path to the app URL) opens that page of the dashboard; a path
    // that is not a plain page path opens the inbox, and the query stays signed as before.
    const deep = fake.signInstallQuery(shopA, { embedded: '1', id_token: fake.mintSessionToken(shopA) });
    const bookings = await fetch(`${app.url}/plugins/shopify/install/bookings?${deep.query}`, { redirect: 'manual' });
    expect(bookings.status).toBe(302);
    const bookingsAt = new URL(bookings.headers.get('location')!, app.url);
    expect(bookingsAt.pathname).toBe('/admin/bookings');
    expect(bookingsAt.searchParams.get('shop')).toBe(shopA.domain);
    const odd = await fetch(`${app.url}/plugins/shopify/install/..%2F..%2Fevil?${deep.query}`, { redirect: 'manual' });
    expect(new URL(odd.headers.get('location')!, app.url).pathname).toBe('/admin');
    const unsigned = await fetch(`${app.url}/plugins/shopify/install/bookings?shop=${shopA.domain}&embedded=1`, { redirect: 'manual' });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(fake.counters.tokenExchanges).toBe(2);

    // A forged id_token on a first open installs nothing.
    const forged = fake.signInstallQuery(stranger, { embedded: '1', id_token: fake.mintSessionToken(stranger, { secret: 'shpss_forged' }) });
    const refused = await fetch(`${app.url}/plugins/shopify/install?${forged.query}`, { redirect: 'manual' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(fake.counters.tokenExchanges).toBe(2);
  });

  it('/admin for an installed shop: framed only by that shop and admin.shopify.com, App Bridge from the CDN first, nothing else', async () => {
    const res = await fetch(`${app.url}/admin?embedded=1&shop=${shopA.domain}&host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWxwaGEtc2hvcA`);
    expect(res.status).toBe(200);
    expect(directive(res.headers, 'frame-ancestors')).toBe(`frame-ancestors https://${shopA.domain} https://admin.shopify.com`);
    expect(directive(res.headers, 'script-src')).toBe(`script-src 'self' https://cdn.shopify.com/shopifycloud/app-bridge.js`);
    expect(res.headers.get('x-frame-options')).toBeNull();
    const html = await res.text();
    expect(html).toContain(`<meta name="shopify-api-key" content="${fake.apiKey}" />`);
    // App Bridge is the first script, classic and synchronous.
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts[0]).toBe('<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js">');
    expect(scripts.slice(1).every((s) => s.includes('type="module"'))).toBe(true);

    // The preview page the dashboard frames: the same admin may frame it, and the dashboard itself.
    const preview = await fetch(`${app.url}/admin/preview.html?bot=x&embedded=1&shop=${shopA.domain}`);
    expect(directive(preview.headers, 'frame-ancestors')).toBe(`frame-ancestors 'self' https://${shopA.domain} https://admin.shopify.com`);
    expect(directive(preview.headers, 'script-src')).toBe(`script-src 'self'`);
  });

  it('/admin anywhere else is unframeable: no shop, an unknown shop, a bad domain', async () => {
    for (const path of ['/admin', '/admin/inbox', `/admin?embedded=1&shop=${stranger.domain}`, '/admin?embedded=1&shop=evil.example.com', `/admin?shop=${shopA.domain}`]) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(directive(res.headers, 'frame-ancestors'), path).toBe(`frame-ancestors 'none'`);
      expect(directive(res.headers, 'script-src'), path).toBe(`script-src 'self'`);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      const html = await res.text();
      expect(html, path).not.toContain('app-bridge.js');
      expect(html, path).not.toContain('concierge-embedded');
    }
    const preview = await fetch(`${app.url}/admin/preview.html?bot=x`);
    expect(directive(preview.headers, 'frame-ancestors')).toBe(`frame-ancestors 'self'`);
  });

  it("a session token reads its own shop's store only, as the store's owner with at most the admin role", async () => {
    const meA = await call(app.url, '/api/v1/me', { headers: bearer(fake.mintSessionToken(shopA, { userId: 7 })) });
    expect(meA.status, JSON.stringify(meA.body)).toBe(200);
    expect(meA.body).toMatchObject({ tenant: { name: shopA.name }, user: { email: shopA.email }, role: 'admin', via: 'platform-session' });
    const meB = await call(app.url, '/api/v1/me', { headers: bearer(fake.mintSessionToken(shopB)) });
    expect(meB.body).toMatchObject({ tenant: { name: shopB.name }, user: { email: shopB.email } });
    expect(meB.body.tenant.id).not.toBe(meA.body.tenant.id);

    // A conversation in each store, from each shop's storefront.
    const bots = async (shop: FakeShop) => (await call<{ items: { publicKey: string; allowedOrigins: string[] }[] }>(app.url, '/api/v1/bots', { headers: bearer(fake.mintSessionToken(shop)) })).body.items;
    const [botA] = await bots(shopA);
    const [botB] = await bots(shopB);
    expect(botA!.allowedOrigins).toContain(`https://${shopA.domain}`);
    expect(botB!.allowedOrigins).not.toContain(`https://${shopA.domain}`);
    const widgetA = new WidgetClient(app.url, `https://${shopA.domain}`);
    const startedA = await widgetA.start(botA!.publicKey);
    await widgetA.send('Hello from the alpha storefront');
    const widgetB = new WidgetClient(app.url, `https://${shopB.domain}`);
    const startedB = await widgetB.start(botB!.publicKey);
    await widgetB.send('Hello from the beta storefront');

    const list = (shop: FakeShop) => call<{ items: { id: string }[] }>(app.url, '/api/v1/conversations', { headers: bearer(fake.mintSessionToken(shop)) });
    const idsA = await until('alpha conversation', async () => {
      const ids = (await list(shopA)).body.items.map((c) => c.id);
      return ids.includes(startedA.conversationId) ? ids : undefined;
    }, 15_000);
    expect(idsA).not.toContain(startedB.conversationId);
    expect((await list(shopB)).body.items.map((c) => c.id)).toEqual([startedB.conversationId]);
    // Shop A's token cannot open shop B's conversation (RLS: as if it did not exist).
    const cross = await call(app.url, `/api/v1/conversations/${startedB.conversationId}`, { headers: bearer(fake.mintSessionToken(shopA)) });
    expect(cross.status).toBe(404);

    // The tenant event stream takes the token too (the embedded dashboard reads it with fetch).
    const abort = new AbortController();
    const stream = await fetch(`${app.url}/api/v1/conversations/events`, { headers: bearer(fake.mintSessionToken(shopA)), signal: abort.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    abort.abort();

    // Owner-only and person-only things are refused from inside the admin.
    const token = fake.mintSessionToken(shopA);
    for (const [method, path, body] of [
      ['POST', '/api/v1/team/invites', { email: 'x@alpha.test', role: 'agent' }],
      ['POST', '/api/v1/api-keys', { name: 'k', role: 'agent' }],
      ['POST', '/api/v1/me/password', { currentPassword: 'x', newPassword: 'Another-Pass-2026' }],
    ] as const) {
      const res = await call(app.url, path, { method, headers: bearer(token), body: JSON.stringify(body) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    // Signing out is the admin's: the refusal says so in the admin's words, not an API key's.
    const logout = await call<{ detail: string }>(app.url, '/api/v1/auth/logout', { method: 'POST', headers: bearer(token) });
    expect(logout.status).toBe(400);
    expect(logout.body.detail).toContain('Shopify admin');
    expect(logout.body.detail).not.toContain('API key');
  });

  it('forged, expired, not-yet-valid, wrong-audience and unknown-shop tokens get a 401 problem', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, string> = {
      forged: fake.mintSessionToken(shopA, { secret: 'shpss_not_the_app_secret' }),
      expired: fake.mintSessionToken(shopA, { issuedAt: now - 300, ttlSeconds: 60 }),
      'not yet valid': fake.mintSessionToken(shopA, { issuedAt: now + 300 }),
      'wrong audience': fake.mintSessionToken(shopA, { audience: 'another-apps-client-id' }),
      'shop never installed': fake.mintSessionToken(stranger),
      tampered: (() => {
        const [h, p, s] = fake.mintSessionToken(shopA).split('.');
        const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
        return [h, Buffer.from(JSON.stringify({ ...claims, dest: `https://${shopB.domain}` })).toString('base64url'), s].join('.');
      })(),
      garbage: 'eyJhbGciOiJub25lIn0.e30.',
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await call(app.url, '/api/v1/conversations', { headers: bearer(token) });
      expect(res.status, name).toBe(401);
      expect(res.headers.get('content-type'), name).toContain('application/problem+json');
      expect(res.body, name).toMatchObject({ status: 401 });
    }
  });

  it('after app/uninstalled the shop gets neither the embedded page nor the API', async () => {
    const before = fake.mintSessionToken(shopB);
    expect((await call(app.url, '/api/v1/me', { headers: bearer(before) })).status).toBe(200);
    await fake.uninstall(shopB, { to: `${app.url}/webhooks/shopify` });
    await until('the uninstall', async () => ((await call(app.url, '/api/v1/me', { headers: bearer(fake.mintSessionToken(shopB)) })).status === 401 ? true : undefined), 15_000);
    const page = await fetch(`${app.url}/admin?embedded=1&shop=${shopB.domain}`);
    expect(directive(page.headers, 'frame-ancestors')).toBe(`frame-ancestors 'none'`);
  });
});
