import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';
import { SYSTEM_ROLE } from '../core/db/roles.ts';

/**
 * Knowledge for any site (issue #18): products get availability, several images and a creation
 * time (list order); FAQ entries a creation time; CSV imports become jobs that any instance may
 * claim and work through in batches.
 * `products.price_cents` keeps its name but holds minor units of the currency (JPY 0, KWD 3 decimals).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('products', (t) => {
    t.text('availability').notNullable().defaultTo('in_stock');
    t.jsonb('images').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE products ADD CONSTRAINT products_availability CHECK (availability IN ('in_stock', 'out_of_stock', 'preorder', 'backorder'))`);
  await knex.schema.alterTable('faq_entries', (t) => {
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX faq_entries_by_question ON faq_entries (tenant_id, locale, question)');

  await knex.schema.createTable('catalog_imports', (t) => {
    tenantKeys(t, knex);
    t.text('kind').notNullable();
    t.text('status').notNullable().defaultTo('queued');
    t.integer('total').notNullable();
    t.integer('processed').notNullable().defaultTo(0);
    t.integer('created').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('unchanged').notNullable().defaultTo(0);
    // Valid rows, already parsed and checked, as the worker applies them; cleared when done.
    t.jsonb('rows').notNullable();
    t.jsonb('errors').notNullable().defaultTo('[]');
    t.text('claimed_by');
    t.timestamp('claim_expires_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE catalog_imports
    ADD CONSTRAINT catalog_imports_kind CHECK (kind IN ('products', 'faq')),
    ADD CONSTRAINT catalog_imports_status CHECK (status IN ('queued', 'running', 'done', 'failed'))`);
  await knex.raw(`CREATE INDEX catalog_imports_pending ON catalog_imports (created_at) WHERE status IN ('queued', 'running')`);
  await enableTenantRls(knex, 'catalog_imports');
  // Claiming a job is cross-tenant work (one query for all stores): the system role reads jobs and
  // changes only the claim columns; the rows themselves are written inside db.tenant.
  await knex.raw(`CREATE POLICY system_claim ON catalog_imports TO ${SYSTEM_ROLE} USING (true) WITH CHECK (true)`);
  await knex.raw(`GRANT SELECT (tenant_id, id, status, claim_expires_at, created_at), UPDATE (status, claimed_by, claim_expires_at) ON catalog_imports TO ${SYSTEM_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('catalog_imports');
  await knex.raw('DROP INDEX IF EXISTS faq_entries_by_question');
  await knex.schema.alterTable('faq_entries', (t) => t.dropColumn('created_at'));
  await knex.raw('ALTER TABLE products DROP CONSTRAINT IF EXISTS products_availability');
  await knex.schema.alterTable('products', (t) => {
    t.dropColumn('availability');
    t.dropColumn('images');
    t.dropColumn('created_at');
  });
}
