import { z } from 'zod';
import { defineRoute, reply, type RouteDef } from '../http/route.ts';
import { ContactRequestSchema, ContactResponseSchema, ConversationParamsSchema, CreateSessionRequestSchema, CreateSessionResponseSchema, ListMessagesQuerySchema, ListMessagesResponseSchema, PostMessageRequestSchema, PostMessageResponseSchema, RateConversationRequestSchema, StreamQuerySchema, VisitorTokenSchema, WIDGET_API_PREFIX } from '../wire/widget.ts';
import { visitorOf } from '../widget-access/index.ts';

import { problem, streamPosition, WIDGET_EVENTS, type ChatRoutesContext } from './chat.streams.ts';

/** The widget API (`/widget/v1`): sessions, messages, the conversation's event stream, contact, opened, rating. */
export function chatWidgetRoutes(ctx: ChatRoutesContext): RouteDef[] {
  const { deps, stream } = ctx;
  const { service, gate } = deps;

  return [
    // ------------------------------------------------------------ widget API
    defineRoute({
      method: 'post',
      path: `${WIDGET_API_PREFIX}/sessions`,
      summary: 'Start or resume a visitor session',
      description:
        "The request's Origin must be one of the bot's allowed origins (else 403). Refusals carry CORS headers and a `reason` (`unknown-bot`, `origin-not-allowed`, or 429 `/problems/rate-limited`) so the widget can say why. A `resume` link from a reply mail that is not this bot's is refused with 422 `resume-link-invalid`, one older than 7 days with 410 `resume-link-expired`. A known `visitorId` resumes that visitor's conversation. An `identity` signed with the bot's identity secret marks the visitor as a verified customer.",
      tags: ['widget'],
      body: CreateSessionRequestSchema,
      responses: {
        201: { description: 'Session', schema: CreateSessionResponseSchema },
        403: problem('Origin not allowed'),
        404: problem('Unknown bot key'),
        410: problem('The conversation link (`resume`) expired: start without it'),
      },
      handler: async ({ body, req, res }) => {
        const origin = req.headers.origin;
        // Every answer here, refusals included, is readable by the asking page: the widget's console
        // then says why (unknown bot, origin not allowed, rate limited). A refusal carries no data.
        if (origin) gate.allow(res, origin);
        const entry = await service.botForSession(body.botKey, origin);
        return reply(201, await service.createSession(entry, body, req.ip, origin));
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
        'text/event-stream; every event has `id:`, `event:` and one `data:` JSON line. Logged events have increasing decimal ids and are replayed after `Last-Event-ID` (or `lastEventId`) from the database, then streamed live. `message.delta` (an answer\'s text as it streams) is not logged: its id is a position (`<last logged id>.<message ref>.<end offset>`), so a stream resumed from it continues the text exactly there, and one resumed from an older id gets the text so far once, after the replay; a block with only `id:` may move that position. `: keep-alive` comments at least every 25 s. The token may come as `?token=` (EventSource cannot send headers).',
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
        const sse = stream(req, res, claims.tenantId, params.id, streamPosition(req, query.lastEventId), (e) => WIDGET_EVENTS.has(e.type));
        if (deps.presence) sse.onClose(deps.presence.track(claims.tenantId, params.id));
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
      path: `${WIDGET_API_PREFIX}/conversations/:id/opened`,
      summary: 'The shopper opened the chat panel (counted as widget.opened in analytics)',
      tags: ['widget'],
      security: ['visitor'],
      params: ConversationParamsSchema,
      before: [gate.require()],
      responses: { 204: { description: 'Counted' } },
      handler: ({ params, req }) => {
        service.opened(visitorOf(req), params.id);
        return reply(204);
      },
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

  ];
}
