import { randomBytes } from 'node:crypto';
import os from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import client from 'prom-client';
import type { Metrics } from '../http/metrics.ts';
import { isMailError, type MailMessage, type MailPort } from './mail.port.ts';
import type { OutboxRow, OutboxTable } from './outbox-table.ts';

/**
 * Sends a mail outbox (booking mails design.md §7, chat reply mails): node-cron is only the clock; the work is claimed from
 * PostgreSQL with FOR UPDATE SKIP LOCKED, so any number of instances share it without sending a
 * row twice. Per row: renew the claim, render from the data as it is now, send with a Message-ID
 * derived from the row, mark sent if the claim is still ours. Failures back off exponentially and
 * end as 'dead' after `maxAttempts`. docs/decisions/0005-exactly-once-reminders.md has the details,
 * including the one window (crash between the server's 250 and our commit) that stays at-least-once.
 */

export interface OutboxWorkerOptions {
  /** Names this instance's claims; default host-pid-random. */
  instanceId?: string;
  /** Seconds between ticks (1-59). Default 1: a due reminder waits at most about a second. */
  tickSeconds?: number;
  /** How long a claim holds before another instance may take it over. Must exceed one send (SMTP timeouts). Default 60 s. */
  leaseMs?: number;
  /** Rows claimed per round trip. Default 20. */
  batchSize?: number;
  /** Attempts (claims) before a row is dead. Default 8. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt up to backoffMaxMs. Default 30 s, max 1 h. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often `housekeeping` runs (between rounds). Default 10 min. */
  purgeEveryMs?: number;
}

/** One row rendered: the mail to send, or why there is nothing to send (kept as 'cancelled'). */
export type OutboxRenderOutcome = { send: MailMessage } | { skip: string };

export interface OutboxRenderer<Row extends OutboxRow> {
  render(row: Row, now: Date): Promise<OutboxRenderOutcome>;
}

/** What names this outbox in metrics, cron task names and logs. */
export interface OutboxNames {
  /** Metric prefix, e.g. 'booking_notifications' → booking_notifications_sent_total, booking_notifications{status}. */
  metric: string;
  /** Singular for the delay histogram, e.g. 'booking_notification' → booking_notification_delay_seconds. */
  metricSingular: string;
  /** Words for help texts and logs, e.g. 'booking mail'. */
  what: string;
  /** node-cron task prefix, e.g. 'booking-outbox'. */
  task: string;
}

export interface OutboxWorkerDeps<Row extends OutboxRow> {
  outbox: Pick<OutboxTable<Row>, 'claimDue' | 'renew' | 'markSent' | 'markSkipped' | 'markFailed' | 'releaseClaims' | 'statusCounts'>;
  renderer: OutboxRenderer<Row>;
  names: OutboxNames;
  /** Runs every `purgeEveryMs` after a round (e.g. purging idempotency keys); errors end the round's log line only. */
  housekeeping?: (now: Date) => Promise<unknown>;
  mail: MailPort;
  clock: () => Date;
  logger: Logger;
  metrics?: Metrics;
  options?: OutboxWorkerOptions;
}

export interface RunReport {
  claimed: number;
  sent: number;
  skipped: number;
  retried: number;
  dead: number;
  lost: number;
}

export class MailOutboxWorker<Row extends OutboxRow> {
  readonly instanceId: string;
  private readonly o: Required<Omit<OutboxWorkerOptions, 'instanceId'>>;
  private task: ScheduledTask | undefined;
  private current: Promise<RunReport> | undefined;
  private again = false;
  private stopping = false;
  private lastPurge = 0;
  private readonly sentTotal?: client.Counter<'kind'>;
  private readonly failedTotal?: client.Counter<'kind' | 'outcome'>;
  private readonly delay?: client.Histogram<'kind'>;

  constructor(private readonly deps: OutboxWorkerDeps<Row>) {
    const o = deps.options ?? {};
    this.instanceId = o.instanceId ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.o = {
      tickSeconds: o.tickSeconds ?? 1,
      leaseMs: o.leaseMs ?? 60_000,
      batchSize: o.batchSize ?? 20,
      maxAttempts: o.maxAttempts ?? 8,
      backoffBaseMs: o.backoffBaseMs ?? 30_000,
      backoffMaxMs: o.backoffMaxMs ?? 3_600_000,
      purgeEveryMs: o.purgeEveryMs ?? 600_000,
    };
    if (!Number.isInteger(this.o.tickSeconds) || this.o.tickSeconds < 1 || this.o.tickSeconds > 59) throw new RangeError('tickSeconds must be 1..59');
    const registry = deps.metrics?.registry;
    const names = deps.names;
    if (registry) {
      this.sentTotal = new client.Counter({ name: `${names.metric}_sent_total`, help: `${cap(names.what)}s accepted by the mail server, by kind`, labelNames: ['kind'], registers: [registry] });
      this.failedTotal = new client.Counter({
        name: `${names.metric}_failures_total`,
        help: `Failed ${names.what} attempts, by kind and outcome (retry = backed off, dead = given up)`,
        labelNames: ['kind', 'outcome'],
        registers: [registry],
      });
      this.delay = new client.Histogram({
        name: `${names.metricSingular}_delay_seconds`,
        help: 'From due time to accepted by the mail server',
        labelNames: ['kind'],
        buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 3600],
        registers: [registry],
      });
      const outbox = deps.outbox;
      const logger = deps.logger;
      new client.Gauge({
        name: names.metric,
        help: `${cap(names.what)}s in the outbox by state (dead = dead letters a merchant should look at)`,
        labelNames: ['status'],
        registers: [registry],
        async collect() {
          try {
            const counts = await outbox.statusCounts();
            for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
          } catch (error) {
            logger.warn({ err: error }, `could not count the ${names.what} outbox for /metrics`);
          }
        },
      });
    }
  }

  /** Starts the tick on this instance. */
  start(): void {
    if (this.task) return;
    this.stopping = false;
    this.task = cron.schedule(`*/${this.o.tickSeconds} * * * * *`, () => this.runOnce().then(() => undefined), {
      name: `${this.deps.names.task}-${this.instanceId}`,
      noOverlap: true,
      // A round longer than a tick is normal under load (the tick then joins it): not worth a warning.
      logger: {
        info: (m) => this.deps.logger.debug(m),
        warn: (m) => this.deps.logger.debug(m),
        debug: (m) => this.deps.logger.debug(m),
        error: (m, err) => this.deps.logger.error({ err: err ?? m }, 'node-cron failure'),
      },
    });
  }

  /** Work was queued in this instance: run now instead of at the next tick. */
  kick(): void {
    if (!this.task || this.stopping) return;
    void this.runOnce().catch(() => undefined);
  }

  /**
   * One round: claim and send batches until the queue has nothing due. A call while a round runs
   * joins it (and makes it look once more at the end), so rounds never overlap in one instance.
   */
  runOnce(): Promise<RunReport> {
    if (this.current) {
      this.again = true;
      return this.current;
    }
    this.current = this.round().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async round(): Promise<RunReport> {
    const report: RunReport = { claimed: 0, sent: 0, skipped: 0, retried: 0, dead: 0, lost: 0 };
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.stopping) return report;
          const rows = await this.deps.outbox.claimDue(this.instanceId, this.o.batchSize, this.deps.clock(), this.o.leaseMs);
          report.claimed += rows.length;
          for (const row of rows) {
            if (this.stopping) break; // the rest stay claimed; the lease hands them to another instance
            await this.deliver(row, report);
          }
          if (rows.length < this.o.batchSize) break;
        }
      } while (this.again && !this.stopping);
      await this.purge();
    } catch (error) {
      this.deps.logger.error({ err: error }, `${this.deps.names.what} outbox round failed; the next tick tries again`);
    }
    return report;
  }

  private async deliver(row: Row, report: RunReport): Promise<void> {
    const { outbox, renderer, mail, clock, logger } = this.deps;
    const me = this.instanceId;
    // A fresh lease right before the send: the send finishes inside it, and nobody else holds the row.
    if (!(await outbox.renew(row, me, clock(), this.o.leaseMs))) {
      report.lost++;
      return;
    }
    if (row.attempts > this.o.maxAttempts) {
      await outbox.markFailed(row, me, clock(), `gave up after ${row.attempts - 1} attempts (the last claims expired without an outcome)`, undefined);
      report.dead++;
      this.failedTotal?.inc({ kind: row.kind, outcome: 'dead' });
      return;
    }
    let retryable: boolean;
    let message: string;
    try {
      const outcome = await renderer.render(row, clock());
      if ('skip' in outcome) {
        await outbox.markSkipped(row, me, clock(), outcome.skip);
        report.skipped++;
        return;
      }
      const sent = await mail.send(outcome.send);
      const now = clock();
      if (!(await outbox.markSent(row, me, now, sent.messageId))) {
        // Our lease ran out during the send and another instance owns the row now: it may send again.
        logger.warn({ notificationId: row.id }, `${this.deps.names.what} sent after its claim expired; a second copy is possible`);
        report.lost++;
        return;
      }
      report.sent++;
      this.sentTotal?.inc({ kind: row.kind });
      this.delay?.observe({ kind: row.kind }, Math.max(0, (now.getTime() - row.due_at.getTime()) / 1000));
      return;
    } catch (error) {
      retryable = isMailError(error) ? error.retryable : true;
      message = error instanceof Error ? error.message : String(error);
    }
    const dead = !retryable || row.attempts >= this.o.maxAttempts;
    const now = clock();
    const retryAt = dead ? undefined : new Date(now.getTime() + this.backoff(row.attempts));
    await outbox.markFailed(row, me, now, message, retryAt);
    if (dead) report.dead++;
    else report.retried++;
    this.failedTotal?.inc({ kind: row.kind, outcome: dead ? 'dead' : 'retry' });
    logger[dead ? 'error' : 'warn']({ notificationId: row.id, tenantId: row.tenant_id, kind: row.kind, attempts: row.attempts, err: message }, dead ? `${this.deps.names.what} is dead after its last attempt` : `${this.deps.names.what} failed; retrying later`);
  }

  /** 30 s, 1 min, 2 min, ... capped at an hour, plus up to 10 % jitter so retries of one outage spread out. */
  backoff(attempts: number): number {
    const base = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(base * (1 + Math.random() * 0.1));
  }

  private async purge(): Promise<void> {
    const now = this.deps.clock().getTime();
    if (now - this.lastPurge < this.o.purgeEveryMs) return;
    this.lastPurge = now;
    await this.deps.housekeeping?.(new Date(now));
  }

  /** Stops ticking, waits for the row in flight and hands back the rest of the batch (a crash leaves them to the lease). */
  async stop(): Promise<void> {
    this.stopping = true;
    const task = this.task;
    this.task = undefined;
    if (task) await task.destroy();
    await this.current?.catch(() => undefined);
    try {
      await this.deps.outbox.releaseClaims(this.instanceId, this.deps.clock());
    } catch (error) {
      this.deps.logger.warn({ err: error }, `could not release ${this.deps.names.what} outbox claims; their lease returns them`);
    }
  }
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
