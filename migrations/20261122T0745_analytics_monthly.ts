import type { Knex } from 'knex';
import { enableTenantRls } from '../core/db/rls.ts';

/**
 * Monthly rollups (bench/analytics): a year's summary reads 12 month rows and their visitor
 * bitmaps instead of 365 day rows and ~2,500 bitmap rows. A month row is the sum of its day rows,
 * rewritten in the same transaction as any of its days, and used only when every day of the month
 * is rolled up and clean; otherwise the days are read one by one as before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analytics_monthly', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    // First day of the local month.
    t.date('month').notNullable();
    t.primary(['tenant_id', 'month']);
    t.text('time_zone').notNullable();
    // How many of the month's days were rolled up (in time_zone) when this row was written.
    t.integer('days').notNullable();
    // The same counters as analytics_daily (p95_response_ms stays null: the summary reads it from the index).
    t.integer('events').notNullable();
    t.integer('visitors').notNullable();
    t.integer('conversations').notNullable();
    t.integer('shopper_messages').notNullable();
    t.integer('assistant_messages').notNullable();
    t.bigInteger('prompt_tokens').notNullable();
    t.bigInteger('completion_tokens').notNullable();
    t.bigInteger('response_ms_sum').notNullable();
    t.integer('p95_response_ms');
    t.integer('errors').notNullable();
    t.integer('handoffs').notNullable();
    t.integer('bookings').notNullable();
    t.integer('bookings_from_chat').notNullable();
    t.integer('bookings_cancelled').notNullable();
    t.integer('widget_opens').notNullable();
    t.integer('ratings_up').notNullable();
    t.integer('ratings_down').notNullable();
    t.jsonb('models').notNullable().defaultTo('[]');
    t.timestamp('computed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await enableTenantRls(knex, 'analytics_monthly');

  await knex.schema.createTable('analytics_monthly_visitor_bits', (t) => {
    t.uuid('tenant_id').notNullable();
    t.date('month').notNullable();
    t.integer('chunk').notNullable();
    t.specificType('bits', 'bit(8192)').notNullable();
    t.primary(['tenant_id', 'month', 'chunk']);
    t.foreign(['tenant_id', 'month']).references(['tenant_id', 'month']).inTable('analytics_monthly').onDelete('CASCADE');
  });
  await enableTenantRls(knex, 'analytics_monthly_visitor_bits');

  // Existing day rollups have no month rows: roll them up again (forced RLS is lifted briefly: the owner works across tenants).
  await knex.raw('ALTER TABLE analytics_daily NO FORCE ROW LEVEL SECURITY');
  await knex.raw('ALTER TABLE analytics_dirty_days NO FORCE ROW LEVEL SECURITY');
  await knex.raw(`INSERT INTO analytics_dirty_days (tenant_id, day) SELECT tenant_id, day FROM analytics_daily ON CONFLICT DO NOTHING`);
  await knex.raw('ALTER TABLE analytics_daily FORCE ROW LEVEL SECURITY');
  await knex.raw('ALTER TABLE analytics_dirty_days FORCE ROW LEVEL SECURITY');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('analytics_monthly_visitor_bits');
  await knex.schema.dropTable('analytics_monthly');
}
