import type { Knex } from 'knex';
import pg from 'pg';
import { prepareValue } from 'pg/lib/utils.js';

/**
 * Reads in one round trip (issue 13). A unit of work through knex pays a round trip for BEGIN, one per
 * statement and one for COMMIT, plus knex's per-query machinery: about 630 µs of CPU for two SELECTs on
 * this machine, against 90 µs for a ping. A read needs none of that: PostgreSQL runs the statements of
 * one simple-protocol message as one implicit transaction, so `set_config(..., true)` (the role and
 * the tenant, transaction-local as in every unit of work) holds for the SELECTs after it and ends with
 * the message. Safe under PgBouncer's transaction mode for the same reason.
 *
 * The simple protocol has no parameters, so values are inlined as literals here: each is turned into
 * the text the driver would have sent (pg's `prepareValue`: dates, arrays, JSON, bytea) and quoted
 * with pg's `escapeLiteral` (right whatever `standard_conforming_strings` says), untyped, so the
 * server infers its type from the context just as it does for an extended-protocol parameter.
 */
export function inlineStatement(native: { sql: string; bindings: readonly unknown[] }): string {
  const { sql, bindings } = native;
  let out = '';
  let i = 0;
  // Placeholders are replaced only outside quoted text, quoted identifiers, dollar quotes and comments.
  while (i < sql.length) {
    const c = sql[i]!;
    let end = i + 1;
    if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!);
      while (end < sql.length && !(sql[end] === "'" && sql[end + 1] !== "'")) end += sql[end] === "'" || (escapes && sql[end] === '\\') ? 2 : 1;
      end += 1;
    } else if (c === '"') {
      end = sql.indexOf('"', i + 1) + 1 || sql.length;
    } else if (c === '-' && sql[i + 1] === '-') {
      end = sql.indexOf('\n', i) + 1 || sql.length;
    } else if (c === '/' && sql[i + 1] === '*') {
      end = sql.indexOf('*/', i + 2) + 2 || sql.length;
    } else if (c === '$') {
      const placeholder = /^\$(\d+)/.exec(sql.slice(i));
      const tag = placeholder ? null : /^\$[A-Za-z_]*\$/.exec(sql.slice(i));
      if (placeholder) {
        const at = Number(placeholder[1]) - 1;
        if (at < 0 || at >= bindings.length) throw new TypeError(`no binding for $${placeholder[1]}`);
        out += literal(bindings[at]);
        i += placeholder[0].length;
        continue;
      }
      if (tag) end = sql.indexOf(tag[0], i + tag[0].length) + tag[0].length || sql.length;
    }
    if (end <= i) end = sql.length;
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}

export function literal(value: unknown): string {
  // Exactly the text the driver would send for this parameter, as an untyped literal: PostgreSQL
  // infers its type from the context, as it does for an untyped parameter of the extended protocol.
  const wire = prepareValue(value) as unknown;
  if (wire === null || wire === undefined) return 'NULL';
  if (Buffer.isBuffer(wire)) return `'\\x${wire.toString('hex')}'`;
  const text = String(wire);
  if (text.includes('\0')) throw new TypeError('a NUL character cannot be sent to PostgreSQL');
  return pg.escapeLiteral(text);
}

type Native = { toSQL(): { toNative(): { sql: string; bindings: readonly unknown[] } } };

/**
 * A statement written as SQL with `$n` placeholders (see `sql`); `result` only carries its type.
 */
export interface SqlStatement<Result> extends Native {
  readonly result?: Result;
}

/**
 * A statement for a hot path where building it with knex costs more than running it (issue 13:
 * knex's query building was ~15 % of a webhook delivery's CPU). Values stay bindings: they are
 * inlined as quoted literals exactly as for knex's queries, never spliced into the text.
 */
export function sql<Result>(text: string, bindings: readonly unknown[]): SqlStatement<Result> {
  const native = { sql: text, bindings };
  return { toSQL: () => ({ toNative: () => native }) };
}

/** A knex query built but not run; what awaiting it would give says the type of its rows. */
export type ReadQuery<Result> = PromiseLike<Result> & Native;
/** What a batch sends: a knex query built but not run, or an `sql` statement. */
export type Statement<Result> = ReadQuery<Result> | SqlStatement<Result>;
type Rows<Q> = Q extends PromiseLike<infer R>
  ? R extends readonly (infer E)[] ? E[] : NonNullable<R>[]
  : Q extends SqlStatement<infer R> ? (R extends readonly (infer E)[] ? E[] : NonNullable<R>[]) : never;
/** Each query's rows, under the keys they were given. */
export type ReadRows<T> = { [K in keyof T]: Rows<T[K]> };

/**
 * The BEGIN (and preamble) a connection owes the unit of work that holds it (unit-of-work-client.ts):
 * it travels with that unit of work's first message.
 */
const pendingBegin = new WeakMap<object, string>();

export function setPendingBegin(connection: object, begin: string): void {
  pendingBegin.set(connection, begin);
}

/** The BEGIN a connection still owes, taken: the caller sends it first, in the same message. */
export function takePendingBegin(connection: object): string | undefined {
  const pending = pendingBegin.get(connection);
  if (pending !== undefined) pendingBegin.delete(connection);
  return pending;
}

type ConnectionSource = { acquireConnection(): Promise<pg.PoolClient>; releaseConnection(connection: pg.PoolClient): Promise<void> };

/**
 * Connections whose unit of work's COMMIT went with its last statements (`inTransactionAndCommit`):
 * the unit of work's own COMMIT then sends nothing (unit-of-work-client.ts).
 */
const committed = new WeakSet<object>();

/** Whether the connection's unit of work has committed already; asking clears it. */
export function takeCommitted(connection: object): boolean {
  return committed.delete(connection);
}

async function send<T extends Record<string, Statement<unknown>>>(connection: pg.PoolClient, given: string | undefined, queries: T, commit = false): Promise<ReadRows<T>> {
  // A unit of work's first message carries its BEGIN and preamble (unit-of-work-client.ts).
  const preamble = given ?? takePendingBegin(connection);
  const keys = Object.keys(queries);
  const statements = keys.map((key) => inlineStatement(queries[key]!.toSQL().toNative()));
  const text = [...(preamble ? [preamble] : []), ...statements, ...(commit ? ['COMMIT'] : [])].join('; ');
  const answer = (await connection.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
  // One result per statement (a single statement's comes alone); the preamble's first, COMMIT's last.
  const results = Array.isArray(answer) ? answer : [answer];
  const offset = results.length - keys.length - (commit ? 1 : 0);
  return Object.fromEntries(keys.map((key, i) => [key, results[i + offset]!.rows])) as ReadRows<T>;
}

/**
 * Sends `preamble; q1; q2; …` as one message on a pooled connection and returns each query's rows.
 * `preamble` is built by core/db/database.ts from constants and a validated UUID.
 */
export async function readInOneRoundTrip<T extends Record<string, Statement<unknown>>>(knex: Knex, preamble: string, queries: T): Promise<ReadRows<T>> {
  const client = knex.client as ConnectionSource;
  const connection = await client.acquireConnection();
  try {
    return await send(connection, preamble, queries);
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Statements for several tenants in one message (`Database.tenantsBatch`): the role once, then for
 * each part its statement, after its tenant setting where the tenant changes. One implicit
 * transaction, so one commit for all; returns each part's rows, in order. `preamble` and the tenant ids come from core/db/database.ts
 * (constants and validated UUIDs).
 */
export async function perTenantInOneRoundTrip<Row>(knex: Knex, preamble: string, parts: ReadonlyArray<{ tenantId: string; query: Statement<Row[]> }>): Promise<Row[][]> {
  const client = knex.client as ConnectionSource;
  const connection = await client.acquireConnection();
  try {
    // The tenant setting holds until changed: parts of one tenant in a row share one.
    const statements = [preamble];
    const answerAt: number[] = [];
    let current: string | undefined;
    for (const { tenantId, query } of parts) {
      if (tenantId !== current) statements.push(`SELECT set_config('app.tenant_id', '${tenantId}', true)`);
      current = tenantId;
      answerAt.push(statements.length);
      statements.push(inlineStatement(query.toSQL().toNative()));
    }
    const answer = (await connection.query(statements.join('; '))) as unknown as pg.QueryResult[];
    return answerAt.map((at) => answer[at]!.rows as Row[]);
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Inside a unit of work (`db.tenant(...)`): several statements, reads or writes, in one message on
 * the transaction's own connection, in order; each sees what the ones before it did. A failing
 * statement aborts the transaction, as it would one at a time. These statements do not pass through
 * knex's query events, so never send one here that changes sessions, memberships, users or tenants
 * (the session cache watches those events; core/accounts/session-cache.ts).
 */
export async function inTransaction<T extends Record<string, Statement<unknown>>>(trx: Knex.Transaction, queries: T): Promise<ReadRows<T>> {
  // A transaction's client hands out the transaction's connection (and releasing it is a no-op).
  const connection = await (trx.client as ConnectionSource).acquireConnection();
  return send(connection, undefined, queries);
}

/**
 * `inTransaction` for the LAST statements of a unit of work: its COMMIT goes in the same message,
 * one round trip fewer (issue 13: write paths). Nothing may follow them in the unit of work: its
 * own COMMIT then sends nothing, and any other statement fails (unit-of-work-client.ts). A statement
 * that fails skips the COMMIT, and the unit of work rolls back as usual.
 */
export async function inTransactionAndCommit<T extends Record<string, Statement<unknown>>>(trx: Knex.Transaction, queries: T): Promise<ReadRows<T>> {
  const connection = await (trx.client as ConnectionSource).acquireConnection();
  const rows = await send(connection, undefined, queries, true);
  committed.add(connection);
  return rows;
}
