import { z } from 'zod';
import { freeText } from '../wire/text.ts';
import { isRangeBound, MAX_HOURLY_DAYS, MAX_RANGE_DAYS, RANGE_BOUND_MESSAGE, RANGE_BOUND_PATTERN } from './analytics.range.ts';

/** Wire shapes of the merchant analytics API (design.md §10); the dashboard imports the inferred types. */

/**
 * The refinement stated in the document (issue 14): the two shapes as a pattern, the calendar and
 * the range limits (checked against the other bound) in words.
 */
const rangeBound = z
  .string()
  .refine(isRangeBound, { message: `must be ${RANGE_BOUND_MESSAGE}` })
  .meta({ pattern: RANGE_BOUND_PATTERN });
const RANGE_LIMITS = `A real calendar date or time; \`from\` before \`to\`, at most ${MAX_RANGE_DAYS} days apart (${MAX_HOURLY_DAYS} with \`interval=hour\`).`;

export const analyticsRangeQuerySchema = z.object({
  from: rangeBound
    .optional()
    .meta({ description: `Start: a date read in the store's time zone, or an ISO time with offset. Default: 29 days before \`to\`. ${RANGE_LIMITS}` }),
  to: rangeBound
    .optional()
    .meta({ description: `End: a date (that whole day included) or an ISO time with offset (exclusive). Default: the end of today. ${RANGE_LIMITS}` }),
});

export const analyticsTimeseriesQuerySchema = analyticsRangeQuerySchema.extend({
  interval: z.enum(['day', 'hour']).default('day').meta({ description: 'Bucket size; `hour` allows at most 31 days.' }),
});

const count = z.number().int().min(0);
const rate = z.number().min(0).nullable().meta({ description: 'A share between 0 and 1 (4 decimals); null when its denominator is 0.' });
const ms = z.number().min(0).nullable();

/** The metrics every period has (a range, a day, an hour). Definitions: core/analytics/README.md. */
const metricsShape = {
  visitors: count.meta({ description: 'Distinct visitor ids seen in the period (any event).' }),
  conversations: count.meta({ description: 'Conversations started.' }),
  messages: count.meta({ description: 'Shopper messages + assistant answers.' }),
  shopperMessages: count,
  assistantMessages: count,
  promptTokens: count,
  completionTokens: count,
  tokens: count.meta({ description: 'promptTokens + completionTokens.' }),
  estimatedCostUsd: z.number().min(0).meta({ description: 'Tokens priced by the model price table (estimate, USD).' }),
  averageResponseMs: ms.meta({ description: 'Mean time from a shopper message to the finished answer (0.1 ms).' }),
  p95ResponseMs: ms.meta({ description: 'Nearest-rank 95th percentile of the response time (exact).' }),
  errors: count.meta({ description: 'Turns the model failed to answer.' }),
  errorRate: rate.meta({ description: 'errors / (assistantMessages + errors).' }),
  handoffs: count,
  handoffRate: rate.meta({ description: 'handoffs / conversations.' }),
  bookings: count.meta({ description: 'Bookings made (from chat or not).' }),
  bookingsCancelled: count,
  bookingConversion: rate.meta({ description: 'Bookings made in a conversation / conversations.' }),
  widgetOpens: count,
  ratingsUp: count.meta({ description: 'Conversations whose latest rating (given in the period) is thumbs up.' }),
  ratingsDown: count,
  csat: rate.meta({ description: 'ratingsUp / (ratingsUp + ratingsDown).' }),
};

export const analyticsSummarySchema = z
  .object({
    from: z.string().meta({ description: 'Start of the range (inclusive), ISO 8601 in the store time zone.' }),
    to: z.string().meta({ description: 'End of the range (exclusive), ISO 8601 in the store time zone.' }),
    timeZone: z.string(),
    activeToday: count.meta({ description: "Distinct visitors today (the store's local day), whatever the range." }),
    ...metricsShape,
  })
  .meta({ id: 'AnalyticsSummary' });

export const analyticsPointSchema = z
  .object({ at: z.string().meta({ description: 'Start of the bucket (local day or hour), ISO 8601 with offset.' }), ...metricsShape })
  .meta({ id: 'AnalyticsPoint' });

export const analyticsTimeseriesSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    interval: z.enum(['day', 'hour']),
    points: z.array(analyticsPointSchema),
  })
  .meta({ id: 'AnalyticsTimeseries' });

/** Body of the widget's `POST /widget/v1/conversations/:id/rating` (route owned by the chat engine). */
export const conversationRatingBodySchema = z
  .object({ rating: z.enum(['up', 'down']), comment: freeText().max(500).optional() })
  .meta({ id: 'ConversationRating' });

export type AnalyticsMetrics = { [K in keyof typeof metricsShape]: z.infer<(typeof metricsShape)[K]> };
export type AnalyticsSummary = z.infer<typeof analyticsSummarySchema>;
export type AnalyticsPoint = z.infer<typeof analyticsPointSchema>;
export type AnalyticsTimeseries = z.infer<typeof analyticsTimeseriesSchema>;
export type ConversationRatingBody = z.infer<typeof conversationRatingBodySchema>;
