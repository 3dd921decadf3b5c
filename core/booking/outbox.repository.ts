import type { Database } from '../db/database.ts';
import { OutboxTable } from '../mail/outbox-table.ts';
import type { NotificationRow } from './booking.repository.ts';

/**
 * The booking outbox's sending side: `core/mail/outbox-table.ts` over `booking_notifications`
 * (claim with SKIP LOCKED, leases, outcomes only while the claim is ours), plus the purge of
 * stale idempotency keys the booking worker runs between rounds.
 */
export class OutboxRepository extends OutboxTable<NotificationRow> {
  constructor(db: Database) {
    super(db, 'booking_notifications');
  }

  /** Idempotency keys past their life (24 h); returns how many went. */
  purgeIdempotencyKeys(before: Date): Promise<number> {
    return this.db.system((trx) => trx('booking_idempotency').where('created_at', '<', before).delete());
  }
}
