import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { FaqInputBody, ProductInputBody } from './catalog.schema.ts';
import { MAX_IMPORT_ERRORS, type ImportRowError, type ParsedRecord } from './catalog-csv.ts';
import type { ImportJobsRepository } from './catalog.repository.ts';
import type { CatalogService } from './catalog.service.ts';

/**
 * Applies CSV import jobs off the request path, in batches, each batch one transaction that also
 * records progress. Any instance may work: a job is claimed with FOR UPDATE SKIP LOCKED and a
 * lease; an instance that dies leaves the lease to expire and another resumes from `processed`.
 */

export interface ImportWorkerOptions {
  batchSize?: number;
  pollMs?: number;
  leaseMs?: number;
}

export class ImportWorker {
  readonly instanceId = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly deps: { db: Database; jobs: ImportJobsRepository; catalog: CatalogService; logger: Logger; clock: () => Date },
    options: ImportWorkerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 2_000;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
  }

  /** Work now (a job was just queued); coalesces with a run in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'catalog import tick failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when this instance has no job in hand (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const job = await this.deps.jobs.claim(this.instanceId, this.deps.clock(), this.leaseMs);
      if (!job) return;
      await this.process(job.tenantId, job.id);
    }
  }

  private async process(tenantId: string, id: string): Promise<void> {
    const { db, jobs, catalog } = this.deps;
    const first = await db.tenant(tenantId, (trx) => jobs.loadOwned(trx, tenantId, id, this.instanceId));
    if (!first) return;
    const rows = first.rows as ParsedRecord<ProductInputBody | FaqInputBody>[];
    let { processed, created, updated, unchanged } = first;
    let errors = first.errors as ImportRowError[];
    try {
      while (processed < rows.length) {
        if (this.stopped) return; // the lease expires and another instance resumes
        const batch = rows.slice(processed, processed + this.batchSize);
        const ok = await db.tenant(tenantId, async (trx) => {
          if (!(await jobs.loadOwned(trx, tenantId, id, this.instanceId))) return false;
          const batchErrors: ImportRowError[] = [];
          const counts =
            first.kind === 'products'
              ? await catalog.applyProducts(trx, tenantId, await catalog.planProducts(trx, tenantId, batch as ParsedRecord<ProductInputBody>[], batchErrors))
              : await catalog.applyFaq(trx, tenantId, await catalog.planFaq(trx, tenantId, batch as ParsedRecord<FaqInputBody>[]));
          processed += batch.length;
          created += counts.created;
          updated += counts.updated;
          unchanged += counts.unchanged;
          if (batchErrors.length > 0) errors = [...errors, ...batchErrors].sort((a, b) => a.line - b.line).slice(0, MAX_IMPORT_ERRORS);
          const done = processed >= rows.length;
          await jobs.saveProgress(trx, tenantId, id, {
            // `processed` counts applied rows while running; once done, every record of the file (invalid ones too).
            processed: done ? Math.max(first.total, processed) : processed,
            created,
            updated,
            unchanged,
            ...(batchErrors.length > 0 ? { errors } : {}),
            leaseUntil: new Date(this.deps.clock().getTime() + this.leaseMs),
            ...(done ? { status: 'done' as const, finished: this.deps.clock() } : {}),
          });
          return true;
        });
        if (!ok) return;
      }
      if (rows.length === 0) await db.tenant(tenantId, (trx) => jobs.saveProgress(trx, tenantId, id, { processed: first.total, status: 'done', finished: this.deps.clock() }));
    } catch (error) {
      this.deps.logger.error({ err: error, tenantId, importId: id }, 'catalog import failed');
      await db.tenant(tenantId, (trx) =>
        jobs.saveProgress(trx, tenantId, id, { status: 'failed', errors: [...errors, { line: rows[processed]?.line ?? 0, column: null, message: 'the import stopped on an internal error; rows before this line were saved' }] }),
      );
    }
  }
}
