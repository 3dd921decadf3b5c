import type { Knex } from 'knex';
import type { Database, Statement } from './database.ts';

/** At most this many statements per message (a burst beyond it goes in the next ones). */
const GROUP_MAX = 100;

interface Waiting {
  tenantId: string;
  build: (knex: Knex) => Statement<unknown[]>;
  resolve(rows: unknown[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit for small independent writes on a hot path (issue 13: webhook delivery records,
 * their outcomes, the products they carry). A write that arrives while the previous group is on its
 * way to the database waits, and the waiting ones go together in the next message
 * (`Database.tenantsBatch`: each under its own tenant's row-level security, one commit for all).
 * An idle path still sends each write at once (one event-loop turn later); under a burst the
 * database parses, plans and commits once per group instead of once per write.
 *
 * A group that fails (a bad value, a deadlock with another instance's group) is retried one write
 * at a time, so each caller gets its own write's outcome and one bad write fails alone.
 */
export class WriteGroups {
  private waiting: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly db: Database,
    private readonly options: { durable: boolean },
  ) {}

  /** Runs one statement for `tenantId` in the next group; resolves with its rows (RETURNING). */
  run<Row>(tenantId: string, build: (knex: Knex) => Statement<Row[]>): Promise<Row[]> {
    return new Promise<Row[]>((resolve, reject) => {
      this.waiting.push({ tenantId, build, resolve: resolve as (rows: unknown[]) => void, reject });
      if (!this.sending) {
        this.sending = true;
        setImmediate(() => void this.sendWaiting());
      }
    });
  }

  private async sendWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, GROUP_MAX);
      try {
        const results = await this.db.tenantsBatch(group, { durable: this.options.durable });
        group.forEach((item, i) => item.resolve(results[i]!));
      } catch {
        await Promise.all(
          group.map(async (item) => {
            try {
              const { rows } = await this.db.tenantBatch(item.tenantId, (knex) => ({ rows: item.build(knex) }), { durable: this.options.durable });
              item.resolve(rows);
            } catch (error) {
              item.reject(error);
            }
          }),
        );
      }
    }
    this.sending = false;
  }
}
