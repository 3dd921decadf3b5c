import { z } from 'zod';

/**
 * The analytics events other modules emit (design.md §8, issue #7). Chat and booking import the
 * `AnalyticsEvent` type and call `AnalyticsRecorder.record(event)`; the recorder validates with
 * this schema and drops (and counts) what does not fit, so a bad event never fails a request.
 */

/** `data` is for small context (ids, codes), never transcripts: at most this many bytes of JSON. */
export const MAX_EVENT_DATA_BYTES = 2048;

function fitsAsJson(value: unknown): boolean {
  try {
    return Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_EVENT_DATA_BYTES;
  } catch {
    return false; // cycles, BigInt
  }
}

const data = z.record(z.string(), z.unknown()).refine(fitsAsJson, `at most ${MAX_EVENT_DATA_BYTES} bytes of JSON`);

const base = {
  tenantId: z.uuid(),
  occurredAt: z.date().refine((d) => !Number.isNaN(d.getTime()), 'a valid Date'),
  botId: z.uuid().optional(),
  conversationId: z.uuid().optional(),
  /** The widget's visitor id (design.md §10: an opaque URL-safe string). */
  visitorId: z.string().min(1).max(200).optional(),
  data: data.optional(),
};
const count = z.number().int().min(0).max(2_147_483_647);

export const conversationStartedEvent = z.object({ ...base, type: z.literal('conversation.started'), conversationId: z.uuid() });
/** A shopper's message. */
export const messageReceivedEvent = z.object({ ...base, type: z.literal('message.received'), conversationId: z.uuid() });
/** An assistant answer, after the model finished: response time is from the shopper's message to the last token. */
export const messageAnsweredEvent = z.object({
  ...base,
  type: z.literal('message.answered'),
  conversationId: z.uuid(),
  responseMs: count,
  promptTokens: count,
  completionTokens: count,
  /** As the provider reported it (e.g. "gpt-4o-mini-2024-07-18"); priced by core/analytics/model-pricing.ts. */
  model: z.string().min(1).max(200),
  /** LlmPort.name: "openai", "offline", ... ("offline" is never priced). */
  adapter: z.string().min(1).max(100),
});
/** A turn the model could not answer (the shopper got the polite fallback): emit this INSTEAD of message.answered. */
export const llmErrorEvent = z.object({
  ...base,
  type: z.literal('llm.error'),
  model: z.string().min(1).max(200).optional(),
  adapter: z.string().min(1).max(100).optional(),
});
/** Emit once per conversation when it first goes to a human. */
export const handoffRequestedEvent = z.object({ ...base, type: z.literal('handoff.requested'), conversationId: z.uuid() });
/** With `conversationId` when the booking came out of a chat (that is what booking conversion counts). */
export const bookingMadeEvent = z.object({ ...base, type: z.literal('booking.made') });
export const bookingCancelledEvent = z.object({ ...base, type: z.literal('booking.cancelled') });
export const widgetOpenedEvent = z.object({ ...base, type: z.literal('widget.opened') });
export const visitorSeenEvent = z.object({ ...base, type: z.literal('visitor.seen'), visitorId: z.string().min(1).max(200) });
/** Thumbs up/down; the latest rating of a conversation replaces earlier ones. Use `rateConversation`. */
export const conversationRatedEvent = z.object({
  ...base,
  type: z.literal('conversation.rated'),
  conversationId: z.uuid(),
  rating: z.enum(['up', 'down']),
});

export const analyticsEventSchema = z.discriminatedUnion('type', [
  conversationStartedEvent,
  messageReceivedEvent,
  messageAnsweredEvent,
  llmErrorEvent,
  handoffRequestedEvent,
  bookingMadeEvent,
  bookingCancelledEvent,
  widgetOpenedEvent,
  visitorSeenEvent,
  conversationRatedEvent,
]);

export type AnalyticsEvent = z.infer<typeof analyticsEventSchema>;
export type AnalyticsEventType = AnalyticsEvent['type'];
export type Rating = z.infer<typeof conversationRatedEvent>['rating'];

export const ANALYTICS_EVENT_TYPES = analyticsEventSchema.options.map((o) => o.shape.type.value) as AnalyticsEventType[];
