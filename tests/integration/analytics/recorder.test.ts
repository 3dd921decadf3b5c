import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyticsRecorder } from '../../../core/analytics/analytics.recorder.ts';
import type { AnalyticsEvent } from '../../../core/analytics/events.schema.ts';
import { Database } from '../../../core/db/database.ts';
import { Metrics } from '../../../core/http/metrics.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

/** A TCP hop in front of PostgreSQL that can go down (refusing and cutting connections) and come back. */
async function startOutageProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const up = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as net.AddressInfo).port;
  };
  const down = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
  };
  await up();
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), up, down };
}

const metricValue = async (metrics: Metrics, name: string, reason?: string) => {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(reason ? `${name}{reason="${reason}"}` : `${name} `));
  return line ? Number(line.split(' ').pop()) : undefined;
};

describe('analytics recorder', () => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;
  const logger = pino({ level: 'silent' });
  const event = (tenantId: string, i: number): AnalyticsEvent => ({
    type: 'visitor.seen',
    tenantId,
    visitorId: `visitor-${i}`,
    occurredAt: new Date(Date.UTC(2026, 10, 1, 12, 0, i)),
  });
  const stored = (tenantId: string) =>
    t.db.tenant(tenantId, async (trx) => (await trx('analytics_events').select('visitor_id').orderBy('occurred_at')).map((r: { visitor_id: string }) => r.visitor_id));

  beforeAll(async () => {
    t = await createTestDatabase();
    const tenancy = new TenancyRepository(t.db);
    tenantA = (await tenancy.createTenant({ name: 'A', timeZone: 'Europe/Berlin' })).id;
    tenantB = (await tenancy.createTenant({ name: 'B', timeZone: 'America/New_York' })).id;
  });
  afterAll(() => t.drop());

  it('writes in multi-row batches, one transaction per tenant and batch', async () => {
    const metrics = new Metrics();
    const recorder = new AnalyticsRecorder({ db: t.db, logger, metrics, batchSize: 500, flushIntervalMs: 60_000 });
    const inserts: number[] = [];
    const onQuery = (q: { sql: string; bindings?: unknown[] }) => {
      if (/^insert into "analytics_events"/i.test(q.sql)) inserts.push((q.sql.match(/\),\s*\(/g)?.length ?? 0) + 1);
    };
    t.db.knex.on('query', onQuery);
    try {
      for (let i = 0; i < 1200; i++) recorder.record(event(i % 2 === 0 ? tenantA : tenantB, i));
      expect(recorder.pending).toBeLessThanOrEqual(1200);
      await recorder.flush();
      expect(recorder.pending).toBe(0);
      // 3 batches (500, 500, 200), each split into its two tenants.
      expect(inserts).toEqual([250, 250, 250, 250, 100, 100]);
      expect((await stored(tenantA)).length).toBe(600);
      expect((await stored(tenantB)).length).toBe(600);
      expect(await metricValue(metrics, 'analytics_events_written_total')).toBe(1200);
    } finally {
      t.db.knex.off('query', onQuery);
      await recorder.close();
    }
    await t.db.knex.raw('TRUNCATE analytics_events, analytics_dirty_days');
  });

  it('writes on its own timer, without flush()', async () => {
    const recorder = new AnalyticsRecorder({ db: t.db, logger, metrics: new Metrics(), flushIntervalMs: 20 });
    try {
      recorder.record(event(tenantA, 1));
      const deadline = Date.now() + 5_000;
      while ((await stored(tenantA)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await stored(tenantA)).toEqual(['visitor-1']);
    } finally {
      await recorder.close();
      await t.db.knex.raw('TRUNCATE analytics_events, analytics_dirty_days');
    }
  });

  it('drops and counts when the database is unreachable, never throwing into the caller', async () => {
    const unreachable = Database.connect('postgres://postgres@127.0.0.1:1/nowhere');
    const metrics = new Metrics();
    const recorder = new AnalyticsRecorder({ db: unreachable, logger, metrics, maxQueue: 5, flushIntervalMs: 60_000, closeTimeoutMs: 300 });
    try {
      for (let i = 0; i < 12; i++) expect(() => recorder.record(event(tenantA, i))).not.toThrow();
      expect(recorder.pending).toBe(5);
      await expect(recorder.flush()).resolves.toBeUndefined();
      expect(recorder.pending).toBe(5);
      expect(await metricValue(metrics, 'analytics_events_dropped_total', 'overflow')).toBe(7);
      expect(await metricValue(metrics, 'analytics_events_queued')).toBe(5);
      // Garbage is counted, not thrown.
      expect(() => recorder.record(null as unknown as AnalyticsEvent)).not.toThrow();
      expect(() => recorder.record({ type: 'message.answered', tenantId: tenantA, occurredAt: new Date() } as AnalyticsEvent)).not.toThrow();
      expect(await metricValue(metrics, 'analytics_events_dropped_total', 'invalid')).toBe(2);
    } finally {
      await recorder.close();
      await unreachable.close();
    }
    // What could not be written by the end of close() is counted too; later records are refused and counted.
    expect(await metricValue(metrics, 'analytics_events_dropped_total', 'shutdown')).toBe(5);
    recorder.record(event(tenantA, 99));
    expect(await metricValue(metrics, 'analytics_events_dropped_total', 'shutdown')).toBe(6);
  });

  it('keeps the newest events through an outage and writes them when the database is back', async () => {
    const proxy = await startOutageProxy(new URL(t.url));
    const db = Database.connect(proxy.url, { poolMax: 2 });
    const metrics = new Metrics();
    const recorder = new AnalyticsRecorder({ db, logger, metrics, maxQueue: 4, batchSize: 10, flushIntervalMs: 60_000, maxBackoffMs: 50 });
    try {
      recorder.record(event(tenantB, 0));
      await recorder.flush();
      expect(await stored(tenantB)).toEqual(['visitor-0']);

      await proxy.down();
      for (let i = 1; i <= 10; i++) recorder.record(event(tenantB, i));
      await recorder.flush();
      expect(recorder.pending).toBe(4);

      await proxy.up();
      // The pool may hand out a connection the outage broke; the recorder retries after its back-off.
      const deadline = Date.now() + 10_000;
      while (recorder.pending > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 60));
        await recorder.flush();
      }
      // Drop-oldest: of 1..10 the last four survive.
      expect(await stored(tenantB)).toEqual(['visitor-0', 'visitor-7', 'visitor-8', 'visitor-9', 'visitor-10']);
      expect(await metricValue(metrics, 'analytics_events_dropped_total', 'overflow')).toBe(6);
    } finally {
      await recorder.close();
      await db.close();
      await proxy.down().catch(() => undefined);
    }
  });
});
