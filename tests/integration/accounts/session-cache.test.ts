import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant } from '../../helpers/merchant.ts';

/**
 * The per-instance session cache (core/accounts/session-cache.ts): a signed-in read needs no session
 * query once the session is known, and every change that ends or alters a session reaches every
 * instance at once through the auth triggers' NOTIFY.
 */
describe('session cache across instances', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestApp({}, { database });
    b = await startTestApp({}, { database });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  const me = (app: TestApp, token: string) => fetch(`${app.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });

  /** Polls for up to 2 s: a NOTIFY crosses instances in milliseconds, the bound only absorbs a loaded machine. */
  async function eventually(check: () => Promise<boolean>): Promise<number> {
    const t0 = performance.now();
    while (!(await check())) {
      if (performance.now() - t0 > 2_000) throw new Error('not within 2 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    return performance.now() - t0;
  }

  it('a known session is answered without a session query', async () => {
    const merchant = await createMerchant(a.application);
    expect((await me(a, merchant.token)).status).toBe(200);
    const queries: string[] = [];
    const onQuery = (q: { sql: string }) => queries.push(q.sql);
    a.application.db.knex.on('query', onQuery);
    try {
      for (let i = 0; i < 5; i++) expect((await me(a, merchant.token)).status).toBe(200);
    } finally {
      a.application.db.knex.removeListener('query', onQuery);
    }
    expect(queries.filter((sql) => sql.includes('"sessions"')).length).toBe(0);
  });

  it('logout through one instance rejects the token on the other at once', async () => {
    const merchant = await createMerchant(a.application);
    expect((await me(a, merchant.token)).status).toBe(200);
    expect((await me(b, merchant.token)).status).toBe(200);
    const out = await fetch(`${a.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${merchant.token}` } });
    expect(out.status).toBe(204);
    expect((await me(a, merchant.token)).status).toBe(401);
    await eventually(async () => (await me(b, merchant.token)).status === 401);
  });

  it('a role change and a removal through one instance apply on the other', async () => {
    const owner = await createMerchant(a.application);
    const agent = await createMerchant(a.application, { role: 'agent', tenantId: owner.tenantId });
    const before = await fetch(`${b.url}/api/v1/audit-log`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(before.status).toBe(403);
    await a.application.db.tenant(owner.tenantId, (trx) => trx('memberships').where({ tenant_id: owner.tenantId, user_id: agent.userId }).update({ role: 'admin' }));
    await eventually(async () => (await fetch(`${b.url}/api/v1/audit-log`, { headers: { authorization: `Bearer ${agent.token}` } })).status === 200);
    await a.application.db.tenant(owner.tenantId, (trx) => trx('memberships').where({ tenant_id: owner.tenantId, user_id: agent.userId }).delete());
    await eventually(async () => (await me(b, agent.token)).status === 401);
  });

  it('trusts nothing cached while the LISTEN connection is down', async () => {
    const merchant = await createMerchant(a.application);
    expect((await me(b, merchant.token)).status).toBe(200);
    // Cut b's LISTEN connection from the server side, then revoke: b must not answer from its cache.
    await database.db.knex.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'concierge-listen' AND datname = current_database()`);
    await eventually(async () => !b.application.chat.hub.listening);
    await a.application.db.tenant(merchant.tenantId, (trx) => trx('sessions').where({ tenant_id: merchant.tenantId, user_id: merchant.userId }).update({ revoked_at: new Date() }));
    expect((await me(b, merchant.token)).status).toBe(401);
  });
});
