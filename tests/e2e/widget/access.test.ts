// Keyboard and screen-reader behaviour, language choice, phones, and the page-facing global.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { focusedInWidget, hostPage, newPage, sel, startRig, STRICT_CSP, watchPage, type Rig } from './harness.ts';

// A same-origin script that runs before the loader arrives: the documented queue stub plus calls.
const EARLY_JS = `
window.Concierge = window.Concierge || function () { (Concierge.q = Concierge.q || []).push(arguments); };
window.__events = [];
Concierge('on', 'ready', function () { window.__events.push('ready'); });
Concierge('on', 'open', function () { window.__events.push('open'); });
Concierge('on', 'close', function () { window.__events.push('close'); });
Concierge('on', 'message', function (m) { window.__events.push('message:' + m.role); });
Concierge('setLocale', 'de');
Concierge('identify', { customerId: 'c-42', email: 'kim@example.com', signature: 'sig_0123456789abcdef' });
Concierge('open');
`;

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
  const botKey = rig.fake.botKey;
  rig.fake.setPage('/shop', { html: hostPage({ botKey }) });
  rig.fake.setPage('/de', { html: hostPage({ botKey, lang: 'de' }) });
  rig.fake.setPage('/early.js', { html: EARLY_JS, headers: { 'Content-Type': 'text/javascript' } });
  rig.fake.setPage('/early', {
    html: hostPage({ botKey, before: '<script src="/early.js"></script>' }),
    headers: { 'Content-Security-Policy': STRICT_CSP },
  });
});
afterAll(() => rig?.close());

describe('keyboard and screen readers', () => {
  it('works with the keyboard alone: Tab, Enter, focus inside, Escape returns focus', async () => {
    const { context, page } = await newPage(rig);
    await page.goto(`${rig.fake.url}/shop`);
    await page.locator(sel.launcher).waitFor();

    await page.keyboard.press('Tab');
    expect(await focusedInWidget(page)).toBe('.cc-launcher');
    // A visible focus ring on keyboard focus.
    const ring = await page.locator(sel.launcher).evaluate((el) => {
      const s = getComputedStyle(el);
      return `${s.outlineStyle} ${s.outlineWidth}`;
    });
    expect(ring).toBe('solid 3px');
    expect(await page.locator(sel.launcher).getAttribute('aria-expanded')).toBe('false');

    await page.keyboard.press('Enter');
    await page.locator(sel.input).waitFor();
    await expect.poll(() => focusedInWidget(page)).toBe('#cc-input');
    expect(await page.locator(sel.launcher).getAttribute('aria-expanded')).toBe('true');

    // The dialog is labelled by the bot's name; controls have accessible names.
    const dialog = page.locator(sel.panel);
    expect(await dialog.getAttribute('role')).toBe('dialog');
    await expect.poll(() => page.locator('concierge-widget #cc-panel-title').textContent()).toBe('Velo Assistant');
    expect(await page.locator('concierge-widget label[for="cc-input"]').textContent()).toBe('Message');
    expect(await page.locator('concierge-widget .cc-header button').getAttribute('aria-label')).toBe('Close chat');

    await page.keyboard.type('Hello there');
    await page.keyboard.press('Enter');
    await page.locator('concierge-widget .cc-msg.cc-assistant >> text=You said: Hello there').waitFor();
    expect(await focusedInWidget(page)).toBe('#cc-input');

    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await focusedInWidget(page)).toBe('.cc-launcher');

    // Again, and Escape from deeper inside (the booking view) too.
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedInWidget(page)).toBe('#cc-input');
    await page.keyboard.press('Shift+Tab'); // composer ← actions
    expect(await focusedInWidget(page)).toBe('.cc-chip');
    await page.keyboard.press('Enter');
    await page.locator('concierge-widget h3 >> text=Choose a service').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await focusedInWidget(page)).toBe('.cc-launcher');
    await context.close();
  });
});

describe('language', () => {
  it('speaks German on a German page', async () => {
    const { context, page } = await newPage(rig, { locale: 'en-US' });
    await page.goto(`${rig.fake.url}/de`);
    const launcher = page.locator(sel.launcher);
    await launcher.waitFor();
    expect(await launcher.getAttribute('aria-label')).toBe('Chat öffnen');
    await launcher.click();
    await page.locator(sel.input).waitFor();
    expect(await page.locator(sel.input).getAttribute('placeholder')).toBe('Nachricht schreiben…');
    expect(await page.locator('concierge-widget .cc-chip').textContent()).toBe('Termin buchen');
    expect(await page.locator('concierge-widget .cc-header button').getAttribute('aria-label')).toBe('Chat schließen');
    expect(await launcher.getAttribute('aria-label')).toBe('Chat schließen');
    const session = rig.fake.state.requests.filter((r) => r.path === '/widget/v1/sessions').at(-1)!;
    expect(session.body).toMatchObject({ locale: 'de' });
    await context.close();
  });
});

describe('the Concierge global', () => {
  it('keeps calls queued before the loader arrived (on, setLocale, identify, open), under a strict CSP', async () => {
    const { context, page } = await newPage(rig);
    const watch = await watchPage(page);
    await page.goto(`${rig.fake.url}/early`);
    await page.locator(sel.input).waitFor(); // opened by the queued call
    expect(await page.locator(sel.input).getAttribute('placeholder')).toBe('Nachricht schreiben…');
    await expect.poll(() => page.evaluate(() => (window as unknown as { __events: string[] }).__events)).toEqual(['ready', 'open']);

    // The panel shows before its session request has reached the fake (the previous test's request
    // is the last one until then): wait for this page's.
    const lastSession = () => rig.fake.state.requests.filter((r) => r.path === '/widget/v1/sessions').at(-1)?.body;
    await expect.poll(lastSession).toMatchObject({
      locale: 'de',
      identity: { customerId: 'c-42', email: 'kim@example.com', signature: 'sig_0123456789abcdef' },
    });

    // After loading, the global runs commands directly.
    await page.locator(sel.input).fill('hallo');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => (window as unknown as { __events: string[] }).__events)).toContain('message:assistant');
    await page.evaluate(() => (window as unknown as { Concierge(c: string): void }).Concierge('close'));
    await expect.poll(() => page.locator(sel.panel).isVisible()).toBe(false);
    expect(await page.evaluate(() => (window as unknown as { __events: string[] }).__events)).toContain('close');
    expect(watch.violations).toEqual([]);
    expect(watch.errors).toEqual([]);
    await context.close();
  });
});

describe('robustness', () => {
  it('a malformed identify() does not cost the shopper the chat', async () => {
    const { context, page } = await newPage(rig);
    await page.goto(`${rig.fake.url}/shop`);
    await page.locator(sel.launcher).waitFor();
    const before = rig.fake.state.requests.length;
    await page.evaluate(() =>
      (window as unknown as { Concierge(c: string, a: unknown): void }).Concierge('identify', { customerId: 'c-1', signature: 'short' }),
    );
    await page.locator(sel.launcher).click();
    await page.locator(sel.input).fill('still there');
    await page.keyboard.press('Enter');
    await page.locator('concierge-widget .cc-msg.cc-assistant >> text=You said: still there').waitFor();
    const sessions = rig.fake.state.requests.slice(before).filter((r) => r.path === '/widget/v1/sessions');
    expect(sessions.map((r) => r.status)).toEqual([422, 201]);
    expect(sessions[1]!.body).not.toHaveProperty('identity');
    await context.close();
  });
});

describe('phones', () => {
  it('opens full screen below 640 px and hides the launcher while open', async () => {
    const { context, page } = await newPage(rig, { viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });
    await page.goto(`${rig.fake.url}/shop`);
    await page.locator(sel.launcher).tap();
    await page.locator(sel.input).waitFor();
    expect(await page.locator(sel.panel).boundingBox()).toEqual({ x: 0, y: 0, width: 375, height: 667 });
    expect(await page.locator(sel.launcher).isVisible()).toBe(false);
    await page.locator('concierge-widget .cc-header button').tap();
    await expect.poll(() => page.locator(sel.launcher).isVisible()).toBe(true);
    await context.close();
  });
});
