import { isPluginError, type PluginContext } from '@concierge/plugin-sdk';
import type { Logger } from 'pino';
import type { PlatformProducts } from '../catalog/index.ts';
import type { Database, Tx } from '../db/database.ts';
import type { HostedPlugin, PluginHost } from './host.ts';
import type { InstallationRow, PluginStateRepository } from './plugin-state.repository.ts';
import { storableProduct } from './plugin-text.ts';

/**
 * Catalog sync owned by the core (issue #10): after an install, the installation is `queued`; any
 * instance claims it (FOR UPDATE SKIP LOCKED, with a lease), pages through `catalog.list`, writes
 * the products and persists the cursor and progress after every page, so a crash resumes where it
 * stopped. Transient failures retry the same cursor with back-off; `retryAfterMs` waits.
 */

export interface CatalogSyncOptions {
  pageSize?: number;
  leaseSeconds?: number;
  /** Consecutive failures before the sync is given up (`failed`, lastError kept). */
  maxAttempts?: number;
  /** Longest in-process wait for `retryAfterMs`; longer waits release the job and come back. */
  maxInlineWaitMs?: number;
  /** Back-off base in ms (tests shorten it). */
  backoffBaseMs?: number;
}

export interface CatalogSyncDeps {
  db: Database;
  host: PluginHost;
  repository: PluginStateRepository;
  products: PlatformProducts;
  contextFor(hosted: HostedPlugin, installation: InstallationRow): PluginContext<unknown, unknown, unknown>;
  logger: Logger;
  options?: CatalogSyncOptions;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CatalogSync {
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = false;
  private readonly pageSize: number;
  private readonly leaseSeconds: number;
  private readonly maxAttempts: number;
  private readonly maxInlineWaitMs: number;
  private readonly backoffBaseMs: number;

  constructor(private readonly deps: CatalogSyncDeps) {
    this.pageSize = deps.options?.pageSize ?? 100;
    this.leaseSeconds = deps.options?.leaseSeconds ?? 120;
    this.maxAttempts = deps.options?.maxAttempts ?? 8;
    this.maxInlineWaitMs = deps.options?.maxInlineWaitMs ?? 5_000;
    this.backoffBaseMs = deps.options?.backoffBaseMs ?? 2_000;
  }

  /** Something was queued: run soon on this instance (others pick it up on their tick if this one dies). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runDue()
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'catalog sync failed');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** Waits for the current run (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** Claims and works due syncs one after another; returns how many it worked on. */
  async runDue(): Promise<number> {
    let worked = 0;
    while (!this.stopped) {
      const claimed = await this.claim();
      if (!claimed) break;
      worked++;
      await this.work(claimed.tenant_id, claimed.id, claimed.lease);
    }
    return worked;
  }

  /**
   * A due sync, claimed with a lease. The lease's exact value (text, to the microsecond) is the
   * run's fence: every write of the run requires it, and each progress write renews it. A re-connect
   * that queues a new sync (PluginStateRepository.saveInstallationIn) clears it, and so does another
   * instance that takes over an expired lease. The superseded run then stops and writes nothing more:
   * it can neither mark the new sync done nor count its pages.
   */
  private async claim(): Promise<{ tenant_id: string; id: string; lease: string } | undefined> {
    return this.deps.db.system(async (trx) => {
      const result = await trx.raw(
        `UPDATE plugin_installations p SET sync_status = 'running', sync_lease_until = now() + make_interval(secs => ?)
         FROM (SELECT tenant_id, id FROM plugin_installations
               WHERE sync_status IN ('queued', 'running') AND status = 'active'
                 AND (sync_next_at IS NULL OR sync_next_at <= now())
                 AND (sync_lease_until IS NULL OR sync_lease_until < now())
               ORDER BY sync_next_at NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED) s
         WHERE p.tenant_id = s.tenant_id AND p.id = s.id
         RETURNING p.tenant_id, p.id, p.sync_lease_until::text AS lease`,
        [this.leaseSeconds],
      );
      return result.rows[0] as { tenant_id: string; id: string; lease: string } | undefined;
    });
  }

  /** Writes to the run's installation row while the run holds its lease; the new lease, or undefined once superseded. */
  private async update(tenantId: string, id: string, lease: string, changes: (trx: Tx) => Record<string, unknown>): Promise<string | undefined> {
    return this.deps.db.tenant(tenantId, async (trx) => {
      const rows: { lease: string | null }[] = await trx('plugin_installations')
        .where({ id })
        .whereRaw('sync_lease_until = ?::timestamptz', [lease])
        .update(changes(trx))
        .returning(trx.raw('sync_lease_until::text AS lease'));
      return rows.length === 0 ? undefined : (rows[0]!.lease ?? '');
    });
  }

  private async work(tenantId: string, id: string, claimedLease: string): Promise<void> {
    let lease = claimedLease;
    /** False once another run owns the row (or none does): then this one stops. */
    const write = async (changes: (trx: Tx) => Record<string, unknown>): Promise<boolean> => {
      const renewed = await this.update(tenantId, id, lease, changes);
      if (renewed === undefined) {
        this.deps.logger.info({ tenantId, installationId: id }, 'catalog sync superseded by a newer one; this run stops');
        return false;
      }
      lease = renewed;
      return true;
    };
    const row = await this.deps.repository.getInstallation(tenantId, id);
    const hosted = row && this.deps.host.get(row.plugin_id);
    const list = hosted?.plugin.catalog?.list;
    if (!row || !hosted || !list) {
      if (row) await write(() => ({ sync_status: 'failed', sync_last_error: 'the plugin is not available or cannot list its catalog', sync_lease_until: null }));
      return;
    }
    if (!row.sync_cursor && (row.sync_done ?? 0) === 0) {
      if (!(await write((trx) => ({ sync_started_at: trx.fn.now() })))) return;
    }
    const ctx = this.deps.contextFor(hosted, row);
    let cursor = row.sync_cursor ?? undefined;
    let attempts = row.sync_attempts ?? 0;
    const log = this.deps.logger.child({ pluginId: row.plugin_id, tenantId, installationId: id });
    while (!this.stopped) {
      let page;
      try {
        page = await list(ctx, { cursor, limit: this.pageSize });
      } catch (error) {
        attempts++;
        const message = `${isPluginError(error) ? `${error.code}: ` : ''}${(error as Error)?.message ?? String(error)}`.slice(0, 2000);
        if (isPluginError(error, 'UPSTREAM_AUTH')) {
          log.warn({ err: error }, 'catalog sync: credentials refused; reconnect needed');
          if (await write(() => ({ sync_status: 'failed', sync_last_error: message, sync_attempts: attempts, sync_lease_until: null }))) {
            await this.deps.repository.setInstallationError(tenantId, id, message, 'reconnect_needed');
          }
          return;
        }
        const retryAfter = isPluginError(error) && error.details.retryAfterSeconds ? error.details.retryAfterSeconds * 1000 : this.backoffBaseMs * 2 ** Math.min(attempts - 1, 8);
        const giveUp = attempts >= this.maxAttempts;
        log.warn({ err: error, attempts, giveUp }, 'catalog sync page failed');
        await write((trx) => ({
          sync_status: giveUp ? 'failed' : 'queued',
          sync_last_error: message,
          sync_attempts: attempts,
          sync_lease_until: null,
          sync_next_at: trx.raw(`now() + make_interval(secs => ?)`, [Math.min(retryAfter, 3_600_000) / 1000]),
        }));
        return;
      }
      const items = (page.items ?? []).map(storableProduct);
      if (items.length > 0) await this.deps.products.upsert(tenantId, { source: row.plugin_id, installationId: id, products: items });
      const next = page.nextCursor ?? null;
      attempts = 0;
      const counted = await write((trx) => ({
        sync_cursor: next,
        sync_done: trx.raw('sync_done + ?', [items.length]),
        ...(page.total !== undefined ? { sync_total: page.total } : {}),
        sync_attempts: 0,
        sync_last_error: null,
        sync_lease_until: trx.raw(`now() + make_interval(secs => ?)`, [this.leaseSeconds]),
      }));
      if (!counted) return;
      if (next === null) {
        await this.deps.products.deleteStale(tenantId, id);
        if (await write((trx) => ({ sync_status: 'done', sync_lease_until: null, sync_finished_at: trx.fn.now(), sync_total: trx.raw('COALESCE(sync_total, sync_done)') }))) {
          log.info('catalog sync done');
        }
        return;
      }
      cursor = next;
      if (page.retryAfterMs && page.retryAfterMs > 0) {
        if (page.retryAfterMs <= this.maxInlineWaitMs) {
          await sleep(page.retryAfterMs);
        } else {
          await write((trx) => ({ sync_status: 'queued', sync_lease_until: null, sync_next_at: trx.raw(`now() + make_interval(secs => ?)`, [page.retryAfterMs! / 1000]) }));
          return;
        }
      }
    }
    // Stopping: leave it claimable at once by another instance, cursor kept.
    await write(() => ({ sync_status: 'queued', sync_lease_until: null }));
  }
}
