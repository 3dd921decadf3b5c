import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';
import { SYSTEM_ROLE } from '../core/db/roles.ts';

/**
 * Sessions with rotating refresh tokens, API keys, invites, the audit log (tenant tables) and
 * password-reset tokens (global, like users). Opaque tokens of tenant tables embed their tenant id,
 * so refresh, API-key auth and invite acceptance run inside the tenant and need no system grant.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    // Language of the mails this person receives (password reset).
    t.text('locale').notNullable().defaultTo('en');
  });

  // One row per signed-in device: the refresh-token family. Revoking it signs the device out.
  await knex.schema.createTable('sessions', (t) => {
    tenantKeys(t, knex);
    t.uuid('user_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_reason');
    t.text('ip');
    t.text('user_agent');
    // Removing a member ends their sessions in that tenant by construction.
    t.foreign(['tenant_id', 'user_id']).references(['tenant_id', 'user_id']).inTable('memberships').onDelete('CASCADE');
    t.index(['tenant_id', 'user_id']);
  });
  await enableTenantRls(knex, 'sessions');

  await knex.schema.createTable('refresh_tokens', (t) => {
    tenantKeys(t, knex);
    t.uuid('session_id').notNullable();
    t.text('token_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    // Set when rotated; presenting a used token again is reuse and revokes the family.
    t.timestamp('used_at', { useTz: true });
    t.foreign(['tenant_id', 'session_id']).references(['tenant_id', 'id']).inTable('sessions').onDelete('CASCADE');
    t.unique(['tenant_id', 'token_hash']);
    t.index(['tenant_id', 'session_id']);
  });
  await enableTenantRls(knex, 'refresh_tokens');

  await knex.schema.createTable('api_keys', (t) => {
    tenantKeys(t, knex);
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.text('key_hash').notNullable();
    // The last characters, so people can tell keys apart; the key itself is shown once.
    t.text('hint').notNullable();
    t.uuid('created_by_user_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.unique(['tenant_id', 'key_hash']);
  });
  await knex.raw(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role CHECK (role IN ('admin', 'agent'))`);
  await enableTenantRls(knex, 'api_keys');

  await knex.schema.createTable('invites', (t) => {
    tenantKeys(t, knex);
    t.text('email').notNullable();
    t.text('role').notNullable();
    t.text('token_hash').notNullable();
    t.text('locale').notNullable().defaultTo('en');
    t.uuid('invited_by_user_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('accepted_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.unique(['tenant_id', 'token_hash']);
  });
  await knex.raw(`ALTER TABLE invites ADD CONSTRAINT invites_role CHECK (role IN ('owner', 'admin', 'agent'))`);
  // At most one open invite per address and store; a new invite replaces the old one.
  await knex.raw(`CREATE UNIQUE INDEX invites_open_email ON invites (tenant_id, lower(email)) WHERE accepted_at IS NULL AND revoked_at IS NULL`);
  await enableTenantRls(knex, 'invites');

  await knex.schema.createTable('audit_events', (t) => {
    tenantKeys(t, knex);
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('action').notNullable();
    // No foreign keys: the history outlives the people and keys it mentions.
    t.uuid('actor_user_id');
    t.uuid('actor_api_key_id');
    t.text('actor_email');
    t.text('ip');
    t.uuid('subject_user_id');
    t.jsonb('details').notNullable().defaultTo('{}');
  });
  await knex.raw('CREATE INDEX audit_events_tenant_at ON audit_events (tenant_id, at DESC, id DESC)');
  await enableTenantRls(knex, 'audit_events');

  // Global like users: a reset starts from an email, before any tenant is known.
  await knex.schema.createTable('password_reset_tokens', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.index(['user_id', 'created_at']);
  });
  // Only the system role: the app role never needs reset tokens.
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON password_reset_tokens TO ${SYSTEM_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('password_reset_tokens');
  await knex.schema.dropTable('audit_events');
  await knex.schema.dropTable('invites');
  await knex.schema.dropTable('api_keys');
  await knex.schema.dropTable('refresh_tokens');
  await knex.schema.dropTable('sessions');
  await knex.schema.alterTable('users', (t) => t.dropColumn('locale'));
}
