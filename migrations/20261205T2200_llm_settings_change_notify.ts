import type { Knex } from 'knex';

/**
 * A store's model settings changed (key, model, base URL, budget): announced on NOTIFY channel
 * `concierge_llm_settings` (payload: the tenant id), however they changed. Every instance's chat
 * LISTEN connection drops the contexts it cached for that store's conversations, so no early model
 * request (issue 13, first token) goes out with settings the merchant just replaced.
 * No table, so no policy: the trigger only notifies.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION concierge_notify_llm_settings_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('concierge_llm_settings', COALESCE(NEW.tenant_id, OLD.tenant_id)::text);
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER tenant_llm_settings_notify_change AFTER INSERT OR UPDATE OR DELETE ON tenant_llm_settings
    FOR EACH ROW EXECUTE FUNCTION concierge_notify_llm_settings_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS tenant_llm_settings_notify_change ON tenant_llm_settings');
  await knex.raw('DROP FUNCTION IF EXISTS concierge_notify_llm_settings_change()');
}
