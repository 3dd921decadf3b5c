import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type ParsedMail, type TestSmtp } from '../../fakes/smtp-server.ts';
import {
  call,
  createBookable,
  createStore,
  eventually,
  merchantApi,
  refreshMerchant,
  sleep,
  startBookingApp,
  widgetApi,
  widgetSession,
  type BookingTestApp,
  type TestStore,
} from './helpers.ts';

const LEASE_MS = 3_000;
const BACKOFF_MS = 60_000;

describe('reminders and the booking outbox', () => {
  let smtp: TestSmtp;
  let app: BookingTestApp;
  let store: TestStore;
  let serviceId: string;
  let w: ReturnType<typeof widgetApi>;
  let api: ReturnType<typeof merchantApi>;

  const to = (m: ParsedMail) => (m.to as { text: string } | undefined)?.text ?? '';
  const mailsTo = (email: string, subject?: RegExp) => smtp.mails.filter((m) => to(m).includes(email) && (!subject || subject.test(m.subject ?? '')));
  const rows = async (bookingId: string) => (await api.get(`/api/v1/reminders?bookingId=${bookingId}&limit=50`)).body.items as any[];
  const book = async (start: string, email: string) => {
    const res = await w.book({ serviceId, start, customer: { name: email.split('@')[0], email } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** Moves the clock; tokens minted before may have expired, so the merchant gets a fresh one. */
  const advanceTo = async (at: string | Date) => {
    app.clock.set(at);
    await refreshMerchant(app, store);
    w = widgetApi(app, await widgetSession(app, store));
  };

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await startBookingApp(
      { SMTP_URL: smtp.url },
      { booking: { worker: { tickSeconds: 1, leaseMs: LEASE_MS, backoffBaseMs: BACKOFF_MS, maxAttempts: 3 } } },
    );
    store = await createStore(app);
    ({ serviceId } = await createBookable(app, store, { name: 'Fitting', durationMinutes: 60 }));
    w = widgetApi(app, await widgetSession(app, store));
    api = merchantApi(app, store);
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.close();
  });

  it('sends the 24 h and the 1 h reminder of the default policy once each, when the clock reaches them', async () => {
    const id = await book('2027-03-03T10:00:00+01:00', 'ria@example.com');
    await eventually(() => mailsTo('ria@example.com', /confirmed/).length === 1, 8_000, 'confirmation');
    const reminders = (await rows(id)).filter((r) => r.kind === 'reminder');
    expect(reminders.map((r) => [r.offsetMinutes, r.dueAt, r.status])).toEqual([
      [1440, '2027-03-02T09:00:00.000Z', 'pending'],
      [60, '2027-03-03T08:00:00.000Z', 'pending'],
    ]);

    await advanceTo('2027-03-02T08:59:58Z');
    await sleep(2_200); // two ticks: nothing is due yet
    expect(mailsTo('ria@example.com', /Reminder/)).toHaveLength(0);

    await advanceTo('2027-03-02T09:00:00Z');
    const first = await eventually(() => mailsTo('ria@example.com', /Reminder/)[0], 3_000, 'the 24 h reminder within a tick or two');
    expect(first.subject).toBe('Reminder: Fitting in 24 hours');
    expect(first.text).toMatch(/\/manage\//);

    await advanceTo('2027-03-03T08:00:00Z');
    const second = await eventually(() => mailsTo('ria@example.com', /Reminder/)[1], 3_000, 'the 1 h reminder');
    expect(second.subject).toBe('Reminder: Fitting in 1 hour');
    await sleep(2_200);
    expect(mailsTo('ria@example.com', /Reminder/)).toHaveLength(2);
    expect((await rows(id)).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('moves reminders with the booking, drops them on cancel, and follows the store\'s policy', async () => {
    expect((await api.put('/api/v1/booking-settings', { reminderOffsetsMinutes: [120], notificationEmail: 'desk@store.example' })).body).toEqual({
      reminderOffsetsMinutes: [120],
      notificationEmail: 'desk@store.example',
    });
    const moved = await book('2027-03-09T10:00:00+01:00', 'mo@example.com');
    const gone = await book('2027-03-09T11:00:00+01:00', 'can@example.com');
    await eventually(() => mailsTo('desk@store.example', /New booking/).length === 2, 8_000, 'both merchant notes at the store address');
    expect((await api.post(`/api/v1/bookings/${moved}/reschedule`, { start: '2027-03-09T15:00:00+01:00' })).status).toBe(200);
    expect((await api.post(`/api/v1/bookings/${gone}/cancel`, { notifyCustomer: false })).status).toBe(200);
    const movedRows = (await rows(moved)).filter((r) => r.kind === 'reminder');
    expect(movedRows.map((r) => [r.offsetMinutes, r.dueAt, r.status])).toEqual([
      [120, '2027-03-09T07:00:00.000Z', 'cancelled'],
      [120, '2027-03-09T12:00:00.000Z', 'pending'],
    ]);
    expect((await rows(gone)).filter((r) => r.kind === 'reminder').map((r) => r.status)).toEqual(['cancelled']);
    expect((await rows(gone)).some((r) => r.kind === 'cancellation')).toBe(false);

    await advanceTo('2027-03-09T12:00:00Z');
    await eventually(() => mailsTo('mo@example.com', /Reminder/).length === 1, 3_000, 'the moved reminder');
    await sleep(1_500);
    expect(mailsTo('mo@example.com', /Reminder/)).toHaveLength(1);
    expect(mailsTo('can@example.com', /Reminder/)).toHaveLength(0);
    expect(mailsTo('mo@example.com', /Reminder/)[0]!.text).toMatch(/\b3:00\b|15:00/);
    await api.put('/api/v1/booking-settings', { reminderOffsetsMinutes: [1440, 60], notificationEmail: null });
  });

  it('takes over the claims of an instance that died, once their lease expires', async () => {
    const worker = app.application.booking.worker;
    await worker.stop(); // as if this instance were elsewhere: nothing claims while the ghost does
    const id = await book('2027-03-12T10:00:00+01:00', 'ghost@example.com');
    const ghost = await app.application.booking.outbox.claimDue('ghost-instance', 50, app.clock.now(), LEASE_MS);
    expect(ghost.filter((r) => r.booking_id === id).map((r) => r.kind).sort()).toEqual(['confirmation', 'merchant_notice']);
    worker.start();
    await sleep(2_200);
    expect(mailsTo('ghost@example.com')).toHaveLength(0); // the lease still holds

    await advanceTo(new Date(app.clock.now().getTime() + LEASE_MS + 1));
    await eventually(() => mailsTo('ghost@example.com', /confirmed/).length === 1, 3_000, 'the confirmation after the lease expired');
    const taken = await eventually(async () => {
      const list = (await rows(id)).filter((r) => r.kind !== 'reminder');
      return list.every((r) => r.status === 'sent') && list;
    }, 3_000, 'both mails of the dead instance');
    expect(taken.map((r) => [r.kind, r.status, r.attempts]).sort()).toEqual([
      ['confirmation', 'sent', 2],
      ['merchant_notice', 'sent', 2],
    ]);
  });

  it('backs off after a temporary refusal and sends later; a permanent one is a visible dead letter the merchant can retry', async () => {
    smtp.rejectNext(1, 451);
    const soft = await book('2027-03-15T10:00:00+01:00', 'soft@example.com');
    const failed = await eventually(async () => (await rows(soft)).find((r) => r.status === 'pending' && r.attempts === 1 && r.kind !== 'reminder'), 5_000, 'a backed-off row');
    expect(failed.lastError).toMatch(/451/);
    const wait = Date.parse(failed.nextAttemptAt) - app.clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(BACKOFF_MS * 0.99);
    expect(wait).toBeLessThanOrEqual(BACKOFF_MS * 1.11);
    await sleep(1_500);
    expect((await rows(soft)).find((r) => r.id === failed.id)!.status).toBe('pending'); // not before its time
    await advanceTo(new Date(Date.parse(failed.nextAttemptAt)));
    await eventually(async () => (await rows(soft)).find((r) => r.id === failed.id)!.status === 'sent', 3_000, 'the retry');

    smtp.rejectNext(1, 550);
    const hard = await book('2027-03-15T11:00:00+01:00', 'hard@example.com');
    const dead = await eventually(async () => (await rows(hard)).find((r) => r.status === 'dead'), 5_000, 'a dead letter');
    expect(dead).toMatchObject({ attempts: 1 });
    expect(dead.lastError).toMatch(/550/);
    const listed = await api.get('/api/v1/reminders?status=dead');
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([dead.id]);
    const metrics = await call(`${app.url}/metrics`);
    expect(metrics.body).toMatch(/^booking_notifications\{status="dead"\} 1$/m);
    expect(metrics.body).toMatch(/^booking_notifications_failures_total\{kind="[a-z_]+",outcome="dead"\} 1$/m);

    const retried = await api.post(`/api/v1/reminders/${dead.id}/retry`);
    expect(retried.status).toBe(200);
    await eventually(async () => (await rows(hard)).find((r) => r.id === dead.id)!.status === 'sent', 3_000, 'the retried dead letter');
    expect((await call(`${app.url}/metrics`)).body).toMatch(/^booking_notifications\{status="dead"\} 0$/m);
    expect((await api.post(`/api/v1/reminders/${dead.id}/retry`)).status).toBe(404);
  });

  it('gives up after the last attempt: dead, with the error kept', async () => {
    smtp.rejectNext(100, 451);
    const id = await book('2027-03-16T10:00:00+01:00', 'never@example.com');
    for (let attempt = 1; attempt <= 3; attempt++) {
      const row = await eventually(async () => (await rows(id)).find((r) => r.kind === 'confirmation' && r.attempts === attempt && r.status !== 'claimed'), 5_000, `attempt ${attempt}`);
      if (attempt < 3) {
        expect(row.status).toBe('pending');
        await advanceTo(new Date(Date.parse(row.nextAttemptAt)));
      } else {
        expect(row.status).toBe('dead');
        expect(row.lastError).toMatch(/451/);
      }
    }
    smtp.rejectNext(0, 451);
    expect(mailsTo('never@example.com')).toHaveLength(0);
  });

  it('skips what no longer applies instead of sending it', async () => {
    const worker = app.application.booking.worker;
    await worker.stop();
    const id = await book('2027-03-18T10:00:00+01:00', 'late@example.com');
    expect((await api.post(`/api/v1/bookings/${id}/cancel`, {})).status).toBe(200);
    worker.start();
    await eventually(() => mailsTo('late@example.com', /cancelled/).length === 1, 5_000, 'the cancellation');
    // All three are due at the same (frozen) instant, so any may be handled last: wait for every outcome.
    const done = await eventually(async () => {
      const list = (await rows(id)).filter((r) => r.kind !== 'reminder');
      return list.every((r) => r.status !== 'pending' && r.status !== 'claimed') && list;
    }, 5_000, 'every outcome');
    const byKind = Object.fromEntries(done.map((r) => [r.kind, r.status]));
    // The confirmation was still queued when the booking was cancelled: it is skipped, not sent.
    expect(byKind).toEqual({ confirmation: 'cancelled', merchant_notice: 'sent', cancellation: 'sent' });
    expect(mailsTo('late@example.com', /confirmed/)).toHaveLength(0);
  });
});
