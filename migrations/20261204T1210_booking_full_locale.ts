import type { Knex } from 'knex';

/**
 * One locale rule (issue #18): a booking keeps the shopper's full BCP 47 tag ("en-GB"), not only
 * its language, so its mails and manage page write the time as the widget showed it. Bookings made
 * in a conversation get their conversation's tag back where it is a more specific tag of the same
 * language; the rest stay bare ("en" reads as en-US, the one rule of core/wire/datetime.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE bookings b SET locale = c.locale
    FROM conversations c
    WHERE c.tenant_id = b.tenant_id AND c.id = b.conversation_id
      AND b.locale !~ '-' AND lower(c.locale) LIKE lower(b.locale) || '-%'
      AND c.locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})+$'`);
  await knex.raw(`ALTER TABLE bookings ADD CONSTRAINT bookings_locale_tag CHECK (locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' AND length(locale) <= 35)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE bookings DROP CONSTRAINT bookings_locale_tag');
  await knex.raw(`UPDATE bookings SET locale = CASE WHEN lower(locale) LIKE 'de%' THEN 'de' ELSE 'en' END`);
}
