import type { Database } from '../db/database.ts';

/**
 * The sending side of a mail outbox table (booking notifications, chat reply mails): cross-tenant
 * work through `db.system`, which each table's migration allows to read the outbox and change only
 * its delivery columns. Every write after the claim is conditional on `claimed_by = <this instance>
 * AND status = 'claimed'`, so an instance whose lease expired (and whose rows another instance took
 * over) cannot overwrite the outcome. Times come from the caller's clock
 * (docs/decisions/0005-exactly-once-reminders.md).
 *
 * A table qualifies with these columns: tenant_id, id, kind, status ('pending' | 'claimed' | 'sent'
 * | 'dead' | 'cancelled'), due_at, next_attempt_at, attempts, claimed_by, claim_expires_at,
 * last_error, sent_at, message_id, updated_at.
 */

export interface OutboxRow {
  tenant_id: string;
  id: string;
  kind: string;
  attempts: number;
  due_at: Date;
}

export type OutboxStatus = 'pending' | 'claimed' | 'sent' | 'dead' | 'cancelled';

export class OutboxTable<Row extends OutboxRow> {
  constructor(
    protected readonly db: Database,
    private readonly table: string,
  ) {
    if (!/^[a-z_]+$/.test(table)) throw new RangeError(`not a table name: ${table}`);
  }

  /**
   * Claims up to `limit` rows that are due, or whose claim expired (an instance died holding
   * them), oldest due first. SKIP LOCKED lets instances claim side by side without waiting on
   * each other; each claim counts as an attempt, so a row that crashes its sender every time
   * still ends up dead.
   */
  claimDue(instanceId: string, limit: number, now: Date, leaseMs: number): Promise<Row[]> {
    return this.db.system(async (trx) => {
      const { rows } = await trx.raw(
        `WITH due AS (
           SELECT tenant_id, id FROM ${this.table}
           WHERE (status = 'pending' AND next_attempt_at <= :now) OR (status = 'claimed' AND claim_expires_at < :now)
           ORDER BY due_at, id
           LIMIT :limit
           FOR UPDATE SKIP LOCKED
         )
         UPDATE ${this.table} n
         SET status = 'claimed', claimed_by = :me, claim_expires_at = :expires, attempts = n.attempts + 1, updated_at = :now
         FROM due WHERE n.tenant_id = due.tenant_id AND n.id = due.id
         RETURNING n.*`,
        { now, limit, me: instanceId, expires: new Date(now.getTime() + leaseMs) },
      );
      return (rows as Row[]).sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || (a.id < b.id ? -1 : 1));
    });
  }

  /** Extends this instance's claim right before sending; false when the row is no longer ours. */
  renew(row: Pick<OutboxRow, 'tenant_id' | 'id'>, instanceId: string, now: Date, leaseMs: number): Promise<boolean> {
    return this.owned(row, instanceId, { claim_expires_at: new Date(now.getTime() + leaseMs), updated_at: now });
  }

  markSent(row: Pick<OutboxRow, 'tenant_id' | 'id'>, instanceId: string, now: Date, messageId: string): Promise<boolean> {
    return this.owned(row, instanceId, { status: 'sent', sent_at: now, message_id: messageId.slice(0, 998), claimed_by: null, claim_expires_at: null, last_error: null, updated_at: now });
  }

  /** Nothing to send any more (booking cancelled, reply already seen, no recipient): kept as 'cancelled' with the reason. */
  markSkipped(row: Pick<OutboxRow, 'tenant_id' | 'id'>, instanceId: string, now: Date, reason: string): Promise<boolean> {
    return this.owned(row, instanceId, { status: 'cancelled', last_error: reason.slice(0, 1000), claimed_by: null, claim_expires_at: null, updated_at: now });
  }

  /** Back to the queue at `retryAt`, or dead (retryAt undefined): visible to the merchant and on /metrics. */
  markFailed(row: Pick<OutboxRow, 'tenant_id' | 'id'>, instanceId: string, now: Date, error: string, retryAt: Date | undefined): Promise<boolean> {
    return this.owned(row, instanceId, {
      status: retryAt ? 'pending' : 'dead',
      next_attempt_at: retryAt ?? now,
      last_error: error.slice(0, 1000),
      claimed_by: null,
      claim_expires_at: null,
      updated_at: now,
    });
  }

  private async owned(row: Pick<OutboxRow, 'tenant_id' | 'id'>, instanceId: string, changes: Record<string, unknown>): Promise<boolean> {
    return this.db.system(async (trx) => {
      const n = await trx(this.table).where({ tenant_id: row.tenant_id, id: row.id, claimed_by: instanceId, status: 'claimed' }).update(changes);
      return n > 0;
    });
  }

  /** Hands this instance's unstarted claims back at shutdown, so they need not wait for the lease. */
  releaseClaims(instanceId: string, now: Date): Promise<number> {
    return this.db.system((trx) =>
      trx(this.table)
        .where({ claimed_by: instanceId, status: 'claimed' })
        .update({ status: 'pending', claimed_by: null, claim_expires_at: null, next_attempt_at: now, updated_at: now }),
    );
  }

  /** Rows per delivery state across tenants, for /metrics (sent and cancelled are history, not counted). */
  statusCounts(): Promise<Record<'pending' | 'claimed' | 'dead', number>> {
    return this.db.system(async (trx) => {
      const rows = (await trx(this.table)
        .whereIn('status', ['pending', 'claimed', 'dead'])
        .groupBy('status')
        .select('status', trx.raw('count(*)::int AS count'))) as { status: OutboxStatus; count: number }[];
      const out = { pending: 0, claimed: 0, dead: 0 };
      for (const r of rows) out[r.status as keyof typeof out] = r.count;
      return out;
    });
  }
}
