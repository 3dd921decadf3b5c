import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { APP_ROLE, SYSTEM_ROLE } from './roles.ts';

// Return timestamps as Date and bigint counts as numbers (counts here stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => value);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class TenantIdError extends Error {
  override readonly name = 'TenantIdError';
}

export type Tx = Knex.Transaction;

/**
 * The unit-of-work boundary (design.md §4): every query runs inside a transaction that has
 * switched to a non-owner role and, for tenant work, set `app.tenant_id` transaction-locally,
 * so a pooled (or PgBouncer) connection never carries one tenant into another request.
 */
export class Database {
  constructor(readonly knex: Knex) {}

  static connect(url: string, options: { poolMax?: number; applicationName?: string } = {}): Database {
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: url, application_name: options.applicationName ?? 'concierge' },
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: 10_000,
    });
    return new Database(knex);
  }

  /** Tenant work: row-level security confines every statement to `tenantId`. */
  async tenant<T>(tenantId: string, work: (trx: Tx) => Promise<T>): Promise<T> {
    if (!UUID.test(tenantId)) throw new TenantIdError(`not a tenant id: ${JSON.stringify(tenantId)}`);
    return this.knex.transaction(async (trx) => {
      await trx.raw(`SELECT set_config('role', ?, true), set_config('app.tenant_id', ?, true)`, [APP_ROLE, tenantId]);
      return work(trx);
    });
  }

  /** Cross-tenant work with the system role: it sees only tables whose migration granted it access. */
  async system<T>(work: (trx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction(async (trx) => {
      await trx.raw(`SELECT set_config('role', ?, true), set_config('app.tenant_id', '', true)`, [SYSTEM_ROLE]);
      return work(trx);
    });
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
