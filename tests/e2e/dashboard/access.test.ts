// The dashboard at /admin against the real server: served under a strict CSP with SPA deep links,
// sign-up → get started (snippet copied, live preview follows the accent colour), sign-out,
// sign-in, session expiry → sign-in → back to the same page, and a password reset from the mail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoRig, type DemoRig } from '../demo/rig.ts';
import { ensureServedDashboard, linkFromMail, merchantPage, PASSWORD } from './harness.ts';

let rig: DemoRig;
beforeAll(async () => {
  await ensureServedDashboard();
  rig = await startDemoRig({ smtp: true });
});
afterAll(() => rig?.close());

describe('the dashboard at /admin', () => {
  it('serves the app for deep links under a CSP whose script-src is self, and 404s a missing asset', async () => {
    for (const path of ['/admin', '/admin/conversations/2b1f7a3e-0000-4000-8000-000000000000', '/admin/reset-password', '/admin/accept-invite']) {
      const res = await fetch(`${rig.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      const html = await res.text();
      expect(html).toContain('<div id="app"></div>');
      // No inline script: every <script> has a same-origin src.
      expect([...html.matchAll(/<script\b[^>]*>/g)].every((m) => /src="\/admin\/assets\//.test(m[0]))).toBe(true);
    }
    const missing = await fetch(`${rig.url}/admin/assets/nope-123.js`);
    expect(missing.status).toBe(404);
  }, 180_000);

  it('signs up a store, copies the snippet, and the live preview follows the accent colour', async () => {
    const { context, page, errors } = await merchantPage(rig.browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.url });
    await page.goto(`${rig.url}/admin`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'New here? Create a store' }).click();
    await page.getByLabel('Store name').fill('Fern & Moss');
    const email = `owner-${Date.now()}@fern.example`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create a store' }).click();

    await page.getByRole('heading', { name: 'Get started' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/get-started');
    await page.getByLabel('Assistant name').fill('Fern helper');
    await page.getByRole('button', { name: 'Create assistant' }).click();

    const snippet = page.locator('#snippet');
    await expect.poll(() => snippet.textContent(), { timeout: 10_000 }).toMatch(/^<script async src="http:\/\/127\.0\.0\.1:\d+\/widget\.js" data-bot="[A-Za-z0-9_-]+"><\/script>$/);
    await page.getByRole('button', { name: 'Copy snippet' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await snippet.textContent());
    await expect.poll(() => page.locator('.checklist li').nth(1).textContent(), { timeout: 10_000 }).toContain('Done');

    // The preview frame runs the real widget; saving a new accent colour reloads it with that colour.
    // The preview frame runs the real widget and follows the accent colour as it is edited…
    const frame = page.frameLocator('iframe[title="Live preview"]');
    const launcherColour = () => frame.locator('concierge-widget .cc-launcher').evaluate((el) => getComputedStyle(el).backgroundColor);
    await frame.locator('concierge-widget .cc-launcher').waitFor();
    await page.getByLabel('Accent colour').fill('#aa2277');
    await expect.poll(launcherColour, { timeout: 15_000 }).toBe('rgb(170, 34, 119)');
    await page.getByLabel('Accent colour').fill('#116644');
    await expect.poll(launcherColour, { timeout: 15_000 }).toBe('rgb(17, 102, 68)');
    // …and shows the saved greeting once saved.
    await page.getByLabel('Greeting').fill('Welcome to Fern & Moss!');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    // A save reloads the frame (a new `v=`), perhaps while the launcher is being clicked: open the
    // panel in whichever document is current until the saved greeting shows.
    const log = frame.locator('concierge-widget .cc-log');
    const greeting = frame.locator('concierge-widget .cc-log >> text=Welcome to Fern & Moss!');
    await expect
      .poll(
        async () => {
          if (await greeting.isVisible()) return true;
          if (!(await log.isVisible())) await frame.locator('concierge-widget .cc-launcher').click({ timeout: 2_000 }).catch(() => undefined);
          return false;
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBe(true);
    expect(errors).toEqual([]);

    // Sign out, then sign in again with the pinned fields.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    for (const name of ['Inbox', 'Bookings', 'Analytics']) await page.getByRole('link', { name, exact: false }).first().waitFor();

    // Session gone (cookies dropped): the next page asks to sign in, then returns to where the merchant was.
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics' }).waitFor();
    await context.clearCookies();
    await page.getByRole('link', { name: 'Bookings' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe('/admin/bookings');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Bookings', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/bookings');
    await context.close();
  }, 180_000);

  it('resets a forgotten password from the link in the mail', async () => {
    const { page, context } = await merchantPage(rig.browser);
    // An owner with a real password hash: signed up through the API.
    const email = `reset-${Date.now()}@fern.example`;
    const signup = await fetch(`${rig.url}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ storeName: 'Reset Store', email, password: PASSWORD }) });
    expect(signup.status).toBe(201);

    await page.goto(`${rig.url}/admin/sign-in`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText('a link to reset the password is on its way').waitFor();

    const link = await linkFromMail(rig.smtp!, email, '/admin/reset-password');
    await page.goto(link.replace(/^https?:\/\/[^/]+/, rig.url));
    await page.getByLabel('New password').fill('Brand-New-Pass-77');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('Your password was changed.').waitFor();
    expect(new URL(page.url()).hash).toBe('');

    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill('Brand-New-Pass-77');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await context.close();
  }, 180_000);

  it('keeps products and FAQ: add, edit, and a CSV import with preview, row errors and progress', async () => {
    const { page, context, errors } = await merchantPage(rig.browser);
    const email = `knowledge-${Date.now()}@fern.example`;
    await page.goto(`${rig.url}/admin/sign-up`);
    await page.getByLabel('Store name').fill('Knowledge Store');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create a store' }).click();
    await page.getByRole('heading', { name: 'Get started' }).waitFor();
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();

    await page.getByLabel('Handle').fill('rain-shell');
    await page.getByLabel('Title').fill('Rain Shell');
    await page.getByLabel('Price').fill('129.00');
    await page.getByRole('button', { name: 'Add product' }).click();
    await page.getByText('Rain Shell · 129.00 EUR').waitFor();
    await page.getByRole('button', { name: 'Edit Rain Shell' }).click();
    await page.getByLabel('Price').fill('119.00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Rain Shell · 119.00 EUR').waitFor();

    const csv = 'handle,title,price,currency\nwool-hat,Wool Hat,25.00,EUR\nrain-shell,Rain Shell,99.00,EUR\nbroken,,12.00,EUR\n';
    await page.getByLabel('CSV file').first().setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Check file' }).first().click();
    await page.getByText(/3 rows: 2 valid — 1 new, 1 changed/).waitFor();
    await page.locator('.row-error', { hasText: 'Line 4' }).first().waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).first().click();
    await page.getByText('Import finished: 1 new, 1 changed.').waitFor({ timeout: 20_000 });
    expect(await page.getByLabel('Import progress').first().getAttribute('max')).toBe('3');
    await page.getByText('Wool Hat · 25.00 EUR').waitFor();
    await page.getByText('Rain Shell · 99.00 EUR').waitFor();

    await page.getByLabel('Question').fill('How long does shipping take?');
    await page.getByLabel('Answer').fill('Two to four working days.');
    await page.getByRole('button', { name: 'Add FAQ entry' }).click();
    await page.getByText('How long does shipping take?').first().waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
