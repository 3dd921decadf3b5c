import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';
import { APP_ROLE } from '../core/db/roles.ts';

/**
 * Analytics (design.md §8, issue #7): an append-only event log, daily rollups per tenant-local
 * date, and the "dirty day" markers that make the rollups incremental. See core/analytics/README.md.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analytics_events', (t) => {
    tenantKeys(t, knex);
    t.text('type').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // No foreign keys to bots/conversations on purpose: history outlives the rows it mentions.
    t.uuid('bot_id');
    t.uuid('conversation_id');
    t.text('visitor_id');
    // message.answered (and optionally llm.error): promoted out of `data` so rollups aggregate columns.
    t.integer('response_ms');
    t.integer('prompt_tokens');
    t.integer('completion_tokens');
    t.text('model');
    t.text('adapter');
    // conversation.rated
    t.text('rating');
    t.jsonb('data').notNullable().defaultTo('{}');
  });
  await knex.raw(`
    ALTER TABLE analytics_events
      ADD CONSTRAINT analytics_events_type CHECK (type IN (
        'conversation.started', 'message.received', 'message.answered', 'llm.error', 'handoff.requested',
        'booking.made', 'booking.cancelled', 'widget.opened', 'visitor.seen', 'conversation.rated')),
      ADD CONSTRAINT analytics_events_answered CHECK (type <> 'message.answered' OR (response_ms IS NOT NULL AND prompt_tokens IS NOT NULL AND completion_tokens IS NOT NULL)),
      ADD CONSTRAINT analytics_events_rating CHECK ((type = 'conversation.rated') = (rating IS NOT NULL) AND (rating IS NULL OR rating IN ('up', 'down'))),
      ADD CONSTRAINT analytics_events_data_small CHECK (pg_column_size(data) <= 8192)`);
  // Range scans (rollup of one day, the partial edges of a summary).
  await knex.raw('CREATE INDEX analytics_events_time ON analytics_events (tenant_id, occurred_at)');
  // Exact p95: walk response times from the top, reading occurred_at from the index only.
  await knex.raw(`CREATE INDEX analytics_events_response ON analytics_events (tenant_id, response_ms) INCLUDE (occurred_at) WHERE type = 'message.answered'`);
  // "The last rating of a conversation counts."
  await knex.raw(`CREATE INDEX analytics_events_rating_by_conversation ON analytics_events (tenant_id, conversation_id, occurred_at) WHERE type = 'conversation.rated'`);
  await enableTenantRls(knex, 'analytics_events');
  // Append-only for the app: it may add and read events, never change or remove them.
  await knex.raw(`REVOKE UPDATE, DELETE ON analytics_events FROM ${APP_ROLE}`);

  // One row per tenant and local date; keyed by the date (not a uuid): it is a derived fact, not an entity.
  await knex.schema.createTable('analytics_daily', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.primary(['tenant_id', 'day']);
    // The zone (and so the instants) the day was computed for; rows of another zone are ignored.
    t.text('time_zone').notNullable();
    t.timestamp('day_start', { useTz: true }).notNullable();
    t.timestamp('day_end', { useTz: true }).notNullable();
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
    // [{ adapter, model, answers, promptTokens, completionTokens }]: cost is priced at read time.
    t.jsonb('models').notNullable().defaultTo('[]');
    t.timestamp('computed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await enableTenantRls(knex, 'analytics_daily');

  // Distinct visitors are not additive across days: keep each day's set (64-bit hashes of the ids).
  await knex.schema.createTable('analytics_daily_visitors', (t) => {
    t.uuid('tenant_id').notNullable();
    t.date('day').notNullable();
    t.bigInteger('visitor_hash').notNullable();
    t.primary(['tenant_id', 'day', 'visitor_hash']);
    t.foreign(['tenant_id', 'day']).references(['tenant_id', 'day']).inTable('analytics_daily').onDelete('CASCADE');
  });
  await enableTenantRls(knex, 'analytics_daily_visitors');

  // Written in the same transaction as the events of that day, so a clean day is an exact day.
  await knex.schema.createTable('analytics_dirty_days', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.primary(['tenant_id', 'day']);
    t.timestamp('marked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // The rollup tick lists which tenants have work before switching into each tenant.
  await enableTenantRls(knex, 'analytics_dirty_days', { system: ['SELECT'] });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('analytics_dirty_days');
  await knex.schema.dropTable('analytics_daily_visitors');
  await knex.schema.dropTable('analytics_daily');
  await knex.schema.dropTable('analytics_events');
}
