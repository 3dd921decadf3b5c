import type { Knex } from 'knex';
import { SYSTEM_ROLE } from '../core/db/roles.ts';

/**
 * Rate-limit and brute-force counters shared by every instance (design.md §3, §11).
 * Not tenant-owned (a login attempt has no tenant yet): only the system role may touch it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limit_counters', (t) => {
    t.text('key').primary();
    t.integer('count').notNullable();
    t.timestamp('window_started_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_hit_at', { useTz: true }).notNullable();
  });
  await knex.raw('CREATE INDEX rate_limit_counters_expires ON rate_limit_counters (expires_at)');
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_counters TO ${SYSTEM_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limit_counters');
}
