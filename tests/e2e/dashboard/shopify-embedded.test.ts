// Issue 12, last bullet, in real Chromium: the Shopify admin (the fake's admin page, served at
// https://admin.shopify.com through page.route) frames the app URL for an installed shop; the
// dashboard opens in embedded mode with App Bridge from Shopify's CDN URL (routed to the fake's
// stand-in), and every API request carries a fresh session token instead of cookies. The inbox shows
// that shop's store only, live. Another site that frames the same page is refused by frame-ancestors.
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeShopify, type FakeShop, type FakeShopify } from '../../fakes/shopify/index.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { WidgetClient } from '../../integration/chat/helpers.ts';
import { call, shopifyEnv } from '../../integration/shopify/helpers.ts';
import { launchChromium } from '../widget/harness.ts';
import { ensureServedDashboard, merchantPage } from './harness.ts';

const APP_BRIDGE = 'https://cdn.shopify.com/shopifycloud/app-bridge.js';

let fake: FakeShopify;
let alpha: FakeShop;
let beta: FakeShop;
let app: TestApp;
let browser: Browser;
let alphaConversation: string;
let betaConversation: string;

/**
 * Shopify's hosts, served from the fake (the browser still sees https://admin.shopify.com and the CDN).
 * The app runs on loopback here, so Chromium's Local Network Access check would stop a public page
 * from framing it: the test grants that permission to the framing origin (in production the app is a
 * public https host and no such permission is involved).
 */
async function routeShopify(page: Page, framingOrigin = 'https://admin.shopify.com'): Promise<void> {
  await page.context().grantPermissions(['local-network-access'], { origin: framingOrigin });
  const toFake = async (route: Route) => {
    const url = new URL(route.request().url());
    const path = url.hostname === 'cdn.shopify.com' ? url.pathname : `${url.pathname}${url.search}`;
    const response = await route.fetch({ url: `${fake.url}${path}` });
    await route.fulfill({ response });
  };
  await page.route('https://admin.shopify.com/**', toFake);
  await page.route(APP_BRIDGE, toFake);
}

async function botKey(shop: FakeShop): Promise<string> {
  const bots = await call<{ items: { publicKey: string }[] }>(app.url, '/api/v1/bots', { headers: { authorization: `Bearer ${fake.mintSessionToken(shop)}` } });
  return bots.body.items[0]!.publicKey;
}

beforeAll(async () => {
  await ensureServedDashboard();
  fake = await startFakeShopify({ throttle: { maximumAvailable: 2000, restoreRate: 2000 } });
  alpha = fake.shops.create({ name: 'alpha-shop', email: 'owner@alpha.test' });
  beta = fake.shops.create({ name: 'beta-shop', email: 'owner@beta.test' });
  app = await startTestApp(shopifyEnv(fake));
  fake.setApplicationUrl(`${app.url}/plugins/shopify/install`);
  // Both shops installed the app (Shopify-managed install: the first open exchanges the session token).
  for (const shop of [alpha, beta]) {
    const open = await fetch(`${app.url}/plugins/shopify/install?${fake.signInstallQuery(shop, { embedded: '1', id_token: fake.mintSessionToken(shop) }).query}`, { redirect: 'manual' });
    expect(open.status, await open.text()).toBe(302);
  }
  const alphaShopper = new WidgetClient(app.url, `https://${alpha.domain}`);
  alphaConversation = (await alphaShopper.start(await botKey(alpha))).conversationId;
  await alphaShopper.send('Alpha shopper asks about socks');
  const betaShopper = new WidgetClient(app.url, `https://${beta.domain}`);
  betaConversation = (await betaShopper.start(await botKey(beta))).conversationId;
  await betaShopper.send('Beta shopper asks about hats');
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.close();
});

describe('the dashboard embedded in the Shopify admin', () => {
  it("opens in the admin's frame with App Bridge session tokens, shows this shop's inbox only, live", async () => {
    const { context, page, errors } = await merchantPage(browser);
    await routeShopify(page);
    const apiRequests: { path: string; authorization?: string; cookie?: string; csrf?: string }[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === app.url && url.pathname.startsWith('/api/')) {
        const headers = request.headers();
        apiRequests.push({ path: url.pathname, authorization: headers.authorization, cookie: headers.cookie, csrf: headers['x-csrf-token'] });
      }
    });
    const issuedBefore = fake.counters.sessionTokensIssued;

    await page.goto('https://admin.shopify.com/store/alpha-shop/apps/concierge');
    const frame = page.frameLocator('#app-frame');
    await frame.getByRole('heading', { name: 'Inbox' }).waitFor();
    await frame.locator(`.conversations li[data-id="${alphaConversation}"]`).waitFor();
    expect(await frame.locator(`.conversations li[data-id="${betaConversation}"]`).count()).toBe(0);
    expect(await frame.locator('.conversations li').count()).toBe(1);
    await expect.poll(() => frame.locator('.brand').textContent()).toBe(alpha.name);
    // Inside the admin there is no sign-out (Shopify signs the merchant in).
    expect(await frame.getByRole('button', { name: 'Sign out' }).count()).toBe(0);

    // Live: a new conversation of this shop arrives without a reload (the event stream read with a token).
    await frame.locator('.live.on').waitFor();
    const late = new WidgetClient(app.url, `https://${alpha.domain}`);
    const lateConversation = (await late.start(await botKey(alpha))).conversationId;
    await late.send('A later alpha shopper wants gloves');
    await frame.locator(`.conversations li[data-id="${lateConversation}"]`).waitFor({ timeout: 20_000 });

    // Every API request carried a Shopify session token as a bearer, a fresh one each time, and no cookie or CSRF token.
    expect(apiRequests.length).toBeGreaterThanOrEqual(3);
    for (const request of apiRequests) {
      expect(request.authorization, request.path).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      expect(request.cookie, request.path).toBeUndefined();
      expect(request.csrf, request.path).toBeUndefined();
      const claims = JSON.parse(Buffer.from(request.authorization!.split('.')[1]!, 'base64url').toString());
      expect(claims).toMatchObject({ dest: `https://${alpha.domain}`, aud: fake.apiKey });
    }
    expect(new Set(apiRequests.map((r) => r.authorization)).size).toBe(apiRequests.length);
    expect(fake.counters.sessionTokensIssued - issuedBefore).toBeGreaterThanOrEqual(apiRequests.length);
    expect(await context.cookies(app.url)).toEqual([]);

    // The conversation view works the same way (its own stream).
    await frame.locator(`.conversations li[data-id="${alphaConversation}"]`).locator('a').click();
    await frame.getByRole('heading', { name: 'Conversation' }).waitFor();
    await frame.locator('.log .msg.user', { hasText: 'Alpha shopper asks about socks' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('another site framing the same embedded page is refused by frame-ancestors', async () => {
    const { context, page } = await merchantPage(browser);
    const refusals: string[] = [];
    page.on('console', (m) => {
      if (/frame-ancestors/i.test(m.text())) refusals.push(m.text());
    });
    const framed = `${app.url}/admin?embedded=1&shop=${alpha.domain}`;
    await page.route('https://evil.example/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: `<!doctype html><title>evil</title><iframe id="f" src="${framed}"></iframe>` }),
    );
    // The same Local Network Access grant as the admin gets: what refuses the frame is our frame-ancestors.
    await routeShopify(page, 'https://evil.example');
    await page.goto('https://evil.example/');
    await expect.poll(() => refusals.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const child = page.frames().find((f) => f !== page.mainFrame());
    expect(await child?.locator('#app').count().catch(() => 0)).toBe(0);
    await context.close();
  });
});
