import { z } from 'zod';
import { freeText } from '../wire/text.ts';
import { CardSchema, MessageRoleSchema } from '../wire/widget.ts';
import type { ConversationRow, MessageRow } from './chat.repository.ts';

/** Merchant API shapes of conversations (`/api/v1/conversations`) and the LLM settings. */

export const ConversationStatusSchema = z.enum(['open', 'waiting_for_agent', 'with_agent', 'closed']).meta({
  id: 'ConversationStatus',
  description: 'open: the bot answers; waiting_for_agent: the shopper asked for a person; with_agent: a person took over (the bot is quiet); closed.',
});

export const ConversationSummarySchema = z
  .object({
    id: z.uuid(),
    botId: z.uuid(),
    visitorId: z.string(),
    status: ConversationStatusSchema,
    locale: z.string(),
    /** The visitor's identity was signed by the store's backend. */
    verifiedCustomer: z.boolean(),
    /** The shopper left an email address and waits for an answer. */
    followUp: z.boolean(),
    contactEmail: z.string().nullable(),
    agentName: z.string().nullable(),
    messageCount: z.number().int(),
    lastMessageAt: z.iso.datetime({ offset: true }).nullable(),
    lastMessagePreview: z.string().nullable(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'ConversationSummary' });

export const MerchantMessageSchema = z
  .object({
    id: z.uuid(),
    role: MessageRoleSchema,
    text: z.string(),
    cards: z.array(CardSchema),
    status: z.enum(['streaming', 'complete']),
    createdAt: z.iso.datetime({ offset: true }),
    /** The team member who wrote an agent message. */
    authorUserId: z.uuid().nullable(),
    /** Assistant messages: what answering cost and took. */
    usage: z
      .object({
        promptTokens: z.number().int(),
        completionTokens: z.number().int(),
        model: z.string().nullable(),
        adapter: z.string().nullable(),
        responseMs: z.number().int().nullable(),
      })
      .nullable(),
    /** Set when the assistant could not answer (the shopper got the apology). */
    errorCode: z.string().nullable(),
  })
  .meta({ id: 'ConversationMessage' });

export const ConversationDetailSchema = ConversationSummarySchema.extend({
  verifiedEmail: z.string().nullable(),
  messages: z.array(MerchantMessageSchema),
  /** Open `/api/v1/conversations/{id}/events?lastEventId=` with this to continue live. */
  lastEventId: z.string().nullable(),
}).meta({ id: 'ConversationDetail' });

export const ConversationListQuerySchema = z.object({
  status: ConversationStatusSchema.optional(),
  botId: z.uuid().optional(),
  followUp: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  /** Words the messages contain (web search syntax), or part of the contact email. */
  q: z.string().trim().min(1).max(200).optional(),
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export const ConversationListSchema = z
  .object({ items: z.array(ConversationSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'ConversationList' });

export const AgentReplySchema = z.object({ text: freeText().trim().min(1).max(4000) }).meta({ id: 'AgentReply' });
export const AgentTypingSchema = z.object({ active: z.boolean() }).meta({ id: 'AgentTyping' });

export const MerchantStreamQuerySchema = z.object({ lastEventId: z.string().regex(/^\d{1,20}$/).optional() });

export const LlmSettingsSchema = z
  .object({
    hasApiKey: z.boolean(),
    model: z.string().nullable(),
    baseUrl: z.string().nullable(),
    monthlyTokenBudget: z.number().int().nullable().meta({ description: "Tokens per calendar month (UTC) in force: the store's own budget or the instance default; null = unlimited." }),
    monthlyTokenBudgetIsDefault: z.boolean().meta({ description: 'True when the store set none and the instance default applies.' }),
    usedTokensThisMonth: z.number().int(),
    /** Which model answers now: the store's own provider, the instance default, or the offline model (none configured, or budget used up). */
    active: z.enum(['tenant', 'default', 'offline', 'budget']),
  })
  .meta({ id: 'LlmSettings' });

export const UpdateLlmSettingsSchema = z
  .object({
    /** The store's own API key; stored encrypted, never returned. null removes it. */
    apiKey: z.string().trim().min(8).max(400).nullable().optional(),
    model: z.string().trim().min(1).max(200).nullable().optional(),
    /** Any OpenAI-compatible endpoint (e.g. https://api.openai.com/v1); used only with the store's own key. */
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .nullable()
      .optional(),
    monthlyTokenBudget: z.number().int().min(0).max(1e12).nullable().optional(),
  })
  .meta({ id: 'UpdateLlmSettings' });

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toSummary(c: ConversationRow): z.infer<typeof ConversationSummarySchema> {
  return {
    id: c.id,
    botId: c.bot_id,
    visitorId: c.visitor_id,
    status: c.status,
    locale: c.locale,
    verifiedCustomer: c.verified_customer_id !== null,
    followUp: c.follow_up,
    contactEmail: c.contact_email,
    agentName: c.agent_name,
    messageCount: c.message_count,
    lastMessageAt: iso(c.last_message_at),
    lastMessagePreview: c.last_message_preview,
    createdAt: new Date(c.created_at).toISOString(),
    updatedAt: new Date(c.updated_at).toISOString(),
  };
}

export function toMerchantMessage(m: MessageRow): z.infer<typeof MerchantMessageSchema> {
  return {
    id: m.id,
    role: m.role,
    text: m.text,
    cards: m.cards ?? [],
    status: m.status,
    createdAt: new Date(m.created_at).toISOString(),
    authorUserId: m.author_user_id,
    usage:
      m.role === 'assistant' && m.status === 'complete'
        ? { promptTokens: m.prompt_tokens ?? 0, completionTokens: m.completion_tokens ?? 0, model: m.model, adapter: m.adapter, responseMs: m.response_ms }
        : null,
    errorCode: m.error_code,
  };
}
