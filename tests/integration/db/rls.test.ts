import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantIdError } from '../../../core/db/database.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

describe('row-level security', () => {
  let t: TestDatabase;
  let repo: TenancyRepository;
  let a: string;
  let b: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    repo = new TenancyRepository(t.db);
    a = (await repo.createTenant({ name: 'A' })).id;
    b = (await repo.createTenant({ name: 'B' })).id;
    await repo.createBot(a, { name: 'bot of A', allowedOrigins: ['https://a.example'] });
    await repo.createBot(b, { name: 'bot of B', allowedOrigins: ['https://b.example'] });
  });
  afterAll(() => t.drop());

  it('hides another tenant\'s rows from a query with no tenant filter at all', async () => {
    const seenByA = await t.db.tenant(a, (trx) => trx('bots').select('name', 'tenant_id'));
    expect(seenByA).toEqual([{ name: 'bot of A', tenant_id: a }]);
    const tenantsSeenByB = await t.db.tenant(b, (trx) => trx('tenants').select('name'));
    expect(tenantsSeenByB).toEqual([{ name: 'B' }]);
  });

  it('refuses to write a row into another tenant', async () => {
    await expect(
      t.db.tenant(a, (trx) => trx('bots').insert({ tenant_id: b, name: 'intruder', public_key: 'pk_x' })),
    ).rejects.toThrow(/row-level security/);
    await expect(t.db.tenant(a, (trx) => trx('bots').update({ name: 'renamed' }).where({ tenant_id: b }))).resolves.toBe(0);
    expect((await repo.listBots(b)).map((bot) => bot.name)).toEqual(['bot of B']);
  });

  it('shows nothing when no tenant is set, even to the table owner connection switched to the app role', async () => {
    const rows = await t.db.knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL ROLE concierge_app`);
      return trx('bots').select('id');
    });
    expect(rows).toEqual([]);
  });

  it('does not carry the tenant setting over to the next transaction on a pooled connection', async () => {
    await t.db.tenant(a, (trx) => trx('bots').select('id'));
    const setting = await t.db.knex.raw(`SELECT current_setting('app.tenant_id', true) AS tenant, current_user AS role`);
    expect(setting.rows[0].tenant ?? '').toBe('');
    expect(setting.rows[0].role).not.toBe('concierge_app');
  });

  it('gives the system role only the tables granted to it', async () => {
    const tenants = await t.db.system((trx) => trx('tenants').count<{ count: number }[]>('* as count'));
    expect(Number(tenants[0]!.count)).toBe(2);
    await expect(t.db.system((trx) => trx('bots').select('id'))).rejects.toThrow(/permission denied/);
  });

  it("keeps concierge_me (/me's read, a function with a kept plan) inside the caller's tenant, plan after plan", async () => {
    const { AccountsRepository } = await import('../../../core/accounts/accounts.repository.ts');
    const accounts = new AccountsRepository(t.db);
    const me = (setTenant: string, askFor: string) => t.db.tenantBatch(setTenant, () => ({ me: accounts.meQuery(askFor, null) })).then((r) => r.me);
    // Many times over on a pool of few connections: each connection plans once, then reuses the
    // plan for both tenants; the policy must still be checked against each call's own setting.
    for (let i = 0; i < 5; i++) {
      expect((await me(a, a)).map((row) => row.tenant_name)).toEqual(['A']);
      expect(await me(a, b)).toEqual([]);
      expect((await me(b, b)).map((row) => row.tenant_name)).toEqual(['B']);
      expect(await me(b, a)).toEqual([]);
    }
  });

  it('has no function of ours that runs with its owner’s rights (row-level security would not apply inside it)', async () => {
    const { rows } = await t.db.knex.raw<{ rows: { proname: string }[] }>(`SELECT proname FROM pg_proc WHERE proname LIKE 'concierge\\_%' AND prosecdef`);
    expect(rows).toEqual([]);
    // The hot reads kept as functions (decision 0034) are among those checked.
    const { rows: reads } = await t.db.knex.raw<{ rows: { proname: string }[] }>(`SELECT proname FROM pg_proc WHERE proname IN ('concierge_me', 'concierge_turn_context') ORDER BY proname`);
    expect(reads.map((r) => r.proname)).toEqual(['concierge_me', 'concierge_turn_context']);
  });

  it('rejects a malformed tenant id before touching the database', async () => {
    await expect(t.db.tenant("x' OR 1=1 --", async () => 1)).rejects.toBeInstanceOf(TenantIdError);
  });

  it('resolves a bot key only inside the tenant the key names', async () => {
    const [botA] = await repo.listBots(a);
    expect((await repo.findBotByPublicKey(botA!.public_key))?.name).toBe('bot of A');
    // A key forged to name tenant B but carrying A's random part finds nothing.
    const forged = `pk_${Buffer.from(b.replace(/-/g, ''), 'hex').toString('base64url')}${botA!.public_key.slice(25)}`;
    expect(await repo.findBotByPublicKey(forged)).toBeUndefined();
    expect(await repo.findBotByPublicKey('pk_garbage')).toBeUndefined();
  });
});
