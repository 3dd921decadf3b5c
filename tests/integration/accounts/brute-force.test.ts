import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountsRepository } from '../../../core/accounts/accounts.repository.ts';
import { accountErrorMapping } from '../../../core/accounts/accounts.routes.ts';
import { AccountsService, LOGIN_ACCOUNT_POLICY } from '../../../core/accounts/accounts.service.ts';
import { AccessTokens } from '../../../core/accounts/tokens.ts';
import { HttpProblem, SHARED_ERROR_MAPPINGS, toHttpError } from '../../../core/http/problem.ts';
import { RateLimitCounters } from '../../../core/security/rate-limit.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { call, expectProblem, GOOD_PASSWORD, uniqueEmail } from './support.ts';

/** Failed sign-ins slow down per account and per IP, with the counters in PostgreSQL. */
describe('brute-force protection', () => {
  let a: TestApp;
  let b: TestApp;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);

  beforeAll(async () => {
    a = await startTestApp({}, { clock });
    // A second instance on the same database: only PostgreSQL is shared.
    b = await startTestApp({}, { clock, database: a.database });
  });
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  it('after 5 failures on one instance, the next attempt on another instance waits — even with the right password', async () => {
    const email = uniqueEmail('victim');
    expect((await call(a.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Target', email, password: GOOD_PASSWORD } })).status).toBe(201);

    for (let i = 0; i < LOGIN_ACCOUNT_POLICY.freeAttempts; i++) {
      expectProblem(await call(a.url, 'POST', '/api/v1/auth/login', { body: { email, password: `Guess-${i}-Wrong` } }), 401, 'invalid-credentials');
    }
    const blocked = await call(b.url, 'POST', '/api/v1/auth/login', { body: { email: email.toUpperCase(), password: GOOD_PASSWORD } });
    expectProblem(blocked, 429, 'rate-limited');
    const wait = Number(blocked.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(LOGIN_ACCOUNT_POLICY.baseDelaySeconds);
    expect(blocked.text).not.toMatch(/invalid-credentials/);

    // Once the wait is over, the right password works, and success clears the account's count.
    offsetMs += (wait + 1) * 1000;
    const ok = await call(b.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD } });
    expect(ok.status, ok.text).toBe(200);
    expectProblem(await call(a.url, 'POST', '/api/v1/auth/login', { body: { email, password: 'Guess-again-1' } }), 401, 'invalid-credentials');

    const rows = await a.database.db.knex('rate_limit_counters').select('key');
    expect(rows.map((r) => r.key).join(' ')).not.toContain(email); // accounts are keyed by a hash
  });

  it('counts per IP across accounts (service with a small IP allowance)', async () => {
    const db = a.database.db;
    const logger = pino({ level: 'silent' });
    const service = new AccountsService({
      db,
      tenancy: new TenancyRepository(db),
      accounts: new AccountsRepository(db),
      tokens: new AccessTokens(Buffer.alloc(32, 1)),
      counters: new RateLimitCounters(db, clock),
      mail: { send: async () => ({ messageId: 'x' }) },
      logger,
      publicUrl: 'http://localhost',
      now: clock,
      loginPolicies: { account: LOGIN_ACCOUNT_POLICY, ip: { windowSeconds: 3600, freeAttempts: 2, baseDelaySeconds: 30, maxDelaySeconds: 900 } },
    });
    const attempt = (ip: string) =>
      service.login({ email: uniqueEmail('spray'), password: 'Spray-Attack-1' }, { ip }).then(
        () => 'signed-in',
        // The service throws coded errors; the status is what the routes answer with them.
        (error: unknown) => (toHttpError(error, [accountErrorMapping, ...SHARED_ERROR_MAPPINGS]) as HttpProblem).status,
      );
    expect(await attempt('203.0.113.9')).toBe(401);
    expect(await attempt('203.0.113.9')).toBe(401);
    expect(await attempt('203.0.113.9')).toBe(429); // a third account, same address
    expect(await attempt('198.51.100.4')).toBe(401); // another address is not affected
  });
});
