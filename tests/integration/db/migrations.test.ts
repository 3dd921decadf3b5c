import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest, migrateRollbackAll, migrationStatus } from '../../../core/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrated: false });
  });
  afterAll(() => t.drop());

  const tables = async () =>
    (await t.db.knex.raw(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%' ORDER BY 1`)).rows.map(
      (r: { tablename: string }) => r.tablename,
    );

  it('go up on an empty database, then down to nothing, then up again', async () => {
    const applied = await migrateLatest(t.db.knex);
    expect(applied.length).toBeGreaterThan(0);
    expect(await tables()).toEqual(expect.arrayContaining(['tenants', 'bots', 'users', 'memberships', 'products', 'faq_entries', 'webhook_deliveries']));
    expect((await migrationStatus(t.db.knex)).pending).toEqual([]);

    const rolledBack = await migrateRollbackAll(t.db.knex);
    expect(rolledBack.sort()).toEqual(applied.sort());
    expect(await tables()).toEqual([]);

    expect(await migrateLatest(t.db.knex)).toEqual(applied);
  });

  it('force row-level security on every table that has a tenant column', async () => {
    const { rows } = await t.db.knex.raw(`
      SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND (EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = c.relname AND column_name = 'tenant_id') OR c.relname = 'tenants')`);
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect({ table: row.relname, rls: row.relrowsecurity, forced: row.relforcerowsecurity }).toEqual({ table: row.relname, rls: true, forced: true });
  });

  it('lead every tenant table primary key with tenant_id', async () => {
    const { rows } = await t.db.knex.raw(`
      SELECT tc.table_name, array_agg(kcu.column_name::text ORDER BY kcu.ordinal_position) AS columns
      FROM information_schema.table_constraints tc
      JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name
      WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public'
        AND EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_name = tc.table_name AND c.column_name = 'tenant_id')
      GROUP BY tc.table_name`);
    expect(rows.length).toBeGreaterThan(4);
    for (const row of rows) expect([row.table_name, row.columns[0]]).toEqual([row.table_name, 'tenant_id']);
  });
});
