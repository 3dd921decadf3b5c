import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../../core/security/secret-box.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../../helpers/app.ts';
import { call, expectProblem, GOOD_PASSWORD, uniqueEmail } from './support.ts';

/** Signup, login, tokens, refresh rotation, logout, password change — through the real HTTP app. */
describe('merchant accounts: sign-up, sign-in and sessions', () => {
  let app: TestApp;
  let owner: { email: string; tenantId: string; userId: string; accessToken: string; refreshToken: string };
  const count = async (table: string) => Number((await app.database.db.knex(table).count<{ c: number }[]>('* as c'))[0]!.c);

  beforeAll(async () => {
    app = await startTestApp();
    const email = uniqueEmail('owner');
    const res = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Tailor & Sons', email, password: GOOD_PASSWORD, locale: 'de', timeZone: 'Europe/Berlin' } });
    expect(res.status, res.text).toBe(201);
    owner = { email, tenantId: res.body.tenant.id, userId: res.body.user.id, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
  });
  afterAll(() => app.stop());

  it('signup creates the store and its owner, signed in, and never returns the password', async () => {
    const me = await call(app.url, 'GET', '/api/v1/me', { token: owner.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      user: { id: owner.userId, email: owner.email, name: null, role: 'owner' },
      tenant: { id: owner.tenantId, name: 'Tailor & Sons', timeZone: 'Europe/Berlin', locale: 'de' },
      role: 'owner',
      via: 'access-token',
    });
    const stored = await app.database.db.knex('users').where({ id: owner.userId }).first();
    expect(stored.password_hash).toMatch(/^\$2[aby]\$12\$/);
    expect(stored.password_hash).not.toContain(GOOD_PASSWORD);
    expect(me.text).not.toContain('password');
  });

  it('answers every bad signup with a 4xx problem that names the field, and creates nothing', async () => {
    const before = { tenants: await count('tenants'), users: await count('users'), memberships: await count('memberships') };

    const missing = await call(app.url, 'POST', '/api/v1/auth/signup', { body: {} });
    expectProblem(missing, 422, 'validation');
    expect(missing.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.email', 'body.password', 'body.storeName']);

    expectProblem(await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'X', email: 42, password: GOOD_PASSWORD } }), 422, 'validation', 'body.email');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: ['X'], email: uniqueEmail(), password: GOOD_PASSWORD } }), 422, 'validation', 'body.storeName');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'X', email: 'not-an-email', password: GOOD_PASSWORD } }), 422, 'validation', 'body.email');

    const weak = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'X', email: uniqueEmail(), password: 'password' } });
    expectProblem(weak, 422, 'validation', 'body.password');
    expect(weak.body.errors.map((e: { message: string }) => e.message)).toEqual(['must contain an uppercase letter', 'must contain a digit', 'is one of the most common passwords; choose another']);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'X', email: uniqueEmail(), password: 'Password1' } }), 422, 'validation', 'body.password');

    // A registered address is not revealed: 201 "check your email", nothing created (mail: tests/integration/hardening).
    const duplicate = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Copycat', email: owner.email.toUpperCase(), password: GOOD_PASSWORD } });
    expect(duplicate.status, duplicate.text).toBe(201);
    expect(duplicate.body).toEqual({ status: 'check-your-email', detail: expect.any(String) });
    expect(duplicate.text).not.toMatch(/taken|exists|registered/i);

    expectProblem(await call(app.url, 'POST', '/api/v1/auth/signup', { body: '{"storeName":', headers: { 'content-type': 'application/json' } }), 400, 'malformed-json');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/signup', { body: 'storeName=x', headers: { 'content-type': 'text/plain' } }), 422, 'validation', 'body');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'X', email: uniqueEmail(), password: GOOD_PASSWORD, timeZone: 'Mars/Base' } }), 422, 'validation', 'body.timeZone');

    expect({ tenants: await count('tenants'), users: await count('users'), memberships: await count('memberships') }).toEqual(before);
  });

  it('leaves nothing behind when the email is taken in a race past the early check', async () => {
    // Two signups for one new address at once: exactly one wins; the loser leaves no store.
    const email = uniqueEmail('race');
    const before = await count('tenants');
    const [a, b] = await Promise.all([
      call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Race A', email, password: GOOD_PASSWORD } }),
      call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Race B', email, password: GOOD_PASSWORD } }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.body, b.body].filter((body) => body.status === 'check-your-email')).toHaveLength(1);
    expect(await count('tenants')).toBe(before + 1);
  });

  it('login answers the same 401 for a wrong password and an unknown email', async () => {
    const wrong = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: 'Wrong-Password-1' } });
    const unknown = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: 'Wrong-Password-1' } });
    expectProblem(wrong, 401, 'invalid-credentials');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: owner.email } }), 422, 'validation', 'body.password');
  });

  it('login returns tokens, the user and the store; the email is case-insensitive', async () => {
    const res = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: `  ${owner.email.toUpperCase()}`.trim(), password: GOOD_PASSWORD } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: owner.userId, role: 'owner' }, tenant: { id: owner.tenantId, name: 'Tailor & Sons' } });
    expect(res.body.refreshToken).toMatch(/^crt_/);
    expect(res.text).not.toContain(GOOD_PASSWORD);
    expect((await call(app.url, 'GET', '/api/v1/me', { token: res.body.accessToken })).status).toBe(200);
  });

  describe('access tokens that are not ours get 401', () => {
    const key = deriveKey(TEST_SECRET_KEY, 'access-tokens');
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const claims = () => ({ sub: owner.userId, tid: owner.tenantId, role: 'owner', sid: (jwt.decode(owner.accessToken) as { sid: string }).sid });
    const sign = (payload: object, secret: Buffer, options: jwt.SignOptions = {}) =>
      jwt.sign(payload, secret, { algorithm: 'HS256', issuer: 'concierge', audience: 'concierge-api', expiresIn: 600, ...options });

    it('the genuine article works (control)', async () => {
      expect((await call(app.url, 'GET', '/api/v1/me', { token: sign(claims(), key) })).status).toBe(200);
    });

    it('alg: none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iat: now, exp: now + 600, iss: 'concierge', aud: 'concierge-api' })}.`;
      expectProblem(await call(app.url, 'GET', '/api/v1/me', { token }), 401);
    });

    it('a wrong key', async () => {
      expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: sign(claims(), deriveKey('another-secret-key-0123456789abcdef0123456789', 'access-tokens')) }), 401);
    });

    it('an expired token', async () => {
      const expired = sign(claims(), key, { expiresIn: -100 });
      expect((jwt.decode(expired) as { exp: number }).exp).toBeLessThan(Date.now() / 1000);
      expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: expired }), 401);
    });

    it('a tampered payload', async () => {
      const [header, , signature] = sign({ ...claims(), role: 'agent' }, key).split('.');
      const now = Math.floor(Date.now() / 1000);
      const forged = `${header}.${b64({ ...claims(), role: 'owner', iat: now, exp: now + 600, iss: 'concierge', aud: 'concierge-api' })}.${signature}`;
      expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: forged }), 401);
    });

    it('a validly signed token that names no live session', async () => {
      const { sid: _sid, ...noSession } = claims();
      expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: sign(noSession, key) }), 401);
      expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: sign({ ...claims(), sid: crypto.randomUUID() }, key) }), 401);
    });

    it('garbage and missing credentials', async () => {
      expectProblem(await call(app.url, 'GET', '/api/v1/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401);
      expectProblem(await call(app.url, 'GET', '/api/v1/me'), 401);
    });
  });

  it('refresh rotates; reusing an old refresh token revokes the whole session', async () => {
    const login = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: GOOD_PASSWORD } });
    const first = login.body.refreshToken as string;

    const r1 = await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first } });
    expect(r1.status, r1.text).toBe(200);
    expect(r1.body.refreshToken).not.toBe(first);
    expect((await call(app.url, 'GET', '/api/v1/me', { token: r1.body.accessToken })).status).toBe(200);

    const r2 = await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: r1.body.refreshToken } });
    expect(r2.status).toBe(200);

    // The first token again: reuse. The family is revoked — the newest tokens die with it.
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first } }), 401, 'invalid-refresh-token');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: r2.body.refreshToken } }), 401, 'invalid-refresh-token');
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: r2.body.accessToken }), 401);

    // Other sessions are untouched, and the owner can read what happened.
    expect((await call(app.url, 'GET', '/api/v1/me', { token: owner.accessToken })).status).toBe(200);
    const audit = await call(app.url, 'GET', '/api/v1/audit-log?action=auth.refresh_reused', { token: owner.accessToken });
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ action: 'auth.refresh_reused', subjectUserId: owner.userId });

    expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: 'crt_forged' } }), 401, 'invalid-refresh-token');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: 7 } }), 422, 'validation', 'body.refreshToken');
  });

  it('logout ends the session: its access and refresh tokens stop working at once', async () => {
    const login = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: GOOD_PASSWORD } });
    const out = await call(app.url, 'POST', '/api/v1/auth/logout', { token: login.body.accessToken });
    expect(out.status, out.text).toBe(204);
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: login.body.accessToken }), 401);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: login.body.refreshToken } }), 401);

    // With only the refresh token (the access token expired): the body names the session.
    const second = await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: owner.refreshToken } });
    expect(second.status).toBe(200);
    expect((await call(app.url, 'POST', '/api/v1/auth/logout', { body: { refreshToken: second.body.refreshToken } })).status).toBe(204);
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: second.body.accessToken }), 401);
    owner.accessToken = (await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: GOOD_PASSWORD } })).body.accessToken;
  });

  it('changing the password ends every other session and hands this caller a new one', async () => {
    const other = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: GOOD_PASSWORD } });
    expectProblem(
      await call(app.url, 'POST', '/api/v1/me/password', { token: owner.accessToken, body: { currentPassword: 'Not-The-One-1', newPassword: 'Brand-New-Cut-77' } }),
      422,
      'validation',
      'body.currentPassword',
    );
    expectProblem(await call(app.url, 'POST', '/api/v1/me/password', { token: owner.accessToken, body: { currentPassword: GOOD_PASSWORD, newPassword: 'weak' } }), 422, 'validation', 'body.newPassword');

    const changed = await call(app.url, 'POST', '/api/v1/me/password', { token: owner.accessToken, body: { currentPassword: GOOD_PASSWORD, newPassword: 'Brand-New-Cut-77' } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.text).not.toContain('Brand-New-Cut-77');
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: other.body.accessToken }), 401);
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: owner.accessToken }), 401);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: other.body.refreshToken } }), 401);
    expect((await call(app.url, 'GET', '/api/v1/me', { token: changed.body.accessToken })).status).toBe(200);

    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: GOOD_PASSWORD } }), 401);
    const audit = await call(app.url, 'GET', '/api/v1/audit-log', { token: changed.body.accessToken });
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['account.signup', 'auth.login', 'auth.login_failed', 'auth.logout', 'auth.password_changed']));
    const failed = audit.body.items.find((e: { action: string }) => e.action === 'auth.login_failed');
    expect(failed).toMatchObject({ actor: { userId: owner.userId, email: owner.email }, ip: expect.stringMatching(/127\.0\.0\.1/) });
    expect(new Date(failed.at).getTime()).toBeGreaterThan(Date.now() - 120_000);
  });

  it('pages through the audit log with a cursor', async () => {
    const login = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: 'Brand-New-Cut-77' } });
    const token = login.body.accessToken;
    const all = (await call(app.url, 'GET', '/api/v1/audit-log?limit=200', { token })).body.items;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await call(app.url, 'GET', `/api/v1/audit-log?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token });
      seen.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e: { id: string }) => e.id));
    expectProblem(await call(app.url, 'GET', '/api/v1/audit-log?cursor=nonsense', { token }), 422, 'validation', 'query.cursor');
    expectProblem(await call(app.url, 'GET', '/api/v1/audit-log?limit=0', { token }), 422, 'validation', 'query.limit');
  });

  it('lets only the owner delete the store, with their password; everything of it goes', async () => {
    const email = uniqueEmail('leaving');
    const signup = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Closing Down', email, password: GOOD_PASSWORD } });
    const { accessToken: token, tenant } = signup.body;
    await call(app.url, 'POST', '/api/v1/bots', { token, body: { name: 'Last bot', allowedOrigins: [] } });
    await call(app.url, 'POST', '/api/v1/api-keys', { token, body: { name: 'Last key' } });

    expectProblem(await call(app.url, 'DELETE', '/api/v1/tenant', { token, body: { password: 'Not-Mine-123' } }), 422, 'validation', 'body.password');
    expectProblem(await call(app.url, 'DELETE', '/api/v1/tenant', { token }), 422, 'validation', 'body');
    expect((await call(app.url, 'DELETE', '/api/v1/tenant', { token, body: { password: GOOD_PASSWORD } })).status).toBe(204);

    expectProblem(await call(app.url, 'GET', '/api/v1/me', { token }), 401);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD } }), 401);
    for (const table of ['tenants', 'bots', 'api_keys', 'sessions', 'memberships', 'audit_events']) {
      const column = table === 'tenants' ? 'id' : 'tenant_id';
      expect(await app.database.db.knex(table).where(column, tenant.id), table).toEqual([]);
    }
    expect(await app.database.db.knex('users').where({ email })).toEqual([]);
    // The other store is untouched.
    expect(await app.database.db.knex('tenants').where({ id: owner.tenantId })).toHaveLength(1);
    expect(await app.database.db.knex('sessions').where({ tenant_id: owner.tenantId })).not.toHaveLength(0);
  });
});
