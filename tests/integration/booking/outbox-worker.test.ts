import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../../adapters/mail/smtp.ts';
import { BookingRepository } from '../../../core/booking/booking.repository.ts';
import { BookingService } from '../../../core/booking/booking.service.ts';
import { ManageTokens } from '../../../core/booking/manage-token.ts';
import { NotificationRenderer } from '../../../core/booking/notification.renderer.ts';
import { OutboxRepository } from '../../../core/booking/outbox.repository.ts';
import { OutboxWorker } from '../../../core/booking/outbox.worker.ts';
import type { MailMessage, MailPort, SentMail } from '../../../core/mail/mail.port.ts';
import { deriveKey } from '../../../core/security/secret-box.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { TEST_SECRET_KEY } from '../../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { NINE_TO_FIVE, TestClock, eventually, sleep } from './helpers.ts';

/**
 * The outbox worker against PostgreSQL and a real SMTP server, two workers on one database,
 * without the HTTP app: the one window that stays at-least-once, a lease that runs out during a
 * send, and a graceful stop.
 */
describe('booking outbox worker', () => {
  let t: TestDatabase;
  let smtp: TestSmtp;
  let service: BookingService;
  let outbox: OutboxRepository;
  let renderer: NotificationRenderer;
  let tenantId: string;
  let serviceId: string;
  const clock = new TestClock(new Date('2027-03-01T07:00:00Z').getTime());
  const logger = pino({ level: 'silent' });
  const workers: OutboxWorker[] = [];
  const smtpMailers: MailPort[] = [];

  const worker = (instanceId: string, mail: MailPort, leaseMs = 2_000) => {
    const w = new OutboxWorker({ outbox, renderer, mail, clock: clock.now, logger, options: { instanceId, tickSeconds: 1, leaseMs, batchSize: 10 } });
    workers.push(w);
    return w;
  };
  const smtpMail = () => {
    const m = createSmtpMailer({ url: smtp.url, from: 'Bookings <bookings@concierge.test>' });
    smtpMailers.push(m);
    return m;
  };
  const rowsOf = (bookingId: string) => t.db.knex('booking_notifications').where({ booking_id: bookingId }).whereNot('kind', 'reminder').orderBy('kind').select('id', 'kind', 'status', 'attempts', 'claimed_by', 'message_id');
  const to = (email: string) => smtp.mails.filter((m) => (m.to as { text: string }).text === email);
  const book = (start: string, email: string) => service.book({ tenantId, serviceId, start, customer: { name: email, email } });

  beforeAll(async () => {
    t = await createTestDatabase();
    smtp = await startTestSmtp();
    const tenancy = new TenancyRepository(t.db);
    tenantId = (await tenancy.createTenant({ name: 'Worker Store', timeZone: 'Europe/Berlin' })).id;
    const tokens = new ManageTokens(deriveKey(TEST_SECRET_KEY, 'booking-manage'));
    const tenantInfo = async () => ({ name: 'Worker Store', timeZone: 'Europe/Berlin', locale: 'en' });
    const repo = new BookingRepository();
    service = new BookingService({ db: t.db, repository: repo, manageTokens: tokens, publicUrl: 'https://concierge.test', clock: clock.now, tenantInfo });
    outbox = new OutboxRepository(t.db);
    renderer = new NotificationRenderer({
      db: t.db,
      repo,
      tenantInfo,
      merchantRecipients: async () => [],
      manageUrl: (tid, bid) => service.manageUrl(tid, bid),
      publicUrl: 'https://concierge.test',
      organizerEmail: 'bookings@concierge.test',
    });
    serviceId = (await service.createService(tenantId, { name: 'Fitting', durationMinutes: 60, bufferBeforeMinutes: 0, bufferAfterMinutes: 0, capacity: 1, locationType: 'in_person', minNoticeMinutes: 60, maxAdvanceDays: 60, position: 0 })).id;
    await service.createResource(tenantId, { name: 'Lena', kind: 'staff', serviceIds: [serviceId], timeZone: 'Europe/Berlin', weeklyHours: NINE_TO_FIVE, position: 0 });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    for (const m of smtpMailers) await m.close?.();
    await smtp.close();
    await t.drop();
  });

  it('a crash after the server accepted but before the mark can send twice: the copy carries the same Message-ID', async () => {
    // A's sender delivers, then stalls before it can record the outcome: to the outbox, A is dead.
    const real = smtpMail();
    let resume!: () => void;
    const resumed = new Promise<void>((r) => (resume = r));
    const dying: MailPort = {
      async send(message: MailMessage): Promise<SentMail> {
        const sent = await real.send(message);
        await resumed;
        return sent;
      },
    };
    const a = worker('a', dying);
    const b = worker('b', smtpMail());
    const booking = await book('2027-03-02T09:00:00+01:00', 'window@example.com');
    const roundA = a.runOnce();
    await eventually(() => to('window@example.com').length === 1, 5_000, 'the first copy');
    const [row] = (await rowsOf(booking.id)).filter((r) => r.kind === 'confirmation');
    expect(row).toMatchObject({ status: 'claimed', claimed_by: 'a', attempts: 1 });

    // Within the lease nobody else touches it; after it, B takes over and sends again.
    expect((await b.runOnce()).sent).toBe(0);
    clock.advance(2_001);
    expect((await b.runOnce()).sent).toBe(1);
    const copies = to('window@example.com');
    expect(copies).toHaveLength(2);
    const ids = copies.map((m) => String(m.headers.get('message-id')));
    expect(ids[0]).toBe(`<booking-notification.${row!.id}@concierge.test>`);
    expect(ids[1]).toBe(ids[0]); // a receiver that drops repeated Message-IDs shows it once

    // A wakes up: the row is not its any more, so it records nothing.
    resume();
    const reportA = await roundA;
    expect(reportA.sent).toBe(0);
    expect(reportA.lost).toBeGreaterThanOrEqual(1); // the confirmation (and the merchant note, if B took it over too)
    expect((await rowsOf(booking.id)).find((r) => r.kind === 'confirmation')).toMatchObject({ status: 'sent', claimed_by: null, attempts: 2, message_id: ids[0] });
  });

  it('a graceful stop finishes the mail in flight and hands the rest of its batch back at once', async () => {
    const real = smtpMail();
    const slow: MailPort = {
      async send(message: MailMessage): Promise<SentMail> {
        await sleep(300);
        return real.send(message);
      },
    };
    const c = worker('c', slow, 60_000);
    const d = worker('d', smtpMail());
    const emails = ['stop1@example.com', 'stop2@example.com', 'stop3@example.com'];
    const ids: string[] = [];
    for (const [i, email] of emails.entries()) ids.push((await book(`2027-03-03T${10 + i}:00:00+01:00`, email)).id);
    const round = c.runOnce();
    await eventually(() => emails.some((e) => to(e).length === 1), 5_000, 'the first mail of the batch');
    await c.stop();
    const report = await round;
    expect(report.sent).toBeGreaterThanOrEqual(1);
    expect(report.sent).toBeLessThan(3);
    const left = await t.db.knex('booking_notifications').whereIn('booking_id', ids).where({ kind: 'confirmation' }).whereNot('status', 'sent').select('status', 'claimed_by');
    expect(left.length).toBe(3 - report.sent);
    expect(left.every((r) => r.status === 'pending' && r.claimed_by === null)).toBe(true);

    // No lease to wait for: another instance sends the rest right away, each once.
    expect((await d.runOnce()).sent).toBe(3 - report.sent);
    for (const e of emails) expect(to(e)).toHaveLength(1);
  });
});
