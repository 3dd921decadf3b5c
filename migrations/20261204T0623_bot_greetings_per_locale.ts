import type { Knex } from 'knex';

/** Per-language greetings of a bot (issue #18: a German page got the English greeting). `{ "de": "Hallo!" }`; the table's policy covers it. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bots', (t) => {
    t.jsonb('greetings').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bots', (t) => t.dropColumn('greetings'));
}
