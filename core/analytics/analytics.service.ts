import type { Database } from '../db/database.ts';
import type { AnalyticsRecorder } from './analytics.recorder.ts';
import { AnalyticsRepository, type Counters, type DaySlice } from './analytics.repository.ts';
import { dayStartIso, isoInZone, localDay, type ResolvedRange } from './analytics.range.ts';
import type { AnalyticsMetrics, AnalyticsPoint, AnalyticsSummary, AnalyticsTimeseries } from './analytics.schema.ts';
import type { Rating } from './events.schema.ts';
import { estimateCostUsd } from './model-pricing.ts';
import { ZoneClock } from './zone-clock.ts';

const HOUR_MS = 3_600_000;

export interface AnalyticsServiceOptions {
  db: Database;
  recorder: AnalyticsRecorder;
  /** The tenant's IANA zone (tenants.time_zone, through the tenancy repository). */
  timeZoneOf: (tenantId: string) => Promise<string>;
  clock?: () => Date;
}

/** One CSV/export row: a local day and its metrics. */
export interface AnalyticsDay extends AnalyticsMetrics {
  day: string;
  models: string[];
}

const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
const ratio = (n: number, d: number) => (d > 0 ? round(n / d, 4) : null);

/** Every derived number comes from here, so a day, an hour and a range use the same definitions. */
export function deriveMetrics(c: Counters): AnalyticsMetrics {
  return {
    visitors: c.visitors,
    conversations: c.conversations,
    messages: c.shopperMessages + c.assistantMessages,
    shopperMessages: c.shopperMessages,
    assistantMessages: c.assistantMessages,
    promptTokens: c.promptTokens,
    completionTokens: c.completionTokens,
    tokens: c.promptTokens + c.completionTokens,
    estimatedCostUsd: estimateCostUsd(c.models),
    averageResponseMs: c.assistantMessages > 0 ? round(c.responseMsSum / c.assistantMessages, 1) : null,
    p95ResponseMs: c.p95ResponseMs,
    errors: c.errors,
    errorRate: ratio(c.errors, c.assistantMessages + c.errors),
    handoffs: c.handoffs,
    handoffRate: ratio(c.handoffs, c.conversations),
    bookings: c.bookings,
    bookingsCancelled: c.bookingsCancelled,
    bookingConversion: ratio(c.bookingsFromChat, c.conversations),
    widgetOpens: c.widgetOpens,
    ratingsUp: c.ratingsUp,
    ratingsDown: c.ratingsDown,
    csat: ratio(c.ratingsUp, c.ratingsUp + c.ratingsDown),
  };
}

export const EMPTY_COUNTERS: Counters = {
  events: 0, visitors: 0, conversations: 0, shopperMessages: 0, assistantMessages: 0, promptTokens: 0, completionTokens: 0,
  responseMsSum: 0, p95ResponseMs: null, errors: 0, handoffs: 0, bookings: 0, bookingsFromChat: 0, bookingsCancelled: 0,
  widgetOpens: 0, ratingsUp: 0, ratingsDown: 0, models: [],
};

/** Days per query when exporting, so a long export streams in pieces. */
const EXPORT_CHUNK_DAYS = 92;

/**
 * Merchant analytics (issue #7): summary, time series and per-day export for one tenant, read
 * from daily rollups where they are exact and from raw events elsewhere (see the repository).
 */
export class AnalyticsService {
  private readonly repository: AnalyticsRepository;
  private readonly clock: () => Date;

  constructor(private readonly options: AnalyticsServiceOptions) {
    this.repository = new AnalyticsRepository(options.db);
    this.clock = options.clock ?? (() => new Date());
  }

  now(): Date {
    return this.clock();
  }

  timeZoneOf(tenantId: string): Promise<string> {
    return this.options.timeZoneOf(tenantId);
  }

  async summary(tenantId: string, range: ResolvedRange): Promise<AnalyticsSummary> {
    const today = localDay(this.clock(), range.timeZone);
    const totals = await this.repository.totals(tenantId, range.timeZone, range.days, range, today);
    return {
      from: isoInZone(range.from, range.timeZone),
      to: isoInZone(range.to, range.timeZone),
      timeZone: range.timeZone,
      activeToday: totals.activeToday,
      ...deriveMetrics(totals),
    };
  }

  /** One point per local day or hour of the range, zero-filled. */
  async timeseries(tenantId: string, range: ResolvedRange, interval: 'day' | 'hour'): Promise<AnalyticsTimeseries> {
    const points: AnalyticsPoint[] = [];
    if (interval === 'day') {
      for (const day of await this.days(tenantId, range.timeZone, range.days)) {
        const { day: date, models: _models, ...metrics } = day;
        points.push({ at: dayStartIso(date, range.timeZone), ...metrics });
      }
    } else {
      // Local hours; an hour is an absolute hour, so the fall-back day has 25 points and spring-forward 23.
      const zone = ZoneClock.of(range.timeZone);
      const from = range.from.getTime() - (range.from.getTime() % 1000);
      const wall = zone.wall(from);
      const start = from - (wall % HOUR_MS);
      const rows = new Map((await this.repository.perHour(tenantId, range, new Date(start))).map((r) => [r.bucket, r]));
      for (let i = 0, at = start; at < range.to.getTime(); i++, at = start + i * HOUR_MS) {
        points.push({ at: zone.iso(at), ...deriveMetrics(rows.get(i) ?? EMPTY_COUNTERS) });
      }
    }
    return { from: isoInZone(range.from, range.timeZone), to: isoInZone(range.to, range.timeZone), timeZone: range.timeZone, interval, points };
  }

  /** Every local day of the range in order, zero-filled, read a chunk of days at a time (for streaming). */
  async *exportDays(tenantId: string, range: ResolvedRange): AsyncGenerator<AnalyticsDay[]> {
    for (let i = 0; i < range.days.length; i += EXPORT_CHUNK_DAYS) {
      yield await this.days(tenantId, range.timeZone, range.days.slice(i, i + EXPORT_CHUNK_DAYS));
    }
  }

  private async days(tenantId: string, timeZone: string, slices: DaySlice[]): Promise<AnalyticsDay[]> {
    const rows = new Map((await this.repository.perDay(tenantId, timeZone, slices)).map((r) => [r.day, r]));
    return slices.map((slice) => {
      const counters = rows.get(slice.day) ?? EMPTY_COUNTERS;
      return { day: slice.day, ...deriveMetrics(counters), models: counters.models.map((m) => m.model || m.adapter) };
    });
  }

  /**
   * A shopper's thumbs up/down (the widget route is the chat engine's, behind visitor auth that
   * has already checked the visitor owns the conversation). The latest rating of a conversation
   * counts. Recorded asynchronously, like every analytics event: never throws.
   */
  rateConversation(tenantId: string, conversationId: string, visitorId: string | undefined, rating: Rating, comment?: string): void {
    this.options.recorder.record({
      type: 'conversation.rated',
      tenantId,
      conversationId,
      ...(visitorId ? { visitorId } : {}),
      rating,
      occurredAt: this.clock(),
      ...(comment ? { data: { comment: comment.slice(0, 500) } } : {}),
    });
  }
}
