import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';

/** What the plugin host keeps per tenant: installations, a key-value store, webhook deliveries (design.md §5). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('plugin_installations', (t) => {
    tenantKeys(t, knex);
    t.text('plugin_id').notNullable();
    // The platform's account id (e.g. the shop domain) that webhooks name.
    t.text('external_id').notNullable();
    t.jsonb('config').notNullable().defaultTo('{}');
    t.text('secrets_encrypted');
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'plugin_id', 'external_id']);
  });
  await knex.raw(`CREATE INDEX plugin_installations_lookup ON plugin_installations (plugin_id, external_id)`);
  // A webhook names the platform account, not our tenant: the system role resolves it.
  await enableTenantRls(knex, 'plugin_installations', { system: ['SELECT'] });

  await knex.schema.createTable('plugin_kv', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('plugin_id').notNullable();
    t.text('key').notNullable();
    t.jsonb('value').notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.primary(['tenant_id', 'plugin_id', 'key']);
  });
  await enableTenantRls(knex, 'plugin_kv');

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('plugin_id').notNullable();
    t.text('delivery_id').notNullable();
    t.text('topic').notNullable();
    // Kept so a delivery whose processing was cut short (crash after the 200) can be processed again.
    t.binary('payload').notNullable();
    t.jsonb('headers').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('received');
    t.text('error');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.primary(['tenant_id', 'plugin_id', 'delivery_id']);
  });
  await knex.raw(`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status CHECK (status IN ('received', 'processed', 'failed'))`);
  // The sweeper re-processes deliveries whose processing a crash cut short, across tenants.
  await enableTenantRls(knex, 'webhook_deliveries', { system: ['SELECT', 'UPDATE'] });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('plugin_kv');
  await knex.schema.dropTable('plugin_installations');
}
