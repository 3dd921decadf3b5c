import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botIdentitySecretBox } from '../../../core/tenancy/bots.routes.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { call, expectProblem } from './support.ts';

describe('API keys', () => {
  let app: TestApp;
  let owner: TestMerchant;

  beforeAll(async () => {
    app = await startTestApp();
    owner = await createMerchant(app.application, { role: 'owner' });
  });
  afterAll(() => app.stop());

  it('shows a key once, stores only its hash, and accepts it as a bearer credential', async () => {
    const created = await call(app.url, 'POST', '/api/v1/api-keys', { token: owner.token, body: { name: 'ERP sync' } });
    expect(created.status, created.text).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^cak_/);
    expect(created.body).toMatchObject({ name: 'ERP sync', role: 'admin', hint: key.slice(-4), revokedAt: null });

    const listed = await call(app.url, 'GET', '/api/v1/api-keys', { token: owner.token });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.text).not.toContain(key);
    expect(listed.body.items[0].key).toBeUndefined();
    const row = await app.database.db.knex('api_keys').where({ id: created.body.id }).first();
    expect(JSON.stringify(row)).not.toContain(key.slice(4));

    const me = await call(app.url, 'GET', '/api/v1/me', { token: key });
    expect(me.body).toMatchObject({ user: null, tenant: { id: owner.tenantId }, role: 'admin', via: 'api-key' });
    expect((await call(app.url, 'POST', '/api/v1/bots', { token: key, body: { name: 'From ERP', allowedOrigins: [] } })).status).toBe(201);
    expect((await call(app.url, 'GET', `/api/v1/api-keys/${created.body.id}`, { token: owner.token })).body.lastUsedAt).not.toBeNull();
  });

  it('never lets a key manage keys or the team, whatever its role', async () => {
    const { body } = await call(app.url, 'POST', '/api/v1/api-keys', { token: owner.token, body: { name: 'Admin key', role: 'admin' } });
    expectProblem(await call(app.url, 'POST', '/api/v1/api-keys', { token: body.key, body: { name: 'child' } }), 403, 'forbidden');
    expectProblem(await call(app.url, 'POST', '/api/v1/team/invites', { token: body.key, body: { email: 'x@shop.example', role: 'owner' } }), 403, 'forbidden');
    expectProblem(await call(app.url, 'POST', '/api/v1/me/password', { token: body.key, body: { currentPassword: 'x', newPassword: 'Tailor-Made-2026' } }), 403);

    const agentKey = (await call(app.url, 'POST', '/api/v1/api-keys', { token: owner.token, body: { name: 'Agent key', role: 'agent' } })).body.key;
    expect((await call(app.url, 'GET', '/api/v1/bots', { token: agentKey })).status).toBe(200);
    expectProblem(await call(app.url, 'POST', '/api/v1/bots', { token: agentKey, body: { name: 'no', allowedOrigins: [] } }), 403);
    expectProblem(await call(app.url, 'POST', '/api/v1/api-keys', { token: owner.token, body: { name: 'Owner key', role: 'owner' } }), 422, 'validation', 'body.role');
    expectProblem(await call(app.url, 'POST', '/api/v1/api-keys', { token: owner.token, body: { name: '' } }), 422, 'validation', 'body.name');
  });

  it('stops working when revoked; both events are in the audit log with the actor', async () => {
    const { body } = await call(app.url, 'POST', '/api/v1/api-keys', { token: owner.token, body: { name: 'Short-lived' } });
    expect((await call(app.url, 'GET', '/api/v1/bots', { token: body.key })).status).toBe(200);
    expect((await call(app.url, 'DELETE', `/api/v1/api-keys/${body.id}`, { token: owner.token })).status).toBe(204);
    expectProblem(await call(app.url, 'GET', '/api/v1/bots', { token: body.key }), 401);
    expectProblem(await call(app.url, 'DELETE', `/api/v1/api-keys/${body.id}`, { token: owner.token }), 404);
    expect((await call(app.url, 'GET', `/api/v1/api-keys/${body.id}`, { token: owner.token })).body.revokedAt).not.toBeNull();

    const audit = await call(app.url, 'GET', '/api/v1/audit-log', { token: owner.token });
    const forKey = audit.body.items.filter((e: { details: { apiKeyId?: string } }) => e.details.apiKeyId === body.id);
    expect(forKey.map((e: { action: string }) => e.action)).toEqual(['api_key.revoked', 'api_key.created']);
    for (const entry of forKey) expect(entry.actor.userId).toBe(owner.userId);
  });

  it("refuses a key forged to name another store with this key's secret part", async () => {
    const other = await createMerchant(app.application, { role: 'owner' });
    const { body } = await call(app.url, 'POST', '/api/v1/api-keys', { token: owner.token, body: { name: 'Mine' } });
    const otherTenant = Buffer.from(other.tenantId.replace(/-/g, ''), 'hex').toString('base64url');
    const forged = `cak_${otherTenant}${(body.key as string).slice(4 + 22)}`;
    expectProblem(await call(app.url, 'GET', '/api/v1/bots', { token: forged }), 401);
    expectProblem(await call(app.url, 'GET', '/api/v1/bots', { token: 'cak_short' }), 401);
  });
});

describe('bots API', () => {
  let app: TestApp;
  let admin: TestMerchant;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await createMerchant(app.application, { role: 'admin', timeZone: 'Europe/Berlin' });
  });
  afterAll(() => app.stop());

  it('creates a bot with a public key and an identity secret shown once and stored encrypted', async () => {
    const res = await call(app.url, 'POST', '/api/v1/bots', {
      token: admin.token,
      body: { name: 'Shop helper', allowedOrigins: ['https://Shop.Example/', 'http://localhost:5173'], greeting: 'Hi!', persona: 'Kind.', theme: { accentColor: '#112233', position: 'left' } },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Shop helper',
      allowedOrigins: ['https://shop.example', 'http://localhost:5173'],
      locale: 'en',
      timeZone: 'Europe/Berlin', // the store's zone by default
      greeting: 'Hi!',
      persona: 'Kind.',
      theme: { accentColor: '#112233', position: 'left' },
      hasIdentitySecret: true,
    });
    expect(res.body.publicKey).toMatch(/^pk_[A-Za-z0-9_-]{38}$/);
    const secret = res.body.identitySecret as string;
    expect(secret).toMatch(/^cis_/);

    const got = await call(app.url, 'GET', `/api/v1/bots/${res.body.id}`, { token: admin.token });
    expect(got.body.identitySecret).toBeUndefined();
    expect(got.text).not.toContain(secret);
    const row = await app.database.db.knex('bots').where({ id: res.body.id }).first();
    expect(row.identity_secret_encrypted).not.toContain(secret.slice(4));
    expect(botIdentitySecretBox(TEST_SECRET_KEY).open(row.identity_secret_encrypted)).toBe(secret);

    // Rotation: a new secret, shown once; the old one is gone.
    const rotated = await call(app.url, 'POST', `/api/v1/bots/${res.body.id}/identity-secret`, { token: admin.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.identitySecret).not.toBe(secret);
    const after = await app.database.db.knex('bots').where({ id: res.body.id }).first();
    expect(botIdentitySecretBox(TEST_SECRET_KEY).open(after.identity_secret_encrypted)).toBe(rotated.body.identitySecret);
  });

  it('names every invalid setting', async () => {
    const bad = await call(app.url, 'POST', '/api/v1/bots', {
      token: admin.token,
      body: { name: '', allowedOrigins: ['https://ok.example', 'https://shop.example/path', 'not a url'], timeZone: 'Europe/Atlantis', locale: 'english!', theme: { accentColor: 'red' } },
    });
    expectProblem(bad, 422, 'validation');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['body.allowedOrigins.1', 'body.allowedOrigins.2', 'body.locale', 'body.name', 'body.theme.accentColor', 'body.timeZone'].sort(),
    );
    expectProblem(await call(app.url, 'POST', '/api/v1/bots', { token: admin.token, body: { name: 'x', allowedOrigins: 'https://a.example' } }), 422, 'validation', 'body.allowedOrigins');
    expect((await call(app.url, 'GET', '/api/v1/bots?limit=100', { token: admin.token })).body.items.map((b: { name: string }) => b.name)).not.toContain('');
  });

  it('lists with a cursor, patches, and deletes', async () => {
    const ids: string[] = [];
    for (const name of ['A', 'B', 'C']) ids.push((await call(app.url, 'POST', '/api/v1/bots', { token: admin.token, body: { name, allowedOrigins: [] } })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await call(app.url, 'GET', `/api/v1/bots?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token });
      seen.push(...page.body.items.map((b) => b.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.slice(-3)).toEqual(ids);

    const patched = await call(app.url, 'PATCH', `/api/v1/bots/${ids[0]}`, { token: admin.token, body: { greeting: 'Hallo!', locale: 'de', timeZone: 'America/New_York' } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ name: 'A', greeting: 'Hallo!', locale: 'de', timeZone: 'America/New_York' });
    expectProblem(await call(app.url, 'PATCH', `/api/v1/bots/${ids[0]}`, { token: admin.token, body: {} }), 422, 'validation');

    expect((await call(app.url, 'DELETE', `/api/v1/bots/${ids[1]}`, { token: admin.token })).status).toBe(204);
    expectProblem(await call(app.url, 'GET', `/api/v1/bots/${ids[1]}`, { token: admin.token }), 404, 'not-found');
    expectProblem(await call(app.url, 'DELETE', `/api/v1/bots/${ids[1]}`, { token: admin.token }), 404, 'not-found');
    expectProblem(await call(app.url, 'GET', '/api/v1/bots/not-a-uuid', { token: admin.token }), 422, 'validation', 'params.id');
  });
});
