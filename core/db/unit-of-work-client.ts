import ClientPG from 'knex/lib/dialects/postgres/index.js';
import TransactionPG from 'knex/lib/dialects/postgres/execution/pg-transaction.js';
import { inlineStatement, setPendingBegin, takeCommitted, takePendingBegin } from './one-round-trip.ts';

/**
 * knex's PostgreSQL client with fewer round trips per unit of work (issue 13). A transaction opened
 * with a `preamble` in its config does not send its BEGIN at once: `BEGIN; <preamble>` waits on the
 * connection and travels with the transaction's first message. A batch sent with `inTransaction`
 * (one-round-trip.ts) carries it in the same simple-protocol message, so the role switch, the
 * tenant setting and the first statements cost one round trip; a knex query sends it just before
 * itself (awaited, so no statement ever runs outside the transaction if BEGIN failed); a unit of work
 * that sent nothing commits or rolls back without a round trip at all. The preamble is built by
 * core/db/database.ts from constants and a validated UUID, never from input text, and stays
 * transaction-local (`set_config(..., true)`), so PgBouncer in transaction mode is still safe.
 */
function tryInline(obj: QueryObject): string | undefined {
  try {
    return inlineStatement({ sql: obj.sql, bindings: obj.bindings ?? [] });
  } catch {
    return undefined;
  }
}

class UnitOfWorkTransaction extends TransactionPG {
  private readonly preamble: string | undefined;

  // (client, container, config, outerTx): knex starts the container asynchronously, after this ran.
  constructor(...args: unknown[]) {
    super(...args);
    const preamble = (args[2] as { preamble?: unknown } | undefined)?.preamble;
    this.preamble = typeof preamble === 'string' && args[3] == null ? preamble : undefined;
  }

  override begin(conn: object): Promise<unknown> {
    if (!this.preamble) return super.begin(conn);
    setPendingBegin(conn, `BEGIN; ${this.preamble}`);
    return Promise.resolve();
  }
}

interface QueryObject {
  sql: string;
  bindings?: readonly unknown[];
  options?: unknown;
  response?: unknown;
}

interface Connection {
  query(text: string): Promise<unknown>;
}

export class UnitOfWorkClient extends ClientPG {
  override transaction(...args: unknown[]): unknown {
    return new UnitOfWorkTransaction(this, ...args);
  }

  override async _query(connection: Connection, obj: QueryObject): Promise<unknown> {
    if (takeCommitted(connection)) {
      // The unit of work's last statements carried its COMMIT (inTransactionAndCommit): its own
      // COMMIT has nothing left to do. A ROLLBACK (the work threw after them) cannot undo them, and
      // any other statement would run outside the transaction: refused.
      const command = /^\s*(COMMIT|ROLLBACK)\b/i.exec(obj.sql)?.[1]?.toUpperCase();
      if (command === 'COMMIT') {
        obj.response = { command, rowCount: null, rows: [], fields: [] };
        return obj;
      }
      throw new Error(`the unit of work committed with its last statements (inTransactionAndCommit); ${command ?? 'a statement'} cannot follow them`);
    }
    const pending = takePendingBegin(connection);
    if (pending === undefined) return super._query(connection, obj);
    // Nothing was sent in this transaction: there is nothing to end.
    if (/^\s*(COMMIT|ROLLBACK)\b/i.test(obj.sql)) {
      obj.response = { command: obj.sql.trim().split(/[\s;]/)[0]!.toUpperCase(), rowCount: null, rows: [], fields: [] };
      return obj;
    }
    // The first statement travels with BEGIN and the preamble, its values inlined as the driver would
    // send them. One that cannot be (driver options) waits for BEGIN's answer first, so it can never
    // run outside the transaction.
    const inlined = obj.options === undefined || Object.keys(obj.options as object).length === 0 ? tryInline(obj) : undefined;
    if (inlined === undefined) {
      await connection.query(pending);
      return super._query(connection, obj);
    }
    const answer = (await connection.query(`${pending}; ${inlined}`)) as unknown[];
    obj.response = answer[answer.length - 1];
    return obj;
  }
}
