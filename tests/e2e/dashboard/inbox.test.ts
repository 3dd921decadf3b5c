// The merchant's day against the real server and the demo store: an invited team member accepts
// from the mail, a shopper asks for a human on the demo page, the conversation arrives live in the
// inbox (needs-human first, tab title), the member takes over, replies, the shopper's widget shows
// it, and releases. Then services and opening hours made in the dashboard, a shopper books, and
// the booking appears in the calendar without a reload.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { say, shopperPage, startDemoRig, w, type DemoRig } from '../demo/rig.ts';
import { ensureServedDashboard, linkFromMail, merchantPage } from './harness.ts';

let rig: DemoRig;
beforeAll(async () => {
  await ensureServedDashboard();
  rig = await startDemoRig({ smtp: true });
});
afterAll(() => rig?.close());

describe('inbox and calendar', () => {
  it('accepts an invite from the mail, watches a handoff arrive live, takes over, replies and releases', async () => {
    const email = `kim-${Date.now()}@demo-store.example`;
    const invite = await fetch(`${rig.url}/api/v1/team/invites`, { method: 'POST', headers: rig.owner.headers, body: JSON.stringify({ email, role: 'admin' }) });
    expect(invite.status).toBe(201);
    const link = await linkFromMail(rig.smtp!, email, '/admin/accept-invite');

    const merchant = await merchantPage(rig.browser);
    const page = merchant.page;
    await page.goto(link);
    await page.getByText(`You were invited to`).waitFor();
    await page.getByLabel('Your name').fill('Kim');
    await page.getByLabel('New password').fill('Kim-Demo-Pass-2026');
    await page.getByRole('button', { name: 'Accept invite' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.locator('.live.on').waitFor();
    expect(await page.locator('.conversations li').count()).toBe(0);

    // A shopper on the demo page asks about a product, then for a person.
    const shopper = await shopperPage(rig);
    await shopper.page.goto(`${rig.url}/`);
    await shopper.page.locator(w('.cc-launcher')).click();
    await shopper.page.locator(w('#cc-input')).waitFor();
    await say(shopper.page, 'Do you have a merino sweater?');
    await shopper.page.locator(w('.cc-log .cc-msg.cc-assistant .cc-card')).first().waitFor();
    await say(shopper.page, 'Can I talk to a human please?');

    // Live, no reload: it arrives marked "Needs human", first in the list, and the tab title counts it.
    const row = page.locator('.conversations li').first();
    await row.locator('.pill', { hasText: 'Needs human' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('(1) Concierge');
    await expect.poll(() => row.locator('.preview').textContent(), { timeout: 10_000 }).not.toBe('—');

    await row.locator('a').click();
    await page.getByRole('heading', { name: 'Conversation' }).waitFor();
    const conversationPath = new URL(page.url()).pathname;
    expect(conversationPath).toMatch(/^\/admin\/conversations\/[0-9a-f-]{36}$/);
    await page.locator('.log .msg.user', { hasText: 'Can I talk to a human please?' }).waitFor();
    // The product card as the shopper saw it.
    await page.locator('.log .msg.assistant .product', { hasText: 'Merino Wool Crew Sweater' }).first().waitFor();
    await page.getByRole('link', { name: 'View product' }).first().waitFor();

    await page.getByRole('button', { name: 'Take over' }).click();
    await page.locator('.page-head .pill', { hasText: 'Handed off' }).waitFor();
    await page.getByRole('textbox', { name: 'Reply' }).fill('Hi, Kim here. Happy to help!');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.log .msg.agent', { hasText: 'Hi, Kim here. Happy to help!' }).waitFor();
    await shopper.page.locator(w('.cc-log .cc-msg.cc-agent >> text=Hi, Kim here. Happy to help!')).waitFor();

    // The shopper answers: it streams into the open conversation.
    await say(shopper.page, 'Thanks, Kim!');
    await page.locator('.log .msg.user', { hasText: 'Thanks, Kim!' }).waitFor();

    await page.getByRole('button', { name: 'Release' }).click();
    await page.locator('.page-head .pill', { hasText: 'Bot answering' }).waitFor();
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('Concierge');

    // Deep link: the same conversation opens directly.
    await page.goto(`${rig.url}${conversationPath}`);
    await page.locator('.log .msg.agent', { hasText: 'Hi, Kim here.' }).waitFor();
    expect(merchant.errors).toEqual([]);
    await shopper.context.close();
    await merchant.context.close();
  }, 180_000);

  it('creates a service and opening hours; a shopper books; the booking appears in the calendar without a reload', async () => {
    const email = `lena-${Date.now()}@demo-store.example`;
    await fetch(`${rig.url}/api/v1/team/invites`, { method: 'POST', headers: rig.owner.headers, body: JSON.stringify({ email, role: 'admin' }) });
    const link = await linkFromMail(rig.smtp!, email, '/admin/accept-invite');
    const { page, context, errors } = await merchantPage(rig.browser);
    await page.goto(link);
    await page.getByLabel('New password').fill('Lena-Demo-Pass-2026');
    await page.getByRole('button', { name: 'Accept invite' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.getByRole('link', { name: 'Bookings' }).click();
    await page.getByRole('heading', { name: 'Bookings', level: 1 }).waitFor();

    await page.getByLabel('Service name').fill('Leather care consultation');
    await page.getByLabel('Duration (minutes)').fill('45');
    await page.getByRole('button', { name: 'Add service' }).click();
    await page.getByText('Leather care consultation · 45 min').waitFor();

    await page.getByLabel('Resource name').fill('Workshop bench');
    await page.getByRole('checkbox', { name: 'Leather care consultation' }).check();
    for (const day of ['Saturday', 'Sunday']) {
      await page.getByLabel(`${day} opens`).fill('09:00');
      await page.getByLabel(`${day} closes`).fill('17:00');
    }
    await page.getByRole('button', { name: 'Add resource' }).click();
    await page.locator('li', { hasText: 'Workshop bench' }).first().waitFor();

    // The shopper books through the widget API (the demo page's origin), tomorrow in the store's zone.
    const session = (await (
      await fetch(`${rig.url}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: rig.url }, body: JSON.stringify({ botKey: rig.demo.botKey }) })
    ).json()) as { visitorToken: string };
    const auth = { authorization: `Bearer ${session.visitorToken}`, origin: rig.url, 'content-type': 'application/json' };
    const services = (await (await fetch(`${rig.url}/widget/v1/services`, { headers: auth })).json()) as { items: { id: string; name: string }[] };
    const service = services.items.find((s) => s.name === 'Leather care consultation')!;
    expect(service).toBeDefined();
    const day = DateTime.now().setZone('Europe/Berlin').plus({ days: 1 }).toISODate()!;
    const availability = (await (
      await fetch(`${rig.url}/widget/v1/availability?serviceId=${service.id}&from=${day}&to=${day}&timeZone=Europe/Berlin`, { headers: auth })
    ).json()) as { slots: { start: string }[] };
    expect(availability.slots.length).toBeGreaterThan(0);
    const booked = await fetch(`${rig.url}/widget/v1/bookings`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ serviceId: service.id, start: availability.slots[0]!.start, customer: { name: 'Ada Shopper', email: 'ada@shopper.example' } }),
    });
    expect(booked.status).toBe(201);

    // Tomorrow may be next week: step the calendar there if so; then wait for the poll (no reload).
    const weekStart = DateTime.now().setZone('Europe/Berlin').startOf('week');
    if (DateTime.fromISO(day, { zone: 'Europe/Berlin' }) >= weekStart.plus({ weeks: 1 })) await page.getByRole('button', { name: 'Next' }).click();
    const entry = page.locator('.booking-btn', { hasText: 'Ada Shopper' });
    await entry.waitFor({ timeout: 20_000 });
    expect(await entry.textContent()).toContain('Leather care consultation');
    await entry.click();
    await page.getByRole('heading', { name: 'Booking details' }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cancel booking' }).click();
    await page.locator('.booking-btn.cancelled', { hasText: 'Ada Shopper' }).waitFor();

    // Reminder policy and a holiday, checked against the API.
    await page.getByLabel('Reminders (hours before, comma-separated)').fill('48, 2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const settings = (await (await fetch(`${rig.url}/api/v1/booking-settings`, { headers: rig.owner.headers })).json()) as { reminderOffsetsMinutes: number[] };
    expect(settings.reminderOffsetsMinutes).toEqual([2880, 120]);
    await page.getByLabel('Date', { exact: true }).fill('2027-12-24');
    await page.getByLabel('Name', { exact: true }).fill('Christmas Eve');
    await page.getByRole('button', { name: 'Add holiday' }).click();
    await page.getByText('2027-12-24 · Christmas Eve').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
