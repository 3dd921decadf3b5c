import type { Knex } from 'knex';
import { enableTenantRls } from '../core/db/rls.ts';

/**
 * Distinct visitors over a range, exact and fast (bench/analytics): each visitor of a tenant gets
 * a dense number once, and each rolled-up day keeps its visitors as bitmaps of 8,192 numbers per
 * chunk. Visitors over N days = popcount of the OR of N days' bitmaps, instead of hashing every
 * (visitor, day) pair (measured: ~250 ms for 154k pairs at 2 M events, the whole budget).
 * Replaces analytics_daily_visitors (one row per visitor and day).
 */
/** Cross-tenant rows as the migration owner: forced row-level security would hide them, so lift it briefly. */
async function invalidateRollups(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE analytics_daily NO FORCE ROW LEVEL SECURITY');
  await knex.raw('ALTER TABLE analytics_dirty_days NO FORCE ROW LEVEL SECURITY');
  await knex.raw(`INSERT INTO analytics_dirty_days (tenant_id, day) SELECT tenant_id, day FROM analytics_daily ON CONFLICT DO NOTHING`);
  await knex.raw('DELETE FROM analytics_daily');
  await knex.raw('ALTER TABLE analytics_daily FORCE ROW LEVEL SECURITY');
  await knex.raw('ALTER TABLE analytics_dirty_days FORCE ROW LEVEL SECURITY');
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analytics_visitor_ids', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    // 64-bit hash of the visitor id (hashtextextended): what events are joined on.
    t.bigInteger('visitor_hash').notNullable();
    t.integer('seq').notNullable();
    t.primary(['tenant_id', 'visitor_hash']);
    t.unique(['tenant_id', 'seq']);
  });
  await enableTenantRls(knex, 'analytics_visitor_ids');

  await knex.schema.createTable('analytics_daily_visitor_bits', (t) => {
    t.uuid('tenant_id').notNullable();
    t.date('day').notNullable();
    // Visitor number `seq` is bit (seq % 8192) of chunk (seq / 8192); 1 KB per chunk, never TOASTed.
    t.integer('chunk').notNullable();
    t.specificType('bits', 'bit(8192)').notNullable();
    t.primary(['tenant_id', 'day', 'chunk']);
    t.foreign(['tenant_id', 'day']).references(['tenant_id', 'day']).inTable('analytics_daily').onDelete('CASCADE');
  });
  await enableTenantRls(knex, 'analytics_daily_visitor_bits');

  // Rolled-up days have no bitmaps yet: mark them dirty and drop them, the rollup tick rebuilds them.
  await invalidateRollups(knex);
  await knex.schema.dropTable('analytics_daily_visitors');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.createTable('analytics_daily_visitors', (t) => {
    t.uuid('tenant_id').notNullable();
    t.date('day').notNullable();
    t.bigInteger('visitor_hash').notNullable();
    t.primary(['tenant_id', 'day', 'visitor_hash']);
    t.foreign(['tenant_id', 'day']).references(['tenant_id', 'day']).inTable('analytics_daily').onDelete('CASCADE');
  });
  await enableTenantRls(knex, 'analytics_daily_visitors');
  await invalidateRollups(knex);
  await knex.schema.dropTable('analytics_daily_visitor_bits');
  await knex.schema.dropTable('analytics_visitor_ids');
}
