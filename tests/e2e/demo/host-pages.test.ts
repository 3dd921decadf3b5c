// The demo bot on a merchant's own site (another origin than the server, added to the bot's allowed
// origins through the merchant API): a German page, a page with a strict CSP, and a page whose CSS
// attacks everything. The loader, the panel (a cross-origin ES module), the API and the event
// stream all come from the real server.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { focusedInWidget, watchPage } from '../widget/harness.ts';
import { assistantBubbles, recordStream, say, serverMessages, settled, shopperPage, squash, startDemoRig, w, type DemoRig } from './rig.ts';

const HOSTILE_CSS = `
* { all: unset !important; font-size: 40px !important; line-height: 3 !important; z-index: 999999 !important; box-sizing: content-box !important }
html { font-size: 5px !important; filter: none !important }
concierge-widget { display: none !important; opacity: 0 !important; transform: translateX(-400px) scale(0.2) !important;
  position: static !important; --cc-accent: #ff0000 !important; --cc-on-accent: #00ff00 !important; color: red !important; font: 30px serif !important }
:root { --cc-accent: #ff0000; --cc-focus: #ff0000 }
button, input, div, p, h2, h3 { background: red !important; border: 9px solid lime !important; padding: 30px !important; margin: 30px !important }
`;

let rig: DemoRig;
let cspPolicy: string;
beforeAll(async () => {
  rig = await startDemoRig({ site: true });
  const site = rig.site!;
  const page = (lang: string, head = '') => `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Atelier</title>${head}</head>
<body>
<h1>${lang === 'de' ? 'Willkommen im Atelier' : 'Welcome to the atelier'}</h1>
<p><a href="/de">Deutsch</a> · <a href="/plain">English</a></p>
<script async src="${rig.url}/widget.js" data-bot="${rig.demo.botKey}"></script>
</body>
</html>`;
  // What the README tells a merchant with a CSP to add: the server's origin to script-src and
  // connect-src; nothing to style-src.
  cspPolicy = `default-src 'self'; style-src 'self'; script-src 'self' ${rig.url}; connect-src 'self' ${rig.url}; img-src 'self'; base-uri 'none'; object-src 'none'`;
  site.setPage('/de', { body: page('de') });
  site.setPage('/plain', { body: page('en') });
  site.setPage('/csp', { body: page('en', '<link rel="stylesheet" href="/site.css">'), headers: { 'Content-Security-Policy': cspPolicy } });
  site.setPage('/site.css', { body: 'body { font-family: Georgia, serif; background: #faf7f2 }', type: 'text/css' });
  site.setPage('/hostile', { body: page('en', '<link rel="stylesheet" href="/hostile.css">') });
  site.setPage('/hostile.css', { body: HOSTILE_CSS, type: 'text/css' });
});
afterAll(() => rig?.close());

async function open(page: Page) {
  await page.locator(w('.cc-launcher')).click();
  await page.locator(w('#cc-input')).waitFor();
}

describe('a German page', () => {
  it('gets the German interface, a German session and German answers, while the browser is English', async () => {
    const { context, page } = await shopperPage(rig, { locale: 'en-US' });
    const stream = await recordStream(page);
    const sessions: unknown[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/widget/v1/sessions')) sessions.push(r.postDataJSON());
    });
    await page.goto(`${rig.site!.url}/de`);
    const launcher = page.locator(w('.cc-launcher'));
    await launcher.waitFor();
    expect(await launcher.getAttribute('aria-label')).toBe('Chat öffnen');
    await open(page);
    expect(await launcher.getAttribute('aria-label')).toBe('Chat schließen');
    expect(await page.locator(w('#cc-input')).getAttribute('placeholder')).toBe('Nachricht schreiben…');
    expect(await page.locator(w('label[for="cc-input"]')).textContent()).toBe('Nachricht');
    expect(await page.locator(w('.cc-header button')).getAttribute('aria-label')).toBe('Chat schließen');
    expect(await page.locator(w('.cc-send')).getAttribute('aria-label')).toBe('Senden');
    expect(await page.locator(w('.cc-chip')).textContent()).toBe('Termin buchen');
    expect(sessions.at(-1)).toMatchObject({ botKey: rig.demo.botKey, locale: 'de', timeZone: 'Europe/Berlin' });

    await say(page, 'Habt ihr einen Pullover aus Merino?');
    const [, answer] = await settled(page, rig, await stream.conversation(), 1);
    expect(answer!.text).toMatch(/^Das habe ich gefunden:/);
    expect(answer!.text).toMatch(/\*\*Merino Wool Crew Sweater\*\* — 89,00\s€/);
    const card = page.locator(assistantBubbles).last().locator('.cc-card', { hasText: 'Merino Wool Crew Sweater' });
    expect(squash(await card.locator('.cc-price').textContent())).toBe('89,00 €');
    expect(await card.locator('a').textContent()).toBe('Produkt ansehen (öffnet in neuem Tab)');
    await expect.poll(() => page.locator(w('[aria-live="polite"]')).textContent()).toMatch(/^Demo Store Assistant: Das habe ich gefunden:/);

    // The booking view speaks German too, with German dates.
    await page.locator(w('.cc-chip')).click();
    await page.locator(w('h3 >> text=Leistung wählen')).waitFor();
    await page.locator(w('.cc-option >> text=Suit fitting')).click();
    await page.locator(w('h3 >> text=Tag wählen')).waitFor();
    expect(await page.locator(w('.cc-view .cc-muted')).first().textContent()).toBe('Suit fitting · Zeiten in Europe/Berlin');
    const firstDay = squash(await page.locator(w('.cc-grid .cc-option')).first().textContent());
    expect(firstDay).toMatch(/^(Mo|Di|Mi|Do|Fr|Sa|So)\.?, \d{1,2}\. /);
    expect(await page.locator(w('.cc-toolbar button')).getAttribute('aria-label')).toBe('Zurück');

    // The store sees a German conversation.
    const detail = (await (await fetch(`${rig.url}/api/v1/conversations/${await stream.conversation()}`, { headers: rig.owner.headers })).json()) as { locale: string };
    expect(detail.locale).toBe('de');
    await context.close();
  });
});

describe('a page with a strict CSP', () => {
  it('loads the launcher, the panel, the chat and the booking view without a single CSP violation', async () => {
    const { context, page } = await shopperPage(rig);
    const watch = await watchPage(page);
    const stream = await recordStream(page);
    const response = await page.goto(`${rig.site!.url}/csp`);
    expect(response!.headers()['content-security-policy']).toBe(cspPolicy);
    await open(page);
    await say(page, 'Hello');
    const [, greeting] = await settled(page, rig, await stream.conversation(), 1);
    expect(greeting!.text).toMatch(/^Hello!/);
    // The panel's stylesheet applies (constructable sheets are not blocked), and so does the
    // demo bot's accent colour (#7c3aed), set through the CSSOM.
    expect(await page.locator(w('#cc-panel')).evaluate((el) => getComputedStyle(el).borderTopLeftRadius)).toBe('14px');
    expect(await page.locator(w('.cc-launcher')).evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(124, 58, 237)');
    expect(await page.locator(w('.cc-log .cc-msg.cc-user')).evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(124, 58, 237)');
    await page.locator(w('.cc-chip')).click();
    await page.locator(w('.cc-view .cc-option')).first().waitFor();
    await page.locator(w('.cc-view .cc-option')).first().click();
    await page.locator(w('.cc-grid .cc-option')).first().waitFor();
    // Back in the chat, and on the next page load (theme from storage, panel reopened).
    await page.reload();
    await page.locator(w('#cc-input')).waitFor();
    await expect.poll(async () => (await serverMessages(rig, await stream.conversation())).length).toBe(2);
    await page.locator(w('.cc-log .cc-msg.cc-user >> text=Hello')).waitFor();
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

describe('a page with hostile CSS', () => {
  /** Geometry and computed styles of the widget's parts, after a chat round trip and in the booking view. */
  async function look(path: string) {
    const { context, page } = await shopperPage(rig);
    const stream = await recordStream(page);
    await page.goto(`${rig.site!.url}${path}`);
    const launcher = page.locator(w('.cc-launcher'));
    await launcher.waitFor();
    const styleOf = (selector: string) =>
      page.locator(w(selector)).first().evaluate((el) => {
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return {
          box: [r.x, r.y, r.width, r.height].map(Math.round),
          style: ['display', 'position', 'font-size', 'font-family', 'line-height', 'color', 'background-color', 'border-top-width', 'padding-top', 'margin-top', 'opacity', 'transform', 'z-index', 'visibility'].map(
            (p) => `${p}=${s.getPropertyValue(p)}`,
          ),
        };
      });
    const closed = { launcher: await styleOf('.cc-launcher') };
    const pageHeading = await page.locator('h1').evaluate((el) => getComputedStyle(el).fontSize);
    const host = await page.evaluate(() => {
      const s = getComputedStyle(document.querySelector('concierge-widget')!);
      return { display: s.display, position: s.position, zIndex: s.zIndex, opacity: s.opacity, transform: s.transform };
    });
    // The launcher is what a shopper clicks: it must be the element on top at its centre.
    const onTop = await launcher.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const root = document.querySelector('concierge-widget')!.shadowRoot!;
      return root.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el || el.contains(root.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    });
    await launcher.click();
    await page.locator(w('#cc-input')).waitFor();
    await say(page, 'Hello');
    await settled(page, rig, await stream.conversation(), 1);
    const opened = {
      panel: await styleOf('#cc-panel'),
      title: await styleOf('#cc-panel-title'),
      input: await styleOf('#cc-input'),
      send: await styleOf('.cc-send'),
      chip: await styleOf('.cc-chip'),
      user: await styleOf('.cc-log .cc-msg.cc-user'),
      answer: await styleOf('.cc-log .cc-msg.cc-assistant .cc-md'),
    };
    await page.locator(w('.cc-chip')).click();
    await page.locator(w('.cc-view .cc-option')).first().waitFor();
    const booking = { heading: await styleOf('.cc-view h3'), option: await styleOf('.cc-view .cc-option') };
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(w('#cc-panel')).isVisible()).toBe(false);
    const focusBack = await focusedInWidget(page);
    await context.close();
    return { closed, host, onTop, opened, booking, focusBack, pageHeading };
  }

  it('does not change the widget: same boxes and styles as on a plain page, still on top and usable', async () => {
    const plain = await look('/plain');
    const hostile = await look('/hostile');
    // Sanity of the baseline: bottom-right launcher, 380 px panel.
    expect(plain.closed.launcher.box).toEqual([1280 - 20 - 56, 800 - 20 - 56, 56, 56]);
    expect(plain.opened.panel.box[2]).toBe(380);
    expect(plain.onTop).toBe(true);
    // The attack is live: it does restyle the page itself.
    expect(hostile.pageHeading).toBe('40px');
    expect(plain.pageHeading).not.toBe('40px');

    expect(hostile.host).toEqual(plain.host);
    expect(hostile.host).toMatchObject({ display: 'block', position: 'fixed', zIndex: '2147483000', opacity: '1', transform: 'none' });
    expect(hostile.closed).toEqual(plain.closed);
    expect(hostile.opened).toEqual(plain.opened);
    expect(hostile.booking).toEqual(plain.booking);
    expect(hostile.onTop).toBe(true);
    expect(hostile.focusBack).toBe('.cc-launcher');
  });
});
