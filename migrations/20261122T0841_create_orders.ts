import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';

/**
 * A tenant-scoped cache of the store's orders (filled by the platform plugins' `order.upserted`
 * events, and the demo orders), so the assistant's order lookup needs no platform call.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    tenantKeys(t, knex);
    // 'demo' or the plugin id; external_id is that source's own id of the order.
    t.text('source').notNullable();
    t.text('external_id').notNullable();
    t.text('number').notNullable();
    t.text('email');
    t.text('customer_id');
    // Normalised (core/orders/orders.tools.schema.ts OrderStatusSchema); raw_status is what the platform said.
    t.text('status').notNullable();
    t.text('raw_status');
    t.timestamp('placed_at', { useTz: true }).notNullable();
    t.jsonb('total').notNullable();
    t.jsonb('items').notNullable().defaultTo('[]');
    t.jsonb('tracking').notNullable().defaultTo('[]');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'source', 'external_id']);
  });
  await knex.raw(`CREATE INDEX orders_by_number ON orders (tenant_id, number)`);
  await knex.raw(`CREATE INDEX orders_by_email ON orders (tenant_id, lower(email))`);
  await knex.raw(`CREATE INDEX orders_by_customer ON orders (tenant_id, customer_id) WHERE customer_id IS NOT NULL`);
  await enableTenantRls(knex, 'orders');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('orders');
}
