// The two knex internals core/db/unit-of-work-client.ts extends (knex ships no types for them).
declare module 'knex/lib/dialects/postgres/index.js' {
  const ClientPG: new (config: unknown) => { transaction(...args: unknown[]): unknown; _query(connection: unknown, obj: { sql: string; response?: unknown }): Promise<unknown> };
  export default ClientPG;
}
declare module 'knex/lib/dialects/postgres/execution/pg-transaction.js' {
  const TransactionPG: new (...args: unknown[]) => {
    userParams?: Record<string, unknown>;
    begin(conn: unknown): Promise<unknown>;
    query(conn: unknown, sql: string): Promise<unknown>;
  };
  export default TransactionPG;
}
