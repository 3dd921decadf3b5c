import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { createBookable, createStore, startBookingApp, widgetApi, widgetSession, type BookingTestApp, type TestStore } from './helpers.ts';

/** Issue #18: the merchant was not told when a shopper moved or cancelled through the manage link. */
describe('merchant mail on shopper changes', () => {
  let smtp: TestSmtp;
  let app: BookingTestApp;
  let store: TestStore;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await startBookingApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://concierge.test' });
    store = await createStore(app, { name: 'Tailor Shop' });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.close();
  });

  const post = (url: string, form: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), redirect: 'manual' });

  it('mails the merchant when the shopper reschedules and when the shopper cancels through the manage link', async () => {
    const { serviceId } = await createBookable(app, store, { name: 'Suit fitting', durationMinutes: 60 });
    const w = widgetApi(app, await widgetSession(app, store));
    const booked = await w.book({ serviceId, start: '2027-03-03T10:00:00+01:00', customer: { name: 'Ada Shopper', email: 'ada@example.com' } });
    expect(booked.status).toBe(201);
    const manage = `${app.url}${new URL(booked.body.manageUrl).pathname}`;
    const toMerchant = (re: RegExp) => smtp.waitFor((m) => (m.to as { text: string }).text.includes(store.merchant.email) && re.test(m.subject ?? ''), 10_000);
    await toMerchant(/^New booking/);

    expect((await post(`${manage}/reschedule`, { start: '2027-03-03T13:00:00.000Z' })).status).toBe(303);
    const moved = await toMerchant(/moved by the customer/);
    expect(moved.subject).toMatch(/^Booking moved by the customer: Suit fitting/);
    expect(moved.text).toContain('Ada Shopper moved their booking');
    expect(moved.text).toMatch(/When: .*2:00/); // the new time in Berlin
    expect(moved.text).toMatch(/Previously: .*10:00/); // and the previous one
    expect(moved.replyTo?.text).toContain('ada@example.com');

    expect((await post(`${manage}/cancel`, { confirm: 'yes' })).status).toBe(303);
    const cancelled = await toMerchant(/cancelled by the customer/);
    expect(cancelled.subject).toMatch(/^Booking cancelled by the customer: Suit fitting/);
    expect(cancelled.text).toContain('Ada Shopper cancelled their booking');
    // The shopper got their own mails as before.
    await smtp.waitFor((m) => (m.to as { text: string }).text.includes('ada@example.com') && /cancelled/i.test(m.subject ?? ''), 10_000);
  });
});
