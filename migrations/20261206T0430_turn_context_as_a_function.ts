import type { Knex } from 'knex';

/**
 * What answering a shopper's message reads (ChatRepository.turnContext) as a function, for the same
 * reason as `concierge_me` (migration 20261206T0400, decision 0034): PL/pgSQL keeps the statement's
 * plan per connection, where the statement sent as text was planned on every message. Planning it
 * cost PostgreSQL more than running it: pg_stat_statements with track_planning over the chat bench
 * (200 streams × 3 rounds) gave 317 µs of planning and 154 µs of execution per message.
 * SECURITY INVOKER (the default): the caller's role and tenant setting, so forced row-level
 * security applies inside it as to the statement.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION concierge_turn_context(p_tenant uuid, p_conversation uuid, p_limit integer, p_month date, p_client_message_id text)
    RETURNS TABLE (conversation json, duplicate uuid, history json, recent bigint, settings json)
    LANGUAGE plpgsql STABLE AS $$
    BEGIN
      RETURN QUERY SELECT
        (SELECT row_to_json(c) FROM conversations c WHERE c.tenant_id = p_tenant AND c.id = p_conversation),
        (SELECT m.id FROM chat_messages m WHERE m.tenant_id = p_tenant AND m.conversation_id = p_conversation AND m.client_message_id = p_client_message_id),
        (SELECT json_agg(h ORDER BY h.created_at, h.id) FROM (
           SELECT * FROM chat_messages m WHERE m.tenant_id = p_tenant AND m.conversation_id = p_conversation
           ORDER BY m.created_at DESC, m.id DESC LIMIT p_limit) h),
        (SELECT count(*) FROM chat_messages m WHERE m.tenant_id = p_tenant AND m.conversation_id = p_conversation
           AND m.role = 'user' AND m.created_at > now() - interval '60 seconds'),
        (SELECT json_build_object('api_key_encrypted', s.api_key_encrypted, 'model', s.model, 'base_url', s.base_url,
           'monthly_token_budget', s.monthly_token_budget,
           'used', (SELECT u.prompt_tokens + u.completion_tokens FROM llm_usage_monthly u WHERE u.tenant_id = p_tenant AND u.month = p_month))
         FROM (SELECT 1) one LEFT JOIN tenant_llm_settings s ON s.tenant_id = p_tenant);
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS concierge_turn_context(uuid, uuid, integer, date, text)');
}
