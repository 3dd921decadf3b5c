import type { Knex } from 'knex';
import { SYSTEM_ROLE } from '../core/db/roles.ts';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';

/**
 * A merchant's reply reaches a shopper who left (issue #18): per conversation, the store page the
 * shopper chatted on (the link back), when a widget stream last had the conversation open and until
 * when it counts as connected (presence), and whether the shopper stopped these mails; per agent
 * message, the reply mail it goes out with. `chat_reply_mails` is an outbox like the booking one
 * (core/mail/outbox-table.ts, docs/decisions/0005): one pending row per conversation collects the
 * replies of its grace period into one mail.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conversations', (t) => {
    t.text('store_origin');
    t.timestamp('visitor_seen_at', { useTz: true });
    t.timestamp('visitor_online_until', { useTz: true });
    t.timestamp('reply_mail_stopped_at', { useTz: true });
  });

  await knex.schema.createTable('chat_reply_mails', (t) => {
    tenantKeys(t, knex);
    t.uuid('conversation_id').notNullable();
    t.foreign(['tenant_id', 'conversation_id']).references(['tenant_id', 'id']).inTable('conversations').onDelete('CASCADE');
    t.text('kind').notNullable().defaultTo('agent_reply');
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.text('claimed_by');
    t.timestamp('claim_expires_at', { useTz: true });
    t.text('last_error');
    t.timestamp('sent_at', { useTz: true });
    t.text('message_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    ALTER TABLE chat_reply_mails
      ADD CONSTRAINT chat_reply_mails_kind CHECK (kind IN ('agent_reply')),
      ADD CONSTRAINT chat_reply_mails_status CHECK (status IN ('pending', 'claimed', 'sent', 'dead', 'cancelled')),
      ADD CONSTRAINT chat_reply_mails_claim CHECK ((status = 'claimed') = (claimed_by IS NOT NULL AND claim_expires_at IS NOT NULL))`);
  // The batch: replies join the conversation's pending mail until a worker claims it.
  await knex.raw(`CREATE UNIQUE INDEX chat_reply_mails_one_pending ON chat_reply_mails (tenant_id, conversation_id) WHERE status = 'pending'`);
  await knex.raw(`CREATE INDEX chat_reply_mails_due ON chat_reply_mails (next_attempt_at) WHERE status = 'pending'`);
  await knex.raw(`CREATE INDEX chat_reply_mails_leases ON chat_reply_mails (claim_expires_at) WHERE status = 'claimed'`);
  await knex.raw(`CREATE INDEX chat_reply_mails_dead ON chat_reply_mails (updated_at) WHERE status = 'dead'`);
  await enableTenantRls(knex, 'chat_reply_mails');
  // Claiming due rows is cross-tenant work: the system role reads the outbox and changes only its delivery columns.
  await knex.raw(`CREATE POLICY system_outbox ON chat_reply_mails TO ${SYSTEM_ROLE} USING (true) WITH CHECK (true)`);
  await knex.raw(`GRANT SELECT, UPDATE (status, attempts, next_attempt_at, claimed_by, claim_expires_at, last_error, sent_at, message_id, updated_at) ON chat_reply_mails TO ${SYSTEM_ROLE}`);

  await knex.schema.alterTable('chat_messages', (t) => {
    t.uuid('reply_mail_id');
    t.foreign(['tenant_id', 'reply_mail_id']).references(['tenant_id', 'id']).inTable('chat_reply_mails');
  });
  await knex.raw('CREATE INDEX chat_messages_by_reply_mail ON chat_messages (tenant_id, reply_mail_id) WHERE reply_mail_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('chat_messages', (t) => {
    t.dropForeign(['tenant_id', 'reply_mail_id']);
    t.dropColumn('reply_mail_id');
  });
  await knex.schema.dropTable('chat_reply_mails');
  await knex.schema.alterTable('conversations', (t) => {
    t.dropColumn('reply_mail_stopped_at');
    t.dropColumn('visitor_online_until');
    t.dropColumn('visitor_seen_at');
    t.dropColumn('store_origin');
  });
}
