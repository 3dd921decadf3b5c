import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';

/** The store's catalog and FAQ as the assistant searches them (PostgreSQL full-text search, design.md §6). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('products', (t) => {
    tenantKeys(t, knex);
    // Where the row came from: 'manual', 'demo' or a plugin id; external_id is that source's id.
    t.text('source').notNullable().defaultTo('manual');
    t.text('external_id');
    t.text('handle').notNullable();
    t.text('title').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.bigInteger('price_cents').notNullable();
    t.text('currency').notNullable();
    t.text('url');
    t.text('image_url');
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('variants').notNullable().defaultTo('[]');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'handle']);
  });
  // array_to_string is only STABLE; generated columns need an IMMUTABLE expression.
  await knex.raw(`CREATE OR REPLACE FUNCTION concierge_tags_text(tags text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(tags, ' ') $$`);
  // 'simple' keeps words unstemmed so German and English queries both match; the title weighs most.
  await knex.raw(`
    ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
      setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
      setweight(to_tsvector('simple'::regconfig, concierge_tags_text(tags)), 'B') ||
      setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
    ) STORED`);
  await knex.raw('CREATE INDEX products_search ON products USING gin (search)');
  await enableTenantRls(knex, 'products');

  await knex.schema.createTable('faq_entries', (t) => {
    tenantKeys(t, knex);
    t.text('question').notNullable();
    t.text('answer').notNullable();
    t.text('locale').notNullable().defaultTo('en');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    ALTER TABLE faq_entries ADD COLUMN search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('english'::regconfig, coalesce(question, '')), 'A') ||
      setweight(to_tsvector('english'::regconfig, coalesce(answer, '')), 'B')
    ) STORED`);
  await knex.raw('CREATE INDEX faq_entries_search ON faq_entries USING gin (search)');
  await enableTenantRls(knex, 'faq_entries');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('faq_entries');
  await knex.schema.dropTable('products');
  await knex.raw('DROP FUNCTION IF EXISTS concierge_tags_text(text[])');
}
