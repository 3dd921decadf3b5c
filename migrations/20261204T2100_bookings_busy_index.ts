import type { Knex } from 'knex';

/**
 * Busy time through a B-tree (issue 13). Under row-level security PostgreSQL evaluates a clause
 * only after the policy's unless its operator is leakproof; the range overlap `&&` is not, so the
 * GiST exclusion index could narrow a busy-time read by tenant alone and every booking or
 * availability read scanned all of a store's bookings (1,200 rows for one slot in the booking
 * bench; linear in the store's history). Timestamp comparisons are leakproof: with a booking's
 * occupied span capped (service duration and both buffers are each at most 1,440 minutes, so
 * three days), `start_at` within three days of the window is a necessary condition the index can
 * use, and the overlap test filters the few rows it returns (BookingRepository.busyQuery).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE bookings ADD CONSTRAINT bookings_occupied_span CHECK (upper(occupied) - lower(occupied) <= interval '3 days') NOT VALID`);
  await knex.raw('ALTER TABLE bookings VALIDATE CONSTRAINT bookings_occupied_span');
  await knex.raw(`CREATE INDEX bookings_busy ON bookings (tenant_id, resource_id, start_at) WHERE status = 'confirmed'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX bookings_busy');
  await knex.raw('ALTER TABLE bookings DROP CONSTRAINT bookings_occupied_span');
}
