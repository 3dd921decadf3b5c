import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';
import { SYSTEM_ROLE } from '../core/db/roles.ts';

/**
 * The plugin host honours the whole SDK (issue #10): single-use install states, installation
 * status and catalog-sync progress, webhook retries ending in a dead letter, product freshness,
 * and the privacy exports `customer.data_request` produces.
 */
export async function up(knex: Knex): Promise<void> {
  // Install states are issued before any tenant may exist (platform-started installs): global,
  // looked up only by the hash of their random nonce, deleted when consumed or expired.
  await knex.schema.createTable('plugin_install_states', (t) => {
    t.text('nonce_hash').primary();
    t.text('plugin_id').notNullable();
    // The store the install is for; NULL = "new store" (an install that started at the platform).
    // Not a tenant-owned row (no RLS): pending states are read by the system role before any tenant is known.
    t.uuid('for_tenant_id').references('tenants.id').onDelete('CASCADE');
    t.text('origin').notNullable();
    t.jsonb('remembered').notNullable().defaultTo('{}');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE plugin_install_states ADD CONSTRAINT plugin_install_states_origin CHECK (origin IN ('tenant', 'platform'))`);
  await knex.raw('CREATE INDEX plugin_install_states_expiry ON plugin_install_states (expires_at)');
  // Only the system role touches it (the host's install routes), never a tenant's unit of work.
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON plugin_install_states TO ${SYSTEM_ROLE}`);

  await knex.schema.alterTable('plugin_installations', (t) => {
    t.text('last_error');
    t.timestamp('uninstalled_at', { useTz: true });
    // The storefront origins the install added to the store's bots; taken away again on uninstall.
    t.specificType('origins', 'text[]').notNullable().defaultTo('{}');
    // Catalog sync (core-owned): 'idle' | 'queued' | 'running' | 'done' | 'failed'.
    t.text('sync_status').notNullable().defaultTo('idle');
    t.text('sync_cursor');
    t.integer('sync_done').notNullable().defaultTo(0);
    t.integer('sync_total');
    t.text('sync_last_error');
    t.integer('sync_attempts').notNullable().defaultTo(0);
    t.timestamp('sync_next_at', { useTz: true });
    t.timestamp('sync_lease_until', { useTz: true });
    t.timestamp('sync_started_at', { useTz: true });
    t.timestamp('sync_finished_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE plugin_installations ADD CONSTRAINT plugin_installations_status CHECK (status IN ('active', 'uninstalled', 'reconnect_needed', 'redacted'))`);
  await knex.raw(`ALTER TABLE plugin_installations ADD CONSTRAINT plugin_installations_sync_status CHECK (sync_status IN ('idle', 'queued', 'running', 'done', 'failed'))`);
  await knex.raw(`CREATE INDEX plugin_installations_sync_due ON plugin_installations (sync_next_at) WHERE sync_status IN ('queued', 'running')`);
  // The sync job is claimed across tenants (one instance runs it): the system role moves only the claim columns.
  await knex.raw(`GRANT UPDATE (sync_status, sync_lease_until) ON plugin_installations TO ${SYSTEM_ROLE}`);

  await knex.schema.alterTable('webhook_deliveries', (t) => {
    t.timestamp('next_attempt_at', { useTz: true });
  });
  await knex.raw('ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status');
  await knex.raw(`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status CHECK (status IN ('received', 'processed', 'failed', 'dead'))`);
  await knex.raw(`CREATE INDEX webhook_deliveries_retry ON webhook_deliveries (next_attempt_at) WHERE status IN ('received', 'failed')`);

  await knex.schema.alterTable('products', (t) => {
    // The platform installation the row came from (one tenant may connect several shops), and the
    // platform's time of the last change applied (an older webhook delivery is ignored).
    t.uuid('installation_id');
    t.timestamp('source_updated_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX products_by_installation ON products (tenant_id, installation_id) WHERE installation_id IS NOT NULL');
  await knex.raw('CREATE INDEX products_by_source ON products (tenant_id, source, external_id)');

  await knex.schema.createTable('privacy_exports', (t) => {
    tenantKeys(t, knex);
    t.text('plugin_id');
    t.uuid('installation_id');
    t.text('customer_id');
    t.text('email');
    t.text('request_id');
    t.jsonb('data').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await enableTenantRls(knex, 'privacy_exports');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('privacy_exports');
  await knex.raw('DROP INDEX IF EXISTS products_by_source');
  await knex.raw('DROP INDEX IF EXISTS products_by_installation');
  await knex.schema.alterTable('products', (t) => {
    t.dropColumn('installation_id');
    t.dropColumn('source_updated_at');
  });
  await knex.raw('DROP INDEX IF EXISTS webhook_deliveries_retry');
  await knex.raw('ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status');
  await knex.raw(`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status CHECK (status IN ('received', 'processed', 'failed'))`);
  await knex.schema.alterTable('webhook_deliveries', (t) => t.dropColumn('next_attempt_at'));
  await knex.raw(`REVOKE UPDATE (sync_status, sync_lease_until) ON plugin_installations FROM ${SYSTEM_ROLE}`);
  await knex.raw('DROP INDEX IF EXISTS plugin_installations_sync_due');
  await knex.raw('ALTER TABLE plugin_installations DROP CONSTRAINT plugin_installations_sync_status');
  await knex.raw('ALTER TABLE plugin_installations DROP CONSTRAINT plugin_installations_status');
  await knex.schema.alterTable('plugin_installations', (t) => {
    for (const c of ['last_error', 'uninstalled_at', 'origins', 'sync_status', 'sync_cursor', 'sync_done', 'sync_total', 'sync_last_error', 'sync_attempts', 'sync_next_at', 'sync_lease_until', 'sync_started_at', 'sync_finished_at']) t.dropColumn(c);
  });
  await knex.schema.dropTable('plugin_install_states');
}
