import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';

/**
 * The chat engine (design.md §6, issue #4): conversations, their messages, the event log every
 * stream replays from, contact requests, and the per-tenant LLM settings and monthly usage.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('conversations', (t) => {
    tenantKeys(t, knex);
    t.uuid('bot_id').notNullable();
    t.foreign(['tenant_id', 'bot_id']).references(['tenant_id', 'id']).inTable('bots').onDelete('CASCADE');
    t.text('visitor_id').notNullable();
    t.text('status').notNullable().defaultTo('open');
    t.text('locale').notNullable().defaultTo('en');
    t.text('time_zone');
    // Set when the merchant's backend signed the visitor's identity (bot identity secret).
    t.text('verified_customer_id');
    t.text('verified_email');
    t.uuid('agent_user_id');
    t.text('agent_name');
    t.timestamp('handoff_requested_at', { useTz: true });
    // The shopper left an email (contact form): someone should write back.
    t.boolean('follow_up').notNullable().defaultTo(false);
    t.text('contact_email');
    // The stream's sequence: every event takes the next number under this row's lock, so the
    // commit order of a conversation's events is their sequence order (see docs/decisions/0004).
    t.bigInteger('last_event_seq').notNullable().defaultTo(0);
    t.integer('message_count').notNullable().defaultTo(0);
    t.timestamp('last_message_at', { useTz: true });
    t.text('last_message_preview');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE conversations ADD CONSTRAINT conversations_status CHECK (status IN ('open', 'waiting_for_agent', 'with_agent', 'closed'))`);
  // One live conversation per visitor and bot: two tabs opening a session at once resume the same one.
  await knex.raw(`CREATE UNIQUE INDEX conversations_live_visitor ON conversations (tenant_id, bot_id, visitor_id) WHERE status <> 'closed'`);
  await knex.raw(`CREATE INDEX conversations_recent ON conversations (tenant_id, updated_at DESC, id DESC)`);
  // A CORS preflight (no token, no body) names only the conversation: the system role may read which
  // tenant and bot it belongs to, to answer with that bot's allowed origins.
  await enableTenantRls(knex, 'conversations', { system: ['SELECT'] });

  await knex.schema.createTable('chat_messages', (t) => {
    tenantKeys(t, knex);
    t.uuid('conversation_id').notNullable();
    t.foreign(['tenant_id', 'conversation_id']).references(['tenant_id', 'id']).inTable('conversations').onDelete('CASCADE');
    t.text('role').notNullable();
    t.text('text').notNullable().defaultTo('');
    t.jsonb('cards').notNullable().defaultTo('[]');
    t.text('status').notNullable().defaultTo('complete');
    t.text('client_message_id');
    t.uuid('author_user_id');
    // The tool calls and results of an assistant turn, so the next turn's context has them.
    t.jsonb('llm_steps');
    t.integer('prompt_tokens');
    t.integer('completion_tokens');
    t.text('model');
    t.text('adapter');
    t.integer('response_ms');
    t.text('error_code');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_role CHECK (role IN ('user', 'assistant', 'agent'))`);
  await knex.raw(`ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_status CHECK (status IN ('streaming', 'complete'))`);
  await knex.raw(`CREATE UNIQUE INDEX chat_messages_client_id ON chat_messages (tenant_id, conversation_id, client_message_id) WHERE client_message_id IS NOT NULL`);
  await knex.raw(`CREATE INDEX chat_messages_by_conversation ON chat_messages (tenant_id, conversation_id, created_at, id)`);
  // Merchant search over what was said; 'simple' keeps German and English words as written.
  await knex.raw(`ALTER TABLE chat_messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(text, ''))) STORED`);
  await knex.raw(`CREATE INDEX chat_messages_search ON chat_messages USING gin (search)`);
  await enableTenantRls(knex, 'chat_messages');

  // Keyed by the stream position rather than a uuid: (tenant, conversation, seq) is what replay reads.
  await knex.schema.createTable('chat_events', (t) => {
    t.uuid('tenant_id').notNullable();
    t.uuid('conversation_id').notNullable();
    t.bigInteger('seq').notNullable();
    t.primary(['tenant_id', 'conversation_id', 'seq']);
    t.foreign(['tenant_id', 'conversation_id']).references(['tenant_id', 'id']).inTable('conversations').onDelete('CASCADE');
    t.text('type').notNullable();
    t.jsonb('data').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await enableTenantRls(knex, 'chat_events');

  await knex.schema.createTable('chat_contact_requests', (t) => {
    tenantKeys(t, knex);
    t.uuid('conversation_id').notNullable();
    t.foreign(['tenant_id', 'conversation_id']).references(['tenant_id', 'id']).inTable('conversations').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('text').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('notified_at', { useTz: true });
  });
  await enableTenantRls(knex, 'chat_contact_requests');

  // One row per tenant; the key is sealed with SecretBox('tenant-llm-key') and never returned.
  await knex.schema.createTable('tenant_llm_settings', (t) => {
    t.uuid('tenant_id').primary().references('tenants.id').onDelete('CASCADE');
    t.text('api_key_encrypted');
    t.text('model');
    t.text('base_url');
    t.bigInteger('monthly_token_budget');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await enableTenantRls(knex, 'tenant_llm_settings');

  // Tokens per tenant and calendar month (UTC), added after every answered turn.
  await knex.schema.createTable('llm_usage_monthly', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.date('month').notNullable();
    t.primary(['tenant_id', 'month']);
    t.bigInteger('prompt_tokens').notNullable().defaultTo(0);
    t.bigInteger('completion_tokens').notNullable().defaultTo(0);
  });
  await enableTenantRls(knex, 'llm_usage_monthly');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('llm_usage_monthly');
  await knex.schema.dropTable('tenant_llm_settings');
  await knex.schema.dropTable('chat_contact_requests');
  await knex.schema.dropTable('chat_events');
  await knex.schema.dropTable('chat_messages');
  await knex.schema.dropTable('conversations');
}
