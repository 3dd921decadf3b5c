import type { Knex } from 'knex';
import { APP_ROLE, CURRENT_TENANT_SQL, SYSTEM_ROLE } from './roles.ts';

/** Helpers for migrations: every tenant table gets its policy in the migration that creates it. */

/** Creates the app and system roles once per cluster; safe to race with another database's migration. */
export async function ensureRoles(knex: Knex): Promise<void> {
  for (const role of [APP_ROLE, SYSTEM_ROLE]) {
    await knex.raw(`
      DO $$ BEGIN
        CREATE ROLE ${role} NOLOGIN NOBYPASSRLS;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$;`);
    // The login user must be a member to SET ROLE into it (superusers already can).
    await knex.raw(`
      DO $$ BEGIN
        EXECUTE format('GRANT ${role} TO %I', current_user);
      EXCEPTION WHEN others THEN NULL;
      END $$;`);
  }
  await knex.raw(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}, ${SYSTEM_ROLE}`);
}

export interface TenantRlsOptions {
  /** The column holding the tenant; `id` for the tenants table itself. */
  tenantColumn?: string;
  /** Privileges the system role gets on every row of this table (cross-tenant work); none by default. */
  system?: ('SELECT' | 'INSERT' | 'UPDATE' | 'DELETE')[];
}

/** ENABLE + FORCE row-level security with the tenant policy, and the app role's grants. */
export async function enableTenantRls(knex: Knex, table: string, options: TenantRlsOptions = {}): Promise<void> {
  const column = options.tenantColumn ?? 'tenant_id';
  await knex.raw(`ALTER TABLE ?? ENABLE ROW LEVEL SECURITY`, [table]);
  await knex.raw(`ALTER TABLE ?? FORCE ROW LEVEL SECURITY`, [table]);
  await knex.raw(
    `CREATE POLICY tenant_isolation ON ?? TO ${APP_ROLE} USING (?? = ${CURRENT_TENANT_SQL}) WITH CHECK (?? = ${CURRENT_TENANT_SQL})`,
    [table, column, column],
  );
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ?? TO ${APP_ROLE}`, [table]);
  if (options.system && options.system.length > 0) {
    await knex.raw(`CREATE POLICY system_access ON ?? TO ${SYSTEM_ROLE} USING (true) WITH CHECK (true)`, [table]);
    await knex.raw(`GRANT ${options.system.join(', ')} ON ?? TO ${SYSTEM_ROLE}`, [table]);
  }
}

/** A table that is not tenant-owned (e.g. global identities): plain grants, no policy. */
export async function grantGlobal(knex: Knex, table: string, privileges: string[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE']): Promise<void> {
  await knex.raw(`GRANT ${privileges.join(', ')} ON ?? TO ${APP_ROLE}, ${SYSTEM_ROLE}`, [table]);
}

/** Shorthand for the tenant-leading keys of design.md §4. */
export function tenantKeys(t: Knex.CreateTableBuilder, knex: Knex): void {
  t.uuid('tenant_id').notNullable();
  t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'));
  t.primary(['tenant_id', 'id']);
  t.foreign('tenant_id').references('tenants.id').onDelete('CASCADE');
}
