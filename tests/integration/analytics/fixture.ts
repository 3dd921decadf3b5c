import type { AnalyticsEvent } from '../../../core/analytics/events.schema.ts';

/**
 * Two stores around their autumn DST change, with every expected number worked out by hand below.
 *
 * New York (America/New_York): 2026-11-01 02:00 EDT → 01:00 EST, so local 2026-11-01 is 25 hours,
 *   [2026-11-01T04:00Z, 2026-11-02T05:00Z). 10-31 is [10-31T04:00Z, 11-01T04:00Z), 11-02 is [11-02T05:00Z, 11-03T05:00Z).
 * Berlin (Europe/Berlin): 2026-10-25 03:00 CEST → 02:00 CET, so local 2026-10-25 is 25 hours,
 *   [2026-10-24T22:00Z, 2026-10-25T23:00Z).
 *
 * Events sit on the edges that go wrong with a naive offset: 23:30 local the evening before a
 * change, exactly local midnight, both 01:30s (NY) / 02:30s (Berlin) of the repeated hour, and
 * 23:30 local after the change (which a pre-change offset would put on the next day).
 * Priced: gpt-4o-mini $0.15/$0.60, gpt-4o $2.50/$10 per 1M input/output tokens, offline free.
 */

export const C = {
  c1: '00000000-0000-4000-8000-0000000000c1',
  c2: '00000000-0000-4000-8000-0000000000c2',
  c3: '00000000-0000-4000-8000-0000000000c3',
  c4: '00000000-0000-4000-8000-0000000000c4',
  c9: '00000000-0000-4000-8000-0000000000c9',
  d1: '00000000-0000-4000-8000-0000000000d1',
  d2: '00000000-0000-4000-8000-0000000000d2',
  d3: '00000000-0000-4000-8000-0000000000d3',
};

type Draft = Omit<AnalyticsEvent, 'tenantId' | 'occurredAt'> & Record<string, unknown>;
/** An event of any type before the test assigns its tenant. */
export type EventDraft = AnalyticsEvent extends infer E ? (E extends AnalyticsEvent ? Omit<E, 'tenantId'> : never) : never;

function at(iso: string, drafts: Draft[]) {
  return drafts.map((d) => ({ ...d, occurredAt: new Date(iso) }));
}

const answered = (conversationId: string, visitorId: string, responseMs: number, promptTokens: number, completionTokens: number, model: string, adapter = 'openai'): Draft => ({
  type: 'message.answered', conversationId, visitorId, responseMs, promptTokens, completionTokens, model, adapter,
});

/** New York, first phase (recorded, then rolled up). */
export const newYorkEvents = (): EventDraft[] =>
  [
    // Outside every range below: 19:00 EDT on 10-30.
    ...at('2026-10-30T23:00:00Z', [{ type: 'visitor.seen', visitorId: 'v9' }, { type: 'conversation.started', conversationId: C.c9, visitorId: 'v9' }]),
    // 10-31, 10:00 EDT
    ...at('2026-10-31T14:00:00Z', [
      { type: 'visitor.seen', visitorId: 'v1' },
      { type: 'widget.opened', visitorId: 'v1' },
      { type: 'conversation.started', conversationId: C.c1, visitorId: 'v1' },
      { type: 'message.received', conversationId: C.c1, visitorId: 'v1' },
      answered(C.c1, 'v1', 1200, 1000, 200, 'gpt-4o-mini'),
    ]),
    // 10-31, 23:30 EDT (a UTC date of 11-01)
    ...at('2026-11-01T03:30:00Z', [
      { type: 'message.received', conversationId: C.c1, visitorId: 'v1' },
      answered(C.c1, 'v1', 800, 1500, 300, 'gpt-4o-mini'),
      { type: 'conversation.rated', conversationId: C.c1, visitorId: 'v1', rating: 'up' },
    ]),
    // 11-01, 00:00 EDT exactly
    ...at('2026-11-01T04:00:00Z', [
      { type: 'visitor.seen', visitorId: 'v2' },
      { type: 'conversation.started', conversationId: C.c2, visitorId: 'v2' },
      { type: 'message.received', conversationId: C.c2, visitorId: 'v2' },
      { type: 'llm.error', conversationId: C.c2, visitorId: 'v2', adapter: 'openai', model: 'gpt-4o-mini', data: { code: 'TIMEOUT' } },
    ]),
    // 11-01, 01:30 EDT (the first 01:30)
    ...at('2026-11-01T05:30:00Z', [
      { type: 'message.received', conversationId: C.c2, visitorId: 'v2' },
      answered(C.c2, 'v2', 3000, 2000, 500, 'gpt-4o'),
      { type: 'handoff.requested', conversationId: C.c2, visitorId: 'v2' },
    ]),
    // 11-01, 01:30 EST (the second 01:30)
    ...at('2026-11-01T06:30:00Z', [
      { type: 'visitor.seen', visitorId: 'v1' },
      { type: 'conversation.started', conversationId: C.c3, visitorId: 'v1' },
      { type: 'message.received', conversationId: C.c3, visitorId: 'v1' },
      answered(C.c3, 'v1', 500, 100, 50, 'offline', 'offline'),
      { type: 'booking.made', conversationId: C.c3, visitorId: 'v1', data: { bookingId: 'b1' } },
    ]),
    // 11-01, 23:30 EST (00:30 on 11-02 with the summer offset)
    ...at('2026-11-02T04:30:00Z', [
      { type: 'conversation.rated', conversationId: C.c3, visitorId: 'v1', rating: 'down' },
      { type: 'booking.cancelled', data: { bookingId: 'b0' } },
      { type: 'widget.opened', visitorId: 'v3' },
    ]),
    // 11-02, 00:00 EST exactly
    ...at('2026-11-02T05:00:00Z', [
      { type: 'visitor.seen', visitorId: 'v3' },
      { type: 'conversation.started', conversationId: C.c4, visitorId: 'v3' },
      { type: 'message.received', conversationId: C.c4, visitorId: 'v3' },
      answered(C.c4, 'v3', 2000, 1000, 100, 'gpt-4o-mini-2024-07-18'),
      { type: 'booking.made', visitorId: 'v3', data: { bookingId: 'b2' } },
    ]),
    // 11-02, 15:00 EST
    ...at('2026-11-02T20:00:00Z', [{ type: 'conversation.rated', conversationId: C.c4, visitorId: 'v3', rating: 'up' }]),
    // Outside: 00:00 EST on 11-04.
    ...at('2026-11-04T05:00:00Z', [{ type: 'visitor.seen', visitorId: 'v9' }, { type: 'conversation.started', conversationId: C.c9, visitorId: 'v9' }]),
  ] as EventDraft[];

/** New York, second phase (after the first rollup): the shopper of c1 changes their mind on 11-02, 00:00 EST. */
export const newYorkLateRerating = (): EventDraft[] =>
  at('2026-11-02T05:00:00Z', [{ type: 'conversation.rated', conversationId: C.c1, visitorId: 'v1', rating: 'down' }]) as EventDraft[];

export const berlinEvents = (): EventDraft[] =>
  [
    // 10-24, 23:30 CEST
    ...at('2026-10-24T21:30:00Z', [
      { type: 'visitor.seen', visitorId: 'w1' },
      { type: 'conversation.started', conversationId: C.d1, visitorId: 'w1' },
      { type: 'message.received', conversationId: C.d1, visitorId: 'w1' },
      answered(C.d1, 'w1', 1000, 400, 100, 'gpt-4o-mini'),
    ]),
    // 10-25, 00:00 CEST exactly
    ...at('2026-10-24T22:00:00Z', [{ type: 'message.received', conversationId: C.d1, visitorId: 'w1' }, answered(C.d1, 'w1', 1400, 600, 200, 'gpt-4o-mini')]),
    // 10-25, 02:30 CEST (the first 02:30)
    ...at('2026-10-25T00:30:00Z', [{ type: 'widget.opened', visitorId: 'w2' }, { type: 'visitor.seen', visitorId: 'w2' }]),
    // 10-25, 02:30 CET (the second 02:30)
    ...at('2026-10-25T01:30:00Z', [
      { type: 'conversation.started', conversationId: C.d2, visitorId: 'w2' },
      { type: 'message.received', conversationId: C.d2, visitorId: 'w2' },
      { type: 'llm.error', conversationId: C.d2, visitorId: 'w2' },
    ]),
    // 10-25, 23:30 CET (00:30 on 10-26 with the summer offset)
    ...at('2026-10-25T22:30:00Z', [
      { type: 'booking.made', conversationId: C.d2, visitorId: 'w2' },
      { type: 'conversation.rated', conversationId: C.d2, visitorId: 'w2', rating: 'up' },
    ]),
    // 10-26, 00:00 CET exactly
    ...at('2026-10-25T23:00:00Z', [
      { type: 'visitor.seen', visitorId: 'w3' },
      { type: 'conversation.started', conversationId: C.d3, visitorId: 'w3' },
      { type: 'handoff.requested', conversationId: C.d3, visitorId: 'w3' },
      { type: 'booking.cancelled' },
    ]),
  ] as EventDraft[];

const zero = {
  visitors: 0, conversations: 0, messages: 0, shopperMessages: 0, assistantMessages: 0, promptTokens: 0, completionTokens: 0, tokens: 0,
  estimatedCostUsd: 0, averageResponseMs: null, p95ResponseMs: null, errors: 0, errorRate: null, handoffs: 0, handoffRate: null,
  bookings: 0, bookingsCancelled: 0, bookingConversion: null, widgetOpens: 0, ratingsUp: 0, ratingsDown: 0, csat: null,
};

/**
 * New York per local day, after the late re-rating (c1's "up" on 10-31 no longer counts; its
 * "down" counts on 11-02). Cost: 10-31 gpt-4o-mini 2500 in / 500 out = 0.000375 + 0.0003;
 * 11-01 gpt-4o 2000/500 = 0.005 + 0.005, offline 0; 11-02 gpt-4o-mini 1000/100 = 0.00015 + 0.00006.
 */
export const newYorkDays = {
  '2026-10-31': {
    ...zero, visitors: 1, conversations: 1, messages: 4, shopperMessages: 2, assistantMessages: 2, promptTokens: 2500, completionTokens: 500,
    tokens: 3000, estimatedCostUsd: 0.000675, averageResponseMs: 1000, p95ResponseMs: 1200, errorRate: 0, handoffRate: 0, bookingConversion: 0, widgetOpens: 1,
  },
  '2026-11-01': {
    ...zero, visitors: 3, conversations: 2, messages: 5, shopperMessages: 3, assistantMessages: 2, promptTokens: 2100, completionTokens: 550,
    tokens: 2650, estimatedCostUsd: 0.01, averageResponseMs: 1750, p95ResponseMs: 3000, errors: 1, errorRate: 0.3333, handoffs: 1, handoffRate: 0.5,
    bookings: 1, bookingsCancelled: 1, bookingConversion: 0.5, widgetOpens: 1, ratingsDown: 1, csat: 0,
  },
  '2026-11-02': {
    ...zero, visitors: 2, conversations: 1, messages: 2, shopperMessages: 1, assistantMessages: 1, promptTokens: 1000, completionTokens: 100,
    tokens: 1100, estimatedCostUsd: 0.00021, averageResponseMs: 2000, p95ResponseMs: 2000, errorRate: 0, handoffRate: 0, bookings: 1, bookingConversion: 0,
    ratingsUp: 1, ratingsDown: 1, csat: 0.5,
  },
  '2026-11-03': { ...zero },
};

/** New York, 2026-10-31 through 2026-11-03 (dates), after the re-rating. Responses 1200, 800, 3000, 500, 2000: p95 is the 5th of 5. */
export const newYorkTotals = {
  ...zero, visitors: 3, conversations: 4, messages: 11, shopperMessages: 6, assistantMessages: 5, promptTokens: 5600, completionTokens: 1150,
  tokens: 6750, estimatedCostUsd: 0.010885, averageResponseMs: 1500, p95ResponseMs: 3000, errors: 1, errorRate: 0.1667, handoffs: 1,
  handoffRate: 0.25, bookings: 2, bookingsCancelled: 1, bookingConversion: 0.25, widgetOpens: 2, ratingsUp: 1, ratingsDown: 2, csat: 0.3333,
};

/**
 * New York from 2026-10-31T20:00-04:00 (11-01T00:00Z) to 2026-11-02T12:00-05:00 (11-02T17:00Z):
 * the end of 10-31 (event at 03:30Z), all of 11-01, the start of 11-02 (events at 05:00Z).
 * Responses 800, 3000, 500, 2000 (p95 = 4th of 4); c1's 10-31 "up" is superseded; cost
 * gpt-4o-mini 1500/300 = 0.000405, gpt-4o 0.01, gpt-4o-mini 1000/100 = 0.00021.
 */
export const newYorkIsoRange = { from: '2026-10-31T20:00:00-04:00', to: '2026-11-02T12:00:00-05:00' };
export const newYorkIsoTotals = {
  ...zero, visitors: 3, conversations: 3, messages: 9, shopperMessages: 5, assistantMessages: 4, promptTokens: 4600, completionTokens: 950,
  tokens: 5550, estimatedCostUsd: 0.010615, averageResponseMs: 1575, p95ResponseMs: 3000, errors: 1, errorRate: 0.2, handoffs: 1,
  handoffRate: 0.3333, bookings: 2, bookingsCancelled: 1, bookingConversion: 0.3333, widgetOpens: 1, ratingsUp: 0, ratingsDown: 2, csat: 0,
};

/** Berlin per local day. Cost 10-24: 400/100 on gpt-4o-mini = 0.00006 + 0.00006; 10-25: 600/200 = 0.00009 + 0.00012. */
export const berlinDays = {
  '2026-10-24': {
    ...zero, visitors: 1, conversations: 1, messages: 2, shopperMessages: 1, assistantMessages: 1, promptTokens: 400, completionTokens: 100, tokens: 500,
    estimatedCostUsd: 0.00012, averageResponseMs: 1000, p95ResponseMs: 1000, errorRate: 0, handoffRate: 0, bookingConversion: 0,
  },
  '2026-10-25': {
    ...zero, visitors: 2, conversations: 1, messages: 3, shopperMessages: 2, assistantMessages: 1, promptTokens: 600, completionTokens: 200, tokens: 800,
    estimatedCostUsd: 0.00021, averageResponseMs: 1400, p95ResponseMs: 1400, errors: 1, errorRate: 0.5, handoffRate: 0, bookings: 1, bookingConversion: 1,
    widgetOpens: 1, ratingsUp: 1, csat: 1,
  },
  '2026-10-26': { ...zero, visitors: 1, conversations: 1, handoffs: 1, handoffRate: 1, bookingsCancelled: 1, bookingConversion: 0 },
};

export const berlinTotals = {
  ...zero, visitors: 3, conversations: 3, messages: 5, shopperMessages: 3, assistantMessages: 2, promptTokens: 1000, completionTokens: 300, tokens: 1300,
  estimatedCostUsd: 0.00033, averageResponseMs: 1200, p95ResponseMs: 1400, errors: 1, errorRate: 0.3333, handoffs: 1, handoffRate: 0.3333,
  bookings: 1, bookingsCancelled: 0 + 1, bookingConversion: 0.3333, widgetOpens: 1, ratingsUp: 1, ratingsDown: 0, csat: 1,
};
