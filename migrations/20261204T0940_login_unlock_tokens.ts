import type { Knex } from 'knex';
import { SYSTEM_ROLE } from '../core/db/roles.ts';

/**
 * Mailed one-time unlock links for throttled sign-ins (issue 14). Global like users and password
 * resets (a sign-in starts from an email, before any tenant is known); only the token's SHA-256 is
 * kept, and only the system role has grants.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_unlock_tokens', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.index(['user_id', 'created_at']);
  });
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON login_unlock_tokens TO ${SYSTEM_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_unlock_tokens');
}
