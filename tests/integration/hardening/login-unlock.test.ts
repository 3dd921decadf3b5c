import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type ParsedMail, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { call, cookiesOf, expectProblem, GOOD_PASSWORD, uniqueEmail } from '../accounts/support.ts';

/**
 * Issue 14: a locked-out owner's way back that an attacker cannot turn into a denial. When the
 * shared count of unknown addresses holds sign-ins back, the account's address gets a one-time
 * unlock link (real SMTP server); opening it in a browser lets that browser sign in again, and
 * nothing else: not the attacker, not the address without the browser, not a second use, not late.
 */
describe('mailed unlock link for a throttled account', () => {
  let app: TestApp;
  let smtp: TestSmtp;
  let frozen = new Date();
  const clock = () => frozen;
  const advance = (minutes: number) => (frozen = new Date(frozen.getTime() + minutes * 60_000));

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await startTestApp({ SMTP_URL: smtp.url }, { clock });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await smtp?.close();
  });

  const from = (ip: string, cookie?: string) => ({ 'x-forwarded-for': ip, ...(cookie ? { cookie: `concierge_device=${cookie}` } : {}) });
  const login = (email: string, password: string, headers: Record<string, string>) => call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password }, headers });
  const unlockMails = (email: string) => smtp.mails.filter((m) => m.subject === 'Sign-ins to your Concierge account are slowed down' && JSON.stringify(m.to).includes(email));
  const tokenOf = (mail: ParsedMail) => /\/api\/v1\/auth\/login\/unlock\?token=(clu_[A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1]!;
  const attackUntilThrottled = async (email: string) => {
    for (let i = 0; i < 10; i++) {
      const res = await login(email, `Wrong-${i}-Guess`, from('203.0.113.66'));
      if (res.status === 429) return;
      expectProblem(res, 401, 'invalid-credentials');
    }
    throw new Error('never throttled');
  };

  it('mails the owner a one-time link that lets the browser opening it sign in, and nothing else', async () => {
    const email = uniqueEmail('locked');
    const signup = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Locked Store', email, password: GOOD_PASSWORD }, headers: from('198.51.100.7') });
    expect(signup.status, signup.text).toBe(201);

    // The attacker's failures throttle every address the account never signed in from.
    await attackUntilThrottled(email);
    // The owner on a new laptop at a new address is held back too: that is what the link is for.
    const held = await login(email, GOOD_PASSWORD, from('192.0.2.10'));
    expectProblem(held, 429, 'rate-limited');
    expect(held.body.detail).toMatch(/link we mailed/);

    const mail = await smtp.waitFor((m) => m.subject === 'Sign-ins to your Concierge account are slowed down' && JSON.stringify(m.to).includes(email), 10_000);
    const token = tokenOf(mail);
    // Hashed at rest: the table has the SHA-256, never the token.
    const rows = await app.database.db.knex('login_unlock_tokens').select('token_hash', 'expires_at', 'created_at');
    expect(rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
    for (const r of rows) expect(r.expires_at.getTime() - r.created_at.getTime()).toBe(30 * 60_000);

    // Opening the page (a mail scanner does too) spends nothing; it only shows a button.
    const page = await fetch(`${app.url}/api/v1/auth/login/unlock?token=${token}`, { headers: from('192.0.2.10') });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const pageText = await page.text();
    expect(pageText).toContain('<form method="post" action="/api/v1/auth/login/unlock">');
    expect(pageText).toContain(`value="${token}"`);

    // The button: a form post from the new laptop, which gets its device cookie here.
    const unlocked = await fetch(`${app.url}/api/v1/auth/login/unlock`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...from('192.0.2.10') },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(unlocked.status, await unlocked.clone().text()).toBe(200);
    expect(await unlocked.text()).toContain('Sign-in unlocked');
    const device = cookiesOf(unlocked.headers).concierge_device!.value;
    expect(device).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // That browser signs in; another new address without it, and the attacker, are still held back.
    expectProblem(await login(email, GOOD_PASSWORD, from('192.0.2.10')), 429, 'rate-limited');
    const owner = await login(email, GOOD_PASSWORD, from('192.0.2.10', device));
    expect(owner.status, owner.text).toBe(200);
    expectProblem(await login(email, GOOD_PASSWORD, from('192.0.2.11')), 429, 'rate-limited');
    expectProblem(await login(email, GOOD_PASSWORD, from('203.0.113.66')), 429, 'rate-limited');

    // Once only (JSON clients get 204 the first time, 400 problem+json after).
    const again = await call(app.url, 'POST', '/api/v1/auth/login/unlock', { body: { token }, headers: from('192.0.2.10') });
    expectProblem(again, 400, 'invalid-token');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login/unlock', { body: { token: 'clu_forged' } }), 400, 'invalid-token');
  });

  it('sends at most 3 unlock mails an hour however often the attacker tries, and a link expires after 30 minutes', async () => {
    const email = uniqueEmail('flooded');
    expect((await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Flooded Store', email, password: GOOD_PASSWORD }, headers: from('198.51.100.8') })).status).toBe(201);
    await attackUntilThrottled(email);
    for (let i = 0; i < 8; i++) expectProblem(await login(email, 'Still-Wrong-1', from(`203.0.113.${100 + i}`)), 429, 'rate-limited');
    await app.application.accounts.settled();
    expect(unlockMails(email)).toHaveLength(3);

    // An hour later the attacker is back: a fresh mail, whose link is dead 31 minutes on.
    advance(61);
    await attackUntilThrottled(email);
    await app.application.accounts.settled();
    expect(unlockMails(email)).toHaveLength(4);
    const late = tokenOf(unlockMails(email)[3]!);
    advance(31);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login/unlock', { body: { token: late }, headers: from('192.0.2.20') }), 400, 'invalid-token');
    // The owner's usual address never needed a link.
    const usual = await login(email, GOOD_PASSWORD, from('198.51.100.8'));
    expect(usual.status, usual.text).toBe(200);
  });
});
