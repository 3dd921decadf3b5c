import type { Knex } from 'knex';
import { enableTenantRls, ensureRoles, grantGlobal, tenantKeys } from '../core/db/rls.ts';

/** Tenants, their bots, and the people who work in them (design.md §4, §10). */
export async function up(knex: Knex): Promise<void> {
  await ensureRoles(knex);

  await knex.schema.createTable('tenants', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('time_zone').notNullable().defaultTo('UTC');
    t.text('locale').notNullable().defaultTo('en');
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Creating a tenant (signup, demo) happens before any tenant is set: the system role may insert and read.
  await enableTenantRls(knex, 'tenants', { tenantColumn: 'id', system: ['SELECT', 'INSERT'] });

  await knex.schema.createTable('bots', (t) => {
    tenantKeys(t, knex);
    t.text('name').notNullable();
    // The public key embeds the tenant id, so resolving it never needs a cross-tenant lookup.
    t.text('public_key').notNullable();
    t.specificType('allowed_origins', 'text[]').notNullable().defaultTo('{}');
    t.text('locale').notNullable().defaultTo('en');
    t.text('time_zone').notNullable().defaultTo('UTC');
    t.text('greeting');
    t.text('persona');
    t.jsonb('theme').notNullable().defaultTo('{}');
    // Encrypted at rest (design.md §4); used to verify identities signed by the merchant's backend.
    t.text('identity_secret_encrypted');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'public_key']);
  });
  await enableTenantRls(knex, 'bots');

  // People are global identities (one login, possibly several stores); membership is per tenant.
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable();
    t.text('password_hash').notNullable();
    t.text('name');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('password_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX users_email_lower ON users (lower(email))');
  await grantGlobal(knex, 'users');

  await knex.schema.createTable('memberships', (t) => {
    tenantKeys(t, knex);
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('role').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'user_id']);
    t.index(['user_id']);
  });
  await knex.raw(`ALTER TABLE memberships ADD CONSTRAINT memberships_role CHECK (role IN ('owner', 'admin', 'agent'))`);
  // Login finds a user's memberships before a tenant is chosen.
  await enableTenantRls(knex, 'memberships', { system: ['SELECT', 'INSERT'] });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('memberships');
  await knex.schema.dropTable('users');
  await knex.schema.dropTable('bots');
  await knex.schema.dropTable('tenants');
}
