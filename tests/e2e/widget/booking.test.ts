// The booking flow end to end against the fake: services → day → time (in the shopper's zone)
// → details → 409 with alternatives → booked; and a proposal card from the assistant.
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPage, newPage, sel, startRig, type Rig } from './harness.ts';

const SHOPPER_ZONE = 'America/New_York';
let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
  rig.fake.setPage('/shop', { html: hostPage({ botKey: rig.fake.botKey }) });
});
afterAll(() => rig?.close());

const w = (s: string) => `concierge-widget ${s}`;
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

async function openShop(page: Page) {
  await page.goto(`${rig.fake.url}/shop`);
  await page.locator(sel.launcher).click();
  await page.locator(sel.input).waitFor();
}
async function fillDetails(page: Page) {
  await page.locator(w('#cc-book-name')).fill('Kim Fahrer');
  await page.locator(w('#cc-book-email')).fill('kim@example.com');
  await page.locator(w('#cc-book-phone')).fill('+1 212 555 0100');
}

describe('booking', () => {
  it('books through the flow, offering alternatives when the slot was taken meanwhile', async () => {
    const { context, page } = await newPage(rig, { timezoneId: SHOPPER_ZONE, locale: 'en-US' });
    await openShop(page);
    const fitting = rig.fake.serviceIds[0]!;
    const firstFree = rig.fake.freeSlots(fitting, DateTime.now(), DateTime.now().plus({ days: 14 }))[0]!;

    await page.evaluate(() => {
      const win = window as unknown as { __booked: string[]; Concierge(c: string, n: string, f: (b: { id: string }) => void): void };
      win.__booked = [];
      win.Concierge('on', 'booking', (b) => win.__booked.push(b.id));
    });
    await page.locator(w('.cc-chip >> text=Book an appointment')).click();
    await page.locator(w('h3 >> text=Choose a service')).waitFor();
    await page.locator(w('.cc-option >> text=Bike fitting')).click();
    await page.locator(w('h3 >> text=Choose a day')).waitFor();
    expect(await page.locator(w('.cc-view .cc-muted')).first().textContent()).toContain('Times in America/New York');
    await page.locator(w('.cc-grid .cc-option')).first().click();

    // Times are the fake's slots shown in the shopper's zone.
    const expected = new Intl.DateTimeFormat('en-US', { timeStyle: 'short', timeZone: SHOPPER_ZONE }).format(
      new Date(firstFree.start),
    );
    const firstTime = page.locator(w('.cc-grid .cc-option')).first();
    expect(squash(await firstTime.textContent())).toBe(squash(expected));
    const availability = rig.fake.state.requests.filter((r) => r.path === '/widget/v1/availability').at(-1)!;
    expect(availability.query).toMatchObject({
      serviceId: fitting,
      timeZone: SHOPPER_ZONE,
      from: DateTime.now().setZone(SHOPPER_ZONE).toISODate(),
    });
    await firstTime.click();

    await page.locator(w('h3 >> text=Your details')).waitFor();
    await fillDetails(page);
    rig.fake.takeSlot(firstFree.start); // another shopper wins the race
    await page.locator(w('button[type="submit"] >> text=Confirm booking')).click();

    await page.locator(w('h3 >> text=Sorry, that time was just taken. These times are free:')).waitFor();
    const alternatives = page.locator(w('.cc-view .cc-list .cc-option'));
    const count = await alternatives.count();
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(3);
    await alternatives.first().click();

    await page.locator(w('h3 >> text=Your details')).waitFor();
    expect(await page.locator(w('#cc-book-name')).inputValue()).toBe('Kim Fahrer'); // nothing retyped
    await page.locator(w('button[type="submit"] >> text=Confirm booking')).click();
    await page.locator(w('h3 >> text=You are booked!')).waitFor();
    const manage = page.locator(w('a >> text=Manage or cancel'));
    expect(await manage.getAttribute('href')).toMatch(new RegExp(`^${rig.fake.url}/manage/`));
    expect(await manage.getAttribute('rel')).toBe('noopener noreferrer');

    const posts = rig.fake.state.requests.filter((r) => r.path === '/widget/v1/bookings' && r.method === 'POST');
    expect(posts.map((r) => r.status)).toEqual([409, 201]);
    const keys = posts.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
    expect(keys[0]).not.toBe(keys[1]);

    expect(rig.fake.state.bookings).toHaveLength(1);
    const booking = rig.fake.state.bookings[0]!;
    expect(Date.parse(booking.start)).not.toBe(Date.parse(firstFree.start));
    expect(booking.request).toMatchObject({
      serviceId: fitting,
      customer: { name: 'Kim Fahrer', email: 'kim@example.com', phone: '+1 212 555 0100' },
      timeZone: SHOPPER_ZONE,
      conversationId: rig.fake.state.sessions.values().next().value!.conversationId,
    });

    // The page hears about it too.
    expect(await page.evaluate(() => (window as unknown as { __booked: string[] }).__booked)).toEqual([booking.id]);

    await page.locator(w('button >> text=Back to chat')).click();
    await page.locator(sel.input).waitFor();
    await context.close();
  });

  it('confirms a booking the assistant proposed, from its card', async () => {
    const repair = rig.fake.serviceIds[1]!;
    const slot = rig.fake.freeSlots(repair, DateTime.now().plus({ days: 1 }), DateTime.now().plus({ days: 8 }))[2]!;
    rig.fake.setReply(() => ({
      text: 'I can book this for you:',
      cards: [{ type: 'booking_proposal', serviceId: repair, serviceName: 'Repair check', start: slot.start, end: slot.end }],
    }));
    const { context, page } = await newPage(rig, { timezoneId: 'Europe/Berlin' });
    await openShop(page);
    await page.locator(sel.input).fill('Can I bring my bike in next week?');
    await page.keyboard.press('Enter');
    await page.locator(w('.cc-card button >> text=Review and book')).click();

    await page.locator(w('h3 >> text=Your details')).waitFor();
    const summary = squash(await page.locator(w('.cc-summary')).textContent());
    const at = new Date(slot.start);
    const day = new Intl.DateTimeFormat('en', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'Europe/Berlin' }).format(at);
    const time = new Intl.DateTimeFormat('en', { timeStyle: 'short', timeZone: 'Europe/Berlin' }).format(at);
    expect(summary).toBe(squash(`Repair check${day}, ${time}`));

    // The form validates before anything is sent.
    await page.locator(w('button[type="submit"] >> text=Confirm booking')).click();
    await page.locator(w('#cc-book-name-error >> text=Please fill this in.')).waitFor();
    expect(await page.locator(w('#cc-book-name')).getAttribute('aria-invalid')).toBe('true');
    const before = rig.fake.state.bookings.length;

    await fillDetails(page);
    await page.locator(w('#cc-book-notes')).fill('Back brake squeaks');
    await page.locator(w('button[type="submit"] >> text=Confirm booking')).click();
    await page.locator(w('h3 >> text=You are booked!')).waitFor();
    expect(rig.fake.state.bookings).toHaveLength(before + 1);
    const booking = rig.fake.state.bookings.at(-1)!;
    expect(Date.parse(booking.start)).toBe(Date.parse(slot.start));
    expect(booking.request).toMatchObject({ serviceId: repair, notes: 'Back brake squeaks', timeZone: 'Europe/Berlin' });
    await context.close();
  });
});
