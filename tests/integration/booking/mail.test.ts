import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type ParsedMail, type TestSmtp } from '../../fakes/smtp-server.ts';
import { count, createBookable, createStore, eventually, merchantApi, startBookingApp, widgetApi, widgetSession, type BookingTestApp, type TestStore } from './helpers.ts';

/** Reads an .ics attachment with ical.js, resolving TZIDs through the VTIMEZONE the file carries. */
function readIcs(mail: ParsedMail) {
  const attachment = mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
  expect(attachment, 'an .ics attachment').toBeDefined();
  const text = attachment!.content.toString('utf8');
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const event = new ICAL.Event(cal.getFirstSubcomponent('vevent')!);
  // mailparser keeps the type's parameters (method=REQUEST) on the part's own header.
  const type = attachment!.headers.get('content-type') as { value: string; params: Record<string, string> };
  return { text, cal, event, contentType: `${type.value}; method=${type.params.method ?? ''}` };
}

const header = (mail: ParsedMail, name: string) => String(mail.headers.get(name) ?? '');

describe('booking mails', () => {
  let smtp: TestSmtp;
  let app: BookingTestApp;
  let store: TestStore;
  let serviceId: string;
  let bookingId: string;
  let manageUrl: string;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await startBookingApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Bookings <bookings@concierge.test>', PUBLIC_URL: 'https://concierge.test' });
    store = await createStore(app, { name: 'Tailor & Co <Berlin>' });
    ({ serviceId } = await createBookable(app, store, { name: 'Suit fitting', durationMinutes: 45, slotStepMinutes: 60, location: 'Schneidergasse 12, Berlin' }));
    const w = widgetApi(app, await widgetSession(app, store));
    const res = await w.book(
      { serviceId, start: '2027-03-03T10:00:00+01:00', customer: { name: 'Jürgen <b>Groß</b>', email: 'juergen@example.com' }, notes: 'Bring the\nblue shoes', timeZone: 'America/New_York' },
      undefined,
      { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' },
    );
    expect(res.status).toBe(201);
    bookingId = res.body.id;
    manageUrl = res.body.manageUrl;
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.close();
  });

  it('sends the shopper a German confirmation with the manage link in the body only, and an .ics in their zone', async () => {
    const mail = await smtp.waitFor((m) => (m.to as { text: string }).text.includes('juergen@example.com') && /bestätigt/.test(m.subject ?? ''), 10_000);
    expect(mail.subject).toMatch(/^Termin bestätigt: Suit fitting/);
    expect(mail.subject).not.toContain('/manage/');
    expect(mail.text).toContain(manageUrl);
    expect(mail.html).toContain(manageUrl);
    // Shown in the shopper's zone: 10:00 Berlin is 04:00 in New York.
    expect(mail.text).toMatch(/04:00/);
    // Escaped, not markup.
    expect(mail.html).toContain('Jürgen &lt;b&gt;Groß&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>Groß</b>');
    expect(header(mail, 'message-id')).toMatch(/^<booking-notification\.[0-9a-f-]{36}@concierge\.test>$/);

    const { event, cal, text, contentType } = readIcs(mail);
    expect(contentType).toMatch(/method=REQUEST/i);
    expect(cal.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(event.uid).toBe(`${bookingId}@concierge.test`);
    expect(event.startDate.zone.tzid).toBe('America/New_York');
    expect(event.startDate.toString()).toBe('2027-03-03T04:00:00');
    expect(event.startDate.toJSDate().toISOString()).toBe('2027-03-03T09:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2027-03-03T09:45:00.000Z');
    expect(event.sequence).toBe(0);
    expect(event.location).toBe('Schneidergasse 12, Berlin');
    expect(text).not.toContain('/manage/');
  });

  it('sends the merchant a note in the store\'s language and zone, answering to the shopper', async () => {
    const mail = await smtp.waitFor((m) => (m.to as { text: string }).text.includes(store.merchant.email), 10_000);
    expect(mail.subject).toMatch(/^New booking: Suit fitting/);
    expect(mail.replyTo?.text).toContain('juergen@example.com');
    expect(mail.text).toContain('10:00'); // Berlin time for the store
    expect(mail.text).toContain('Bring the\nblue shoes');
  });

  it('sends a reschedule with a higher SEQUENCE, then a cancellation with METHOD:CANCEL', async () => {
    const api = merchantApi(app, store);
    const moved = await api.post(`/api/v1/bookings/${bookingId}/reschedule`, { start: '2027-03-04T14:00:00+01:00' });
    expect(moved.status).toBe(200);
    expect(moved.body.start).toBe('2027-03-04T14:00:00+01:00');
    const rescheduled = await smtp.waitFor((m) => /verschoben/.test(m.subject ?? ''), 10_000);
    const r = readIcs(rescheduled);
    expect(r.event.uid).toBe(`${bookingId}@concierge.test`);
    expect(r.event.sequence).toBe(1);
    expect(r.event.startDate.toJSDate().toISOString()).toBe('2027-03-04T13:00:00.000Z');
    expect(rescheduled.text).toContain(manageUrl);

    const cancelled = await api.post(`/api/v1/bookings/${bookingId}/cancel`, { reason: 'Tailor is ill' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledBy: 'merchant', cancelReason: 'Tailor is ill' });
    const cancellation = await smtp.waitFor((m) => /abgesagt/.test(m.subject ?? ''), 10_000);
    const c = readIcs(cancellation);
    expect(c.contentType).toMatch(/method=CANCEL/i);
    expect(c.cal.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(c.event.uid).toBe(`${bookingId}@concierge.test`);
    expect(c.event.sequence).toBe(2);
    expect(c.event.component.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cancellation.text).toContain('Tailor is ill');

    // Every mail of this booking went out once, each with its own Message-ID.
    const ids = smtp.mails.map((m) => header(m, 'message-id'));
    expect(new Set(ids).size).toBe(ids.length);
    // The server has the mail a moment before the worker records it as sent.
    await eventually(async () => (await count(app, 'booking_notifications', store.tenantId, { status: 'sent' })) === 4, 5_000, 'four rows marked sent');
    expect(await count(app, 'booking_notifications', store.tenantId, { status: 'pending' })).toBe(0);
  });
});
