import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { AnalyticsRepository } from './analytics.repository.ts';
import { localDay, sliceOfDate } from './analytics.range.ts';

export interface AnalyticsRollupsOptions {
  db: Database;
  logger: Logger;
  timeZoneOf: (tenantId: string) => Promise<string>;
  clock?: () => Date;
}

export interface RollupRun {
  tenants: number;
  days: number;
  skipped: number;
}

/**
 * Incremental, idempotent daily rollups (issue #7). Recording an event marks its tenant-local day
 * dirty; a tick (node-cron, every minute) recomputes each dirty day from raw events and replaces
 * its rollup. Days that have not ended yet are left dirty (the summary reads them raw) until
 * they end, so a busy day is not recomputed every minute. Several instances may tick at once:
 * a marker being recomputed is locked and the others skip it.
 */
export class AnalyticsRollups {
  private readonly repository: AnalyticsRepository;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private task: ScheduledTask | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: AnalyticsRollupsOptions) {
    this.repository = new AnalyticsRepository(options.db);
    this.logger = options.logger.child({ component: 'analytics-rollups' });
    this.clock = options.clock ?? (() => new Date());
  }

  /** One tick: every tenant with dirty days that have ended. */
  async runDue(options: { maxTenants?: number } = {}): Promise<RollupRun> {
    const run: RollupRun = { tenants: 0, days: 0, skipped: 0 };
    const tenants = await this.repository.tenantsWithDirtyDays(this.clock(), options.maxTenants ?? 500);
    for (const tenantId of tenants) {
      try {
        const result = await this.rollupTenant(tenantId);
        if (result.days + result.skipped > 0) run.tenants++;
        run.days += result.days;
        run.skipped += result.skipped;
      } catch (error) {
        // One tenant's failure (e.g. deleted meanwhile) does not stop the others.
        this.logger.error({ err: error, tenantId }, 'analytics rollup failed for a tenant');
      }
    }
    return run;
  }

  /**
   * Recomputes the tenant's dirty days, by default those that have ended; `includeToday` also
   * does today and any future-dated days (on demand, e.g. tests or an admin "refresh").
   */
  async rollupTenant(tenantId: string, options: { includeToday?: boolean; onDay?: (day: string, rolled: boolean) => void } = {}): Promise<{ days: number; skipped: number }> {
    const timeZone = await this.options.timeZoneOf(tenantId);
    const before = options.includeToday ? '9999-12-31' : localDay(this.clock(), timeZone).day;
    let days = 0;
    let skipped = 0;
    // A cursor, so a day another instance holds (skipped) is not asked for again in this run.
    let after = '0001-01-01';
    for (;;) {
      const dirty = await this.repository.dirtyDays(tenantId, after, before, 100);
      if (dirty.length === 0) break;
      for (const day of dirty) {
        const rolled = await this.repository.rollupDay(tenantId, timeZone, sliceOfDate(day, timeZone));
        if (rolled) days++;
        else skipped++;
        options.onDay?.(day, rolled);
      }
      after = dirty[dirty.length - 1]!;
    }
    return { days, skipped };
  }

  /**
   * Re-marks every day with events in the range (e.g. after the store's time zone changed) and
   * rolls up those that have ended (`includeToday` for the rest).
   */
  async rebuild(tenantId: string, range: { from?: Date; to?: Date } = {}, options: { includeToday?: boolean } = {}): Promise<{ days: number; skipped: number }> {
    await this.repository.markAllDirty(tenantId, range.from, range.to);
    return this.rollupTenant(tenantId, options);
  }

  /** Schedules the tick, every minute by default (no overlapping runs within this instance). */
  start(expression = '* * * * *'): void {
    if (this.task) return;
    this.task = cron.schedule(
      expression,
      async () => {
        this.running = this.runDue()
          .then((run) => {
            if (run.days > 0) this.logger.info(run, 'analytics rollups');
          })
          .catch((error: unknown) => this.logger.error({ err: error }, 'analytics rollup tick failed'));
        await this.running;
      },
      { name: 'analytics-rollups', noOverlap: true },
    );
  }

  /** Stops the tick and waits for a running one, so shutdown does not close the database under it. */
  async stop(): Promise<void> {
    const task = this.task;
    this.task = undefined;
    if (task) await task.destroy();
    await this.running;
  }
}
