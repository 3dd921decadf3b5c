// Connect from the WordPress settings page when WordPress and Concierge are different SITES and the
// merchant is not signed in to Concierge: WordPress on http://127.0.0.1:<port>, Concierge on
// http://localhost:<port> (different ports alone would be the same site; different hosts are not).
// The session cookie is SameSite=Strict, so the cross-site Connect navigation never carries it:
// Concierge sends that navigation to the dashboard's sign-in, then to its connect page, where one
// click from Concierge's own origin continues (now with the cookie) to the store's wc-auth page.
//
// The site also has WordPress's default "Plain" permalinks (no /wc-auth/v1/, no /wp-json/): the
// Connect link says so, Concierge sends the merchant to `/?wc-auth-version=1&wc-auth-route=authorize`
// and calls the REST API as `index.php?rest_route=/wc/v3/…`.
//
// The wc-auth page is the test stand-in described in connect.test.ts (WooCommerce is not packaged in
// Debian); WordPress, our WordPress plugin, the Concierge server and dashboard and Chromium are real.
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { freePort, startWordPress, type WordPressSite } from '../../helpers/wordpress.ts';
import { startFakeWooCommerce, type FakeWooCommerce } from '../../fakes/woocommerce/server.ts';
import { ensureServedDashboard, merchantPage } from '../dashboard/harness.ts';
import { launchChromium } from '../widget/harness.ts';

const CONTROL_TOKEN = `control-${process.pid}-${Date.now()}`;
const PASSWORD = 'Harbor-Lantern-Quartz-2026';
let app: TestApp;
let concierge: string; // the merchant's address of Concierge: another site than WordPress
let store: FakeWooCommerce;
let wp: WordPressSite;
let browser: Browser;
let owner: { email: string; accessToken: string; tenantId: string };

interface Installation { platform: string; externalId: string; status: string; sync: { status: string; done: number } }
async function installations(): Promise<Installation[]> {
  const res = await fetch(`${app.url}/api/v1/installations`, { headers: { authorization: `Bearer ${owner.accessToken}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Installation[] }).items.filter((i) => i.platform === 'woocommerce');
}

beforeAll(async () => {
  const port = await freePort();
  concierge = `http://localhost:${port}`;
  [, app, store] = await Promise.all([
    ensureServedDashboard(),
    startTestApp({ PORT: String(port), PUBLIC_URL: concierge, PLUGIN_WOOCOMMERCE_ALLOW_HTTP: 'true' }),
    startFakeWooCommerce({ controlToken: CONTROL_TOKEN }),
  ]);
  wp = await startWordPress({
    plugins: { concierge: 'storefront-apps/woocommerce/concierge' },
    activate: ['concierge/concierge.php'],
    muPlugins: { 'wc-auth-stand-in.php': await readFile('tests/fixtures/wordpress/wc-auth-stand-in.php', 'utf8') },
    options: { concierge_server_url: concierge, wc_stand_in_store_url: store.url, wc_stand_in_control_token: CONTROL_TOKEN, wc_stand_in_allow_http_callback: '1' },
  });
  store.siteUrl = wp.url;
  store.permalinks = 'plain';
  expect((await wp.php("echo get_option( 'permalink_structure' ) === '' ? 'plain' : 'pretty';")).trim()).toBe('plain');
  store.seed({ products: 40, orders: 3 });
  // A merchant with a password (signed up through the API), NOT signed in in the browser.
  const email = `owner-${Date.now()}@outfitters.example`;
  const signup = await fetch(`${app.url}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ storeName: 'Woo Outfitters', email, password: PASSWORD }) });
  expect(signup.status).toBe(201);
  const body = (await signup.json()) as { accessToken: string; tenant: { id: string } };
  owner = { email, accessToken: body.accessToken, tenantId: body.tenant.id };
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await wp?.close();
  await store?.close();
  await app?.stop();
});

describe('Connect across sites, signed out of Concierge', () => {
  it('goes from Connect to the dashboard sign-in, back to the connect flow after sign-in, and ends connected', async () => {
    expect(new URL(wp.url).hostname).toBe('127.0.0.1');
    expect(new URL(concierge).hostname).toBe('localhost');
    const { context, page } = await merchantPage(browser);
    // Script errors on Concierge's pages (Debian's WordPress admin has its own, unrelated ones).
    const errors: string[] = [];
    page.on('pageerror', (e) => {
      if (page.url().startsWith(concierge)) errors.push(String(e));
    });
    expect(await context.cookies(concierge)).toEqual([]);

    await wp.browserLogin(page);
    await page.goto(`${wp.url}/wp-admin/options-general.php?page=concierge`);
    const connect = page.locator('#concierge-connect');
    expect(new URL((await connect.getAttribute('href'))!).origin).toBe(concierge);
    expect(new URL((await connect.getAttribute('href'))!).searchParams.get('permalinks')).toBe('plain');

    // Not signed in: the dashboard's sign-in (not a 401 JSON page), remembering the connect flow.
    const [connectResponse] = await Promise.all([page.waitForResponse((r) => r.url().startsWith(`${concierge}/plugins/woocommerce/connect`)), connect.click()]);
    expect(connectResponse.status()).toBe(302);
    await page.waitForURL((url) => url.origin === concierge && url.pathname === '/admin/sign-in', { timeout: 30_000 });
    const next = new URL(page.url()).searchParams.get('next')!;
    expect(next).toMatch(/^\/admin\/connect\/woocommerce\?/);
    expect(new URL(next, concierge).searchParams.get('site')).toBe(`${wp.url}/`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Back in the connect flow: it names the store and continues only with the merchant's click.
    await page.waitForURL((url) => url.origin === concierge && url.pathname === '/admin/connect/woocommerce', { timeout: 30_000 });
    const host = new URL(wp.url).host;
    expect(await page.locator('h1').textContent()).toBe('Connect your WooCommerce store');
    expect(await page.locator('#connect-what').textContent()).toContain(host);
    expect(await page.locator('#connect-what').textContent()).toContain('Woo Outfitters');
    expect(store.keys.size).toBe(0);
    await page.locator('#connect-continue').click();

    // Now signed in and same-site: Concierge redirects to the store's app-authorization page, in the
    // query form a site with plain permalinks answers.
    await page.waitForURL((url) => url.origin === wp.url && url.searchParams.get('wc-auth-route') === 'authorize', { timeout: 30_000 });
    const authorize = new URL(page.url());
    expect(authorize.pathname).toBe('/');
    expect(authorize.searchParams.get('wc-auth-version')).toBe('1');
    expect(authorize.searchParams.get('callback_url')).toBe(`${concierge}/plugins/woocommerce/auth/callback`);
    expect(authorize.searchParams.get('return_url')).toBe(`${wp.url}/wp-admin/options-general.php?page=concierge`);
    await page.locator('a.wc-auth-approve').click();
    await page.waitForURL((url) => url.origin === wp.url && url.searchParams.get('success') === '1', { timeout: 30_000 });

    const [installation] = await installations();
    expect(installation).toMatchObject({ externalId: wp.url, status: 'active' });
    await expect.poll(async () => (await installations())[0]?.sync, { timeout: 60_000 }).toMatchObject({ status: 'done', done: 40 });
    expect(store.keys.size).toBe(1);
    // Every REST call went to index.php?rest_route=… (signed over home_url('index.php')); none to /wp-json/.
    const rest = store.requests.filter((r) => r.route?.startsWith('/wc/v3/'));
    expect(rest.filter((r) => r.route === '/wc/v3/products' && r.status === 200).length).toBeGreaterThan(0);
    expect(rest.every((r) => r.path === '/index.php' && r.auth === 'oauth')).toBe(true);
    expect(store.requests.filter((r) => r.path.startsWith('/wp-json/'))).toEqual([]);
    await store.settled();
    expect(new Set([...store.webhooks.values()].map((h) => h.topic)).size).toBe(5);

    // The session cookie stayed SameSite=Strict: the fix is a redirect, not a weaker cookie.
    const session = (await context.cookies(concierge)).find((c) => c.name === 'concierge_session');
    expect(session).toMatchObject({ sameSite: 'Strict', httpOnly: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);

  it('answers a connect API call without credentials with the 401 problem, not a redirect', async () => {
    const res = await fetch(`${app.url}/plugins/woocommerce/connect?site=${encodeURIComponent(`${wp.url}/`)}`, { redirect: 'manual', headers: { accept: 'application/json' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});
