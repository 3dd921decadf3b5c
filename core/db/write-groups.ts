import type { Knex } from 'knex';
import type { Database, Statement } from './database.ts';
import { GroupCommit } from './group-commit.ts';
import { sql } from './one-round-trip.ts';

/** At most this many writes per message (a burst beyond it goes in the next ones). */
const GROUP_MAX = 100;

/**
 * A table's insert-if-absent shape (`insertIfAbsent`): code constants, never input. The rows of one
 * tenant in a group go in one multi-row INSERT, so PostgreSQL plans, checks row-level security setup
 * and writes the index once per group instead of once per row.
 */
export interface InsertTarget {
  table: string;
  columns: readonly string[];
  /**
   * The unique key that decides "absent" (ON CONFLICT ... DO NOTHING). Its columns other than
   * `tenant_id` must be text: an inserted row is matched to its caller by comparing them as text.
   */
  key: readonly string[];
}

type Write = { tenantId: string } & ({ build: (knex: Knex) => Statement<unknown[]> } | { target: InsertTarget; values: readonly unknown[] });
type Waiting = Write & { resolve(result: unknown): void; reject(error: unknown): void };

type Insert = Extract<Waiting, { target: InsertTarget }>;

/** One multi-row INSERT ... ON CONFLICT DO NOTHING for rows of one tenant and target; RETURNING their key. */
function insertStatement(target: InsertTarget, rows: readonly (readonly unknown[])[]): Statement<Record<string, unknown>[]> {
  const width = target.columns.length;
  const tuples = rows.map((_, r) => `(${target.columns.map((_, c) => `$${r * width + c + 1}`).join(', ')})`);
  const key = target.key.join(', ');
  return sql(`INSERT INTO ${target.table} (${target.columns.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${key}) DO NOTHING RETURNING ${key}`, rows.flat());
}

/** Which of `inserts` (one tenant, one target) were written, from the key rows RETURNING gave: the first row of a key only. */
function insertedOnes(inserts: readonly Insert[], returned: readonly Record<string, unknown>[]): boolean[] {
  const { columns, key } = inserts[0]!.target;
  const compared = key.filter((column) => column !== 'tenant_id').map((column) => ({ column, at: columns.indexOf(column) }));
  const identity = (read: (column: string, at: number) => unknown) => compared.map(({ column, at }) => String(read(column, at))).join('\u0000');
  const written = new Set(returned.map((row) => identity((column) => row[column])));
  return inserts.map((insert) => {
    const id = identity((_, at) => insert.values[at]);
    // Two rows with one key in one group: the first is the one written (the later one conflicted with it).
    return written.delete(id);
  });
}

/**
 * Group commit for small independent writes on a hot path (issue 13: webhook delivery records,
 * their outcomes, the products they carry). A write that arrives while the previous group is on its
 * way to the database waits, and the waiting ones go together in the next message
 * (`Database.tenantsBatch`: each under its own tenant's row-level security, one commit for all).
 * An idle path still sends each write at once (one event-loop turn later); under a burst the
 * database parses, plans and commits once per group instead of once per write.
 *
 * Rows given to `insertIfAbsent` for the same tenant and target are merged into one statement,
 * written where the first of them stands in the group.
 *
 * A group that fails (a bad value, a deadlock with another instance's group) is retried one write
 * at a time, so each caller gets its own write's outcome and one bad write fails alone.
 */
export class WriteGroups {
  private waiting: Waiting[] = [];
  private readonly groups = new GroupCommit(
    () => (this.waiting.length > 0 ? this.waiting.splice(0, GROUP_MAX) : undefined),
    (group) => this.sendGroup(group),
  );

  constructor(
    private readonly db: Database,
    private readonly options: { durable: boolean },
  ) {}

  /** Runs one statement for `tenantId` in the next group; resolves with its rows (RETURNING). */
  run<Row>(tenantId: string, build: (knex: Knex) => Statement<Row[]>): Promise<Row[]> {
    return this.enqueue<Row[]>({ tenantId, build: build as (knex: Knex) => Statement<unknown[]> });
  }

  /**
   * Inserts one row (`values` in `target.columns` order) unless a row with its key exists; resolves
   * true when this call's row was written, false when the key was there (or came earlier in the group).
   */
  insertIfAbsent(tenantId: string, target: InsertTarget, values: readonly unknown[]): Promise<boolean> {
    if (values.length !== target.columns.length) throw new TypeError(`${target.table}: ${values.length} values for ${target.columns.length} columns`);
    return this.enqueue<boolean>({ tenantId, target, values });
  }

  private enqueue<T>(item: Write): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ ...item, resolve: resolve as (result: unknown) => void, reject } as Waiting);
      this.groups.wake();
    });
  }

  /** A group in one message; if it fails, each write alone. */
  private async sendGroup(group: Waiting[]): Promise<void> {
    try {
      await this.send(group);
    } catch {
      await Promise.all(group.map((item) => this.send([item]).catch((error: unknown) => item.reject(error))));
    }
  }

  /** One message for `group`; resolves each item once the whole message committed. */
  private async send(group: readonly Waiting[]): Promise<void> {
    const parts: { tenantId: string; items: Waiting[] }[] = [];
    const merged = new Map<string, Waiting[]>();
    for (const item of group) {
      if ('build' in item) {
        parts.push({ tenantId: item.tenantId, items: [item] });
        continue;
      }
      const at = `${item.tenantId} ${item.target.table}`;
      const items = merged.get(at);
      if (items && (items[0] as Insert).target === item.target) items.push(item);
      else {
        const part = { tenantId: item.tenantId, items: [item] };
        merged.set(at, part.items);
        parts.push(part);
      }
    }
    const results = await this.db.tenantsBatch(
      parts.map(({ tenantId, items }) => ({
        tenantId,
        build: (knex: Knex) => {
          const first = items[0]!;
          return 'build' in first ? first.build(knex) : insertStatement(first.target, (items as Insert[]).map((insert) => insert.values));
        },
      })),
      { durable: this.options.durable },
    );
    parts.forEach(({ items }, i) => {
      const rows = results[i]!;
      const first = items[0]!;
      if ('build' in first) first.resolve(rows);
      else insertedOnes(items as Insert[], rows as Record<string, unknown>[]).forEach((written, j) => items[j]!.resolve(written));
    });
  }
}
