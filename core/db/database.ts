import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { perTenantInOneRoundTrip, readInOneRoundTrip, type ReadRows, type Statement } from './one-round-trip.ts';
import { APP_ROLE, SYSTEM_ROLE } from './roles.ts';
import { UnitOfWorkClient } from './unit-of-work-client.ts';

// Return timestamps as Date and bigint counts as numbers (counts here stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => value);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface BatchOptions {
  /**
   * `false`: the commit does not wait for its WAL to reach disk (`synchronous_commit = off` for this
   * transaction only). For writes that a crash may lose because something durable redoes them, e.g.
   * processing a webhook delivery whose durable record is reprocessed until marked done, or a
   * rate-limit hit (a crash may forget the last fraction of a second of hits, never more).
   */
  durable?: boolean;
}

export class TenantIdError extends Error {
  override readonly name = 'TenantIdError';
}

export type Tx = Knex.Transaction;
export { inTransaction, inTransactionAndCommit, sql, type ReadQuery, type ReadRows, type SqlStatement, type Statement } from './one-round-trip.ts';

/**
 * The unit-of-work boundary (design.md §4): every query runs inside a transaction that has
 * switched to a non-owner role and, for tenant work, set `app.tenant_id` transaction-locally,
 * so a pooled (or PgBouncer) connection never carries one tenant into another request.
 */
export class Database {
  constructor(readonly knex: Knex) {}

  static connect(url: string, options: { poolMax?: number; applicationName?: string } = {}): Database {
    const knex = knexFactory({
      client: UnitOfWorkClient as unknown as typeof Knex.Client,
      connection: { connectionString: url, application_name: options.applicationName ?? 'concierge' },
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: 10_000,
    });
    return new Database(knex);
  }

  /** Tenant work: row-level security confines every statement to `tenantId`. */
  async tenant<T>(tenantId: string, work: (trx: Tx) => Promise<T>): Promise<T> {
    if (!UUID.test(tenantId)) throw new TenantIdError(`not a tenant id: ${JSON.stringify(tenantId)}`);
    // Sent with the BEGIN in one round trip (unit-of-work-client.ts); the id is a checked UUID.
    return this.knex.transaction(work, { preamble: `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.tenant_id', '${tenantId}', true)` } as Knex.TransactionConfig);
  }

  /**
   * Statements in one round trip (one-round-trip.ts): the queries are built on `knex` (not run), then
   * sent with the role and tenant setting as one message, which PostgreSQL runs as one implicit
   * transaction: all or nothing, each statement seeing the ones before it. For the hot paths: reads,
   * and writes that need nothing read first. Work that decides between statements uses `tenant()`.
   */
  async tenantBatch<T extends Record<string, Statement<unknown>>>(tenantId: string, build: (knex: Knex) => T, options: BatchOptions = {}): Promise<ReadRows<T>> {
    if (!UUID.test(tenantId)) throw new TenantIdError(`not a tenant id: ${JSON.stringify(tenantId)}`);
    const relaxed = options.durable === false ? `, set_config('synchronous_commit', 'off', true)` : '';
    return readInOneRoundTrip(this.knex, `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.tenant_id', '${tenantId}', true)${relaxed}`, build(this.knex));
  }

  /**
   * One statement per part, each under its own tenant's row-level security, all in one message and
   * one commit (group commit of many small writes, e.g. webhook delivery records). All or nothing:
   * a failing statement fails every part, so the caller retries the parts alone.
   */
  async tenantsBatch<Row>(parts: ReadonlyArray<{ tenantId: string; build: (knex: Knex) => Statement<Row[]> }>, options: BatchOptions = {}): Promise<Row[][]> {
    if (parts.length === 0) return [];
    for (const { tenantId } of parts) if (!UUID.test(tenantId)) throw new TenantIdError(`not a tenant id: ${JSON.stringify(tenantId)}`);
    const relaxed = options.durable === false ? `, set_config('synchronous_commit', 'off', true)` : '';
    return perTenantInOneRoundTrip(
      this.knex,
      `SELECT set_config('role', '${APP_ROLE}', true)${relaxed}`,
      parts.map(({ tenantId, build }) => ({ tenantId, query: build(this.knex) })),
    );
  }

  /** `tenantBatch` with the system role (cross-tenant work; only the tables granted to it). */
  async systemBatch<T extends Record<string, Statement<unknown>>>(build: (knex: Knex) => T, options: BatchOptions = {}): Promise<ReadRows<T>> {
    const relaxed = options.durable === false ? `, set_config('synchronous_commit', 'off', true)` : '';
    return readInOneRoundTrip(this.knex, `SELECT set_config('role', '${SYSTEM_ROLE}', true), set_config('app.tenant_id', '', true)${relaxed}`, build(this.knex));
  }

  /** Cross-tenant work with the system role: it sees only tables whose migration granted it access. */
  async system<T>(work: (trx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction(work, { preamble: `SELECT set_config('role', '${SYSTEM_ROLE}', true), set_config('app.tenant_id', '', true)` } as Knex.TransactionConfig);
  }

  async ping(timeoutMs = 2_000): Promise<void> {
    await Promise.race([
      this.knex.raw('SELECT 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }
}
