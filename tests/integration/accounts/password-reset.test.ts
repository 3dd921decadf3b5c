import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type ParsedMail, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { call, expectProblem, GOOD_PASSWORD, uniqueEmail, type Answer } from './support.ts';

/** Password reset through a real SMTP server; the test follows the link in the mail. */
describe('password reset', () => {
  let smtp: TestSmtp;
  let app: TestApp;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);

  const signup = async (locale?: string) => {
    const email = uniqueEmail('reset');
    const res = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Reset Shop', email, password: GOOD_PASSWORD, ...(locale ? { locale } : {}) } });
    expect(res.status, res.text).toBe(201);
    return { email, accessToken: res.body.accessToken as string, refreshToken: res.body.refreshToken as string };
  };
  const requestReset = async (email: string) => {
    const res = await call(app.url, 'POST', '/api/v1/auth/password-reset', { body: { email } });
    await app.application.accounts.settled();
    return res;
  };
  const mailsTo = (email: string) => smtp.mails.filter((m) => (m.to && !Array.isArray(m.to) ? m.to.value : []).some((a) => a.address === email));
  /** The link as a person would click it: the token travels in the fragment. */
  const tokenFrom = (mail: ParsedMail) => {
    const link = /(https?:\/\/\S+\/admin\/reset-password#token=\S+)/.exec(mail.text ?? '')?.[1];
    expect(link, mail.text).toBeDefined();
    const url = new URL(link!);
    return new URLSearchParams(url.hash.slice(1)).get('token')!;
  };
  const sameAnswer = (a: Answer, b: Answer) => {
    const pick = (x: Answer) => ({ status: x.status, text: x.text, type: x.headers.get('content-type'), length: x.headers.get('content-length') });
    expect(pick(b)).toEqual(pick(a));
  };

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await startTestApp({ SMTP_URL: smtp.url }, { clock });
  });
  afterAll(async () => {
    await app.stop();
    await smtp.close();
  });

  it('answers 202 for an unknown address, exactly as for a known one, and mails only the known one', async () => {
    const known = await signup();
    const unknownAnswer = await requestReset(uniqueEmail('nobody'));
    const knownAnswer = await requestReset(known.email);
    expect(knownAnswer.status).toBe(202);
    sameAnswer(knownAnswer, unknownAnswer);
    expect(smtp.mails).toHaveLength(1);
    expect(mailsTo(known.email)).toHaveLength(1);
  });

  it('mails a single-use link valid for an hour that signs out every session', async () => {
    const user = await signup();
    const second = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: GOOD_PASSWORD } });
    await requestReset(user.email);
    const mail = await smtp.waitFor((m) => mailsTo(user.email).includes(m));
    const token = tokenFrom(mail);
    expect(mail.subject).toBe('Reset your Concierge password');
    expect(mail.subject).not.toContain(token);
    expect(mail.text).toContain('60 minutes');

    // A weak new password is refused by name, and the link still works afterwards.
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'short' } }), 422, 'validation', 'body.password');

    const confirm = await call(app.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'Fresh-Start-42' } });
    expect(confirm.status, confirm.text).toBe(204);

    // Every session is over: both access tokens and both refresh tokens.
    for (const t of [user.accessToken, second.body.accessToken]) expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: t }), 401);
    for (const r of [user.refreshToken, second.body.refreshToken]) expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: r } }), 401);

    // Single use.
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'Another-Start-43' } }), 400, 'invalid-token');

    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: GOOD_PASSWORD } }), 401);
    const login = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: 'Fresh-Start-42' } });
    expect(login.status).toBe(200);
    const audit = await call(app.url, 'GET', '/api/v1/audit-log?action=auth.password_reset', { token: login.body.accessToken });
    expect(audit.body.items).toHaveLength(1);

    // Stored hashed only.
    const rows = await app.database.db.knex('password_reset_tokens').select('token_hash');
    expect(rows.map((r) => r.token_hash)).not.toContain(token);
  });

  it('sends at most 3 mails per hour; a 4th request answers exactly like the first and sends nothing', async () => {
    const user = await signup();
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await requestReset(user.email));
    for (const answer of answers) sameAnswer(answers[0]!, answer);
    expect(answers[0]!.status).toBe(202);
    expect(mailsTo(user.email)).toHaveLength(3);

    // An hour later the allowance is back.
    offsetMs += 61 * 60_000;
    await requestReset(user.email);
    expect(mailsTo(user.email)).toHaveLength(4);
  });

  it('refuses a link older than an hour, and garbage tokens', async () => {
    const user = await signup();
    await requestReset(user.email);
    const token = tokenFrom(mailsTo(user.email)[0]!);
    offsetMs += 61 * 60_000;
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token, password: 'Fresh-Start-42' } }), 400, 'invalid-token');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token: 'cpr_nope', password: 'Fresh-Start-42' } }), 400, 'invalid-token');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { password: 'Fresh-Start-42' } }), 422, 'validation', 'body.token');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/password-reset', { body: { email: 'nope' } }), 422, 'validation', 'body.email');
    // Still signed in (the access token expired with the hour; the session did not): a refused reset changes nothing.
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: user.accessToken }), 401);
    expect((await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(200);
  });

  it('writes to German speakers in German', async () => {
    const user = await signup('de');
    await requestReset(user.email);
    const mail = mailsTo(user.email)[0]!;
    expect(mail.subject).toBe('Passwort für Concierge zurücksetzen');
    expect(mail.text).toContain('Minuten');
  });
});
