import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import type { Database } from '../db/database.ts';
import type { Metrics } from '../http/metrics.ts';
import { analyticsEventSchema, type AnalyticsEvent } from './events.schema.ts';
import { AnalyticsRepository } from './analytics.repository.ts';

/**
 * Records analytics events off the request's critical path (issue #7): `record()` validates and
 * enqueues synchronously and never throws; a timer writes batches, one transaction per tenant
 * (row-level security stays on). A failure to write never reaches the caller.
 *
 * The queue is bounded and drops the OLDEST event when full: during an outage the newest window is
 * what a merchant looks at first ("today", "active now"), and the oldest events are the ones that
 * already failed to write and would be lost first by any bounded buffer. Every drop is counted in
 * `analytics_events_dropped_total{reason}` on /metrics.
 */

export type DropReason = 'overflow' | 'invalid' | 'rejected' | 'shutdown';

export interface AnalyticsRecorderOptions {
  db: Database;
  logger: Logger;
  metrics: Metrics;
  /** Events kept in memory at most (default 10,000). */
  maxQueue?: number;
  /** Events written per round trip (default 500). */
  batchSize?: number;
  /** How often the queue is written when it is not full (default 250 ms). */
  flushIntervalMs?: number;
  /** Upper bound of the back-off after a failed write (default 5 s). */
  maxBackoffMs?: number;
  /** How long `close()` keeps trying to write what is left (default 5 s). */
  closeTimeoutMs?: number;
}

/** A fixed-capacity FIFO; pushing into a full queue evicts the oldest entry. */
class BoundedQueue<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Returns how many entries were evicted (0 or 1). */
  push(item: T): number {
    if (this.size === this.capacity) {
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
      return 1;
    }
    this.items[(this.head + this.size) % this.capacity] = item;
    this.size++;
    return 0;
  }

  take(max: number): T[] {
    const n = Math.min(max, this.size);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.size -= n;
    return out;
  }

  /** Puts a failed batch back in front; returns how many (oldest first) did not fit. */
  requeueFront(batch: T[]): number {
    const room = this.capacity - this.size;
    const keep = batch.slice(Math.max(0, batch.length - room));
    for (let i = keep.length - 1; i >= 0; i--) {
      this.head = (this.head - 1 + this.capacity) % this.capacity;
      this.items[this.head] = keep[i];
      this.size++;
    }
    return batch.length - keep.length;
  }
}

/** PostgreSQL errors that retrying will not fix: bad data (22), constraint (23), permissions/syntax (42). */
function isPermanent(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|42)/.test(code);
}

export class AnalyticsRecorder {
  private readonly queue: BoundedQueue<AnalyticsEvent>;
  private readonly repository: AnalyticsRepository;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;
  private readonly closeTimeoutMs: number;
  private readonly dropped: Counter<'reason'>;
  private readonly written: Counter;
  private readonly queued: Gauge;
  private readonly timer: NodeJS.Timeout;
  private draining: Promise<void> | undefined;
  private kick: NodeJS.Immediate | undefined;
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  private readonly dropLog = new Map<DropReason, { count: number; lastLoggedAt: number }>();

  constructor(options: AnalyticsRecorderOptions) {
    this.queue = new BoundedQueue(options.maxQueue ?? 10_000);
    this.repository = new AnalyticsRepository(options.db);
    this.logger = options.logger.child({ component: 'analytics-recorder' });
    this.batchSize = options.batchSize ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.dropped = options.metrics.counter('analytics_events_dropped_total', 'Analytics events dropped before reaching the database, by reason', ['reason']);
    this.written = options.metrics.counter('analytics_events_written_total', 'Analytics events written to the database');
    this.queued = options.metrics.gauge('analytics_events_queued', 'Analytics events waiting in memory to be written');
    for (const reason of ['overflow', 'invalid', 'rejected', 'shutdown'] as const) this.dropped.inc({ reason }, 0);
    this.timer = setInterval(() => this.startDrain(), options.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  /** Events waiting in memory. */
  get pending(): number {
    return this.queue.length;
  }

  /** Validates and enqueues; never throws, never waits. */
  record(event: AnalyticsEvent): void {
    try {
      if (this.closed) return this.drop('shutdown', 1);
      const parsed = analyticsEventSchema.safeParse(event);
      if (!parsed.success) {
        this.drop('invalid', 1, { type: (event as { type?: unknown })?.type, issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) });
        return;
      }
      const evicted = this.queue.push(parsed.data);
      if (evicted > 0) this.drop('overflow', evicted);
      this.queued.set(this.queue.length);
      if (this.queue.length >= this.batchSize && !this.kick) {
        // Off the caller's stack: the write starts after the current request work yields.
        this.kick = setImmediate(() => {
          this.kick = undefined;
          this.startDrain();
        });
      }
    } catch (error) {
      // Metrics or logging failing must not reach a request either.
      try {
        this.logger.error({ err: error }, 'analytics record failed');
      } catch {
        /* nothing left to report to */
      }
    }
  }

  /**
   * Writes what is queued now. Resolves (never rejects) when the queue is empty or a write failed
   * for a reason worth retrying; those events stay queued for the background retry.
   */
  async flush(): Promise<void> {
    await this.draining;
    this.retryAt = 0;
    this.startDrain();
    await this.draining;
  }

  /** Stops the timer and writes what is left, trying for at most `closeTimeoutMs`; the rest is counted as dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.kick) clearImmediate(this.kick);
    const deadline = Date.now() + this.closeTimeoutMs;
    while (this.queue.length > 0 && Date.now() < deadline) {
      await this.flush();
      if (this.queue.length > 0) await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
    }
    await this.draining;
    const left = this.queue.take(this.queue.length).length;
    if (left > 0) this.drop('shutdown', left);
    this.queued.set(0);
  }

  private startDrain(): void {
    if (this.draining || this.queue.length === 0 || Date.now() < this.retryAt) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      this.queued.set(this.queue.length);
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.take(this.batchSize);
      const byTenant = new Map<string, AnalyticsEvent[]>();
      for (const event of batch) {
        const list = byTenant.get(event.tenantId);
        if (list) list.push(event);
        else byTenant.set(event.tenantId, [event]);
      }
      const groups = [...byTenant.values()];
      for (let i = 0; i < groups.length; i++) {
        const events = groups[i]!;
        try {
          await this.repository.insertEvents(events[0]!.tenantId, events);
          this.written.inc(events.length);
          this.failures = 0;
        } catch (error) {
          const unwritten = isPermanent(error) ? await this.insertOneByOne(events) : events;
          if (unwritten.length === 0) continue;
          // Transient (database unreachable, restarting): keep this and the unwritten groups, back off.
          const overflow = this.queue.requeueFront([...unwritten, ...groups.slice(i + 1).flat()]);
          if (overflow > 0) this.drop('overflow', overflow);
          this.failures++;
          const backoff = Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(this.failures, 10));
          this.retryAt = Date.now() + backoff;
          this.logger.warn({ err: error, queued: this.queue.length, retryInMs: backoff }, 'analytics events not written; will retry');
          return;
        }
      }
    }
  }

  /**
   * A batch the database refused: write what it accepts, drop (and count) what it refuses. If the
   * database goes away meanwhile, returns the events not tried yet, to be queued again.
   */
  private async insertOneByOne(events: AnalyticsEvent[]): Promise<AnalyticsEvent[]> {
    let rejected = 0;
    let lastError: unknown;
    for (let i = 0; i < events.length; i++) {
      try {
        await this.repository.insertEvents(events[i]!.tenantId, [events[i]!]);
        this.written.inc();
      } catch (error) {
        if (!isPermanent(error)) {
          if (rejected > 0) this.drop('rejected', rejected, { err: lastError });
          return events.slice(i);
        }
        rejected++;
        lastError = error;
      }
    }
    if (rejected > 0) this.drop('rejected', rejected, { err: lastError });
    return [];
  }

  private drop(reason: DropReason, count: number, details?: Record<string, unknown>): void {
    this.dropped.inc({ reason }, count);
    // Log at most every 10 s per reason, with how many were dropped since the last line.
    const entry = this.dropLog.get(reason) ?? { count: 0, lastLoggedAt: 0 };
    entry.count += count;
    const now = Date.now();
    if (now - entry.lastLoggedAt >= 10_000) {
      this.logger.warn({ reason, dropped: entry.count, ...details }, 'analytics events dropped');
      entry.count = 0;
      entry.lastLoggedAt = now;
    }
    this.dropLog.set(reason, entry);
  }
}
