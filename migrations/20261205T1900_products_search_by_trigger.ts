import type { Knex } from 'knex';

/**
 * `products.search` is kept by a trigger instead of being a generated column. A generated column is
 * computed for every write: for an upsert's insert attempt and again for its update, although a
 * platform's product update (inventory, price) rarely changes the text. Product webhooks and catalog
 * re-syncs write such rows all day. Measured on a 12-row upsert batch of stored, unchanged products:
 * 98–106 µs of PostgreSQL CPU per row with the generated column, 56–71 µs with this trigger.
 *
 * - An insert computes it, unless a row with the product's key is stored: the insert attempt of an
 *   upsert then becomes that row's update, and the update computes it if the text changed.
 * - An update computes it when the title, the tags or the description changed (or it is missing).
 * - An insert that skipped it because the stored row was removed in the meantime is filled after
 *   the fact (the AFTER trigger fires only for a row inserted without it).
 *
 * The expression is the one the generated column had (20261122T0220), now a function both use.
 */
const SEARCH = `
  setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
  setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
  setweight(to_tsvector('simple'::regconfig, concierge_tags_text(tags)), 'B') ||
  setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE FUNCTION concierge_product_search(title text, tags text[], description text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ${SEARCH} $$`);
  await knex.raw(`
    CREATE FUNCTION concierge_products_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM products p WHERE p.tenant_id = NEW.tenant_id AND p.handle = NEW.handle) THEN
          NEW.search := NULL;
        ELSE
          NEW.search := concierge_product_search(NEW.title, NEW.tags, NEW.description);
        END IF;
      ELSIF OLD.search IS NULL OR NEW.title IS DISTINCT FROM OLD.title OR NEW.tags IS DISTINCT FROM OLD.tags OR NEW.description IS DISTINCT FROM OLD.description THEN
        NEW.search := concierge_product_search(NEW.title, NEW.tags, NEW.description);
      ELSE
        NEW.search := OLD.search;
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`
    CREATE FUNCTION concierge_products_search_fill() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE products SET search = concierge_product_search(NEW.title, NEW.tags, NEW.description) WHERE tenant_id = NEW.tenant_id AND id = NEW.id;
      RETURN NULL;
    END $$`);
  // The stored values stay (no rewrite, nothing to backfill across tenants); from now on the trigger keeps them.
  await knex.raw('ALTER TABLE products ALTER COLUMN search DROP EXPRESSION');
  await knex.raw('CREATE TRIGGER products_search BEFORE INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION concierge_products_search()');
  await knex.raw('CREATE TRIGGER products_search_fill AFTER INSERT ON products FOR EACH ROW WHEN (NEW.search IS NULL) EXECUTE FUNCTION concierge_products_search_fill()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS products_search_fill ON products');
  await knex.raw('DROP TRIGGER IF EXISTS products_search ON products');
  await knex.raw('ALTER TABLE products DROP COLUMN search');
  await knex.raw(`ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (${SEARCH}) STORED`);
  await knex.raw('CREATE INDEX products_search ON products USING gin (search)');
  await knex.raw('DROP FUNCTION IF EXISTS concierge_products_search_fill()');
  await knex.raw('DROP FUNCTION IF EXISTS concierge_products_search()');
  await knex.raw('DROP FUNCTION IF EXISTS concierge_product_search(text, text[], text)');
}
