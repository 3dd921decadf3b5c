// The loader on hostile pages: strict CSP, page CSS that attacks everything, and lazy loading.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPage, newPage, sel, startRig, STRICT_CSP, watchPage, type Rig } from './harness.ts';

const HOSTILE_CSS = '* { all: unset !important; font-size: 40px !important; z-index: 999999 !important }';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
  const botKey = rig.fake.botKey;
  rig.fake.setPage('/csp', { html: hostPage({ botKey }), headers: { 'Content-Security-Policy': STRICT_CSP } });
  rig.fake.setPage('/plain', { html: hostPage({ botKey }) });
  rig.fake.setPage('/hostile', { html: hostPage({ botKey, head: '<link rel="stylesheet" href="/hostile.css">' }) });
  rig.fake.setPage('/hostile.css', { html: HOSTILE_CSS, headers: { 'Content-Type': 'text/css' } });
});
afterAll(() => rig?.close());

describe('widget under a strict CSP', () => {
  it('loads the launcher and the panel without a single securitypolicyviolation', async () => {
    const { context, page } = await newPage(rig);
    const watch = await watchPage(page);
    await page.goto(`${rig.fake.url}/csp`);
    await page.locator(sel.launcher).click();
    await page.locator(sel.input).waitFor();
    await page.locator(sel.input).fill('hello');
    await page.keyboard.press('Enter');
    await page.locator('concierge-widget .cc-msg.cc-assistant >> text=You said: hello').waitFor();
    // The panel's stylesheet really applies (constructable sheets are not blocked).
    const radius = await page.locator(sel.panel).evaluate((el) => getComputedStyle(el).borderTopLeftRadius);
    expect(radius).toBe('14px');
    // The bot's accent colour arrives through style.setProperty (CSSOM), which the CSP allows.
    const accent = () => page.locator(sel.launcher).evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await accent()).toBe('rgb(15, 118, 110)');
    // ...and is remembered, so the launcher is themed on the next page before any request.
    await page.reload();
    await page.locator(sel.launcher).waitFor();
    expect(await accent()).toBe('rgb(15, 118, 110)');
    expect(watch.violations).toEqual([]);
    expect(watch.errors).toEqual([]);

    // Control: the same page does report a <style> element in a shadow root, so the watcher works.
    await page.evaluate(() => {
      const root = document.body.appendChild(document.createElement('div')).attachShadow({ mode: 'open' });
      const style = document.createElement('style');
      style.textContent = 'p { color: red }';
      root.appendChild(style);
    });
    await expect.poll(() => watch.violations.length).toBeGreaterThan(0);
    await context.close();
  });
});

describe('style isolation', () => {
  async function launcherGeometry(path: string) {
    const { context, page } = await newPage(rig);
    await page.goto(`${rig.fake.url}${path}`);
    const launcher = page.locator(sel.launcher);
    await launcher.waitFor();
    const box = await launcher.boundingBox();
    const computed = await launcher.evaluate((el) => {
      const s = getComputedStyle(el);
      return { width: s.width, height: s.height, position: s.position, right: s.right, bottom: s.bottom, fontSize: s.fontSize };
    });
    const hostZ = await page.evaluate(() => getComputedStyle(document.querySelector('concierge-widget')!).zIndex);
    await launcher.click();
    const panel = page.locator(sel.panel);
    await panel.waitFor();
    const panelBox = await panel.boundingBox();
    const panelFont = await page.locator(sel.input).evaluate((el) => getComputedStyle(el).fontSize);
    await context.close();
    return { box, computed, hostZ, panelBox, panelFont };
  }

  it('hostile page CSS does not change the launcher (or panel) size or position', async () => {
    const plain = await launcherGeometry('/plain');
    const hostile = await launcherGeometry('/hostile');
    expect(plain.box).toEqual({ x: 1280 - 20 - 56, y: 800 - 20 - 56, width: 56, height: 56 });
    expect(hostile.box).toEqual(plain.box);
    expect(hostile.computed).toEqual(plain.computed);
    expect(hostile.hostZ).toBe('2147483000');
    // Inherited page styles do not leak into the panel either.
    expect(plain.panelBox).toMatchObject({ width: 380, x: 1280 - 20 - 380 });
    expect(hostile.panelBox).toEqual(plain.panelBox);
    expect(hostile.panelFont).toBe('16px');
  });
});

describe('lazy panel', () => {
  it('requests the panel chunk only on intent', async () => {
    const { context, page } = await newPage(rig);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${rig.fake.url}/plain`);
    await page.locator(sel.launcher).waitFor();
    await page.waitForTimeout(300);
    const panelPath = `/widget/${rig.build.panel}`;
    expect(requested).toContain('/widget.js');
    expect(requested).not.toContain(panelPath);
    expect(requested.filter((p) => p.startsWith('/widget/v1/'))).toEqual([]);

    await page.locator(sel.launcher).click();
    await page.locator(sel.input).waitFor();
    expect(requested).toContain(panelPath);
    await context.close();
  });
});
