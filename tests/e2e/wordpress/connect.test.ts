// Connect a WooCommerce store from the WordPress settings page, to the end, in Chromium:
// the merchant (signed in to WordPress and to Concierge) opens Settings → Concierge in a real
// WordPress (Debian's package) with our plugin, clicks Connect, approves on the store's
// /wc-auth/v1/authorize page, and is sent back to the settings page; Concierge now has an active
// installation with all 1,500 products of the store synced, its webhooks registered, and a shopper
// on the WordPress page asks for a product of that catalog and gets it as a card.
//
// STAND-IN, stated plainly: WooCommerce is not packaged in Debian, so it does not run here. The
// /wc-auth/v1/authorize page the merchant approves on is NOT WooCommerce's: it is a test mu-plugin
// (tests/fixtures/wordpress/wc-auth-stand-in.php) in the real WordPress that follows WC_Auth's
// protocol (parameters, logged-in admin, nonce'd Approve link, keys as unsigned JSON POSTed to
// callback_url with user_id = our state and kept only on exactly 200, redirect to return_url), and it
// forwards the site's /wp-json/wc/ REST calls to the fake WooCommerce store (tests/fakes/woocommerce),
// which holds the products and orders and checks OAuth 1.0a against the WordPress site's URL.
// Everything else is real: WordPress, our WordPress plugin, the Concierge server, the
// @woocommerce/woocommerce-rest-api client, Chromium.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { startWordPress, type WordPressSite } from '../../helpers/wordpress.ts';
import { startFakeWooCommerce, type FakeWooCommerce } from '../../fakes/woocommerce/server.ts';
import { ensureServedWidget, launchChromium, newPage, watchPage } from '../widget/harness.ts';
import { assistantBubbles, say, transcript, w } from '../demo/rig.ts';

const CONTROL_TOKEN = `control-${process.pid}-${Date.now()}`;
let app: TestApp;
let store: FakeWooCommerce;
let wp: WordPressSite;
let owner: TestMerchant;
let browser: Browser;

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

beforeAll(async () => {
  const port = await freePort();
  let served;
  [served, app, store] = await Promise.all([
    ensureServedWidget(),
    startTestApp({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, PLUGIN_WOOCOMMERCE_ALLOW_HTTP: 'true' }),
    startFakeWooCommerce({ controlToken: CONTROL_TOKEN }),
  ]);
  expect(served.loader).toBe('widget.js');
  wp = await startWordPress({
    plugins: { concierge: 'storefront-apps/woocommerce/concierge' },
    activate: ['concierge/concierge.php'],
    muPlugins: { 'wc-auth-stand-in.php': await readFile('tests/fixtures/wordpress/wc-auth-stand-in.php', 'utf8') },
    // Pretty permalinks, as most stores have them: /wc-auth/v1/ and /wp-json/ (connect-cross-site.test.ts runs plain ones).
    options: { permalink_structure: '/%postname%/', concierge_server_url: app.url, wc_stand_in_store_url: store.url, wc_stand_in_control_token: CONTROL_TOKEN, wc_stand_in_allow_http_callback: '1' },
  });
  // The store's WooCommerce answers for the WordPress site: signatures, webhook source and permalinks use its URL.
  store.siteUrl = wp.url;
  store.seed({ products: 1500, orders: 300 });
  owner = await createMerchant(app.application, { storeName: 'Woo Outfitters' });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await wp?.close();
  await store?.close();
  await app?.stop();
});

describe('Connect from the WordPress settings page', () => {
  it('clicks Connect, approves on the (stand-in) wc-auth page, and ends connected with 1,500 products synced; a shopper then gets a product card', async () => {
    const { context, page } = await newPage({ browser }, { locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    // The merchant is signed in to Concierge (its dashboard session cookie, as after signing in there).
    const { accessToken } = await app.application.accounts.issueSession(owner.tenantId, owner.userId);
    await context.addCookies([{ name: 'concierge_session', value: accessToken, url: app.url, httpOnly: true, sameSite: 'Strict' }]);

    // ...and to WordPress, through wp-login.php.
    await wp.browserLogin(page);

    // Settings → Concierge: WooCommerce is active, so the page offers Connect.
    await page.goto(`${wp.url}/wp-admin/options-general.php?page=concierge`);
    expect(await page.locator('#concierge-mode').getAttribute('data-mode')).toBe('woocommerce');
    const connect = page.locator('#concierge-connect');
    expect(new URL((await connect.getAttribute('href'))!).origin).toBe(app.url);
    await connect.click();

    // Concierge redirected to the store's app-authorization page (the stand-in, and it says so).
    await page.waitForURL((url) => url.pathname === '/wc-auth/v1/authorize', { timeout: 30_000 });
    const authorize = new URL(page.url());
    expect(authorize.origin).toBe(wp.url);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      app_name: 'Concierge',
      scope: 'read_write',
      callback_url: `${app.url}/plugins/woocommerce/auth/callback`,
      return_url: `${wp.url}/wp-admin/options-general.php?page=concierge`,
    });
    const state = authorize.searchParams.get('user_id')!;
    expect(state.length).toBeGreaterThan(20);
    expect(await page.locator('#wc-auth-stand-in').textContent()).toContain('stands in for WooCommerce');
    expect(await page.locator('h1').textContent()).toBe('Concierge would like to connect to your store');
    expect(await page.locator('.wc-auth-logged-in-as').textContent()).toContain(wp.adminUser);
    expect(store.keys.size).toBe(0);

    // Approve: WordPress posts the keys to Concierge (answered 200) and sends the merchant back.
    await page.locator('a.wc-auth-approve').click();
    await page.waitForURL((url) => url.pathname === '/wp-admin/options-general.php' && url.searchParams.get('success') === '1', { timeout: 30_000 });
    expect(new URL(page.url()).searchParams.get('user_id')).toBe(state);
    expect(await page.locator('#concierge-connect').count()).toBe(1); // back on the settings page

    // The key the store made is the one Concierge uses: every REST call went through WordPress, signed with it.
    expect(store.keys.size).toBe(1);
    const key = [...store.keys.values()][0]!;
    expect(key).toMatchObject({ permissions: 'read_write', revoked: false });
    expect(key.description).toMatch(/^Concierge - API \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$/);

    const [installation] = await installations();
    expect(installation).toMatchObject({ externalId: wp.url, status: 'active', lastError: null });

    // Webhooks registered on the store (one per topic, to our route); every ping answered 200.
    await store.settled();
    expect([...store.webhooks.values()].map((h) => h.topic).sort()).toEqual(['order.created', 'order.updated', 'product.created', 'product.deleted', 'product.updated']);
    expect(new Set([...store.webhooks.values()].map((h) => h.delivery_url))).toEqual(new Set([`${app.url}/webhooks/woocommerce`]));
    expect(store.deliveries.filter((d) => d.ping).map((d) => d.status)).toEqual([200, 200, 200, 200, 200]);

    // Catalog sync to the end: 1,500 products.
    const deadline = Date.now() + 120_000;
    let synced = await installations();
    while (synced[0]?.sync.status !== 'done' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      synced = await installations();
    }
    expect(synced[0]!.sync).toMatchObject({ status: 'done', done: 1500, total: 1500 });
    const rows = await app.database.db.tenant(owner.tenantId, (trx) => trx('products').where({ source: 'woocommerce' }).select('external_id', 'title', 'price_cents'));
    expect(rows).toHaveLength(1500);
    for (const row of rows.slice(0, 50)) {
      const p = store.products.get(Number(row.external_id))!;
      expect({ title: row.title, price: row.price_cents }).toEqual({ title: p.name, price: Math.round(Number(p.price) * 100) });
    }
    const productPages = store.requests.filter((r) => r.path === '/wp-json/wc/v3/products' && r.method === 'GET' && r.status === 200);
    expect(productPages.length).toBeGreaterThanOrEqual(15);
    expect(productPages.every((r) => r.auth === 'oauth' && r.query.per_page === '100')).toBe(true);

    // A webhook from the store (its source is the WordPress site) keeps the catalog fresh.
    const first = [...store.products.values()][0]!;
    store.updateProduct(first.id, { name: 'Harbor Storm Raincoat', regular_price: '149.00' });
    await store.settled();
    expect(store.deliveries.at(-1)).toMatchObject({ topic: 'product.updated', status: 200 });
    await expect
      .poll(async () => app.database.db.tenant(owner.tenantId, (trx) => trx('products').where({ source: 'woocommerce', external_id: String(first.id) }).first('title', 'price_cents')), { timeout: 15_000 })
      .toEqual({ title: 'Harbor Storm Raincoat', price_cents: 14900 });

    // The merchant pastes the bot key on the same settings page and saves (nonce'd options.php form).
    const botRes = await fetch(`${app.url}/api/v1/bots`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Outfitters Assistant', allowedOrigins: [wp.url], locale: 'en' }) });
    expect(botRes.status).toBe(201);
    const bot = (await botRes.json()) as { publicKey: string };
    // The page came back from the connect redirect; under load it may still be loading: let it settle first.
    await page.waitForLoadState('load');
    await page.locator('#concierge_bot_key').fill(bot.publicKey);
    expect(await page.locator('#concierge_bot_key').inputValue()).toBe(bot.publicKey);
    await Promise.all([page.waitForEvent('framenavigated', { timeout: 30_000 }), page.locator('#concierge-settings [type=submit]').click()]);
    // WordPress's "Settings saved." notice (not the URL: wp-admin's canonical script strips settings-updated=true at once).
    await page.locator('#setting-error-settings_updated').waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`settings not saved: ${page.url()} ${(await page.locator('body').innerText()).slice(0, 800)}`, { cause: error });
    });
    expect((await wp.php("echo get_option( 'concierge_bot_key' );")).trim()).toBe(bot.publicKey);

    // A shopper on the WordPress page asks for that product and gets it as a card.
    const shopper = await newPage({ browser }, { locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    const watch = await watchPage(shopper.page);
    await shopper.page.goto(`${wp.url}/`);
    await shopper.page.locator(w('.cc-launcher')).click();
    await shopper.page.locator(w('#cc-input')).waitFor();
    await say(shopper.page, 'Do you have the Harbor Storm Raincoat?');
    const card = shopper.page.locator(`${assistantBubbles} .cc-card`).first();
    await card.waitFor({ timeout: 20_000 }).catch(async (error: unknown) => {
      throw new Error(`no product card; transcript: ${JSON.stringify(await transcript(shopper.page))}`, { cause: error });
    });
    expect(await card.locator('.cc-card-title').textContent()).toBe('Harbor Storm Raincoat');
    expect(await card.locator('.cc-price').textContent()).toBe('€149.00');
    expect(watch.errors).toEqual([]);
    await shopper.context.close();
    await context.close();
  }, 240_000);
});
