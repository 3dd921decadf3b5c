import { sql, type Database } from '../db/database.ts';
import { GroupCommit } from '../db/group-commit.ts';

/** One store's month: the additions waiting for the next message, summed, and their callers. */
interface Row {
  tenantId: string;
  month: string;
  prompt: number;
  completion: number;
  /** Whether one of the additions asked to wait for the disk. */
  durable: boolean;
  settle: { resolve(): void; reject(error: unknown): void }[];
}

const ADD_USAGE = `INSERT INTO llm_usage_monthly AS u (tenant_id, month, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, $4)
  ON CONFLICT (tenant_id, month) DO UPDATE SET prompt_tokens = u.prompt_tokens + EXCLUDED.prompt_tokens, completion_tokens = u.completion_tokens + EXCLUDED.completion_tokens
  RETURNING 1`;

/**
 * Token usage added per store and month (`LlmSettingsRepository.addUsage`). Every answer of a store
 * adds to the same row, so the additions that arrive while a message is on its way to the database
 * are summed and sent as one upsert per row, every row in one message (issue 13: 200 concurrent
 * answers of one store were 200 statements, one round trip each, queueing on one row's lock).
 * An idle store's addition still goes at once (one event-loop turn later). A message that fails is
 * retried one row at a time, so a store that cannot be written (deleted meanwhile) fails alone.
 */
export class UsageTally {
  private waiting = new Map<string, Row>();
  private readonly groups = new GroupCommit(
    () => {
      if (this.waiting.size === 0) return undefined;
      const rows = [...this.waiting.values()];
      this.waiting = new Map();
      return rows;
    },
    (rows) => this.sendRows(rows),
  );

  constructor(private readonly db: Database) {}

  /** Resolves once the addition is written (with the others of its message). */
  add(tenantId: string, month: string, prompt: number, completion: number, durable: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = `${tenantId} ${month}`;
      const row = this.waiting.get(key);
      if (row) {
        row.prompt += prompt;
        row.completion += completion;
        row.durable ||= durable;
        row.settle.push({ resolve, reject });
      } else {
        this.waiting.set(key, { tenantId, month, prompt, completion, durable, settle: [{ resolve, reject }] });
      }
      this.groups.wake();
    });
  }

  /** The rows in one message; if it fails, each row alone. */
  private async sendRows(rows: Row[]): Promise<void> {
    try {
      await this.send(rows);
      for (const row of rows) for (const { resolve } of row.settle) resolve();
    } catch {
      await Promise.all(
        rows.map((row) =>
          this.send([row]).then(
            () => row.settle.forEach(({ resolve }) => resolve()),
            (error: unknown) => row.settle.forEach(({ reject }) => reject(error)),
          ),
        ),
      );
    }
  }

  private async send(rows: readonly Row[]): Promise<void> {
    await this.db.tenantsBatch(
      rows.map((row) => ({ tenantId: row.tenantId, build: () => sql<unknown[]>(ADD_USAGE, [row.tenantId, row.month, row.prompt, row.completion]) })),
      { durable: rows.some((row) => row.durable) },
    );
  }
}
