import type { Knex } from 'knex';

/**
 * Every change that can end or alter a signed-in session is announced on commit (NOTIFY
 * `concierge_auth`), so each instance's session cache (core/accounts/session-cache.ts) drops the
 * entry at once: a revoked or expired session, a removed member, a changed role, a new password.
 * Triggers rather than calls in the services, so no code path — today's or tomorrow's — can forget.
 * Payloads: `s:<session id>` (one session), `u:<user id>` (every session of that user).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION concierge_auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- One branch per table: PL/pgSQL plans a statement when it first runs, so OLD.user_id is
      -- only ever looked at on a table that has it.
      IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('concierge_auth', 's:' || OLD.id);
      ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('concierge_auth', 'u:' || OLD.id);
      ELSE
        PERFORM pg_notify('concierge_auth', 'u:' || OLD.user_id);
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER sessions_auth_notify AFTER UPDATE OR DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION concierge_auth_notify()`);
  await knex.raw(`CREATE TRIGGER memberships_auth_notify AFTER UPDATE OR DELETE ON memberships FOR EACH ROW EXECUTE FUNCTION concierge_auth_notify()`);
  await knex.raw(`CREATE TRIGGER users_auth_notify AFTER UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION concierge_auth_notify()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS users_auth_notify ON users');
  await knex.raw('DROP TRIGGER IF EXISTS memberships_auth_notify ON memberships');
  await knex.raw('DROP TRIGGER IF EXISTS sessions_auth_notify ON sessions');
  await knex.raw('DROP FUNCTION IF EXISTS concierge_auth_notify()');
}
