// Issue #18: one booking, one way to write its time. The shopper's full tag (en-US, en-GB, de-DE)
// travels with the booking, so the widget's confirmation in the chat panel, the confirmation mail
// and the manage page show the SAME date/time string — in real Chromium, against the real server
// and a real SMTP server. Before, the booking kept only "en"/"de": mails said en-US, the manage
// page en-GB, whatever the shopper's browser said.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from '../../fakes/smtp-server.ts';
import { shopperPage, squash, startDemoRig, w, type DemoRig } from './rig.ts';

let rig: DemoRig;
beforeAll(async () => {
  rig = await startDemoRig({ smtp: true });
});
afterAll(async () => {
  await rig?.close();
});

const to = (m: ParsedMail) => (m.to as { text: string }).text;
/** Intl puts thin and narrow no-break spaces around ranges and before AM/PM: compare with plain spaces. */
const plain = (s: string) => squash(s.replace(/[\u2009\u202f\u00a0]/g, ' '));

const CASES = [
  { tag: 'en-US', email: 'us@example.org', setLocale: undefined, expectWhen: /^\p{L}+day, \p{L}+ \d{1,2}, \d{4}, \d{1,2}:\d{2}( [AP]M)? ?– ?\d{1,2}:\d{2} [AP]M$/u },
  { tag: 'en-GB', email: 'gb@example.org', setLocale: undefined, expectWhen: /^\p{L}+day, \d{1,2} \p{L}+ \d{4}, \d{2}:\d{2}–\d{2}:\d{2}$/u },
  { tag: 'de-DE', email: 'de@example.org', setLocale: 'de-DE', expectWhen: /^\p{L}+tag, \d{1,2}\. \p{L}+ \d{4}, \d{2}:\d{2}–\d{2}:\d{2} Uhr$/u },
] as const;

describe('a booking reads the same in the chat panel, the mail and the manage page', () => {
  for (const c of CASES) {
    it(`for ${c.tag}`, async () => {
      const { context, page } = await shopperPage(rig, { locale: c.tag });
      await page.goto(`${rig.url}/`);
      if (c.setLocale) await page.evaluate((tag) => (window as unknown as { Concierge(cmd: string, arg: string): void }).Concierge('setLocale', tag), c.setLocale);
      await page.locator(w('.cc-launcher')).click();
      await page.locator(w('#cc-input')).waitFor();
      await page.locator(w('.cc-actions .cc-chip')).first().click();
      await page.locator(w('.cc-view .cc-option')).first().click();
      await page.locator(w('.cc-grid .cc-option')).first().click();
      await page.locator(w('.cc-grid .cc-option')).first().waitFor();
      await page.locator(w('.cc-grid .cc-option')).first().click();
      await page.locator(w('#cc-book-name')).fill('Robin Locale');
      await page.locator(w('#cc-book-email')).fill(c.email);
      await page.locator(w('button[type="submit"]')).click();
      const manageLink = page.locator(w('.cc-summary ~ .cc-row a'));
      await manageLink.waitFor({ timeout: 15_000 });

      // The chat panel's confirmation: service name, then the time.
      const summary = page.locator(w('.cc-summary'));
      const service = (await summary.locator('strong').textContent())!;
      const inChat = plain((await summary.textContent())!.slice(service.length));
      expect(inChat).toMatch(c.expectWhen);

      const mail = await rig.smtp!.waitFor((m) => to(m).includes(c.email), 15_000);
      expect(plain(mail.text!)).toContain(inChat);
      expect(plain(mail.html as string)).toContain(inChat);

      const manage = await fetch((await manageLink.getAttribute('href'))!);
      expect(manage.status).toBe(200);
      expect(plain(await manage.text())).toContain(inChat);
      await context.close();
    });
  }
});
