// Analytics summary budget (design §13): p95 ≤ 100 ms over 2 million events of one tenant.
// Prints figures only; never part of the pass/fail suite.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/analytics/summary.bench.ts
// (without DATABASE_URL an embedded PostgreSQL is started in a temp dir). EVENTS=200000 for a quick run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import pg from 'pg';
import pino from 'pino';
import { startEmbeddedPostgres } from '../../adapters/db/embedded-postgres.ts';
import type { Authenticator } from '../../core/accounts/auth-context.ts';
import { createAnalytics, type Analytics } from '../../core/analytics/analytics.module.ts';
import { AnalyticsRepository } from '../../core/analytics/analytics.repository.ts';
import { resolveRange } from '../../core/analytics/analytics.range.ts';
import { Database } from '../../core/db/database.ts';
import { migrateLatest } from '../../core/db/migrator.ts';
import { Metrics } from '../../core/http/metrics.ts';
import { TenancyRepository } from '../../core/tenancy/tenancy.repository.ts';
import { report } from '../report.ts';

const EVENTS = Number(process.env.EVENTS ?? 2_000_000);
const DAYS = 365;
const RUNS = 50;
const BASELINE_RUNS = 3;
const BUDGET_P95_MS = 100;
const TIME_ZONE = 'Europe/Berlin';
const CHUNK = 100_000;

const fmt = (n: number) => n.toFixed(1).padStart(8);
const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
const progress = (line: string) => process.stdout.write(`\r${line.padEnd(78)}`);

async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await work();
  return [performance.now() - t0, value];
}

async function measure(runs: number, work: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await time(work))[0]);
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: times[times.length - 1]! };
}

async function main() {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  if (!adminUrl) {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'concierge-bench-pg-'));
    const embedded = await startEmbeddedPostgres({ dataDir: tmp, database: 'postgres', ephemeral: true });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const name = `concierge_bench_analytics_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let db = Database.connect(url.toString(), { poolMax: 4 });
  let analytics: Analytics | undefined;
  try {
    await migrateLatest(db.knex);
    const tenancy = new TenancyRepository(db);
    const tenantId = (await tenancy.createTenant({ name: 'Bench store', timeZone: TIME_ZONE })).id;
    // A second tenant with a few events, so tenant filters are not trivially true.
    const other = (await tenancy.createTenant({ name: 'Other store', timeZone: 'America/New_York' })).id;

    // 2 M events over the last 365 days up to now (today is a partial day), in sessions of 13
    // events a few minutes apart, one visitor each out of a pool of 120k (so some return); 30% of
    // the events are answers (~600k response times), over three models. Sessions are loaded in
    // time order (as a live table fills), with up to an hour of jitter. Loaded as the owner in bulk.
    const now = new Date();
    const spanSeconds = DAYS * 86_400 - 3_600; // the last session still ends before now
    const start = new Date(now.getTime() - DAYS * 86_400_000);
    const t0 = performance.now();
    for (let from = 1; from <= EVENTS; from += CHUNK) {
      const to = Math.min(EVENTS, from + CHUNK - 1);
      await db.knex.raw(
        `INSERT INTO analytics_events (tenant_id, type, occurred_at, recorded_at, conversation_id, visitor_id,
                                       response_ms, prompt_tokens, completion_tokens, model, adapter, rating)
         SELECT ?::uuid, k.type, k.at, k.at, k.conversation_id, k.visitor_id,
                CASE WHEN k.type = 'message.answered' THEN 300 + (k.r1 ^ 2 * 9000)::int END,
                CASE WHEN k.type = 'message.answered' THEN 500 + (k.r2 * 3000)::int END,
                CASE WHEN k.type = 'message.answered' THEN 50 + (k.r1 * 400)::int END,
                CASE WHEN k.type = 'message.answered' THEN (ARRAY['gpt-4o-mini', 'gpt-4o', 'offline'])[1 + (k.g % 3)] END,
                CASE WHEN k.type = 'message.answered' THEN (ARRAY['openai', 'openai', 'offline'])[1 + (k.g % 3)] END,
                CASE WHEN k.type = 'conversation.rated' THEN CASE WHEN k.r2 < 0.8 THEN 'up' ELSE 'down' END END
         FROM (
           SELECT g, random() AS r1, random() AS r2,
             (ARRAY['visitor.seen', 'visitor.seen', 'visitor.seen', 'widget.opened', 'widget.opened',
                    'conversation.started', 'conversation.started', 'conversation.started',
                    'message.received', 'message.received', 'message.received', 'message.received', 'message.received', 'message.received',
                    'message.received', 'message.received', 'message.received', 'message.received', 'message.received', 'message.received',
                    'message.answered', 'message.answered', 'message.answered', 'message.answered', 'message.answered', 'message.answered',
                    'message.answered', 'message.answered', 'message.answered', 'message.answered', 'message.answered', 'message.answered',
                    'llm.error', 'handoff.requested', 'booking.made', 'booking.made', 'booking.cancelled', 'conversation.rated',
                    'visitor.seen', 'visitor.seen'])[1 + g % 40] AS type,
             ?::timestamptz + (s.t * ?) * interval '1 second' + (g % 13) * interval '45 seconds' AS at,
             md5(s.id::text)::uuid AS conversation_id,
             'v' || floor(s.u2 * 120000)::int AS visitor_id
           FROM generate_series(?::int, ?::int) g
           -- Per-session pseudo-random numbers from the session id, the same for its 13 events.
           CROSS JOIN LATERAL (
             SELECT g / 13 AS id,
                    least(1.0, greatest(0.0, (g / 13)::float8 / ? + (('x' || substr(md5((g / 13)::text), 1, 8))::bit(32)::bigint / 4294967296.0 - 0.5) / ?)) AS t,
                    ('x' || substr(md5((g / 13)::text), 9, 8))::bit(32)::bigint / 4294967296.0 AS u2
           ) s
         ) k`,
        [tenantId, start.toISOString(), spanSeconds, from, to, Math.ceil(EVENTS / 13), DAYS * 24],
      );
      progress(`loading events: ${to.toLocaleString('en')} / ${EVENTS.toLocaleString('en')}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    await db.knex.raw(
      `INSERT INTO analytics_events (tenant_id, type, occurred_at, visitor_id) SELECT ?::uuid, 'visitor.seen', now() - g * interval '1 hour', 'x' || g FROM generate_series(1, 1000) g`,
      [other],
    );
    const repository = new AnalyticsRepository(db);
    const marked = await repository.markAllDirty(tenantId);
    await db.knex.raw('VACUUM ANALYZE analytics_events');
    progress(`loaded ${EVENTS.toLocaleString('en')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${marked} days marked dirty`);
    process.stdout.write('\n');

    const noAuth: Authenticator = { require: () => (_req, _res, next) => next() };
    const open = (database: Database) =>
      createAnalytics({ db: database, logger: pino({ level: 'silent' }), metrics: new Metrics(), auth: noAuth, timeZoneOf: async () => TIME_ZONE });
    analytics = open(db);
    // What the route does per request: resolve `from`/`to` (dates in the store zone) and summarise.
    // The N local days ending today; today is partial, so it is always read raw.
    const lastDays = (n: number) => {
      const today = DateTime.now().setZone(TIME_ZONE).startOf('day');
      return { from: today.minus({ days: n - 1 }).toISODate()!, to: today.toISODate()! };
    };
    const resolved = (query: { from: string; to: string }) => {
      const r = resolveRange(query, TIME_ZONE, new Date());
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.range;
    };
    const summaryYear = () => analytics!.service.summary(tenantId, resolved(lastDays(DAYS)));
    const summaryMonth = () => analytics!.service.summary(tenantId, resolved(lastDays(30)));
    const timeseriesYear = () => analytics!.service.timeseries(tenantId, resolved(lastDays(DAYS)), 'day');
    // Hourly points are always read from raw events (no hourly rollups).
    const hourlyWeek = () => analytics!.service.timeseries(tenantId, resolved(lastDays(7)), 'hour');
    const exportYear = async () => {
      let rows = 0;
      for await (const chunk of analytics!.service.exportDays(tenantId, resolved(lastDays(DAYS)))) rows += chunk.length;
      return rows;
    };

    // Baseline: every day is dirty, so the same summary reads raw events only.
    const [baselineCold, baselineValue] = await time(summaryYear);
    const baseline = await measure(BASELINE_RUNS, summaryYear);

    const r0 = performance.now();
    let done = 0;
    const rolled = await analytics.rollups.rollupTenant(tenantId, {
      onDay: () => {
        done++;
        if (done % 10 === 0 || done === marked) progress(`rollups: ${done} / ${marked} days  (${((performance.now() - r0) / 1000).toFixed(1)} s)`);
      },
    });
    process.stdout.write('\n');
    await db.knex.raw('VACUUM ANALYZE');

    // Cold: a fresh connection pool (no cached plans or warmed sessions) and its first call.
    await analytics.close();
    await db.close();
    db = Database.connect(url.toString(), { poolMax: 4 });
    analytics = open(db);
    const [cold, coldValue] = await time(summaryYear);
    const year = await measure(RUNS, summaryYear);
    const month = await measure(RUNS, summaryMonth);
    const timeseries = await measure(RUNS, timeseriesYear);
    const hourly = await measure(10, hourlyWeek);
    const exported = await measure(10, exportYear);

    const same = JSON.stringify({ ...baselineValue, activeToday: 0 }) === JSON.stringify({ ...coldValue, activeToday: 0 });
    console.log(`analytics summary: ${EVENTS.toLocaleString('en')} events of one tenant over ${DAYS} days (${TIME_ZONE}), ${RUNS} runs each`);
    console.log(`  machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min); timings include resolving from/to`);
    console.log(`  rolled up ${rolled.days} days in ${((performance.now() - r0) / 1000).toFixed(1)} s (incl. vacuum); today stays raw`);
    console.log(`  baseline, raw events only (365 d)   cold ${fmt(baselineCold)} ms  p50 ${fmt(baseline.p50)} ms  p95 ${fmt(baseline.p95)} ms  (${BASELINE_RUNS} runs)`);
    console.log(`  summary, rollups + raw today (365 d) cold ${fmt(cold)} ms  p50 ${fmt(year.p50)} ms  p95 ${fmt(year.p95)} ms  max ${fmt(year.max)} ms`);
    console.log(`  summary (last 30 d)                  p50 ${fmt(month.p50)} ms  p95 ${fmt(month.p95)} ms  max ${fmt(month.max)} ms`);
    console.log(`  timeseries by day (365 points)       p50 ${fmt(timeseries.p50)} ms  p95 ${fmt(timeseries.p95)} ms  max ${fmt(timeseries.max)} ms`);
    console.log(`  timeseries by hour (last 7 d, raw)   p50 ${fmt(hourly.p50)} ms  p95 ${fmt(hourly.p95)} ms  max ${fmt(hourly.max)} ms  (10 runs)`);
    console.log(`  CSV export rows (365 d, in chunks)   p50 ${fmt(exported.p50)} ms  p95 ${fmt(exported.p95)} ms  max ${fmt(exported.max)} ms  (10 runs)`);
    console.log(`  speed-up vs baseline (p50): ×${(baseline.p50 / year.p50).toFixed(1)}; budget p95 ≤ ${BUDGET_P95_MS} ms: ${year.p95 <= BUDGET_P95_MS ? 'met' : 'MISSED'}`);
    report('analytics', [
      { budget: `analytics summary over ${(EVENTS / 1e6).toFixed(0)} M events p95 ≤ ${BUDGET_P95_MS} ms`, measured: year.p95, unit: 'ms', baseline: baseline.p95, baselineName: 'raw events, no rollups p95', ratio: year.p95 / baseline.p95, within: year.p95 <= BUDGET_P95_MS && same },
    ]);
    console.log(`  same numbers from rollups as from raw events: ${same ? 'yes' : 'NO'} (visitors ${coldValue.visitors}, answers ${coldValue.assistantMessages}, p95 ${coldValue.p95ResponseMs} ms)`);
  } finally {
    await analytics?.close();
    await db.close();
    // KEEP_DB=1 leaves the scratch database for EXPLAIN (its name is printed).
    if (process.env.KEEP_DB) console.log(`  kept database ${name}`);
    else await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await stopEmbedded?.();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

await main();
