import type { Express, Request } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../accounts/auth-context.ts';
import { authOf } from '../accounts/auth-context.ts';
import type { HttpModule } from '../http/app.ts';
import { problems } from '../http/problem.ts';
import { defineRoute, reply } from '../http/route.ts';
import {
  ContactRequestSchema,
  ContactResponseSchema,
  ConversationParamsSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  EventIdSchema,
  ListMessagesQuerySchema,
  ListMessagesResponseSchema,
  PostMessageRequestSchema,
  PostMessageResponseSchema,
  RateConversationRequestSchema,
  StreamQuerySchema,
  VisitorTokenSchema,
  WIDGET_API_PREFIX,
  widgetEventSchemas,
} from '../wire/widget.ts';
import type { ChatService } from './chat.service.ts';
import type { StoredEvent } from './chat.repository.ts';
import {
  AgentReplySchema,
  AgentTypingSchema,
  ConversationDetailSchema,
  ConversationListQuerySchema,
  ConversationListSchema,
  ConversationSummarySchema,
  LlmSettingsSchema,
  MerchantMessageSchema,
  MerchantStreamQuerySchema,
  toMerchantMessage,
  toSummary,
  UpdateLlmSettingsSchema,
} from './conversations.schema.ts';
import type { ChatEventHub } from './event-hub.ts';
import type { LlmResolver, LlmSettingsRepository, TenantLlmState } from './llm-settings.ts';
import type { SseStreams } from './sse.ts';
import { visitorOf, type WidgetGate } from './widget-gate.ts';

/** The chat engine's HTTP surface: the widget API (`/widget/v1`) and the merchant's conversations and LLM settings. */

export interface ChatHttpDeps {
  service: ChatService;
  gate: WidgetGate;
  hub: ChatEventHub;
  sse: SseStreams;
  auth: Authenticator;
  settings: LlmSettingsRepository;
  llm: LlmResolver;
  clock: () => Date;
  /** `retry:` sent to EventSource clients (ms). */
  sseRetryMs?: number;
}

const WIDGET_EVENTS: ReadonlySet<string> = new Set(Object.keys(widgetEventSchemas));
const problem = (description: string) => ({ description });

/** `Last-Event-ID` header (EventSource reconnect) wins over the query's initial position. */
function streamPosition(req: Request, fromQuery: string | undefined): number {
  const header = req.headers['last-event-id'];
  const value = typeof header === 'string' && EventIdSchema.safeParse(header.trim()).success ? header.trim() : fromQuery;
  const n = value ? Number(value) : 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export function chatHttpModule(deps: ChatHttpDeps): HttpModule {
  const { service, gate, auth } = deps;
  const retryMs = deps.sseRetryMs ?? 3_000;

  /** One conversation's stream: replay after the position, then live; `filter` picks the event types. */
  function stream(req: Request, res: Parameters<typeof deps.sse.open>[1], tenantId: string, conversationId: string, after: number, filter: (e: StoredEvent) => boolean) {
    const sse = deps.sse.open(req, res, { retryMs });
    const subscription = deps.hub.subscribe(tenantId, conversationId, after, (event) => {
      if (filter(event)) sse.send(event.seq, event.type, event.data);
    });
    sse.onClose(() => subscription.close());
  }

  const settingsView = (state: TenantLlmState) => ({
    hasApiKey: state.apiKeyEncrypted !== null,
    model: state.model,
    baseUrl: state.baseUrl,
    monthlyTokenBudget: state.monthlyTokenBudget,
    usedTokensThisMonth: state.usedThisMonth,
    active: deps.llm.describe(state),
  });

  const routes = [
    // ------------------------------------------------------------ widget API
    defineRoute({
      method: 'post',
      path: `${WIDGET_API_PREFIX}/sessions`,
      summary: 'Start or resume a visitor session',
      description:
        "The request's Origin must be one of the bot's allowed origins (else 403, without CORS headers). A known `visitorId` resumes that visitor's conversation. An `identity` signed with the bot's identity secret marks the visitor as a verified customer.",
      tags: ['widget'],
      body: CreateSessionRequestSchema,
      responses: { 201: { description: 'Session', schema: CreateSessionResponseSchema }, 403: problem('Origin not allowed'), 404: problem('Unknown bot key') },
      handler: async ({ body, req, res }) => {
        const origin = req.headers.origin;
        const entry = await service.botForSession(body.botKey, origin);
        gate.allow(res, origin!);
        return reply(201, await service.createSession(entry, body, req.ip));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${WIDGET_API_PREFIX}/conversations/:id/messages`,
      summary: "The conversation's history, newest page first",
      tags: ['widget'],
      security: ['visitor'],
      params: ConversationParamsSchema,
      query: ListMessagesQuerySchema,
      before: [gate.require()],
      responses: { 200: { description: 'Messages', schema: ListMessagesResponseSchema } },
      handler: ({ params, query, req }) => service.listMessages(visitorOf(req), params.id, query),
    }),
    defineRoute({
      method: 'post',
      path: `${WIDGET_API_PREFIX}/conversations/:id/messages`,
      summary: "Send the shopper's message; the answer arrives on the event stream",
      tags: ['widget'],
      security: ['visitor'],
      params: ConversationParamsSchema,
      body: PostMessageRequestSchema,
      before: [gate.require()],
      responses: { 202: { description: 'Stored', schema: PostMessageResponseSchema }, 429: problem('Too many messages') },
      handler: async ({ params, body, req }) => reply(202, await service.postMessage(visitorOf(req), params.id, body, req.ip)),
    }),
    defineRoute({
      method: 'get',
      path: `${WIDGET_API_PREFIX}/conversations/:id/events`,
      summary: "The conversation's event stream (SSE)",
      description:
        'text/event-stream; every event has `id:` (increasing), `event:` and one `data:` JSON line. Replays what came after `Last-Event-ID` (or `lastEventId`) from the database, then streams live; `: keep-alive` comments at least every 25 s. The token may come as `?token=` (EventSource cannot send headers).',
      tags: ['widget'],
      security: ['visitor'],
      params: ConversationParamsSchema,
      // The header works as well as `?token=`; the wire contract's query names the EventSource case.
      query: StreamQuerySchema.extend({ token: VisitorTokenSchema.optional() }),
      before: [gate.require({ allowQueryToken: true })],
      responses: { 200: { description: 'Event stream', contentType: 'text/event-stream', schema: z.string() } },
      handler: ({ params, query, req, res }) => {
        const claims = visitorOf(req);
        service.ownConversation(claims, params.id);
        stream(req, res, claims.tenantId, params.id, streamPosition(req, query.lastEventId), (e) => WIDGET_EVENTS.has(e.type));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${WIDGET_API_PREFIX}/conversations/:id/contact`,
      summary: 'Leave an email address for the team (when the assistant or a person is unavailable)',
      tags: ['widget'],
      security: ['visitor'],
      params: ConversationParamsSchema,
      body: ContactRequestSchema,
      before: [gate.require()],
      responses: { 202: { description: 'Stored; the merchant is notified', schema: ContactResponseSchema } },
      handler: async ({ params, body, req }) => reply(202, await service.contact(visitorOf(req), params.id, body)),
    }),
    defineRoute({
      method: 'post',
      path: `${WIDGET_API_PREFIX}/conversations/:id/rating`,
      summary: 'Rate the conversation (thumbs up/down); the latest rating counts',
      tags: ['widget'],
      security: ['visitor'],
      params: ConversationParamsSchema,
      body: RateConversationRequestSchema,
      before: [gate.require()],
      responses: { 204: { description: 'Recorded' } },
      handler: ({ params, body, req }) => {
        service.rate(visitorOf(req), params.id, body);
        return reply(204);
      },
    }),

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
        const sse = deps.sse.open(req, res, { retryMs });
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
      description: 'Fields left out stay as they are; null clears one. The key is stored encrypted and never returned (`hasApiKey`).',
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

  return {
    name: 'chat',
    mountRaw(app: Express) {
      // Before the body parser and every route: preflights never reach a handler.
      app.use(WIDGET_API_PREFIX, gate.preflight());
    },
    routes,
  };
}
