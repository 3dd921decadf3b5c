import type { Knex } from 'knex';

/**
 * A handoff that reaches a human (issue #18): per bot, the hours someone answers chats (in the
 * bot's zone; null = not set), and per member, whether a handoff request mails them.
 * Both tables already have their tenant policy; new columns inherit it and the table grants.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bots', (t) => {
    t.jsonb('business_hours');
  });
  await knex.schema.alterTable('memberships', (t) => {
    t.boolean('notify_handoff').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('memberships', (t) => t.dropColumn('notify_handoff'));
  await knex.schema.alterTable('bots', (t) => t.dropColumn('business_hours'));
}
