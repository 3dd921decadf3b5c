import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { call, cookiesOf, expectProblem, GOOD_PASSWORD, uniqueEmail } from './support.ts';

/** The dashboard's way in: HttpOnly SameSite cookies, and CSRF protection on state changes. */
describe('dashboard session cookies', () => {
  let app: TestApp;
  let email: string;
  let jar: Record<string, string>;
  let csrf: string;
  const cookieHeader = (names: string[] = Object.keys(jar)) => names.map((n) => `${n}=${jar[n]}`).join('; ');

  beforeAll(async () => {
    app = await startTestApp();
    email = uniqueEmail('dash');
    const signup = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Cookie Shop', email, password: GOOD_PASSWORD, mode: 'cookie' } });
    expect(signup.status, signup.text).toBe(201);
    const set = cookiesOf(signup.headers);
    jar = Object.fromEntries(Object.entries(set).map(([k, v]) => [k, v.value]));
    csrf = signup.body.csrfToken;
  });
  afterAll(() => app.stop());

  it('sets HttpOnly, SameSite=Strict cookies and returns no token in the body', async () => {
    const login = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD, mode: 'cookie' } });
    expect(login.status).toBe(200);
    const set = cookiesOf(login.headers);
    expect(set.concierge_session!.attributes).toMatch(/HttpOnly/);
    expect(set.concierge_session!.attributes).toMatch(/SameSite=Strict/);
    expect(set.concierge_session!.attributes).toMatch(/Path=\//);
    expect(set.concierge_refresh!.attributes).toMatch(/HttpOnly/);
    expect(set.concierge_refresh!.attributes).toMatch(/Path=\/api\/v1\/auth/);
    expect(set.concierge_csrf!.attributes).not.toMatch(/HttpOnly/);
    expect(login.body.accessToken).toBeUndefined();
    expect(login.body.refreshToken).toBeUndefined();
    expect(login.body.csrfToken).toBe(set.concierge_csrf!.value);
    expect(login.body.user.email).toBe(email);
  });

  it('reads with the cookie alone', async () => {
    const me = await call(app.url, 'GET', '/api/v1/me', { headers: { cookie: cookieHeader() } });
    expect(me.status, me.text).toBe(200);
    expect(me.body.via).toBe('session-cookie');
  });

  it('refuses a state change with the cookie but without the right CSRF header', async () => {
    const bot = { name: 'Dashboard bot', allowedOrigins: ['https://cookie.example'] };
    expectProblem(await call(app.url, 'POST', '/api/v1/bots', { body: bot, headers: { cookie: cookieHeader() } }), 403, 'csrf');
    expectProblem(await call(app.url, 'POST', '/api/v1/bots', { body: bot, headers: { cookie: cookieHeader(), 'x-csrf-token': 'made-up' } }), 403, 'csrf');
    // Another session's valid CSRF token does not fit this session.
    const other = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD, mode: 'cookie' } });
    expectProblem(await call(app.url, 'POST', '/api/v1/bots', { body: bot, headers: { cookie: cookieHeader(), 'x-csrf-token': other.body.csrfToken } }), 403, 'csrf');
    expect((await call(app.url, 'GET', '/api/v1/bots', { headers: { cookie: cookieHeader() } })).body.items).toEqual([]);

    const ok = await call(app.url, 'POST', '/api/v1/bots', { body: bot, headers: { cookie: cookieHeader(), 'x-csrf-token': csrf } });
    expect(ok.status, ok.text).toBe(201);
  });

  it('needs no CSRF header for bearer tokens (browsers never send them on their own)', async () => {
    const login = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD } });
    const res = await call(app.url, 'POST', '/api/v1/bots', { token: login.body.accessToken, body: { name: 'API bot', allowedOrigins: [] } });
    expect(res.status, res.text).toBe(201);
  });

  it('refreshes through the cookie with the CSRF header, rotating the cookies', async () => {
    const refreshCookie = cookieHeader(['concierge_refresh']);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: {}, headers: { cookie: refreshCookie } }), 403, 'csrf');
    const res = await call(app.url, 'POST', '/api/v1/auth/refresh', { body: {}, headers: { cookie: refreshCookie, 'x-csrf-token': csrf } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.accessToken).toBeUndefined();
    const set = cookiesOf(res.headers);
    expect(set.concierge_refresh!.value).not.toBe(jar.concierge_refresh);
    expect(res.body.csrfToken).toBe(csrf); // same session, same CSRF token

    // The old refresh cookie again is reuse: the session ends.
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/refresh', { body: {}, headers: { cookie: refreshCookie, 'x-csrf-token': csrf } }), 401, 'invalid-refresh-token');
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { headers: { cookie: `concierge_session=${set.concierge_session!.value}` } }), 401);
  });

  it('logout through the cookie needs CSRF, ends the session and clears the cookies', async () => {
    const login = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD, mode: 'cookie' } });
    const set = cookiesOf(login.headers);
    const cookie = `concierge_session=${set.concierge_session!.value}`;
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/logout', { headers: { cookie } }), 403, 'csrf');
    const out = await call(app.url, 'POST', '/api/v1/auth/logout', { headers: { cookie, 'x-csrf-token': login.body.csrfToken } });
    expect(out.status, out.text).toBe(204);
    const cleared = cookiesOf(out.headers);
    expect(cleared.concierge_session!.value).toBe('');
    expect(cleared.concierge_session!.attributes).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(cleared.concierge_refresh!.value).toBe('');
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { headers: { cookie } }), 401);
  });
});
