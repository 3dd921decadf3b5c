// A shopper on a real WordPress page (Debian's WordPress, our plugin configured with update_option)
// opens the Concierge widget in Chromium and gets an answer, with a product card, from the running
// Concierge server (offline assistant answering from the tenant's catalog).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchant } from '../../helpers/merchant.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { startWordPress, type WordPressSite } from '../../helpers/wordpress.ts';
import { ensureServedWidget, launchChromium, newPage, watchPage } from '../widget/harness.ts';
import { assistantBubbles, say, transcript, w } from '../demo/rig.ts';

let app: TestApp;
let wp: WordPressSite;
let browser: Browser;

beforeAll(async () => {
  const [served, started, site] = await Promise.all([
    ensureServedWidget(),
    startTestApp(),
    startWordPress({ plugins: { concierge: 'storefront-apps/woocommerce/concierge' }, activate: ['concierge/concierge.php'] }),
  ]);
  expect(served.loader).toBe('widget.js');
  app = started;
  wp = site;
  const owner = await createMerchant(app.application, { storeName: 'WordPress Outfitters' });
  await app.application.repositories.catalog.upsertProducts(owner.tenantId, [
    { source: 'manual', handle: 'harbor-raincoat', title: 'Harbor Raincoat', description: 'A waxed cotton raincoat for windy days.', priceCents: 12900, currency: 'EUR', tags: ['coat'], variants: [], url: `${wp.url}/?product=harbor-raincoat` },
  ]);
  // The bot's allowed origins include the WordPress site (the widget API answers only those).
  const res = await fetch(`${app.url}/api/v1/bots`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Outfitters Assistant', allowedOrigins: [wp.url], locale: 'en' }) });
  expect(res.status).toBe(201);
  const bot = (await res.json()) as { publicKey: string };
  await wp.php(`update_option( 'concierge_server_url', '${app.url}' ); update_option( 'concierge_bot_key', '${bot.publicKey}' );`);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await wp?.close();
  await app?.stop();
});

describe('Concierge on a WordPress page', () => {
  it('opens the widget and answers a product question from the Concierge server', async () => {
    const { context, page } = await newPage({ browser }, { locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    const watch = await watchPage(page);
    await page.goto(`${wp.url}/`);
    expect(await page.locator('h1').first().textContent()).toBe('Concierge Test Shop');
    await page.locator(w('.cc-launcher')).click();
    await page.locator(w('#cc-input')).waitFor();
    await expect.poll(() => page.locator(w('#cc-panel-title')).textContent(), { timeout: 10_000 }).toBe('Outfitters Assistant');
    await say(page, 'Do you have a raincoat?');
    const card = page.locator(`${assistantBubbles} .cc-card`).first();
    await card.waitFor({ timeout: 20_000 }).catch(async (error: unknown) => {
      throw new Error(`no product card; transcript: ${JSON.stringify(await transcript(page))}`, { cause: error });
    });
    expect(await card.locator('.cc-card-title').textContent()).toBe('Harbor Raincoat');
    expect(await card.locator('.cc-price').textContent()).toBe('€129.00');
    expect(await card.locator('a').first().getAttribute('href')).toBe(`${wp.url}/?product=harbor-raincoat`);
    expect(watch.errors).toEqual([]);
    await context.close();
  });
});
