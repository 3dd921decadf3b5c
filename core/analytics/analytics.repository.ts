import type { Knex } from 'knex';
import type { Database, Tx } from '../db/database.ts';
import type { AnalyticsEvent } from './events.schema.ts';

/**
 * All analytics SQL. Every statement runs through `db.tenant` (row-level security) and also names
 * the tenant explicitly, which is what lets the planner use the tenant-leading indexes.
 *
 * Exactness rule: a day's rollup is used only when the whole local day is in the range, it was
 * computed for the tenant's current zone and day bounds, and no "dirty" marker exists for it.
 * Markers are written in the same transaction as the events and deleted in the same transaction
 * as the rollup is replaced, so a clean rollup holds exactly the committed events of its day.
 * Each day is read from exactly one source (rollup or raw), never both, so nothing is counted
 * twice. The plan (which days are clean) is a first, tiny statement: given to the main statement
 * as constants it lets PostgreSQL estimate the raw part from what it really is (one statement
 * with the classification inside estimated millions of raw rows and sized its hash tables for them).
 */

/** One local day of a query: [lo, hi) is the day clipped to the range; `whole` when not clipped. */
export interface DaySlice {
  day: string;
  lo: Date;
  hi: Date;
  whole: boolean;
}

export interface ModelUsage {
  adapter: string;
  model: string;
  answers: number;
  promptTokens: number;
  completionTokens: number;
}

/** Additive counters of a period (a day, an hour, a range). */
export interface Counters {
  events: number;
  visitors: number;
  conversations: number;
  shopperMessages: number;
  assistantMessages: number;
  promptTokens: number;
  completionTokens: number;
  responseMsSum: number;
  p95ResponseMs: number | null;
  errors: number;
  handoffs: number;
  bookings: number;
  bookingsFromChat: number;
  bookingsCancelled: number;
  widgetOpens: number;
  ratingsUp: number;
  ratingsDown: number;
  models: ModelUsage[];
}

export interface DayCounters extends Counters {
  day: string;
  /** Whether the day came from its rollup (false: from raw events). */
  fromRollup: boolean;
}

export interface RangeTotals extends Counters {
  activeToday: number;
}

/**
 * `e` is a source of events with a `latest` column: true for the newest rating of its
 * conversation ("the last rating counts"), null for other types. The same list computes a rollup
 * day, the raw part of a range, and an hour bucket, so the three cannot disagree.
 */
const AGGREGATES = `
  count(*)::int AS events,
  count(DISTINCT e.visitor_id)::int AS visitors,
  count(*) FILTER (WHERE e.type = 'conversation.started')::int AS conversations,
  count(*) FILTER (WHERE e.type = 'message.received')::int AS shopper_messages,
  count(*) FILTER (WHERE e.type = 'message.answered')::int AS assistant_messages,
  coalesce(sum(e.prompt_tokens) FILTER (WHERE e.type = 'message.answered'), 0)::bigint AS prompt_tokens,
  coalesce(sum(e.completion_tokens) FILTER (WHERE e.type = 'message.answered'), 0)::bigint AS completion_tokens,
  coalesce(sum(e.response_ms) FILTER (WHERE e.type = 'message.answered'), 0)::bigint AS response_ms_sum,
  (percentile_disc(0.95) WITHIN GROUP (ORDER BY e.response_ms) FILTER (WHERE e.type = 'message.answered'))::int AS p95_response_ms,
  count(*) FILTER (WHERE e.type = 'llm.error')::int AS errors,
  count(*) FILTER (WHERE e.type = 'handoff.requested')::int AS handoffs,
  count(*) FILTER (WHERE e.type = 'booking.made')::int AS bookings,
  count(*) FILTER (WHERE e.type = 'booking.made' AND e.conversation_id IS NOT NULL)::int AS bookings_from_chat,
  count(*) FILTER (WHERE e.type = 'booking.cancelled')::int AS bookings_cancelled,
  count(*) FILTER (WHERE e.type = 'widget.opened')::int AS widget_opens,
  count(*) FILTER (WHERE e.type = 'conversation.rated' AND e.rating = 'up' AND e.latest)::int AS ratings_up,
  count(*) FILTER (WHERE e.type = 'conversation.rated' AND e.rating = 'down' AND e.latest)::int AS ratings_down`;

/** Visitor bitmaps: 8,192 visitor numbers (1 KB) per chunk row. */
const BITS_PER_CHUNK = 8192;

const COUNTER_COLUMNS = [
  'events', 'visitors', 'conversations', 'shopper_messages', 'assistant_messages', 'prompt_tokens', 'completion_tokens',
  'response_ms_sum', 'p95_response_ms', 'errors', 'handoffs', 'bookings', 'bookings_from_chat', 'bookings_cancelled',
  'widget_opens', 'ratings_up', 'ratings_down',
] as const;

/** The newest rating of its conversation; ties on the instant are broken by id so exactly one wins. */
const LATEST_RATING = (alias: string) => `
  CASE WHEN ${alias}.type = 'conversation.rated' THEN NOT EXISTS (
    SELECT 1 FROM analytics_events l
    WHERE l.tenant_id = ${alias}.tenant_id AND l.type = 'conversation.rated' AND l.conversation_id = ${alias}.conversation_id
      AND (l.occurred_at, l.id) > (${alias}.occurred_at, ${alias}.id)) END`;

const EVENT_COLUMNS = `x.tenant_id, x.id, x.type, x.occurred_at, x.visitor_id, x.conversation_id, x.response_ms, x.prompt_tokens, x.completion_tokens, x.model, x.adapter, x.rating`;

/** Per-model usage of a source grouped by `key`, as a jsonb array (priced at read time, never stored as money). */
const MODELS_OF = (source: string, key: string) => `
  SELECT m.k AS ${key}, jsonb_agg(jsonb_build_object('adapter', m.adapter, 'model', m.model, 'answers', m.answers,
           'promptTokens', m.prompt_tokens, 'completionTokens', m.completion_tokens) ORDER BY m.adapter, m.model) AS models
  FROM (SELECT e.${key} AS k, coalesce(e.adapter, '') AS adapter, coalesce(e.model, '') AS model, count(*)::int AS answers,
               sum(e.prompt_tokens)::bigint AS prompt_tokens, sum(e.completion_tokens)::bigint AS completion_tokens
        FROM ${source} e WHERE e.type = 'message.answered' GROUP BY 1, 2, 3) m
  GROUP BY m.k`;

function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

function toCounters(row: Record<string, unknown>): Counters {
  return {
    events: num(row.events),
    visitors: num(row.visitors),
    conversations: num(row.conversations),
    shopperMessages: num(row.shopper_messages),
    assistantMessages: num(row.assistant_messages),
    promptTokens: num(row.prompt_tokens),
    completionTokens: num(row.completion_tokens),
    responseMsSum: num(row.response_ms_sum),
    p95ResponseMs: row.p95_response_ms === null || row.p95_response_ms === undefined ? null : Number(row.p95_response_ms),
    errors: num(row.errors),
    handoffs: num(row.handoffs),
    bookings: num(row.bookings),
    bookingsFromChat: num(row.bookings_from_chat),
    bookingsCancelled: num(row.bookings_cancelled),
    widgetOpens: num(row.widget_opens),
    ratingsUp: num(row.ratings_up),
    ratingsDown: num(row.ratings_down),
    models: ((row.models as ModelUsage[] | null) ?? []).map((m) => ({
      adapter: m.adapter,
      model: m.model,
      answers: num(m.answers),
      promptTokens: num(m.promptTokens),
      completionTokens: num(m.completionTokens),
    })),
  };
}

/**
 * The raw events of the days that cannot use their rollup, and one row per period with data:
 * rolled days from analytics_daily, whole clean months from analytics_monthly, the other days
 * aggregated from raw events. Bindings: planBindings().
 */
const RANGE_CTES = `
  raw AS MATERIALIZED (
    SELECT s.day, ${EVENT_COLUMNS}, ${LATEST_RATING('x')} AS latest
    FROM unnest(?::date[], ?::timestamptz[], ?::timestamptz[]) AS s(day, lo, hi)
    JOIN analytics_events x ON x.tenant_id = ?::uuid AND x.occurred_at >= s.lo AND x.occurred_at < s.hi
  ),
  per_day AS (
    SELECT r.day, true AS from_rollup, ${COUNTER_COLUMNS.map((c) => `r.${c}`).join(', ')}, r.models
    FROM analytics_daily r WHERE r.tenant_id = ?::uuid AND r.day = ANY(?::date[])
    UNION ALL
    SELECT mo.month, true, ${COUNTER_COLUMNS.map((c) => `mo.${c}`).join(', ')}, mo.models
    FROM analytics_monthly mo WHERE mo.tenant_id = ?::uuid AND mo.month = ANY(?::date[])
    UNION ALL
    SELECT a.day, false, ${COUNTER_COLUMNS.map((c) => `a.${c}`).join(', ')}, coalesce(m.models, '[]'::jsonb)
    FROM (SELECT e.day, ${AGGREGATES} FROM raw e GROUP BY e.day) a
    LEFT JOIN (${MODELS_OF('raw', 'day')}) m ON m.day = a.day
  )`;

/** Where each part of a range is read from: day rollups, month rollups, or raw events. */
interface Plan {
  rolled: string[];
  months: string[];
  raw: DaySlice[];
}

function planBindings(tenantId: string, plan: Plan): Knex.RawBinding[] {
  return [
    plan.raw.map((d) => d.day), plan.raw.map((d) => d.lo.toISOString()), plan.raw.map((d) => d.hi.toISOString()), tenantId,
    tenantId, plan.rolled,
    tenantId, plan.months,
  ];
}

/** Sums a `models` jsonb array column over the rows of `source` (alias-free FROM item). */
const MERGED_MODELS = (source: string) => `
  SELECT coalesce(jsonb_agg(jsonb_build_object('adapter', g.adapter, 'model', g.model, 'answers', g.answers,
           'promptTokens', g.prompt_tokens, 'completionTokens', g.completion_tokens) ORDER BY g.adapter, g.model), '[]'::jsonb) AS models
  FROM (SELECT m->>'adapter' AS adapter, m->>'model' AS model, sum((m->>'answers')::bigint) AS answers,
               sum((m->>'promptTokens')::bigint) AS prompt_tokens, sum((m->>'completionTokens')::bigint) AS completion_tokens
        FROM ${source} src, jsonb_array_elements(src.models) m GROUP BY 1, 2) g`;

const monthOf = (day: string) => `${day.slice(0, 7)}-01`;
const nextMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
};
const daysInMonth = (month: string) => (Date.parse(`${nextMonth(month)}T00:00:00Z`) - Date.parse(`${month}T00:00:00Z`)) / 86_400_000;

/**
 * Per transaction: no JIT (these statements are short, but their row estimates for the raw part
 * are pessimistic, and PostgreSQL then spends seconds compiling them: measured 7.6 s of 8.8 s in
 * bench/analytics), and room to aggregate the raw part (distinct visitors, percentiles) in memory.
 */
const TUNING = `set_config('jit', 'off', true) AS jit, set_config('work_mem', '64MB', true) AS work_mem`;

async function tune(trx: Tx): Promise<void> {
  await trx.raw(`SELECT ${TUNING}`);
}

export class AnalyticsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Appends one tenant's events and marks their local days (and the days of earlier ratings of
   * re-rated conversations) dirty, in one transaction: a day without a marker is fully rolled up.
   */
  insertEvents(tenantId: string, events: AnalyticsEvent[]): Promise<void> {
    return this.db.tenant(tenantId, async (trx) => {
      const rows = events.map((e) => ({
        tenant_id: e.tenantId,
        type: e.type,
        occurred_at: e.occurredAt,
        bot_id: e.botId ?? null,
        conversation_id: e.conversationId ?? null,
        visitor_id: e.visitorId ?? null,
        response_ms: e.type === 'message.answered' ? e.responseMs : null,
        prompt_tokens: e.type === 'message.answered' ? e.promptTokens : null,
        completion_tokens: e.type === 'message.answered' ? e.completionTokens : null,
        model: e.type === 'message.answered' || e.type === 'llm.error' ? (e.model ?? null) : null,
        adapter: e.type === 'message.answered' || e.type === 'llm.error' ? (e.adapter ?? null) : null,
        rating: e.type === 'conversation.rated' ? e.rating : null,
        data: JSON.stringify(e.data ?? {}),
      }));
      await trx('analytics_events').insert(rows);
      const rated = [...new Set(events.filter((e) => e.type === 'conversation.rated').map((e) => e.conversationId!))];
      // The tenant's zone is read in this same transaction, so the marked days match the events'.
      // DO UPDATE, not DO NOTHING: it waits for a rollup that holds the marker, and re-marks the day
      // after that rollup deleted it; DO NOTHING would see the marker and leave our events unrolled.
      // Sorted, so two writers marking the same days lock them in the same order (no deadlock).
      await trx.raw(
        `INSERT INTO analytics_dirty_days (tenant_id, day, marked_at)
         SELECT ?::uuid, days.day, now() FROM (
           SELECT (x.at AT TIME ZONE t.time_zone)::date AS day
           FROM unnest(?::timestamptz[]) AS x(at) CROSS JOIN tenants t WHERE t.id = ?::uuid
           UNION
           SELECT (e.occurred_at AT TIME ZONE t.time_zone)::date
           FROM analytics_events e CROSS JOIN tenants t
           WHERE t.id = ?::uuid AND e.tenant_id = ?::uuid AND e.type = 'conversation.rated' AND e.conversation_id = ANY(?::uuid[])
         ) days ORDER BY days.day
         ON CONFLICT (tenant_id, day) DO UPDATE SET marked_at = excluded.marked_at`,
        [tenantId, events.map((e) => e.occurredAt.toISOString()), tenantId, tenantId, tenantId, rated],
      );
    });
  }

  /**
   * Tenants with dirty days that have ended in their zone, oldest marker first (system role: the
   * rollup tick is cross-tenant; it then works inside each tenant).
   */
  async tenantsWithDirtyDays(now: Date, limit: number): Promise<string[]> {
    return this.db.system(async (trx) => {
      const rows = await trx.raw(
        `SELECT d.tenant_id FROM analytics_dirty_days d JOIN tenants t ON t.id = d.tenant_id
         WHERE d.day < (?::timestamptz AT TIME ZONE t.time_zone)::date
         GROUP BY d.tenant_id ORDER BY min(d.marked_at) LIMIT ?`,
        [now.toISOString(), limit],
      );
      return (rows.rows as { tenant_id: string }[]).map((r) => r.tenant_id);
    });
  }

  /** Dirty local dates in (after, before), ascending. */
  async dirtyDays(tenantId: string, after: string, before: string, limit: number): Promise<string[]> {
    return this.db.tenant(tenantId, async (trx) => {
      const rows = await trx.raw(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM analytics_dirty_days
         WHERE tenant_id = ?::uuid AND day > ?::date AND day < ?::date ORDER BY day LIMIT ?`,
        [tenantId, after, before, limit],
      );
      return (rows.rows as { day: string }[]).map((r) => r.day);
    });
  }

  /** Marks every day that has events (in the tenant's current zone) dirty, e.g. after a zone change. */
  async markAllDirty(tenantId: string, from?: Date, to?: Date): Promise<number> {
    return this.db.tenant(tenantId, async (trx) => {
      const result = await trx.raw(
        `INSERT INTO analytics_dirty_days (tenant_id, day, marked_at)
         SELECT ?::uuid, days.day, now() FROM (
           SELECT DISTINCT (e.occurred_at AT TIME ZONE t.time_zone)::date AS day
           FROM analytics_events e CROSS JOIN tenants t
           WHERE t.id = ?::uuid AND e.tenant_id = ?::uuid
             AND e.occurred_at >= coalesce(?::timestamptz, '-infinity') AND e.occurred_at < coalesce(?::timestamptz, 'infinity')
         ) days ORDER BY days.day
         ON CONFLICT (tenant_id, day) DO UPDATE SET marked_at = excluded.marked_at`,
        [tenantId, tenantId, tenantId, from?.toISOString() ?? null, to?.toISOString() ?? null],
      );
      return result.rowCount ?? 0;
    });
  }

  /**
   * Recomputes one local day from raw events and replaces its rollup, if its marker is not held
   * by another instance (SKIP LOCKED). Returns false when skipped. Idempotent.
   */
  rollupDay(tenantId: string, timeZone: string, slice: DaySlice): Promise<boolean> {
    return this.db.tenant(tenantId, async (trx) => {
      await tune(trx);
      // One tenant's rollups run one at a time (across instances): visitor numbers are handed out
      // without races, and a month row is always the sum of its current day rows.
      await trx.raw(`SELECT pg_advisory_xact_lock(hashtextextended('analytics-rollup:' || ?::text, 0))`, [tenantId]);
      const marker = await trx.raw(
        `SELECT 1 FROM analytics_dirty_days WHERE tenant_id = ?::uuid AND day = ?::date FOR UPDATE SKIP LOCKED`,
        [tenantId, slice.day],
      );
      const held = marker.rows.length === 0 && (await this.markerExists(trx, tenantId, slice.day));
      if (held) return false;
      await this.writeRollup(trx, tenantId, timeZone, slice);
      await trx.raw(`DELETE FROM analytics_dirty_days WHERE tenant_id = ?::uuid AND day = ?::date`, [tenantId, slice.day]);
      await this.writeMonth(trx, tenantId, timeZone, monthOf(slice.day));
      return true;
    });
  }

  /** Rewrites a month row as the sum of its day rows of this zone, and its visitor bitmaps as their OR. */
  private async writeMonth(trx: Tx, tenantId: string, timeZone: string, month: string): Promise<void> {
    const end = nextMonth(month);
    await trx.raw(`DELETE FROM analytics_monthly WHERE tenant_id = ?::uuid AND month = ?::date`, [tenantId, month]);
    const days = `(SELECT * FROM analytics_daily WHERE tenant_id = ?::uuid AND day >= ?::date AND day < ?::date AND time_zone = ?)`;
    const daysBindings = [tenantId, month, end, timeZone];
    const sums = COUNTER_COLUMNS.map((c) => (c === 'p95_response_ms' ? 'NULL' : c === 'visitors' ? '0' : `sum(d.${c})`)).join(', ');
    await trx.raw(
      `INSERT INTO analytics_monthly (tenant_id, month, time_zone, days, ${COUNTER_COLUMNS.join(', ')}, models, computed_at)
       SELECT ?::uuid, ?::date, ?, count(*), ${sums}, (${MERGED_MODELS(days)}), now()
       FROM ${days} d HAVING count(*) > 0`,
      [tenantId, month, timeZone, ...daysBindings, ...daysBindings],
    );
    await trx.raw(
      `INSERT INTO analytics_monthly_visitor_bits (tenant_id, month, chunk, bits)
       SELECT ?::uuid, ?::date, b.chunk, bit_or(b.bits)
       FROM analytics_daily_visitor_bits b JOIN ${days} d ON d.day = b.day
       WHERE b.tenant_id = ?::uuid AND b.day >= ?::date AND b.day < ?::date
       GROUP BY b.chunk`,
      [tenantId, month, ...daysBindings, tenantId, month, end],
    );
    await trx.raw(
      `UPDATE analytics_monthly SET visitors = (
         SELECT coalesce(sum(bit_count(bits)), 0) FROM analytics_monthly_visitor_bits WHERE tenant_id = ?::uuid AND month = ?::date)
       WHERE tenant_id = ?::uuid AND month = ?::date`,
      [tenantId, month, tenantId, month],
    );
  }

  private async markerExists(trx: Tx, tenantId: string, day: string): Promise<boolean> {
    const rows = await trx.raw(`SELECT 1 FROM analytics_dirty_days WHERE tenant_id = ?::uuid AND day = ?::date`, [tenantId, day]);
    return rows.rows.length > 0;
  }

  private async writeRollup(trx: Tx, tenantId: string, timeZone: string, slice: DaySlice): Promise<void> {
    await trx.raw(`DELETE FROM analytics_daily WHERE tenant_id = ?::uuid AND day = ?::date`, [tenantId, slice.day]);
    const source = `(SELECT ${EVENT_COLUMNS}, ${LATEST_RATING('x')} AS latest FROM analytics_events x
                     WHERE x.tenant_id = ?::uuid AND x.occurred_at >= ?::timestamptz AND x.occurred_at < ?::timestamptz)`;
    await trx.raw(
      `INSERT INTO analytics_daily (tenant_id, day, time_zone, day_start, day_end, ${COUNTER_COLUMNS.join(', ')}, models, computed_at)
       SELECT ?::uuid, ?::date, ?, ?::timestamptz, ?::timestamptz, ${COUNTER_COLUMNS.map((c) => `a.${c}`).join(', ')},
              coalesce((SELECT m.models FROM (${MODELS_OF(source, 'tenant_id')}) m), '[]'::jsonb), now()
       FROM (SELECT ${AGGREGATES} FROM ${source} e) a`,
      [tenantId, slice.day, timeZone, slice.lo.toISOString(), slice.hi.toISOString(), tenantId, slice.lo.toISOString(), slice.hi.toISOString(), tenantId, slice.lo.toISOString(), slice.hi.toISOString()],
    );
    // Visitors get a dense number the first time a rollup sees them; the day keeps them as bitmaps.
    const dayVisitors = `(SELECT DISTINCT hashtextextended(visitor_id, 0) AS h FROM analytics_events
                          WHERE tenant_id = ?::uuid AND occurred_at >= ?::timestamptz AND occurred_at < ?::timestamptz AND visitor_id IS NOT NULL)`;
    const dayBindings = [tenantId, slice.lo.toISOString(), slice.hi.toISOString()];
    await trx.raw(
      `INSERT INTO analytics_visitor_ids (tenant_id, visitor_hash, seq)
       SELECT ?::uuid, d.h, (SELECT coalesce(max(seq), -1) FROM analytics_visitor_ids WHERE tenant_id = ?::uuid) + row_number() OVER (ORDER BY d.h)
       FROM ${dayVisitors} d
       WHERE NOT EXISTS (SELECT 1 FROM analytics_visitor_ids v WHERE v.tenant_id = ?::uuid AND v.visitor_hash = d.h)
       ON CONFLICT DO NOTHING`,
      [tenantId, tenantId, ...dayBindings, tenantId],
    );
    await trx.raw(
      `INSERT INTO analytics_daily_visitor_bits (tenant_id, day, chunk, bits)
       SELECT ?::uuid, ?::date, v.seq / ${BITS_PER_CHUNK}, bit_or(B'1'::bit(${BITS_PER_CHUNK}) >> (v.seq % ${BITS_PER_CHUNK}))
       FROM ${dayVisitors} d JOIN analytics_visitor_ids v ON v.tenant_id = ?::uuid AND v.visitor_hash = d.h
       GROUP BY 3`,
      [tenantId, slice.day, ...dayBindings, tenantId],
    );
  }

  /**
   * The days whose rollup is exact: whole in the range, computed for the tenant's current zone and
   * day bounds (a zone or tzdata change invalidates them), and not marked dirty since.
   */
  private async plan(trx: Tx, tenantId: string, timeZone: string, days: DaySlice[], options: { months: boolean }): Promise<Plan> {
    const whole = days.filter((d) => d.whole);
    const first = whole[0]?.day ?? '9999-12-31';
    const last = whole[whole.length - 1]?.day ?? '0001-01-01';
    // The session settings ride along with this first statement (one round trip less per request).
    const result = await trx.raw(
      `WITH tuned AS MATERIALIZED (SELECT ${TUNING})
       SELECT 'day' AS kind, to_char(r.day, 'YYYY-MM-DD') AS day, extract(epoch FROM r.day_start) * 1000 AS lo, extract(epoch FROM r.day_end) * 1000 AS hi, NULL::int AS days
       FROM tuned LEFT JOIN analytics_daily r
         ON r.tenant_id = ?::uuid AND r.day >= ?::date AND r.day <= ?::date AND r.time_zone = ?
        AND NOT EXISTS (SELECT 1 FROM analytics_dirty_days m WHERE m.tenant_id = ?::uuid AND m.day = r.day)
       UNION ALL
       SELECT 'month', to_char(mo.month, 'YYYY-MM-DD'), NULL, NULL, mo.days FROM analytics_monthly mo
       WHERE ? AND mo.tenant_id = ?::uuid AND mo.month >= ?::date AND mo.month <= ?::date AND mo.time_zone = ?`,
      [tenantId, first, last, timeZone, tenantId, options.months, tenantId, monthOf(first), last, timeZone],
    );
    const rows = result.rows as { kind: 'day' | 'month'; day: string | null; lo: string; hi: string; days: number | null }[];
    const bounds = new Map(rows.filter((r) => r.kind === 'day' && r.day).map((r) => [r.day!, r]));
    const rolled = new Set<string>();
    for (const d of whole) {
      const r = bounds.get(d.day);
      if (r && Number(r.lo) === d.lo.getTime() && Number(r.hi) === d.hi.getTime()) rolled.add(d.day);
    }
    // A month row stands for its days only when all of them are in the range, rolled up and clean.
    const rolledPerMonth = new Map<string, number>();
    for (const day of rolled) rolledPerMonth.set(monthOf(day), (rolledPerMonth.get(monthOf(day)) ?? 0) + 1);
    const months = rows
      .filter((r) => r.kind === 'month' && r.day && r.days === daysInMonth(r.day) && rolledPerMonth.get(r.day) === r.days)
      .map((r) => r.day!);
    const inMonths = new Set(months);
    return {
      rolled: [...rolled].filter((day) => !inMonths.has(monthOf(day))),
      months,
      raw: days.filter((d) => !rolled.has(d.day)),
    };
  }

  /** One row per local day that has data (rollup or raw); days without any are absent. */
  async perDay(tenantId: string, timeZone: string, days: DaySlice[]): Promise<DayCounters[]> {
    if (days.length === 0) return [];
    return this.db.tenant(tenantId, async (trx) => {
      const plan = await this.plan(trx, tenantId, timeZone, days, { months: false });
      const result = await trx.raw(
        `WITH ${RANGE_CTES} SELECT to_char(day, 'YYYY-MM-DD') AS day_text, * FROM per_day ORDER BY day`,
        planBindings(tenantId, plan),
      );
      return (result.rows as Record<string, unknown>[]).map((row) => ({ ...toCounters(row), day: String(row.day_text), fromRollup: Boolean(row.from_rollup) }));
    });
  }

  /**
   * The whole range in one statement: additive counters summed over months, days and raw slices,
   * distinct visitors over the union of their visitor sets, and the exact nearest-rank p95 read from the response-time
   * index (walking down from the top: about 5% of the tenant's answers, never a sort of all of them).
   */
  async totals(tenantId: string, timeZone: string, days: DaySlice[], range: { from: Date; to: Date }, today: { lo: Date; hi: Date }): Promise<RangeTotals> {
    return this.db.tenant(tenantId, async (trx) => {
      const plan = await this.plan(trx, tenantId, timeZone, days, { months: true });
      const sums = COUNTER_COLUMNS.filter((c) => c !== 'visitors' && c !== 'p95_response_ms')
        .map((c) => `coalesce(sum(${c}), 0)::bigint AS ${c}`)
        .join(', ');
      const result = await trx.raw(
        `WITH ${RANGE_CTES},
         sums AS (SELECT ${sums} FROM per_day),
         models AS (${MERGED_MODELS('per_day')}),
         -- Rolled days and months: popcount of the OR of their visitor bitmaps. Raw slices: their visitors not already in it.
         vbits AS MATERIALIZED (
           SELECT b.chunk, bit_or(b.bits) AS bits FROM (
             SELECT chunk, bits FROM analytics_daily_visitor_bits WHERE tenant_id = ?::uuid AND day = ANY(?::date[])
             UNION ALL
             SELECT chunk, bits FROM analytics_monthly_visitor_bits WHERE tenant_id = ?::uuid AND month = ANY(?::date[])
           ) b GROUP BY b.chunk
         ),
         raw_visitors AS (SELECT DISTINCT hashtextextended(visitor_id, 0) AS h FROM raw WHERE visitor_id IS NOT NULL),
         visitors AS (
           SELECT (SELECT coalesce(sum(bit_count(bits)), 0) FROM vbits)::int
                + (SELECT count(*) FROM raw_visitors r
                   LEFT JOIN analytics_visitor_ids v ON v.tenant_id = ?::uuid AND v.visitor_hash = r.h
                   LEFT JOIN vbits ON vbits.chunk = v.seq / ${BITS_PER_CHUNK}
                   WHERE vbits.bits IS NULL OR get_bit(vbits.bits, v.seq % ${BITS_PER_CHUNK}) = 0)::int AS visitors
         ),
         p95 AS (
           SELECT response_ms FROM analytics_events
           WHERE tenant_id = ?::uuid AND type = 'message.answered' AND occurred_at >= ?::timestamptz AND occurred_at < ?::timestamptz
           ORDER BY response_ms DESC
           OFFSET (SELECT assistant_messages - ceil(0.95 * assistant_messages)::bigint FROM sums) LIMIT 1
         ),
         today AS (
           SELECT count(DISTINCT visitor_id)::int AS active_today FROM analytics_events
           WHERE tenant_id = ?::uuid AND occurred_at >= ?::timestamptz AND occurred_at < ?::timestamptz
         )
         SELECT sums.*, visitors.visitors, (SELECT response_ms FROM p95) AS p95_response_ms, models.models, today.active_today
         FROM sums, visitors, models, today`,
        [
          ...planBindings(tenantId, plan),
          tenantId, plan.rolled, tenantId, plan.months, tenantId,
          tenantId, range.from.toISOString(), range.to.toISOString(),
          tenantId, today.lo.toISOString(), today.hi.toISOString(),
        ],
      );
      const row = result.rows[0] as Record<string, unknown>;
      return { ...toCounters(row), activeToday: num(row.active_today) };
    });
  }

  /** Hour buckets from raw events: bucket i is [start + i h, start + (i+1) h). */
  async perHour(tenantId: string, range: { from: Date; to: Date }, start: Date): Promise<(Counters & { bucket: number })[]> {
    return this.db.tenant(tenantId, async (trx) => {
      await tune(trx);
      const source = `(SELECT ${EVENT_COLUMNS}, ${LATEST_RATING('x')} AS latest,
                              floor(date_part('epoch', x.occurred_at - ?::timestamptz) / 3600)::int AS bucket
                       FROM analytics_events x
                       WHERE x.tenant_id = ?::uuid AND x.occurred_at >= ?::timestamptz AND x.occurred_at < ?::timestamptz)`;
      const sourceBindings = [start.toISOString(), tenantId, range.from.toISOString(), range.to.toISOString()];
      const result = await trx.raw(
        `WITH src AS MATERIALIZED ${source}
         SELECT a.*, coalesce(m.models, '[]'::jsonb) AS models
         FROM (SELECT e.bucket, ${AGGREGATES} FROM src e GROUP BY e.bucket) a
         LEFT JOIN (${MODELS_OF('src', 'bucket')}) m ON m.bucket = a.bucket
         ORDER BY a.bucket`,
        sourceBindings,
      );
      return (result.rows as Record<string, unknown>[]).map((row) => ({ ...toCounters(row), bucket: Number(row.bucket) }));
    });
  }
}
