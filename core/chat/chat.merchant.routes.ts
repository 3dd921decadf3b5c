import { z } from 'zod';
import { authOf } from '../accounts/index.ts';
import { problems } from '../http/problem.ts';
import { defineRoute, reply, type RouteDef } from '../http/route.ts';
import { AgentReplySchema, AgentTypingSchema, ConversationDetailSchema, ConversationListQuerySchema, ConversationListSchema, ConversationSummarySchema, LlmSettingsSchema, MerchantMessageSchema, MerchantStreamQuerySchema, toMerchantMessage, toSummary, UpdateLlmSettingsSchema } from './conversations.schema.ts';
import type { TenantLlmState } from './llm-settings.ts';

import { streamPosition, type ChatRoutesContext } from './chat.streams.ts';

/** The merchant API of the chat: conversations (list, detail, live streams, reply, take over, release, close, typing) and the LLM settings. */
export function chatMerchantRoutes(ctx: ChatRoutesContext): RouteDef[] {
  const { deps, stream, retryMs, capOf } = ctx;
  const { service, auth } = deps;
  const settingsView = (state: TenantLlmState) => ({
    hasApiKey: state.apiKeyEncrypted !== null,
    model: state.model,
    baseUrl: state.baseUrl,
    monthlyTokenBudget: state.monthlyTokenBudget,
    monthlyTokenBudgetIsDefault: state.budgetIsDefault,
    usedTokensThisMonth: state.usedThisMonth,
    active: deps.llm.describe(state),
  });
  return [
    // ------------------------------------------------------------ merchant API
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations/events',
      summary: "Every conversation's changes, live (SSE), for the dashboard",
      description:
        'Events `message.created`, `message.completed`, `handoff`, `error` and `conversation.updated`, each with `data.conversationId`. Live only: (re)load the list after the `ready` event, and again on `resync`.',
      tags: ['conversations'],
      security: ['bearer'],
      before: [auth.require('conversations:read')],
      responses: { 200: { description: 'Event stream', contentType: 'text/event-stream', schema: z.string() } },
      handler: ({ req, res }) => {
        const { tenantId } = authOf(req);
        const sse = deps.sse.open(req, res, { retryMs, cap: capOf(req) });
        const subscription = deps.hub.subscribeTenant(
          tenantId,
          (event) => sse.send(undefined, event.type, { conversationId: event.conversationId, seq: event.seq, ...(event.data as object) }),
          () => sse.send(undefined, 'resync', {}),
        );
        sse.send(undefined, 'ready', {});
        sse.onClose(() => subscription.close());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations',
      summary: 'List conversations, most recently active first',
      tags: ['conversations'],
      security: ['bearer'],
      query: ConversationListQuerySchema,
      before: [auth.require('conversations:read')],
      responses: { 200: { description: 'Conversations', schema: ConversationListSchema } },
      handler: async ({ query, req }) => {
        const page = await service.listConversations(authOf(req).tenantId, query);
        return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations/:id',
      summary: 'One conversation with its messages',
      tags: ['conversations'],
      security: ['bearer'],
      params: z.object({ id: z.uuid() }),
      before: [auth.require('conversations:read')],
      responses: { 200: { description: 'Conversation', schema: ConversationDetailSchema } },
      handler: async ({ params, req }) => {
        const { conversation, messages } = await service.getConversation(authOf(req).tenantId, params.id);
        return {
          ...toSummary(conversation),
          verifiedEmail: conversation.verified_email,
          messages: messages.map(toMerchantMessage),
          lastEventId: conversation.last_event_seq > 0 ? String(conversation.last_event_seq) : null,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/conversations/:id/events',
      summary: "One conversation's event stream (SSE), as the shopper sees it plus `conversation.updated`",
      tags: ['conversations'],
      security: ['bearer'],
      params: z.object({ id: z.uuid() }),
      query: MerchantStreamQuerySchema,
      before: [auth.require('conversations:read')],
      responses: { 200: { description: 'Event stream', contentType: 'text/event-stream', schema: z.string() } },
      handler: async ({ params, query, req, res }) => {
        const { tenantId } = authOf(req);
        await service.requireConversation(tenantId, params.id);
        stream(req, res, tenantId, params.id, streamPosition(req, query.lastEventId), () => true);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations/:id/messages',
      summary: 'Reply as a team member (takes the conversation over)',
      tags: ['conversations'],
      security: ['bearer'],
      params: z.object({ id: z.uuid() }),
      body: AgentReplySchema,
      before: [auth.require('conversations:reply')],
      responses: { 201: { description: 'Sent', schema: MerchantMessageSchema } },
      handler: async ({ params, body, req }) => {
        const who = authOf(req);
        return reply(201, toMerchantMessage(await service.agentReply(who.tenantId, params.id, { userId: who.userId }, body.text)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations/:id/takeover',
      summary: 'Take the conversation over: the bot stays quiet until released',
      tags: ['conversations'],
      security: ['bearer'],
      params: z.object({ id: z.uuid() }),
      before: [auth.require('conversations:reply')],
      responses: { 200: { description: 'Taken over', schema: ConversationSummarySchema } },
      handler: async ({ params, req }) => {
        const who = authOf(req);
        return toSummary(await service.takeOver(who.tenantId, params.id, { userId: who.userId }));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations/:id/release',
      summary: 'Hand the conversation back to the bot',
      tags: ['conversations'],
      security: ['bearer'],
      params: z.object({ id: z.uuid() }),
      before: [auth.require('conversations:reply')],
      responses: { 200: { description: 'Released', schema: ConversationSummarySchema } },
      handler: async ({ params, req }) => toSummary(await service.release(authOf(req).tenantId, params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations/:id/close',
      summary: "Close the conversation (the shopper's next message reopens it)",
      tags: ['conversations'],
      security: ['bearer'],
      params: z.object({ id: z.uuid() }),
      before: [auth.require('conversations:reply')],
      responses: { 200: { description: 'Closed', schema: ConversationSummarySchema } },
      handler: async ({ params, req }) => toSummary(await service.close(authOf(req).tenantId, params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/conversations/:id/typing',
      summary: 'Show the shopper that a team member is writing',
      tags: ['conversations'],
      security: ['bearer'],
      params: z.object({ id: z.uuid() }),
      body: AgentTypingSchema,
      before: [auth.require('conversations:reply')],
      responses: { 204: { description: 'Sent' } },
      handler: async ({ params, body, req }) => {
        await service.agentTyping(authOf(req).tenantId, params.id, body.active);
        return reply(204);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/settings/llm',
      summary: "The store's language model settings (the key is never returned)",
      tags: ['settings'],
      security: ['bearer'],
      before: [auth.require('settings:write')],
      responses: { 200: { description: 'Settings', schema: LlmSettingsSchema } },
      handler: async ({ req }) => settingsView(await deps.settings.get(authOf(req).tenantId, deps.clock())),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/settings/llm',
      summary: "Set the store's own API key, model, OpenAI-compatible base URL and monthly token budget",
      description:
        'Fields left out stay as they are; null clears one (`monthlyTokenBudget: null` returns to the instance default, LLM_MONTHLY_TOKEN_BUDGET). The key is stored encrypted and never returned (`hasApiKey`). At 80 % of the budget the merchant streams get a `budget.warning` event; past it the offline model answers until the month ends.',
      tags: ['settings'],
      security: ['bearer'],
      body: UpdateLlmSettingsSchema,
      before: [auth.require('settings:write')],
      responses: { 200: { description: 'Settings', schema: LlmSettingsSchema } },
      handler: async ({ body, req }) => {
        const { baseUrl } = body;
        if (baseUrl && new URL(baseUrl).protocol !== 'https:' && !/^(localhost|127\.0\.0\.1|\[::1\])$/.test(new URL(baseUrl).hostname)) {
          throw problems.validation([{ path: 'body.baseUrl', message: 'must be https:// (http only for localhost)' }]);
        }
        return settingsView(await deps.settings.update(authOf(req).tenantId, body, deps.clock()));
      },
    }),
  ];
}
