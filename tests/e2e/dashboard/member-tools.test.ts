// Three things a merchant does in the dashboard without curl, at phone size (390×844), each proved
// through the real API afterwards and checked with axe-core in the state it leaves the page in:
// the member's own "mail me on handoff" choice (keyboard only), a resource's date overrides (which
// the booking engine's availability then follows), and the knowledge test box (which products and
// FAQ the assistant's search finds for a question).
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoRig, type DemoRig } from '../demo/rig.ts';
import { axeViolations, ensureServedDashboard, signedInMember } from './harness.ts';

let rig: DemoRig;
beforeAll(async () => {
  await ensureServedDashboard();
  rig = await startDemoRig({ smtp: true });
});
afterAll(() => rig?.close());

/** axe violations and sideways scrolling of the page as it is now. */
async function problemsOf(page: Page, where: string): Promise<string[]> {
  const problems = (await axeViolations(page)).map((v) => `${where}: ${v}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (overflow > 1) problems.push(`${where}: scrolls sideways by ${overflow}px at 390 px`);
  return problems;
}

const apiGet = async (page: Page, path: string) => {
  const res = await page.request.get(`${rig.url}${path}`);
  expect(res.status(), path).toBe(200);
  return (await res.json()) as any;
};

describe('member tools', () => {
  it('flips "mail me on handoff" with the keyboard, and the API (and a reload) agree', async () => {
    const member = await signedInMember(rig, 'en-GB');
    const page = member.page;
    await page.goto(`${rig.url}/admin/settings`);
    const toggle = page.getByRole('checkbox', { name: 'Email me when a shopper asks for a person' });
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(false);
    expect(await apiGet(page, '/api/v1/me/notifications')).toEqual({ handoffEmail: false });

    await toggle.focus();
    await page.keyboard.press('Space');
    const section = page.getByRole('region', { name: 'My notifications' });
    await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await apiGet(page, '/api/v1/me/notifications')).toEqual({ handoffEmail: true });
    // The owner's own choice is untouched: it is per member.
    expect(await (await fetch(`${rig.url}/api/v1/me/notifications`, { headers: rig.owner.headers })).json()).toEqual({ handoffEmail: false });

    await page.reload();
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(true);
    expect(await problemsOf(page, 'settings')).toEqual([]);
    await toggle.focus();
    await page.keyboard.press('Space');
    await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await apiGet(page, '/api/v1/me/notifications')).toEqual({ handoffEmail: false });
    expect(member.errors).toEqual([]);
    await member.close();
  }, 120_000);

  it("sets a resource's hours for one date, closes another, removes one; availability follows", async () => {
    const headers = rig.owner.headers;
    const service = await (await fetch(`${rig.url}/api/v1/services`, { method: 'POST', headers, body: JSON.stringify({ name: 'Fitting', durationMinutes: 60, minNoticeMinutes: 0 }) })).json();
    const nine = [{ start: '09:00', end: '17:00' }];
    const weeklyHours = { mon: nine, tue: nine, wed: nine, thu: nine, fri: nine, sat: nine, sun: nine };
    const created = await fetch(`${rig.url}/api/v1/resources`, { method: 'POST', headers, body: JSON.stringify({ name: 'Fitting Room', serviceIds: [service.id], timeZone: 'Europe/Berlin', weeklyHours }) });
    expect(created.status).toBe(201);
    const resource = await created.json();
    const short = DateTime.now().setZone('Europe/Berlin').plus({ days: 10 }).toISODate()!;
    const closed = DateTime.now().setZone('Europe/Berlin').plus({ days: 11 }).toISODate()!;
    const slotHours = async (date: string) => {
      const res = await fetch(`${rig.url}/api/v1/availability?serviceId=${service.id}&from=${date}&to=${date}&timeZone=Europe/Berlin`, { headers });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { slots: { start: string }[] };
      return body.slots.map((s) => DateTime.fromISO(s.start).setZone('Europe/Berlin').toFormat('HH:mm'));
    };
    expect((await slotHours(short))[0]).toBe('09:00');

    const member = await signedInMember(rig, 'en-GB');
    const page = member.page;
    await page.goto(`${rig.url}/admin/bookings`);
    const section = page.getByRole('region', { name: 'Date overrides' });
    await section.getByLabel('Resource').selectOption({ label: 'Fitting Room' });
    await section.getByRole('listitem').filter({ hasText: 'Nothing here yet.' }).waitFor();

    // A short day: 10:00–14:00 with a note.
    await section.getByLabel('Day to change').fill(short);
    await section.getByLabel('Opens on that date').fill('10:00');
    await section.getByLabel('Closes on that date').fill('14:00');
    await section.getByLabel('Note (optional)').fill('Stocktaking');
    await section.getByRole('button', { name: 'Set hours for this day' }).click();
    await section.getByRole('listitem').filter({ hasText: `${short}: 10:00–14:00 · Stocktaking` }).waitFor();

    // Closed all day: both times left empty.
    await section.getByLabel('Day to change').fill(closed);
    await section.getByLabel('Opens on that date').fill('');
    await section.getByLabel('Closes on that date').fill('');
    await section.getByRole('button', { name: 'Set hours for this day' }).click();
    await section.getByRole('listitem').filter({ hasText: `${closed}: closed all day` }).waitFor();
    expect(await problemsOf(page, 'bookings with overrides')).toEqual([]);

    const overrides = await apiGet(page, `/api/v1/resources/${resource.id}/overrides`);
    expect(overrides.items).toEqual([
      { resourceId: resource.id, date: short, intervals: [{ start: '10:00', end: '14:00' }], note: 'Stocktaking' },
      { resourceId: resource.id, date: closed, intervals: [], note: null },
    ]);
    const hours = await slotHours(short);
    expect(hours[0]).toBe('10:00');
    expect(hours.every((h) => h >= '10:00' && h <= '13:00')).toBe(true);
    expect(await slotHours(closed)).toEqual([]);

    await section.getByRole('button', { name: `Remove override ${closed}` }).click();
    await expect.poll(() => section.getByRole('listitem').filter({ hasText: closed }).count()).toBe(0);
    expect((await apiGet(page, `/api/v1/resources/${resource.id}/overrides`)).items.map((o: { date: string }) => o.date)).toEqual([short]);
    expect((await slotHours(closed))[0]).toBe('09:00');
    expect(member.errors).toEqual([]);
    await member.close();
  }, 120_000);

  it('shows which products and FAQ the assistant would use for a question, in English and German', async () => {
    const member = await signedInMember(rig, 'en-GB');
    const page = member.page;
    await page.goto(`${rig.url}/admin/knowledge`);
    const box = page.getByRole('region', { name: 'Test the assistant’s knowledge' });
    await box.getByLabel('Ask the assistant').fill('Do you have a merino sweater?');
    await box.getByRole('button', { name: 'Show what it would use' }).click();
    await box.getByRole('listitem').filter({ hasText: 'Merino Wool Crew Sweater' }).first().waitFor();
    expect(await problemsOf(page, 'knowledge test box')).toEqual([]);

    await box.getByLabel('Ask the assistant').fill('What is your return policy?');
    await box.getByRole('button', { name: 'Show what it would use' }).click();
    await box.getByRole('listitem').filter({ hasText: 'What is your return policy?' }).waitFor();
    // The same answer the API gives: the box shows what the search found, not a guess.
    const res = await fetch(`${rig.url}/api/v1/knowledge/test`, { method: 'POST', headers: rig.owner.headers, body: JSON.stringify({ question: 'What is your return policy?' }) });
    const found = (await res.json()) as { products: { title: string }[]; faq: { question: string }[] };
    const lists = box.locator('.test-result ul');
    expect(await lists.nth(1).locator('li strong').allTextContents()).toEqual(found.faq.map((f) => f.question));
    expect(await lists.nth(0).locator('li strong').allTextContents()).toEqual(found.products.map((p) => p.title));

    // German, and a question nothing matches.
    await page.getByLabel('Language').selectOption('de');
    const boxDe = page.getByRole('region', { name: 'Wissen des Assistenten testen' });
    await boxDe.getByLabel('Den Assistenten fragen').fill('Xylophonreparatur');
    await boxDe.getByRole('button', { name: 'Zeigen, was er verwenden würde' }).click();
    await expect.poll(() => boxDe.getByRole('listitem').filter({ hasText: 'Kein Treffer.' }).count()).toBe(2);
    expect(await problemsOf(page, 'knowledge test box (de)')).toEqual([]);
    expect(member.errors).toEqual([]);
    await member.close();
  }, 120_000);
});
