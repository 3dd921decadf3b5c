import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, createBookable, createStore, customer, startBookingApp, widgetApi, widgetSession, type BookingTestApp, type TestStore } from './helpers.ts';

/** The manage page behind the signed link: HTML forms only, English and German. */
describe('booking manage pages', () => {
  let app: BookingTestApp;
  let store: TestStore;
  let serviceId: string;
  let w: ReturnType<typeof widgetApi>;

  /** The manage link as mailed, pointed at this test server. */
  const local = (manageUrl: string) => `${app.url}${new URL(manageUrl).pathname}`;
  const page = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, html: await res.text() };
  };
  const post = async (url: string, form: Record<string, string>) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  };
  const book = async (start: string, n: number, headers: Record<string, string> = {}) => {
    const res = await w.book({ serviceId, start, customer: customer(n) }, undefined, headers);
    expect(res.status).toBe(201);
    return { id: res.body.id as string, url: local(res.body.manageUrl) };
  };

  beforeAll(async () => {
    app = await startBookingApp();
    store = await createStore(app, { name: 'Atelier "Nadel & Faden"' });
    ({ serviceId } = await createBookable(app, store, { name: 'Suit fitting', durationMinutes: 60 }));
    w = widgetApi(app, await widgetSession(app, store));
  });
  afterAll(() => app.stop());

  it('shows the booking in the shopper\'s language with plain forms, no scripts, never cached', async () => {
    // The shopper's full tag is kept with the booking (issue #18): en-GB reads "3 March", 24-hour.
    const { url } = await book('2027-03-03T10:00:00+01:00', 1, { 'accept-language': 'en-GB,en;q=0.8' });
    const res = await page(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.html).toContain('<html lang="en">');
    expect(res.html).toContain('Your booking at Atelier &quot;Nadel &amp; Faden&quot;');
    expect(res.html).toContain('Suit fitting');
    expect(res.html).toMatch(/Wednesday, 3 March 2027, 10:00\s*–\s*11:00/);
    expect(res.html).not.toMatch(/<script/i);
    expect(res.html).not.toMatch(/\son[a-z]+=/i);
    expect(res.html).toContain('method="post"');

    // The switch names the OTHER language and links to it (issue #18: it said "English" and linked to German).
    expect(res.html).toMatch(/<a href="[^"]*\?lang=de" hreflang="de" lang="de">Deutsch<\/a>/);
    const german = await page(`${url}?lang=de`);
    expect(german.html).toContain('<html lang="de">');
    expect(german.html).toMatch(/<a href="[^"]*\?lang=en" hreflang="en" lang="en">English<\/a>/);
    expect(german.html).toContain('Ihr Termin bei');
    expect(german.html).toContain('Termin absagen');
  });

  it('speaks German by default to a shopper who booked in German', async () => {
    const { url } = await book('2027-03-03T11:00:00+01:00', 2, { 'accept-language': 'de' });
    const res = await page(url);
    expect(res.html).toContain('<html lang="de">');
    expect(res.html).toContain('Andere Zeit wählen');
  });

  it('moves the booking to a time picked from the page, and refuses a taken one', async () => {
    const { id, url } = await book('2027-03-04T10:00:00+01:00', 3);
    const first = await page(`${url}?date=2027-03-04`);
    const starts = [...first.html.matchAll(/name="start" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(starts).toContain('2027-03-04T13:00:00.000Z');
    expect(starts).not.toContain('2027-03-04T09:00:00.000Z'); // its own time is not offered as a move

    const moved = await post(`${url}/reschedule`, { start: '2027-03-04T13:00:00.000Z', lang: 'en' });
    expect(moved.status).toBe(303);
    expect(moved.location).toMatch(/\?done=rescheduled/);
    const [row] = await app.database.db.knex('bookings').where({ id }).select('start_at', 'sequence');
    expect(row.start_at.toISOString()).toBe('2027-03-04T13:00:00.000Z');
    expect(row.sequence).toBe(1);
    expect((await page(`${app.url}${moved.location}`)).html).toContain('Your booking has a new time.');
    expect(await count(app, 'booking_notifications', store.tenantId, { booking_id: id, kind: 'reschedule' })).toBe(1);

    await book('2027-03-04T15:00:00+01:00', 4);
    const taken = await post(`${url}/reschedule`, { start: '2027-03-04T14:00:00.000Z' });
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('that time has just been taken');

    const nonsense = await post(`${url}/reschedule`, { start: 'next tuesday' });
    expect(nonsense.status).toBe(422);
  });

  it('cancels only with the box ticked, then shows the booking as cancelled without forms', async () => {
    const { id, url } = await book('2027-03-05T10:00:00+01:00', 5);
    const unticked = await post(`${url}/cancel`, {});
    expect(unticked.status).toBe(422);
    expect(unticked.html).toContain('tick the box');
    expect((await app.database.db.knex('bookings').where({ id }).first('status')).status).toBe('confirmed');

    const done = await post(`${url}/cancel`, { confirm: 'yes' });
    expect(done.status).toBe(303);
    const after = await page(`${app.url}${done.location}`);
    expect(after.html).toContain('Your booking is cancelled.');
    expect(after.html).toContain('This booking is cancelled.');
    expect(after.html).not.toContain('method="post"');
    expect((await app.database.db.knex('bookings').where({ id }).first('status', 'cancelled_by'))).toEqual({ status: 'cancelled', cancelled_by: 'shopper' });
    // The freed slot can be booked again.
    await book('2027-03-05T10:00:00+01:00', 6);
  });

  it('refuses changes once the appointment has started', async () => {
    const { url } = await book('2027-03-08T10:00:00+01:00', 7);
    app.clock.set('2027-03-08T09:30:00Z');
    const res = await page(url);
    expect(res.html).toContain('already started');
    expect(res.html).not.toContain('method="post"');
    expect((await post(`${url}/cancel`, { confirm: 'yes' })).status).toBe(409);
    app.clock.set('2027-03-01T07:00:00Z');
  });

  it('answers a forged or damaged link with 404 and no details', async () => {
    const { url } = await book('2027-03-09T10:00:00+01:00', 8);
    const token = new URL(url).pathname.split('/')[2]!;
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${payload}.${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    for (const bad of [flipped, `${payload}.x`, 'nonsense', `${payload.slice(0, -4)}AAAA.${signature}`]) {
      const res = await page(`${app.url}/manage/${bad}`);
      expect({ bad, status: res.status }).toEqual({ bad, status: 404 });
      expect(res.html).toContain('This link is not valid');
      expect((await post(`${app.url}/manage/${bad}/cancel`, { confirm: 'yes' })).status).toBe(404);
    }
  });
});
