import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { call, cookiesOf, GOOD_PASSWORD, uniqueEmail } from './support.ts';

/** Passwords and tokens never reach the log, even at trace level, through every accounts flow. */
describe('no secret in the log', () => {
  let smtp: TestSmtp;
  let app: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtp();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    app = await startTestApp({ SMTP_URL: smtp.url, LOG_LEVEL: 'trace' }, { logger: pino({ level: 'trace' }, sink) });
  });
  afterAll(async () => {
    await app.stop();
    await smtp.close();
  });

  it('keeps passwords, access/refresh tokens, API keys, CSRF, reset and invite tokens out of every log line', async () => {
    const secrets: string[] = [GOOD_PASSWORD, 'Wrong-Guess-77', 'Renewed-Pass-88', 'Invitee-Pass-99'];
    const email = uniqueEmail('logs');
    const signup = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Log Shop', email, password: GOOD_PASSWORD } });
    secrets.push(signup.body.accessToken, signup.body.refreshToken);
    await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: 'Wrong-Guess-77' } });
    const cookieLogin = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD, mode: 'cookie' } });
    for (const c of Object.values(cookiesOf(cookieLogin.headers))) secrets.push(c.value);
    const cookie = Object.entries(cookiesOf(cookieLogin.headers)).map(([k, v]) => `${k}=${v.value}`).join('; ');
    await call(app.url, 'GET', '/api/v1/me', { headers: { cookie } });
    const refreshed = await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: signup.body.refreshToken } });
    secrets.push(refreshed.body.accessToken, refreshed.body.refreshToken);
    await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: signup.body.refreshToken } }); // reuse

    const key = await call(app.url, 'POST', '/api/v1/api-keys', { token: (await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD } })).body.accessToken, body: { name: 'k' } });
    secrets.push(key.body.key);
    await call(app.url, 'GET', '/api/v1/bots', { token: key.body.key });

    const owner = (await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD } })).body.accessToken;
    const invitee = uniqueEmail('invitee');
    await call(app.url, 'POST', '/api/v1/team/invites', { token: owner, body: { email: invitee, role: 'agent' } });
    const inviteMail = await smtp.waitFor((m) => m.subject?.includes('Log Shop') ?? false);
    const inviteToken = /#token=(\S+)/.exec(inviteMail.text ?? '')![1]!;
    secrets.push(inviteToken);
    await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token: inviteToken, password: 'Invitee-Pass-99' } });

    await call(app.url, 'POST', '/api/v1/auth/password-reset', { body: { email } });
    await app.application.accounts.settled();
    const resetMail = await smtp.waitFor((m) => m.subject === 'Reset your Concierge password');
    const resetToken = /#token=(\S+)/.exec(resetMail.text ?? '')![1]!;
    secrets.push(resetToken);
    await call(app.url, 'POST', '/api/v1/auth/password-reset/confirm', { body: { token: resetToken, password: 'Renewed-Pass-88' } });

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(12); // the log did record these requests
    expect(log).toContain('/api/v1/auth/login');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(7);
      expect(log.includes(secret), `a secret of ${secret.length} characters is in the log`).toBe(false);
    }
  });
});
