// Every dashboard route in English and German at phone size (390×844): axe-core finds no WCAG 2.2
// A/AA violation, nothing scrolls sideways, no CSP violation or script error; the analytics route
// draws the chart of the day's conversations (and only that route loads uPlot).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoRig, type DemoRig } from '../demo/rig.ts';
import { axeViolations, ensureServedDashboard, merchantPage, signedInMember } from './harness.ts';

let rig: DemoRig;
let conversationId: string;
beforeAll(async () => {
  await ensureServedDashboard();
  rig = await startDemoRig({ smtp: true });
  // A conversation with a product card, so the inbox and the conversation view have content.
  const headers = { 'content-type': 'application/json', origin: rig.url };
  const session = (await (await fetch(`${rig.url}/widget/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ botKey: rig.demo.botKey }) })).json()) as {
    visitorToken: string;
    conversationId: string;
  };
  conversationId = session.conversationId;
  const sent = await fetch(`${rig.url}/widget/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { ...headers, authorization: `Bearer ${session.visitorToken}` },
    body: JSON.stringify({ text: 'Do you have a merino sweater?' }),
  });
  expect(sent.status).toBe(202);
});
afterAll(() => rig?.close());

const signedInPage = (locale: string) => signedInMember(rig, locale);

const PUBLIC_ROUTES = ['/admin/sign-in', '/admin/sign-up', '/admin/forgot-password', '/admin/reset-password#token=cpr_example', '/admin/accept-invite'];
const APP_ROUTES = () => ['/admin/inbox', `/admin/conversations/${conversationId}`, '/admin/get-started', '/admin/bookings', '/admin/analytics', '/admin/knowledge', '/admin/settings'];

async function check(page: Page, path: string, ready: () => Promise<unknown>): Promise<string[]> {
  // The first route loads the app; the others are client-side navigations (as a merchant moves
  // around), so axe is injected once per context.
  if (!page.url().startsWith(`${rig.url}/admin`)) await page.goto(`${rig.url}${path}`);
  else {
    await page.evaluate((to) => {
      history.pushState(null, '', to);
      dispatchEvent(new PopStateEvent('popstate'));
    }, path);
    await page.waitForFunction((to) => location.pathname + location.hash === to, path);
  }
  await ready();
  // Let lazy content (lists, the chart) settle before checking. (Not "networkidle": the event
  // stream stays open.)
  await expect.poll(() => page.locator('.loading').count(), { timeout: 15_000 }).toBe(0);
  if (path.endsWith('/analytics')) await page.locator('.uplot canvas').first().waitFor();
  const problems = (await axeViolations(page)).map((v) => `${path}: ${v}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (overflow > 1) problems.push(`${path}: scrolls sideways by ${overflow}px at 390 px`);
  return problems;
}

describe.each([
  ['en-GB', { heading: 'Sign in', inbox: 'Inbox' }],
  ['de-DE', { heading: 'Anmelden', inbox: 'Posteingang' }],
])('every route in %s at 390×844', (locale, words) => {
  it('has no axe violations, no sideways scrolling and no script or CSP errors', async () => {
    const anonymous = await merchantPage(rig.browser, { locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const problems: string[] = [];
    for (const path of PUBLIC_ROUTES) problems.push(...(await check(anonymous.page, path, () => anonymous.page.locator('main h1').waitFor())));
    expect(await anonymous.page.locator('html').getAttribute('lang')).toBe(locale.slice(0, 2));
    await anonymous.page.goto(`${rig.url}/admin/sign-in`);
    await anonymous.page.getByRole('button', { name: words.heading }).waitFor();
    expect(anonymous.errors).toEqual([]);
    await anonymous.context.close();

    const member = await signedInPage(locale);
    for (const path of APP_ROUTES()) problems.push(...(await check(member.page, path, () => member.page.locator('main h1').first().waitFor())));
    await member.page.getByRole('link', { name: words.inbox }).waitFor();
    expect(problems).toEqual([]);
    expect(member.errors).toEqual([]);
    await member.close();
  }, 300_000);
});

describe('analytics', () => {
  it("draws the chart with the day's conversations; uPlot loads only on that route", async () => {
    const member = await signedInPage('en-GB');
    const page = member.page;
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    await page.goto(`${rig.url}/admin/inbox`);
    await page.locator('.conversations li').first().waitFor();
    expect(scripts.some((s) => /uPlot/i.test(s))).toBe(false);

    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.locator('.uplot canvas').first().waitFor();
    expect(scripts.some((s) => /uPlot/i.test(s))).toBe(true);
    await expect.poll(() => page.locator('[data-metric="conversations"] .v').textContent(), { timeout: 10_000 }).not.toBe('0');
    // The same series as a table: today's row counts the conversation.
    await page.getByText('Data table').click();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
    const row = page.locator('tr', { hasText: today });
    expect(Number(await row.locator('td').nth(1).textContent())).toBeGreaterThanOrEqual(1);
    const csv = page.getByRole('link', { name: 'Download CSV' });
    const [download] = await Promise.all([page.waitForEvent('download'), csv.click()]);
    expect(download.suggestedFilename()).toMatch(/^analytics.*\.csv$/);
    expect(member.errors).toEqual([]);
    await member.close();
  }, 180_000);
});

describe('analytics range', () => {
  it("starts at the store's today, not UTC's: at 23:30 UTC a store in Berlin is already on the next day", async () => {
    const member = await signedInPage('en-GB');
    // The browser's clock only (the API reads the dates in the store's zone, Europe/Berlin here).
    await member.page.clock.setFixedTime(new Date('2026-06-01T23:30:00Z'));
    await member.page.goto(`${rig.url}/admin/analytics`);
    await expect.poll(() => member.page.getByLabel('To', { exact: true }).inputValue()).toBe('2026-06-02');
    expect(await member.page.getByLabel('From', { exact: true }).inputValue()).toBe('2026-05-04');
    await member.close();
  });
});

describe('keyboard only', () => {
  it('skips to the content, moves through the navigation and replies without a mouse', async () => {
    const member = await signedInPage('en-GB');
    const page = member.page;
    await page.goto(`${rig.url}/admin/inbox`);
    await page.locator('.conversations li').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Back to the navigation: Tab until the "Bookings" link has focus, then Enter.
    await page.keyboard.press('Shift+Tab');
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.textContent?.trim())) !== 'Bookings'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Bookings', level: 1 }).waitFor();

    // A conversation: focus the reply box by Tab, type, and send with Ctrl+Enter.
    await page.goto(`${rig.url}/admin/conversations/${conversationId}`);
    await page.getByRole('button', { name: 'Take over' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.page-head .pill', { hasText: 'Handed off' }).waitFor();
    for (let i = 0; i < 40 && (await page.evaluate(() => document.activeElement?.id)) !== 'reply-box'; i++) await page.keyboard.press('Tab');
    await page.keyboard.type('Typed without a mouse.');
    await page.keyboard.press('Control+Enter');
    await page.locator('.log .msg.agent', { hasText: 'Typed without a mouse.' }).waitFor();
    await page.getByRole('button', { name: 'Release' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.page-head .pill', { hasText: 'Bot answering' }).waitFor();
    expect(member.errors).toEqual([]);
    await member.close();
  }, 180_000);
});
