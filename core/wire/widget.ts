/**
 * The widget wire contract: every request, response and event-stream payload of the storefront
 * widget API (`/widget/v1`, design.md §10), one zod schema each.
 *
 * - The server validates requests with these schemas and builds responses that satisfy them;
 *   the OpenAPI document is generated from them (`widgetRoutes` lists every route).
 * - The widget imports the inferred TYPES only (`import type`), so zod never reaches its bundle.
 * - Pure module: imports zod and the shared shapes (shapes.ts) only.
 *
 * Conventions (design.md §10): times are ISO 8601 with an offset; lists are `{ items, nextCursor }`;
 * errors are `application/problem+json`; auth is `Authorization: Bearer <visitorToken>` (the event
 * stream also accepts `?token=`); CORS only for the bot's allowed origins.
 */
import { z } from 'zod';
import { isIanaTimeZone } from './time-zone.ts';
import { DateOrDateTimeSchema, IsoDateTimeSchema, MoneySchema, ProblemSchema, SlotSchema, SlotTakenProblemSchema } from './shapes.ts';
import { freeText } from './text.ts';
import { TIME_ZONE_DOC } from './documented.ts';

// The shared shapes are defined once in shapes.ts; the widget contract re-exports them.
export { DateOrDateTimeSchema, FieldErrorSchema, IsoDateSchema, IsoDateTimeSchema, MoneySchema, ProblemSchema, SlotSchema, SlotTakenProblemSchema } from './shapes.ts';
export type { FieldError, Money, Problem, Slot, SlotTakenProblem } from './shapes.ts';

/** Path prefix of every widget API route. */
export const WIDGET_API_PREFIX = '/widget/v1';
/** Request header that makes `POST /bookings` safe to retry. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

// ---------------------------------------------------------------- primitives

/** Our own entity ids (conversations, messages, services, bookings) are UUIDs. */
export const IdSchema = z.uuid();

/** An IANA time zone the runtime knows, e.g. "Europe/Berlin". */
export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isIanaTimeZone, { message: 'unknown IANA time zone' })
  .meta(TIME_ZONE_DOC);

/** BCP 47 language tag, e.g. "de" or "en-GB". The widget itself speaks "en" and "de". */
export const LocaleTagSchema = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'BCP 47 tag such as "de" or "en-GB"');

/** A bot's public key from the embed snippet (`data-bot`); opaque, URL-safe. */
export const BotKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'bot public key');
/** A visitor id the server issued; the widget keeps it in localStorage and sends it back. */
export const VisitorIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'visitor id');
/** Opaque bearer token for one visitor of one bot; never logged. */
export const VisitorTokenSchema = z.string().min(16).max(4096);

/**
 * Event-stream id. A logged event's id is a decimal integer that increases within a conversation's
 * stream; clients compare those numerically (by length, then lexically) and ignore anything not
 * newer. A live `message.delta` has `<last logged id>.<first 8 hex digits of its message id>.<end
 * offset>` (what the stream had delivered with it), so a stream resumed with it as `Last-Event-ID`
 * continues that answer's text exactly where it stopped.
 */
export const EventIdSchema = z.string().regex(/^\d{1,20}(\.[0-9a-f]{8}\.\d{1,9})?$/, 'event id');

/** "#rrggbb"; the widget sets it as a CSS custom property, so nothing else is accepted. */
export const HexColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'hex color such as "#1a73e8"');

/** http(s) URL the shopper may open or the widget may load (images). */
export const HttpUrlSchema = z.url({ protocol: /^https?$/ }).max(2048);


// ---------------------------------------------------------------- errors


// ---------------------------------------------------------------- identity, bot, session

/**
 * A logged-in store customer, as the merchant's page passes it to `Concierge('identify', ...)`.
 * `signature` is produced server-side by the store (the platform plugin's storefront capability,
 * e.g. hex HMAC-SHA256 over customerId with the bot's identity secret); an identity whose
 * signature does not verify is ignored (the visitor stays anonymous), never an error.
 */
export const WidgetIdentitySchema = z.object({
  customerId: z.string().min(1).max(128),
  email: z.email().max(254).optional(),
  signature: z.string().min(16).max(512),
});

/** Bot look: colors are optional; the widget falls back to its own defaults. */
export const WidgetThemeSchema = z.object({
  accentColor: HexColorSchema.optional(),
  /** Text/icon color on accent-colored surfaces (launcher, send button, user bubbles). */
  accentTextColor: HexColorSchema.optional(),
  /** Launcher corner; default "right". */
  position: z.enum(['right', 'left']).optional(),
});

/** The public settings of a bot the widget needs (never persona, keys or origins). */
export const WidgetBotSettingsSchema = z.object({
  name: z.string().min(1).max(80),
  /** First bubble shown above the history; null for none. */
  greeting: z.string().max(1000).nullable(),
  /** The bot's default language (BCP 47); the widget uses it when the page and browser give none it speaks. */
  locale: LocaleTagSchema,
  theme: WidgetThemeSchema,
});

/** Whether a human agent has taken over (the bot stays quiet until released). */
export const HandoffStateSchema = z.object({
  active: z.boolean(),
  /** Display name of the agent, when the merchant shares it. */
  agentName: z.string().max(80).nullable(),
});

/**
 * `POST /widget/v1/sessions` body. Origin must be one of the bot's allowed origins, else 403.
 * With a known `visitorId` the server resumes that visitor's open conversation; otherwise it
 * issues a new visitor id and conversation. Called again (same visitorId) to refresh an expired
 * token or to attach an identity after `identify`.
 */
export const CreateSessionRequestSchema = z.object({
  botKey: BotKeySchema,
  visitorId: VisitorIdSchema.optional(),
  /** Language the widget shows ("en" | "de" today): a hint for the assistant's reply language. */
  locale: LocaleTagSchema.optional(),
  /** Shopper's IANA zone, for dates the assistant mentions. */
  timeZone: TimeZoneSchema.optional(),
  identity: WidgetIdentitySchema.optional(),
  /**
   * A logged-in customer token minted on the platform side (e.g. the Shopify app proxy's
   * `/apps/concierge/session`): the plugin's `verifyCustomer` checks it; a bad one stays anonymous.
   */
  platform: z.object({ plugin: z.string().min(2).max(40), token: z.string().min(1).max(4096) }).optional(),
  /**
   * The token of a reply mail's link (`#concierge-resume=<token>` on the store's page): the session
   * is for the conversation the mail was about (its visitor), reopened if the merchant had closed it.
   * 422 `resume-link-invalid` / 410 `resume-link-expired` otherwise; start without it then.
   */
  resume: z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'resume link token').max(2048).optional(),
});

/** `POST /widget/v1/sessions` → 201. */
export const CreateSessionResponseSchema = z.object({
  visitorToken: VisitorTokenSchema,
  visitorId: VisitorIdSchema,
  conversationId: IdSchema,
  /** When `visitorToken` stops working; the widget starts a new session (same visitorId) before or after. */
  expiresAt: IsoDateTimeSchema,
  /** True when `identity` verified and the visitor is linked to that customer. */
  identified: z.boolean(),
  bot: WidgetBotSettingsSchema,
  handoff: HandoffStateSchema,
});

// ---------------------------------------------------------------- cards and messages

/** A product the assistant shows. `url` opens in a new tab; `imageUrl` is loaded as an <img>. */
export const ProductCardSchema = z.object({
  type: z.literal('product'),
  productId: z.string().min(1).max(128),
  title: z.string().min(1).max(300),
  price: MoneySchema.nullable(),
  imageUrl: HttpUrlSchema.nullable(),
  url: HttpUrlSchema,
});

/**
 * A booking the assistant proposes (propose_booking tool); the shopper confirms it in the widget,
 * which then calls `POST /bookings` itself: the model never books alone.
 */
export const BookingProposalCardSchema = z.object({
  type: z.literal('booking_proposal'),
  serviceId: IdSchema,
  serviceName: z.string().min(1).max(200),
  start: IsoDateTimeSchema,
  end: IsoDateTimeSchema,
});

/** Structured attachments of an assistant message, rendered below its text. */
export const CardSchema = z.discriminatedUnion('type', [ProductCardSchema, BookingProposalCardSchema]);

/** Who wrote a message: the shopper ("user"), the bot ("assistant") or a human team member ("agent"). */
export const MessageRoleSchema = z.enum(['user', 'assistant', 'agent']);

/** One message as history returns it. `text` is markdown (the widget renders a safe subset; raw HTML is shown as text). */
export const WidgetMessageSchema = z.object({
  id: IdSchema,
  role: MessageRoleSchema,
  text: z.string().max(20_000),
  cards: z.array(CardSchema).max(20),
  /** "streaming" while the assistant is still writing it: later deltas on the stream continue it. */
  status: z.enum(['streaming', 'complete']),
  createdAt: IsoDateTimeSchema,
  /** Echo of the `clientMessageId` the widget sent with a user message, so it can match its optimistic bubble. */
  clientMessageId: z.string().max(64).optional(),
});

/** `:id` path parameter of conversation routes; must be the session's conversation, else 404. */
export const ConversationParamsSchema = z.object({ id: IdSchema });

/** `GET /widget/v1/conversations/:id/messages` query. The first page is the newest. */
export const ListMessagesQuerySchema = z.object({
  /** `nextCursor` of the previous page, to fetch older messages. */
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/**
 * `GET /widget/v1/conversations/:id/messages` → 200. Items are oldest → newest within the page;
 * `nextCursor` fetches the page before (older), null at the start.
 */
export const ListMessagesResponseSchema = z.object({
  items: z.array(WidgetMessageSchema),
  nextCursor: z.string().nullable(),
  /**
   * Id of the last stream event already reflected in this snapshot (null if the stream is empty):
   * the widget opens the event stream with `lastEventId=<this>` so nothing falls between the two.
   */
  lastEventId: EventIdSchema.nullable(),
});

/** `POST /widget/v1/conversations/:id/messages` body: the shopper's message. */
export const PostMessageRequestSchema = z.object({
  text: freeText().trim().min(1).max(4000),
  /**
   * Widget-made id (≤ 64 chars); echoed in the `message.created` event and history. A repeated
   * clientMessageId in the same conversation is not stored twice (the first messageId is answered).
   */
  clientMessageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
});

/** `POST /widget/v1/conversations/:id/messages` → 202: stored; the reply arrives on the event stream. */
export const PostMessageResponseSchema = z.object({ messageId: IdSchema });

/** `POST /widget/v1/conversations/:id/contact` body: the email form shown when the assistant or server is unavailable. */
export const ContactRequestSchema = z.object({
  email: z.email().max(254),
  text: freeText().trim().min(1).max(4000),
});

/** `POST /widget/v1/conversations/:id/contact` → 202: the merchant is notified and replies by email. */
export const ContactResponseSchema = z.object({ id: IdSchema });

/**
 * `POST /widget/v1/conversations/:id/rating` body: thumbs up/down for the conversation → 204.
 * Rating again replaces the earlier rating (the latest counts).
 */
export const RateConversationRequestSchema = z.object({
  rating: z.enum(['up', 'down']),
  comment: freeText().trim().max(1000).optional(),
});

// ---------------------------------------------------------------- event stream

/**
 * `GET /widget/v1/conversations/:id/events` query (EventSource cannot send headers).
 * The stream is `text/event-stream`; every event has `id:` (EventIdSchema), `event:` (a name of
 * `widgetEventSchemas`) and one `data:` line of JSON; a block with only `id:` moves the resume
 * position (EventSource keeps it) while an answer streams. The server sends a `: keep-alive` comment at
 * least every 25 s and may send `retry:`. Replay: events after the `Last-Event-ID` header (sent by
 * EventSource on reconnect), else after `lastEventId`, else from the conversation's first event,
 * are sent first, from the database, in order; then live events follow.
 */
export const StreamQuerySchema = z.object({
  token: VisitorTokenSchema,
  /** Initial position; the `Last-Event-ID` header wins when both are present. */
  lastEventId: EventIdSchema.optional(),
});

/**
 * `message.created`: a message appears. User and agent messages arrive whole here (no deltas;
 * a `message.completed` may follow and is harmless). An assistant message starts here (text
 * usually "") and always ends with `message.completed`.
 */
export const MessageCreatedEventSchema = z.object({
  messageId: IdSchema,
  role: MessageRoleSchema,
  text: z.string(),
  cards: z.array(CardSchema).optional(),
  createdAt: IsoDateTimeSchema,
  clientMessageId: z.string().max(64).optional(),
});

/**
 * `message.delta`: more text of a streaming assistant message. Sent live, not logged: its `id:`
 * is a position (EventIdSchema), not a new number; a stream resumed from it continues the text where
 * it stopped, one resumed from an older id gets the text so far once, after the replay. `offset` is
 * where `delta` starts in the message's text (UTF-16 code units): a client that already has more
 * (from the history, or an earlier stream) takes only the part beyond what it has; a delta that
 * starts beyond it is skipped (`message.completed` brings the whole text). A delta may come before
 * its message's `message.created`. (Deltas logged before 2026-12 have a plain id and no `offset`.)
 */
export const MessageDeltaEventSchema = z.object({
  messageId: IdSchema,
  role: MessageRoleSchema,
  delta: z.string(),
  offset: z.number().int().min(0).optional(),
});

/** `message.completed`: the final, authoritative text and cards of a message (replaces what the deltas built). */
export const MessageCompletedEventSchema = z.object({
  messageId: IdSchema,
  role: MessageRoleSchema,
  text: z.string(),
  cards: z.array(CardSchema).optional(),
});

/** `typing`: the assistant or an agent started (`active: true`) or stopped writing. */
export const TypingEventSchema = z.object({
  role: z.enum(['assistant', 'agent']),
  active: z.boolean(),
});

/** `handoff`: a person took over (`active: true`) or handed back to the bot. */
export const HandoffEventSchema = HandoffStateSchema;

/**
 * `error`: the reply could not be produced. The widget apologises and offers the email form.
 * PROVIDER_UNAVAILABLE: the language model failed; RATE_LIMITED: too many messages; INTERNAL: anything else.
 */
export const StreamErrorEventSchema = z.object({
  code: z.enum(['PROVIDER_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL']),
  message: z.string().max(500),
  /** The user message the failure belongs to, when known. */
  messageId: IdSchema.optional(),
});

/** Event name → schema of its `data` JSON. */
export const widgetEventSchemas = {
  'message.created': MessageCreatedEventSchema,
  'message.delta': MessageDeltaEventSchema,
  'message.completed': MessageCompletedEventSchema,
  typing: TypingEventSchema,
  handoff: HandoffEventSchema,
  error: StreamErrorEventSchema,
} as const;

export const WIDGET_EVENT_NAMES = Object.keys(widgetEventSchemas) as WidgetEventName[];

// ---------------------------------------------------------------- booking

/** A service the shopper can book (`GET /widget/v1/services`). */
export const WidgetServiceSchema = z.object({
  id: IdSchema,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  durationMinutes: z.number().int().positive(),
  price: MoneySchema.optional(),
});

/** `GET /widget/v1/services` → 200, active services only, in the merchant's order. */
export const ListServicesResponseSchema = z.object({
  items: z.array(WidgetServiceSchema),
  nextCursor: z.string().nullable(),
});

/**
 * `GET /widget/v1/availability` query. `from` is inclusive; `to` is exclusive for a date-time and
 * means "through the end of that day" for a date. `to` ≥ `from` and the range spans at most 62 days, else 422.
 */
export const AvailabilityQuerySchema = z.object({
  serviceId: IdSchema,
  from: DateOrDateTimeSchema,
  to: DateOrDateTimeSchema,
  /** Zone for reading dates and for the offsets of the answer; the tenant's when absent. */
  timeZone: TimeZoneSchema.optional(),
});

/** `GET /widget/v1/availability` → 200: free slots in ascending order, offsets in `timeZone`. */
export const AvailabilityResponseSchema = z.object({
  timeZone: TimeZoneSchema,
  slots: z.array(SlotSchema),
});

/** The person booking. */
export const BookingCustomerSchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()./-]{3,40}$/, 'phone number')
    .optional(),
});

/** `Idempotency-Key` header value: widget-made, unique per booking attempt. */
export const IdempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'idempotency key');

/**
 * `POST /widget/v1/bookings` body; requires the `Idempotency-Key` header (400 without).
 * The same key with the same body within 24 h replays the first answer (status and body);
 * the same key with a different body is 422.
 */
export const CreateBookingRequestSchema = z.object({
  serviceId: IdSchema,
  /** Exactly a slot `start` from availability (or a booking_proposal card). */
  start: IsoDateTimeSchema,
  customer: BookingCustomerSchema,
  notes: freeText().trim().max(2000).optional(),
  /** Shopper's zone, so emails and the .ics show their local time. */
  timeZone: TimeZoneSchema.optional(),
  /** The conversation the booking came from, for the merchant's view and analytics. */
  conversationId: IdSchema.optional(),
  /** The tag the widget formats dates with ("en-GB"): mails and the manage page write the booking's time with it. */
  locale: LocaleTagSchema.optional(),
});

/** `POST /widget/v1/bookings` → 201. `manageUrl` is the signed cancel / reschedule link also sent by email. */
export const CreateBookingResponseSchema = z.object({
  id: IdSchema,
  status: z.literal('confirmed'),
  start: IsoDateTimeSchema,
  end: IsoDateTimeSchema,
  manageUrl: HttpUrlSchema,
});

// ---------------------------------------------------------------- route table (for routers and OpenAPI)

const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  404: ProblemSchema,
  422: ProblemSchema,
  429: ProblemSchema,
} as const;

/**
 * Every widget route with its schemas. All but `createSession` need the visitor token
 * (`Authorization: Bearer`; the event stream also `?token=`). 401 means the token is invalid or
 * expired: the widget starts a new session and retries once.
 */
export const widgetRoutes = {
  createSession: {
    method: 'post',
    path: '/widget/v1/sessions',
    body: CreateSessionRequestSchema,
    responses: { 201: CreateSessionResponseSchema, 403: ProblemSchema, ...problemResponses },
  },
  listMessages: {
    method: 'get',
    path: '/widget/v1/conversations/:id/messages',
    params: ConversationParamsSchema,
    query: ListMessagesQuerySchema,
    responses: { 200: ListMessagesResponseSchema, ...problemResponses },
  },
  postMessage: {
    method: 'post',
    path: '/widget/v1/conversations/:id/messages',
    params: ConversationParamsSchema,
    body: PostMessageRequestSchema,
    responses: { 202: PostMessageResponseSchema, ...problemResponses },
  },
  events: {
    method: 'get',
    path: '/widget/v1/conversations/:id/events',
    params: ConversationParamsSchema,
    query: StreamQuerySchema,
    /** 200 `text/event-stream`; event data per `widgetEventSchemas`. */
    responses: { ...problemResponses },
  },
  contact: {
    method: 'post',
    path: '/widget/v1/conversations/:id/contact',
    params: ConversationParamsSchema,
    body: ContactRequestSchema,
    responses: { 202: ContactResponseSchema, ...problemResponses },
  },
  opened: {
    method: 'post',
    path: '/widget/v1/conversations/:id/opened',
    params: ConversationParamsSchema,
    /** 204, no body: counted as `widget.opened` (the summary's `widgetOpens`). */
    responses: { ...problemResponses },
  },
  rate: {
    method: 'post',
    path: '/widget/v1/conversations/:id/rating',
    params: ConversationParamsSchema,
    body: RateConversationRequestSchema,
    /** 204, no body. */
    responses: { ...problemResponses },
  },
  listServices: {
    method: 'get',
    path: '/widget/v1/services',
    responses: { 200: ListServicesResponseSchema, ...problemResponses },
  },
  availability: {
    method: 'get',
    path: '/widget/v1/availability',
    query: AvailabilityQuerySchema,
    responses: { 200: AvailabilityResponseSchema, ...problemResponses },
  },
  createBooking: {
    method: 'post',
    path: '/widget/v1/bookings',
    headers: z.object({ 'idempotency-key': IdempotencyKeySchema }),
    body: CreateBookingRequestSchema,
    responses: { 201: CreateBookingResponseSchema, 409: SlotTakenProblemSchema, ...problemResponses },
  },
} as const;

// ---------------------------------------------------------------- inferred types (the widget imports these)

export type WidgetIdentity = z.infer<typeof WidgetIdentitySchema>;
export type WidgetTheme = z.infer<typeof WidgetThemeSchema>;
export type WidgetBotSettings = z.infer<typeof WidgetBotSettingsSchema>;
export type HandoffState = z.infer<typeof HandoffStateSchema>;
export type CreateSessionRequest = z.input<typeof CreateSessionRequestSchema>;
export type CreateSessionResponse = z.infer<typeof CreateSessionResponseSchema>;
export type ProductCard = z.infer<typeof ProductCardSchema>;
export type BookingProposalCard = z.infer<typeof BookingProposalCardSchema>;
export type Card = z.infer<typeof CardSchema>;
export type MessageRole = z.infer<typeof MessageRoleSchema>;
export type WidgetMessage = z.infer<typeof WidgetMessageSchema>;
export type ListMessagesQuery = z.input<typeof ListMessagesQuerySchema>;
export type ListMessagesResponse = z.infer<typeof ListMessagesResponseSchema>;
export type PostMessageRequest = z.input<typeof PostMessageRequestSchema>;
export type PostMessageResponse = z.infer<typeof PostMessageResponseSchema>;
export type ContactRequest = z.input<typeof ContactRequestSchema>;
export type ContactResponse = z.infer<typeof ContactResponseSchema>;
export type RateConversationRequest = z.input<typeof RateConversationRequestSchema>;
export type StreamQuery = z.input<typeof StreamQuerySchema>;
export type MessageCreatedEvent = z.infer<typeof MessageCreatedEventSchema>;
export type MessageDeltaEvent = z.infer<typeof MessageDeltaEventSchema>;
export type MessageCompletedEvent = z.infer<typeof MessageCompletedEventSchema>;
export type TypingEvent = z.infer<typeof TypingEventSchema>;
export type HandoffEvent = z.infer<typeof HandoffEventSchema>;
export type StreamErrorEvent = z.infer<typeof StreamErrorEventSchema>;
export type WidgetEventName = keyof typeof widgetEventSchemas;
/** `data` of the event named N. */
export type WidgetEventData<N extends WidgetEventName = WidgetEventName> = z.infer<(typeof widgetEventSchemas)[N]>;
/** One decoded stream event. */
export type WidgetStreamEvent = { [N in WidgetEventName]: { event: N; id: string; data: WidgetEventData<N> } }[WidgetEventName];
export type WidgetService = z.infer<typeof WidgetServiceSchema>;
export type ListServicesResponse = z.infer<typeof ListServicesResponseSchema>;
export type AvailabilityQuery = z.input<typeof AvailabilityQuerySchema>;
export type AvailabilityResponse = z.infer<typeof AvailabilityResponseSchema>;
export type BookingCustomer = z.infer<typeof BookingCustomerSchema>;
export type CreateBookingRequest = z.input<typeof CreateBookingRequestSchema>;
export type CreateBookingResponse = z.infer<typeof CreateBookingResponseSchema>;

// ---------------------------------------------------------------- helpers


