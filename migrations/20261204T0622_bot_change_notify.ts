import type { Knex } from 'knex';

/**
 * A changed or deleted bot is announced on NOTIFY channel `concierge_bots` (payload
 * `tenant:id:publicKey`), however it changed: every instance's chat LISTEN connection drops its
 * cached copy, so a new allowed origin works at once everywhere (issue #18; was up to 30 s).
 * No table, so no policy: the trigger only notifies.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION concierge_notify_bot_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('concierge_bots', OLD.tenant_id::text || ':' || OLD.id::text || ':' || OLD.public_key);
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER bots_notify_change AFTER UPDATE OR DELETE ON bots
    FOR EACH ROW EXECUTE FUNCTION concierge_notify_bot_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS bots_notify_change ON bots');
  await knex.raw('DROP FUNCTION IF EXISTS concierge_notify_bot_change()');
}
