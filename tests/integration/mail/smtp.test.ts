import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../../adapters/mail/smtp.ts';
import { MailError, type MailPort } from '../../../core/mail/mail.port.ts';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Concierge//Test//EN',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:booking-123@concierge.test',
  'DTSTAMP:20261201T090000Z',
  'DTSTART:20261203T100000Z',
  'DTEND:20261203T104500Z',
  'SUMMARY:Suit fitting',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const USER = 'mailer-user';
const PASS = 'S3cr3t+p@ss/w0rd';
const withCreds = (url: string, user = USER, pass = PASS) =>
  url.replace('smtp://', `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@`);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Mailers first, so the server has no pooled connections left to wait for.
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(opts: Parameters<typeof startTestSmtp>[0] = {}, timeoutMs = 5000) {
  const smtp: TestSmtp = await startTestSmtp(opts);
  cleanups.push(() => smtp.close());
  const url = opts.auth ? withCreds(smtp.url, opts.auth.user, opts.auth.pass) : smtp.url;
  const mailer: MailPort = createSmtpMailer({ url, from: 'Demo Store <shop@demo.test>', timeoutMs });
  cleanups.push(async () => mailer.close?.());
  return { smtp, mailer };
}

async function expectMailError(promise: Promise<unknown>): Promise<MailError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the promise to reject');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MailError);
  return err as MailError;
}

function expectNoSecrets(err: MailError) {
  const everything = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}\n${String(err.cause ?? '')}`;
  for (const secret of [PASS, encodeURIComponent(PASS), Buffer.from(PASS).toString('base64'), USER, encodeURIComponent(USER)]) {
    expect(everything).not.toContain(secret);
  }
}

describe('SMTP mail adapter', () => {
  it('delivers text, html, headers and an .ics attachment that a real parser reads back', async () => {
    const { smtp, mailer } = await setup({ auth: { user: USER, pass: PASS } });

    const sent = await mailer.send({
      to: ['anna@example.com', 'ben@example.com'],
      replyTo: 'help@demo.test',
      subject: 'Your suit fitting on 3 December – confirmed',
      text: 'See you on Thursday at 11:00.',
      html: '<p>See you on <strong>Thursday</strong> at 11:00.</p>',
      headers: { 'X-Concierge-Booking': 'booking-123' },
      attachments: [{ filename: 'invite.ics', content: ICS, contentType: 'text/calendar; charset=utf-8; method=REQUEST' }],
      tenantId: 'tenant-1',
    });

    const mail = await smtp.waitFor((m) => m.subject?.includes('suit fitting') ?? false);
    expect(sent.messageId).toBe(mail.messageId);
    expect(mail.subject).toBe('Your suit fitting on 3 December – confirmed');
    expect(mail.from?.value[0]).toMatchObject({ address: 'shop@demo.test', name: 'Demo Store' });
    const to = Array.isArray(mail.to) ? mail.to : [mail.to];
    expect(to.flatMap((a) => a?.value.map((v) => v.address))).toEqual(['anna@example.com', 'ben@example.com']);
    expect(mail.replyTo?.value[0]?.address).toBe('help@demo.test');
    expect(mail.headers.get('x-concierge-booking')).toBe('booking-123');
    expect(mail.text?.trim()).toBe('See you on Thursday at 11:00.');
    expect(mail.html).toContain('<strong>Thursday</strong>');

    expect(mail.attachments).toHaveLength(1);
    const ics = mail.attachments[0]!;
    expect(ics.filename).toBe('invite.ics');
    expect(ics.contentType).toBe('text/calendar');
    expect(ics.content.toString('utf8')).toBe(ICS);

    // The tenant id is internal: it must not travel to the shopper.
    expect(smtp.deliveries[0]!.raw.toString('utf8')).not.toContain('tenant-1');
    expect(smtp.deliveries[0]!.user).toBe(USER);
    expect(smtp.deliveries[0]!.envelope.to).toEqual(['anna@example.com', 'ben@example.com']);
  });

  it('uses the sender given on the message over the configured default', async () => {
    const { smtp, mailer } = await setup();
    await mailer.send({ to: 'c@example.com', from: 'Other <other@demo.test>', subject: 'from override', text: 'x' });
    const mail = await smtp.waitFor((m) => m.subject === 'from override');
    expect(mail.from?.value[0]?.address).toBe('other@demo.test');
    expect(smtp.deliveries[0]!.envelope.from).toBe('other@demo.test');
  });

  it('reports a 451 as a retryable MailError, and the next attempt goes through', async () => {
    const { smtp, mailer } = await setup();
    smtp.rejectNext(1, 451, 'Greylisted, try again later');
    const message = { to: 'd@example.com', subject: 'retry me', text: 'hello' };

    const err = await expectMailError(mailer.send(message));
    expect(err.retryable).toBe(true);
    expect(err.smtpCode).toBe(451);
    expect(err.code).toBe('MAIL_TEMPORARY_FAILURE');
    expect(err.message).toContain('Greylisted');
    expect(smtp.mails).toHaveLength(0);

    await mailer.send(message);
    await smtp.waitFor((m) => m.subject === 'retry me');
    expect(smtp.rejectedCount).toBe(1);
  });

  it('reports a 550 as a permanent MailError', async () => {
    const { smtp, mailer } = await setup();
    smtp.rejectNext(1, 550, 'Mailbox unavailable');
    const err = await expectMailError(mailer.send({ to: 'e@example.com', subject: 'nope', text: 'x' }));
    expect(err.retryable).toBe(false);
    expect(err.smtpCode).toBe(550);
    expect(err.code).toBe('MAIL_REJECTED');
    expect(smtp.mails).toHaveLength(0);
  });

  it('classifies a refused recipient by its reply code too', async () => {
    const { smtp, mailer } = await setup();
    smtp.rejectNext(1, 450, 'Mailbox busy', 'rcpt');
    const temporary = await expectMailError(mailer.send({ to: 'f@example.com', subject: 'rcpt', text: 'x' }));
    expect(temporary).toMatchObject({ retryable: true, smtpCode: 450 });

    smtp.rejectNext(1, 553, 'No such user', 'rcpt');
    const permanent = await expectMailError(mailer.send({ to: 'g@example.com', subject: 'rcpt', text: 'x' }));
    expect(permanent).toMatchObject({ retryable: false, smtpCode: 553 });
  });

  it('verify() succeeds against a reachable server with valid credentials', async () => {
    const { mailer } = await setup({ auth: { user: USER, pass: PASS } });
    await expect(mailer.verify!()).resolves.toBeUndefined();
  });

  it('a wrong password fails verify() and send() without retry and without leaking credentials', async () => {
    const smtp = await startTestSmtp({ auth: { user: USER, pass: 'the-right-one' } });
    cleanups.push(() => smtp.close());
    const mailer = createSmtpMailer({ url: withCreds(smtp.url), from: 'shop@demo.test', timeoutMs: 5000 });
    cleanups.push(async () => mailer.close?.());

    const verifyErr = await expectMailError(mailer.verify!());
    expect(verifyErr).toMatchObject({ code: 'MAIL_AUTH_FAILED', retryable: false, smtpCode: 535 });
    expectNoSecrets(verifyErr);

    const sendErr = await expectMailError(mailer.send({ to: 'h@example.com', subject: 'x', text: 'x' }));
    expect(sendErr).toMatchObject({ code: 'MAIL_AUTH_FAILED', retryable: false });
    expectNoSecrets(sendErr);
    expect(smtp.mails).toHaveLength(0);
  });

  it('an unreachable server is a retryable connection failure whose message names the host, not the credentials', async () => {
    // Take a free port and release it, so nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const mailer = createSmtpMailer({ url: withCreds(`smtp://127.0.0.1:${port}`), from: 'shop@demo.test', timeoutMs: 2000 });
    cleanups.push(async () => mailer.close?.());

    const err = await expectMailError(mailer.send({ to: 'i@example.com', subject: 'x', text: 'x' }));
    expect(err).toMatchObject({ code: 'MAIL_CONNECTION_FAILED', retryable: true });
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expectNoSecrets(err);

    const verifyErr = await expectMailError(mailer.verify!());
    expect(verifyErr.retryable).toBe(true);
    expectNoSecrets(verifyErr);
  });

  it('a server that never greets times out as a retryable failure', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          silent.close(() => resolve());
        }),
    );
    const port = (silent.address() as net.AddressInfo).port;
    const mailer = createSmtpMailer({ url: withCreds(`smtp://127.0.0.1:${port}`), from: 'shop@demo.test', timeoutMs: 300 });
    cleanups.push(async () => mailer.close?.());

    const started = Date.now();
    const err = await expectMailError(mailer.send({ to: 'j@example.com', subject: 'x', text: 'x' }));
    expect(err).toMatchObject({ code: 'MAIL_CONNECTION_FAILED', retryable: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expectNoSecrets(err);
  });

  it('refuses a non-SMTP url without echoing it', () => {
    expect(() => createSmtpMailer({ url: `http://${USER}:${PASS}@example.com`, from: 'x@y.z' })).toThrow(/smtp:\/\//);
    try {
      createSmtpMailer({ url: `http://${USER}:${PASS}@example.com`, from: 'x@y.z' });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain(PASS);
    }
  });

  it('refuses to send after close()', async () => {
    const { mailer } = await setup();
    await mailer.close!();
    const err = await expectMailError(mailer.send({ to: 'k@example.com', subject: 'x', text: 'x' }));
    expect(err.retryable).toBe(false);
  });
});
