import type { Knex } from 'knex';

/**
 * Every change to an installation is announced on commit (NOTIFY `concierge_installations`), so each
 * instance drops the installations it keeps for webhook intake at once (PluginStateRepository): a
 * rotated webhook secret stops verifying everywhere within milliseconds, not within the seconds an
 * instance keeps a row, and a reinstalled shop is seen as active on its next delivery. A trigger, as
 * for sessions (20261204T0710), so no write path can forget. A catalog sync's progress (the sync_*
 * columns) says nothing intake reads and is not announced. Payload: the installation's id.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION concierge_installation_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('concierge_installations', OLD.id::text);
      ELSE
        PERFORM pg_notify('concierge_installations', NEW.id::text);
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER plugin_installations_notify AFTER INSERT OR DELETE OR UPDATE OF tenant_id, plugin_id, external_id, config, secrets_encrypted, status, origins ON plugin_installations FOR EACH ROW EXECUTE FUNCTION concierge_installation_notify()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS plugin_installations_notify ON plugin_installations');
  await knex.raw('DROP FUNCTION IF EXISTS concierge_installation_notify()');
}
