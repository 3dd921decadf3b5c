// Booking on the demo page of the real server: asked for in the chat (the offline assistant lists
// services and times, the shopper picks one, confirms on the card), and with the keyboard alone
// through the booking view. The confirmation mail arrives at a real SMTP server, with its .ics.
import ICAL from 'ical.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from '../../fakes/smtp-server.ts';
import { focusedInWidget, watchPage } from '../widget/harness.ts';
import { assistantBubbles, recordStream, say, serverMessages, settled, shopperPage, squash, startDemoRig, w, type DemoRig } from './rig.ts';

const ZONE = 'Europe/Berlin';
let rig: DemoRig;
beforeAll(async () => {
  rig = await startDemoRig({ smtp: true });
});
afterAll(() => rig?.close());

interface Booking {
  id: string;
  status: string;
  serviceName: string;
  start: string;
  end: string;
  customer: { name: string; email: string; phone: string | null };
  notes: string | null;
  source: string;
  conversationId: string | null;
}

async function merchantBooking(id: string): Promise<Booking> {
  const res = await fetch(`${rig.url}/api/v1/bookings/${id}`, { headers: rig.owner.headers });
  expect(res.status).toBe(200);
  return (await res.json()) as Booking;
}

/** The confirmation to `email`, with its calendar attachment read back by ical.js. */
async function confirmationMail(email: string) {
  const mail = await rig.smtp!.waitFor((m) => (m.to as { text: string } | undefined)?.text.includes(email) === true, 15_000);
  const attachment = mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
  expect(attachment, 'an .ics attachment').toBeDefined();
  expect(attachment!.filename ?? '').toMatch(/\.ics$/);
  const cal = new ICAL.Component(ICAL.parse(attachment!.content.toString('utf8')));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const event = new ICAL.Event(cal.getFirstSubcomponent('vevent')!);
  return { mail, cal, event };
}

const to = (mail: ParsedMail) => (mail.to as { text: string }).text;

/** Presses Tab until `target` has the focus inside the widget (keyboard only); fails after `max` presses. */
async function tabTo(page: Page, target: string, max = 15) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if ((await focusedInWidget(page)) === target) return;
  }
  throw new Error(`${target} not reached with ${max} presses of Tab (focus: ${await focusedInWidget(page)})`);
}

/** Text of the element focused inside the widget. */
const focusedText = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('concierge-widget')?.shadowRoot?.activeElement;
    return el ? `${el.tagName.toLowerCase()}: ${(el.textContent ?? '').replace(/\s+/g, ' ').trim()}` : null;
  });

describe('booking on the demo page', () => {
  it('asked for in the chat: services, times, a picked slot, confirmed on the card; the mail with its .ics arrives', async () => {
    const { context, page } = await shopperPage(rig);
    const watch = await watchPage(page);
    const stream = await recordStream(page);
    await page.goto(`${rig.url}/`);
    await page.evaluate(() => {
      const win = window as unknown as { __booked: string[]; Concierge(c: string, n: string, f: (b: { id: string }) => void): void };
      win.__booked = [];
      win.Concierge('on', 'booking', (b) => win.__booked.push(b.id));
    });
    await page.locator(w('.cc-launcher')).click();
    await page.locator(w('#cc-input')).waitFor();
    /** Waits for the n-th answer to be complete on the server and shown in full; returns its text. */
    const answered = async (n: number) => (await settled(page, rig, await stream.conversation(), n)).at(-1)!.text;
    const items = () => page.locator(assistantBubbles).last().locator('li').allTextContents();
    await say(page, 'I would like to book an appointment');
    expect(await answered(1)).toMatch(/^We offer these appointments:/);
    // (The question after the list continues its last item, as in CommonMark.)
    expect((await items()).map((i) => i.replace(/\)Which one.*$/, ')'))).toEqual(['Suit fitting (45 min)', 'Alterations consultation (30 min)', 'Leather care workshop (90 min)']);
    await say(page, 'Suit fitting please');
    expect(await answered(2)).toMatch(/^These times are free for \*\*Suit fitting\*\* \(Europe\/Berlin\):/);
    // The listed times, as the shopper reads them (e.g. "Mon 23 Nov, 10:00").
    const listed = await items();
    expect(listed.length).toBeGreaterThan(1);
    await say(page, 'the second one');
    expect(await answered(3)).toMatch(/^Here is your booking proposal: \*\*Suit fitting\*\* on /);

    // The proposal card carries the slot the shopper picked.
    const messages = await serverMessages(rig, stream.conversationId());
    const proposal = messages.at(-1)!.cards[0] as unknown as { type: string; serviceName: string; start: string };
    expect(proposal).toMatchObject({ type: 'booking_proposal', serviceName: 'Suit fitting' });
    const wall = (iso: string, options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, ...options }).format(new Date(iso));
    const [, listedDay, listedTime] = /^\w{3} (\d{1,2}) \S+, (\d{2}:\d{2})/.exec(listed[1]!) ?? [];
    expect(listedDay).toBe(wall(proposal.start, { day: 'numeric' }));
    expect(listedTime).toBe(wall(proposal.start, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
    const card = page.locator(assistantBubbles).last().locator('.cc-card');
    expect(await card.locator('.cc-card-title').textContent()).toBe('Suit fitting');

    // Confirm on the card: review, details, book.
    await card.locator('button >> text=Review and book').click();
    await page.locator(w('h3 >> text=Your details')).waitFor();
    expect(squash(await page.locator(w('.cc-summary')).textContent())).toContain('Suit fitting');
    await page.locator(w('#cc-book-name')).fill('Kim Fahrer');
    await page.locator(w('#cc-book-email')).fill('kim.chat@example.com');
    await page.locator(w('#cc-book-notes')).fill('Navy suit, needs the sleeves taken in');
    await page.locator(w('button[type="submit"] >> text=Confirm booking')).click();
    await page.locator(w('h3 >> text=You are booked!')).waitFor();
    const manage = page.locator(w('a >> text=Manage or cancel'));
    const manageUrl = (await manage.getAttribute('href'))!;
    expect(manageUrl.startsWith(`${rig.url}/manage/`)).toBe(true);

    // The page heard about it; the store has it, from this conversation, at the proposed time.
    await expect.poll(() => page.evaluate(() => (window as unknown as { __booked: string[] }).__booked.length)).toBe(1);
    const bookingId = await page.evaluate(() => (window as unknown as { __booked: string[] }).__booked[0]!);
    const booking = await merchantBooking(bookingId);
    expect(booking).toMatchObject({ status: 'confirmed', serviceName: 'Suit fitting', customer: { name: 'Kim Fahrer', email: 'kim.chat@example.com' }, conversationId: stream.conversationId() });
    expect(Date.parse(booking.start)).toBe(Date.parse(proposal.start));

    // The confirmation mail, with the manage link and the appointment as an iTIP REQUEST.
    const { mail, cal, event } = await confirmationMail('kim.chat@example.com');
    expect(mail.subject).toMatch(/^Booking confirmed: Suit fitting/);
    expect(mail.text).toContain(manageUrl);
    expect(cal.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(event.startDate.toJSDate().getTime()).toBe(Date.parse(booking.start));
    expect(event.endDate.toJSDate().getTime()).toBe(Date.parse(booking.end));
    expect(event.uid).toContain(bookingId);
    expect(event.summary).toContain('Suit fitting');
    // The manage link works.
    const managePage = await fetch(manageUrl);
    expect(managePage.status).toBe(200);
    expect(await managePage.text()).toContain('Suit fitting');

    await page.locator(w('button >> text=Back to chat')).click();
    await page.locator(w('#cc-input')).waitFor();

    // The card that was used now says "Booked ✓" and cannot be used again (issue #18)…
    const usedButton = page.locator(assistantBubbles).last().locator('.cc-card button');
    await expect.poll(() => usedButton.textContent()).toBe('Booked ✓');
    expect(await usedButton.isDisabled()).toBe(true);
    // …also when the conversation is resumed after a reload.
    await page.reload();
    await page.locator(w('.cc-launcher')).waitFor();
    if (!(await page.locator(w('#cc-input')).isVisible())) await page.locator(w('.cc-launcher')).click();
    await page.locator(w('#cc-input')).waitFor();
    const resumedButton = page.locator(assistantBubbles).last().locator('.cc-card button');
    await expect.poll(() => resumedButton.textContent()).toBe('Booked ✓');
    expect(await resumedButton.isDisabled()).toBe(true);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('works with the keyboard alone: launcher, booking view, service, day, time, details, confirmation', async () => {
    const { context, page } = await shopperPage(rig);
    const watch = await watchPage(page);
    await page.goto(`${rig.url}/`);
    await page.locator(w('.cc-launcher')).waitFor();

    // From the top of the page (past its own links: a product page link per card) to the launcher, then into the panel.
    await tabTo(page, '.cc-launcher', 40);
    await page.keyboard.press('Enter');
    await page.locator(w('#cc-input')).waitFor();
    await expect.poll(() => focusedInWidget(page)).toBe('#cc-input');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedText(page)).toBe('button: Book an appointment');
    await page.keyboard.press('Enter');

    // Each step moves the focus to its heading; Tab goes on to the choices.
    await page.locator(w('h3 >> text=Choose a service')).waitFor();
    await page.locator(w('.cc-view .cc-option')).first().waitFor();
    expect(await focusedText(page)).toBe('h3: Choose a service');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toMatch(/^button: Alterations consultation · 30 min/);
    await page.keyboard.press('Enter');

    await page.locator(w('h3 >> text=Choose a day')).waitFor();
    await page.locator(w('.cc-grid .cc-option')).first().waitFor();
    expect(await focusedText(page)).toBe('h3: Choose a day');
    await page.keyboard.press('Tab');
    const day = (await focusedText(page))!;
    expect(day).toMatch(/^button: /);
    await page.keyboard.press('Enter');

    await page.locator(w('h3 >> text=/^Times on /')).waitFor();
    expect(await focusedText(page)).toBe(`h3: Times on ${day.slice('button: '.length)}`);
    await page.keyboard.press('Tab');
    const time = (await focusedText(page))!.slice('button: '.length);
    expect(time).toMatch(/^\d{2}:\d{2}$/); // an en-GB browser gets 24-hour times, not "10:00 AM" (issue #18)
    await page.keyboard.press('Enter');

    await page.locator(w('h3 >> text=Your details')).waitFor();
    expect(await focusedText(page)).toBe('h3: Your details');
    await page.keyboard.press('Tab');
    expect(await focusedInWidget(page)).toBe('#cc-book-name');
    await page.keyboard.type('Alex Keys');
    await page.keyboard.press('Tab');
    expect(await focusedInWidget(page)).toBe('#cc-book-email');
    await page.keyboard.type('alex.keys@example.com');
    await page.keyboard.press('Tab');
    expect(await focusedInWidget(page)).toBe('#cc-book-phone');
    await page.keyboard.type('+49 30 1234567');
    await page.keyboard.press('Tab');
    expect(await focusedInWidget(page)).toBe('#cc-book-notes');
    await page.keyboard.type('Hem two trousers');
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('button: Confirm booking');
    // Every keystroke landed in its field (focus stays put while typing).
    const values = await Promise.all(['name', 'email', 'phone', 'notes'].map((f) => page.locator(w(`#cc-book-${f}`)).inputValue()));
    expect(values).toEqual(['Alex Keys', 'alex.keys@example.com', '+49 30 1234567', 'Hem two trousers']);
    await page.keyboard.press('Enter');

    await page.locator(w('h3 >> text=You are booked!')).waitFor();
    await expect.poll(() => focusedText(page)).toBe('h3: You are booked!');
    expect(squash(await page.locator(w('.cc-summary')).textContent())).toContain(time);
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('a: Manage or cancel (opens in a new tab)');
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('button: Back to chat');
    await page.keyboard.press('Enter');
    await page.locator(w('#cc-input')).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(w('#cc-panel')).isVisible()).toBe(false);
    expect(await focusedInWidget(page)).toBe('.cc-launcher');

    // The store has the booking at the time chosen, and the shopper gets the mail.
    const { mail, event } = await confirmationMail('alex.keys@example.com');
    expect(mail.subject).toMatch(/^Booking confirmed: Alterations consultation/);
    expect(to(mail)).toContain('alex.keys@example.com');
    const start = event.startDate.toJSDate();
    expect(squash(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, timeStyle: 'short' }).format(start))).toBe(time);
    const list = (await (await fetch(`${rig.url}/api/v1/bookings?status=confirmed`, { headers: rig.owner.headers })).json()) as { items: Booking[] };
    const booking = list.items.find((b) => b.customer.email === 'alex.keys@example.com')!;
    expect(booking).toMatchObject({ serviceName: 'Alterations consultation', customer: { name: 'Alex Keys', phone: '+49 30 1234567' }, notes: 'Hem two trousers' });
    expect(Date.parse(booking.start)).toBe(start.getTime());
    expect(watch.errors).toEqual([]);
    await context.close();
  });
});
