import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../../core/accounts/auth-context.ts';
import { createAnalytics, type Analytics } from '../../../core/analytics/analytics.module.ts';
import { resolveRange, type ResolvedRange } from '../../../core/analytics/analytics.range.ts';
import type { AnalyticsEvent } from '../../../core/analytics/events.schema.ts';
import { Metrics } from '../../../core/http/metrics.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import {
  C,
  berlinDays,
  berlinEvents,
  berlinTotals,
  type EventDraft,
  newYorkDays,
  newYorkEvents,
  newYorkIsoRange,
  newYorkIsoTotals,
  newYorkLateRerating,
  newYorkTotals,
} from './fixture.ts';

/** Every metric against hand-computed answers (fixture.ts), through the recorder, raw and rolled up. */
describe('analytics metrics', () => {
  let t: TestDatabase;
  let analytics: Analytics;
  let ny: string;
  let berlin: string;
  let tenancy: TenancyRepository;
  // 16:00 EST on 2026-11-02: "today" in New York is 11-02; 10-31 and 11-01 have ended.
  let now = new Date('2026-11-02T21:00:00Z');

  const noAuth: Authenticator = { require: () => (_req, _res, next) => next() };
  const range = (tenantZone: string, query: { from?: string; to?: string }): ResolvedRange => {
    const result = resolveRange(query, tenantZone, now);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.range;
  };
  const nyRange = (from: string, to: string) => range('America/New_York', { from, to });
  const berlinRange = (from: string, to: string) => range('Europe/Berlin', { from, to });
  const record = (tenantId: string, events: EventDraft[]) => {
    for (const e of events) analytics.recorder.record({ ...e, tenantId } as AnalyticsEvent);
  };
  const summaryMetrics = async (tenantId: string, r: ResolvedRange) => {
    const { from: _f, to: _t, timeZone: _z, activeToday: _a, ...metrics } = await analytics.service.summary(tenantId, r);
    return metrics;
  };
  const daysOf = async (tenantId: string, r: ResolvedRange) => {
    const out: Record<string, unknown> = {};
    for await (const chunk of analytics.service.exportDays(tenantId, r)) for (const { day, models: _m, ...metrics } of chunk) out[day] = metrics;
    return out;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    tenancy = new TenancyRepository(t.db);
    ny = (await tenancy.createTenant({ name: 'New York store', timeZone: 'America/New_York' })).id;
    berlin = (await tenancy.createTenant({ name: 'Berlin store', timeZone: 'Europe/Berlin' })).id;
    analytics = createAnalytics({
      db: t.db,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics(),
      auth: noAuth,
      timeZoneOf: async (id) => (await tenancy.getTenant(id))!.time_zone,
      clock: () => now,
    });
    record(ny, newYorkEvents());
    record(berlin, berlinEvents());
    await analytics.recorder.flush();
  });
  afterAll(async () => {
    await analytics.close();
    await t.drop();
  });

  it('computes every metric of each New York day from raw events, the 25-hour DST day included (before the re-rating)', async () => {
    const days = await daysOf(ny, nyRange('2026-10-31', '2026-11-03'));
    // Before c1 is re-rated: its "up" counts on 10-31, and 11-02 has only v3 and c4's "up".
    expect(days).toEqual({
      ...newYorkDays,
      '2026-10-31': { ...newYorkDays['2026-10-31'], ratingsUp: 1, csat: 1 },
      '2026-11-02': { ...newYorkDays['2026-11-02'], visitors: 1, ratingsDown: 0, csat: 1 },
    });
  });

  it('rolls up ended days only, and reads the same numbers from the rollups', async () => {
    const before = await daysOf(ny, nyRange('2026-10-31', '2026-11-03'));
    const run = await analytics.rollups.runDue();
    // New York: 10-30, 10-31, 11-01 have ended (11-02 is today, 11-04 is future); Berlin: 10-24..10-26.
    expect(run.days).toBe(6);
    const dirty = await t.db.knex.raw(`SELECT tenant_id, to_char(day, 'YYYY-MM-DD') AS day FROM analytics_dirty_days ORDER BY day`);
    expect(dirty.rows).toEqual([{ tenant_id: ny, day: '2026-11-02' }, { tenant_id: ny, day: '2026-11-04' }]);
    expect(await daysOf(ny, nyRange('2026-10-31', '2026-11-03'))).toEqual(before);
    const rolled = await t.db.tenant(ny, (trx) => trx('analytics_daily').select(trx.raw(`to_char(day, 'YYYY-MM-DD') AS day`), 'day_start', 'day_end', 'events').orderBy('day'));
    expect(rolled).toEqual([
      { day: '2026-10-30', day_start: new Date('2026-10-30T04:00:00Z'), day_end: new Date('2026-10-31T04:00:00Z'), events: 2 },
      { day: '2026-10-31', day_start: new Date('2026-10-31T04:00:00Z'), day_end: new Date('2026-11-01T04:00:00Z'), events: 8 },
      // The fall-back day: 25 hours.
      { day: '2026-11-01', day_start: new Date('2026-11-01T04:00:00Z'), day_end: new Date('2026-11-02T05:00:00Z'), events: 15 },
    ]);
  });

  it('marks the earlier day dirty when a conversation is re-rated later, so only the last rating counts', async () => {
    record(ny, newYorkLateRerating());
    await analytics.recorder.flush();
    const dirty = await t.db.tenant(ny, (trx) => trx.raw(`SELECT to_char(day, 'YYYY-MM-DD') AS day FROM analytics_dirty_days ORDER BY day`));
    expect(dirty.rows.map((r: { day: string }) => r.day)).toEqual(['2026-10-31', '2026-11-02', '2026-11-04']);
    // Exact before the next rollup (10-31 is read raw) and after it.
    expect(await daysOf(ny, nyRange('2026-10-31', '2026-11-03'))).toEqual(newYorkDays);
    expect((await analytics.rollups.runDue()).days).toBe(1);
    expect(await daysOf(ny, nyRange('2026-10-31', '2026-11-03'))).toEqual(newYorkDays);
  });

  it('sums a New York date range: distinct visitors across days, exact p95, cost per model, CSAT by last rating', async () => {
    expect(await summaryMetrics(ny, nyRange('2026-10-31', '2026-11-03'))).toEqual(newYorkTotals);
  });

  it('mixes partial edge days (raw) with a whole rolled-up day for an ISO time range', async () => {
    const r = nyRange(newYorkIsoRange.from, newYorkIsoRange.to);
    expect(r.days.map((d) => [d.day, d.whole])).toEqual([['2026-10-31', false], ['2026-11-01', true], ['2026-11-02', false]]);
    const perDay = await t.db.tenant(ny, (trx) => trx('analytics_daily').where({ day: '2026-11-01' }).first());
    expect(perDay).toBeDefined();
    expect(await summaryMetrics(ny, r)).toEqual(newYorkIsoTotals);
  });

  it('computes the Berlin days and range around its DST change', async () => {
    const r = berlinRange('2026-10-24', '2026-10-26');
    expect(r.days.map((d) => [d.day, d.lo.toISOString(), d.hi.toISOString()])).toEqual([
      ['2026-10-24', '2026-10-23T22:00:00.000Z', '2026-10-24T22:00:00.000Z'],
      ['2026-10-25', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'],
      ['2026-10-26', '2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z'],
    ]);
    expect(await daysOf(berlin, r)).toEqual(berlinDays);
    expect(await summaryMetrics(berlin, r)).toEqual(berlinTotals);
  });

  it('counts active visitors of the local today, whatever the range', async () => {
    // Today (11-02 in New York): v3 and v1 (the re-rating).
    expect((await analytics.service.summary(ny, nyRange('2026-10-01', '2026-10-02'))).activeToday).toBe(2);
    // At 23:59 EST on 11-01 (04:59Z on 11-02) "today" is still 11-01: v2, v1, v3.
    now = new Date('2026-11-02T04:59:00Z');
    try {
      expect((await analytics.service.summary(ny, nyRange('2026-10-01', '2026-10-02'))).activeToday).toBe(3);
    } finally {
      now = new Date('2026-11-02T21:00:00Z');
    }
  });

  it('never shows one tenant the other tenant\'s numbers', async () => {
    const empty = { visitors: 0, conversations: 0, messages: 0, bookings: 0, tokens: 0, csat: null };
    expect(await summaryMetrics(ny, nyRange('2026-10-24', '2026-10-26'))).toMatchObject(empty);
    expect(await summaryMetrics(berlin, berlinRange('2026-10-31', '2026-11-03'))).toMatchObject(empty);
    // The second wall: without any tenant filter, row-level security shows each tenant only its rows.
    for (const table of ['analytics_events', 'analytics_daily', 'analytics_daily_visitor_bits', 'analytics_visitor_ids', 'analytics_monthly', 'analytics_monthly_visitor_bits', 'analytics_dirty_days']) {
      const tenants = await t.db.tenant(berlin, (trx) => trx(table).distinct('tenant_id'));
      expect(tenants.map((r: { tenant_id: string }) => r.tenant_id).filter((id: string) => id !== berlin)).toEqual([]);
    }
  });

  it('gives the same rollups and numbers when the rollups are rerun over the same period', async () => {
    const snapshot = async () => ({
      daily: await t.db.tenant(ny, (trx) => trx('analytics_daily').select(trx.raw('*')).orderBy('day')),
      visitors: await t.db.tenant(ny, (trx) => trx('analytics_daily_visitor_bits').orderBy(['day', 'chunk'])),
      ids: await t.db.tenant(ny, (trx) => trx('analytics_visitor_ids').orderBy('seq')),
      monthly: await t.db.tenant(ny, (trx) => trx('analytics_monthly').orderBy('month')),
      monthlyBits: await t.db.tenant(ny, (trx) => trx('analytics_monthly_visitor_bits').orderBy(['month', 'chunk'])),
    });
    const withoutTime = (rows: Record<string, unknown>[]) => rows.map(({ computed_at: _c, ...rest }) => rest);
    const strip = (s: Awaited<ReturnType<typeof snapshot>>) => ({ ...s, daily: withoutTime(s.daily), monthly: withoutTime(s.monthly) });
    const first = strip(await snapshot());
    const summaryBefore = await summaryMetrics(ny, nyRange('2026-10-31', '2026-11-03'));

    const rerun = await analytics.rollups.rebuild(ny, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-11-02T05:00:00Z') });
    expect(rerun.days).toBeGreaterThanOrEqual(3);
    expect(strip(await snapshot())).toEqual(first);
    expect(await analytics.rollups.runDue()).toEqual({ tenants: 0, days: 0, skipped: 0 });
    expect(await summaryMetrics(ny, nyRange('2026-10-31', '2026-11-03'))).toEqual(summaryBefore);
    expect(summaryBefore).toEqual(newYorkTotals);
  });

  it('lets a shopper change their mind: rateConversation records, and only the latest rating counts', async () => {
    const store = (await tenancy.createTenant({ name: 'Rated store', timeZone: 'UTC' })).id;
    const saved = now;
    try {
      now = new Date('2026-11-10T10:00:00Z');
      analytics.service.rateConversation(store, C.c1, 'v1', 'up');
      now = new Date('2026-11-10T10:05:00Z');
      analytics.service.rateConversation(store, C.c1, 'v1', 'down');
      analytics.service.rateConversation(store, C.c2, 'v2', 'up', 'Quick and friendly');
      await analytics.recorder.flush();
      const r = range('UTC', { from: '2026-11-10', to: '2026-11-10' });
      expect(await summaryMetrics(store, r)).toMatchObject({ visitors: 2, ratingsUp: 1, ratingsDown: 1, csat: 0.5 });
      const rows = await t.db.tenant(store, (trx) => trx('analytics_events').select('conversation_id', 'rating', 'visitor_id', 'data').orderBy(['occurred_at', 'conversation_id']));
      expect(rows).toEqual([
        { conversation_id: C.c1, rating: 'up', visitor_id: 'v1', data: {} },
        { conversation_id: C.c1, rating: 'down', visitor_id: 'v1', data: {} },
        { conversation_id: C.c2, rating: 'up', visitor_id: 'v2', data: { comment: 'Quick and friendly' } },
      ]);
    } finally {
      now = saved;
    }
  });

  it('reads a whole clean month from its month rollup, and its days again once one of them is dirty', async () => {
    const store = (await tenancy.createTenant({ name: 'Monthly store', timeZone: 'UTC' })).id;
    const conversation = (d: number) => `00000000-0000-4000-8000-${String(d).padStart(12, '0')}`;
    // Each day of October 2026 (and the days around it): one conversation of visitor v(d % 3),
    // answered in d × 100 ms with 100 prompt and 10 completion tokens on gpt-4o-mini.
    const drafts: EventDraft[] = [];
    for (let d = 0; d <= 32; d++) {
      const occurredAt = new Date(Date.UTC(2026, 9, d, 12));
      drafts.push({ type: 'conversation.started', occurredAt, conversationId: conversation(d), visitorId: `v${d % 3}` });
      drafts.push({ type: 'message.answered', occurredAt, conversationId: conversation(d), visitorId: `v${d % 3}`, responseMs: d * 100, promptTokens: 100, completionTokens: 10, model: 'gpt-4o-mini', adapter: 'openai' });
    }
    record(store, drafts);
    await analytics.recorder.flush();
    await analytics.rollups.runDue();
    const october = range('UTC', { from: '2026-10-01', to: '2026-10-31' });
    // 31 answers of 100..3100 ms: mean 1600, p95 the 30th smallest = 3000. Cost 3100 × 0.15 + 310 × 0.60 per 1M.
    const expected = { conversations: 31, visitors: 3, assistantMessages: 31, averageResponseMs: 1600, p95ResponseMs: 3000, promptTokens: 3100, completionTokens: 310, estimatedCostUsd: 0.000651 };
    expect(await summaryMetrics(store, october)).toMatchObject(expected);
    expect(await t.db.tenant(store, (trx) => trx('analytics_monthly').where({ month: '2026-10-01' }).first())).toMatchObject({ days: 31, conversations: 31, visitors: 3 });

    // White box: the summary really reads the month row (tampered with here as the table owner)...
    await t.db.knex('analytics_monthly').where({ tenant_id: store, month: '2026-10-01' }).update({ conversations: 1000 });
    expect((await summaryMetrics(store, october)).conversations).toBe(1000);
    // ...and stops reading it as soon as one of its days is dirty.
    record(store, [{ type: 'conversation.started', occurredAt: new Date(Date.UTC(2026, 9, 15, 13)), conversationId: conversation(99) }]);
    await analytics.recorder.flush();
    expect(await summaryMetrics(store, october)).toMatchObject({ ...expected, conversations: 32 });
    // Rolling that day up rewrites the month from its days.
    expect((await analytics.rollups.runDue()).days).toBe(1);
    expect(await t.db.tenant(store, (trx) => trx('analytics_monthly').where({ month: '2026-10-01' }).first())).toMatchObject({ days: 31, conversations: 32 });
    expect(await summaryMetrics(store, october)).toMatchObject({ ...expected, conversations: 32 });
    // A range that cuts into the month reads days, not the month row.
    expect(await summaryMetrics(store, range('UTC', { from: '2026-10-02', to: '2026-10-31' }))).toMatchObject({ conversations: 31, assistantMessages: 30, p95ResponseMs: 3000 });
  });

  it('rolls up on its own on the cron tick', async () => {
    const store = (await tenancy.createTenant({ name: 'Ticking store', timeZone: 'Europe/Berlin' })).id;
    record(store, [{ type: 'widget.opened', occurredAt: new Date('2026-10-01T10:00:00Z') }]);
    await analytics.recorder.flush();
    analytics.rollups.start('* * * * * *'); // every second, for the test
    try {
      const deadline = Date.now() + 10_000;
      let rows: unknown[] = [];
      while (rows.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        rows = await t.db.tenant(store, (trx) => trx('analytics_daily').select('widget_opens'));
      }
      expect(rows).toEqual([{ widget_opens: 1 }]);
    } finally {
      await analytics.rollups.stop();
    }
  });

  it('keeps the events table append-only for the application role', async () => {
    await expect(t.db.tenant(ny, (trx) => trx('analytics_events').update({ type: 'widget.opened' }))).rejects.toThrow(/permission denied/);
    await expect(t.db.tenant(ny, (trx) => trx('analytics_events').delete())).rejects.toThrow(/permission denied/);
  });
});
