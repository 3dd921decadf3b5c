import type { Knex } from 'knex';
import { enableTenantRls, tenantKeys } from '../core/db/rls.ts';
import { SYSTEM_ROLE } from '../core/db/roles.ts';

/**
 * Booking (design.md §7, issue #5): services, resources with weekly hours, date overrides and
 * holidays, bookings guarded by an exclusion constraint, seat counters for classes, idempotency
 * keys, and the notification outbox (confirmations, notes, cancellations, reminders).
 * See core/booking/README.md and docs/decisions/0005-exactly-once-reminders.md.
 */
export async function up(knex: Knex): Promise<void> {
  // Exclusion constraints mixing `=`/`<>` on uuid/text with `&&` on ranges need btree_gist. It is a
  // trusted extension (PG 13+): a database owner with CREATE may install it, no superuser needed.
  await knex.raw('CREATE EXTENSION IF NOT EXISTS btree_gist');

  // Per-tenant booking policy. One row per tenant, created on first write; absent = defaults.
  await knex.schema.createTable('booking_settings', (t) => {
    t.uuid('tenant_id').primary().references('tenants.id').onDelete('CASCADE');
    t.specificType('reminder_offsets_minutes', 'integer[]').notNullable().defaultTo(knex.raw(`'{1440,60}'`));
    // Where the merchant note goes; null = the store's owners and admins.
    t.text('notification_email');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    ALTER TABLE booking_settings ADD CONSTRAINT booking_settings_offsets CHECK (
      cardinality(reminder_offsets_minutes) <= 5 AND 0 < ALL (reminder_offsets_minutes) AND 43200 >= ALL (reminder_offsets_minutes))`);
  await enableTenantRls(knex, 'booking_settings');

  await knex.schema.createTable('services', (t) => {
    tenantKeys(t, knex);
    t.text('name').notNullable();
    t.text('description');
    t.integer('duration_minutes').notNullable();
    t.integer('buffer_before_minutes').notNullable().defaultTo(0);
    t.integer('buffer_after_minutes').notNullable().defaultTo(0);
    t.integer('capacity').notNullable().defaultTo(1);
    t.text('location_type').notNullable().defaultTo('in_person');
    t.text('location');
    t.integer('min_notice_minutes').notNullable().defaultTo(60);
    t.integer('max_advance_days').notNullable().defaultTo(60);
    // null = the duration (slots back to back).
    t.integer('slot_step_minutes');
    t.bigInteger('price_cents');
    t.text('currency');
    t.integer('position').notNullable().defaultTo(0);
    // DELETE archives: past bookings keep their service.
    t.timestamp('archived_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    ALTER TABLE services
      ADD CONSTRAINT services_duration CHECK (duration_minutes BETWEEN 1 AND 1440),
      ADD CONSTRAINT services_buffers CHECK (buffer_before_minutes BETWEEN 0 AND 1440 AND buffer_after_minutes BETWEEN 0 AND 1440),
      ADD CONSTRAINT services_capacity CHECK (capacity BETWEEN 1 AND 1000),
      ADD CONSTRAINT services_location_type CHECK (location_type IN ('in_person', 'online')),
      ADD CONSTRAINT services_rules CHECK (min_notice_minutes >= 0 AND max_advance_days BETWEEN 0 AND 730 AND (slot_step_minutes IS NULL OR slot_step_minutes BETWEEN 1 AND 1440)),
      ADD CONSTRAINT services_price CHECK ((price_cents IS NULL) = (currency IS NULL) AND (price_cents IS NULL OR price_cents >= 0))`);
  await knex.raw('CREATE INDEX services_order ON services (tenant_id, position, created_at, id) WHERE archived_at IS NULL');
  await enableTenantRls(knex, 'services');

  await knex.schema.createTable('resources', (t) => {
    tenantKeys(t, knex);
    t.text('name').notNullable();
    t.text('kind').notNullable().defaultTo('staff');
    t.text('time_zone').notNullable();
    // { mon: [{ start: "09:00", end: "17:00" }], ... } wall-clock times in time_zone.
    t.jsonb('weekly_hours').notNullable().defaultTo('{}');
    t.integer('position').notNullable().defaultTo(0);
    t.timestamp('archived_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE resources ADD CONSTRAINT resources_kind CHECK (kind IN ('staff', 'room'))`);
  await enableTenantRls(knex, 'resources');

  await knex.schema.createTable('resource_services', (t) => {
    t.uuid('tenant_id').notNullable();
    t.uuid('resource_id').notNullable();
    t.uuid('service_id').notNullable();
    t.primary(['tenant_id', 'resource_id', 'service_id']);
    t.foreign(['tenant_id', 'resource_id']).references(['tenant_id', 'id']).inTable('resources').onDelete('CASCADE');
    t.foreign(['tenant_id', 'service_id']).references(['tenant_id', 'id']).inTable('services').onDelete('CASCADE');
    t.index(['tenant_id', 'service_id']);
  });
  await enableTenantRls(knex, 'resource_services');

  // One resource's hours on one local date, replacing its weekly hours; [] closes the day.
  await knex.schema.createTable('resource_overrides', (t) => {
    tenantKeys(t, knex);
    t.uuid('resource_id').notNullable();
    t.foreign(['tenant_id', 'resource_id']).references(['tenant_id', 'id']).inTable('resources').onDelete('CASCADE');
    t.date('day').notNullable();
    t.jsonb('intervals').notNullable().defaultTo('[]');
    t.text('note');
    t.unique(['tenant_id', 'resource_id', 'day']);
  });
  await enableTenantRls(knex, 'resource_overrides');

  // Store-wide closed days; a resource's own override for that date wins (someone opens anyway).
  await knex.schema.createTable('booking_holidays', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.primary(['tenant_id', 'day']);
    t.text('name');
  });
  await enableTenantRls(knex, 'booking_holidays');

  await knex.schema.createTable('bookings', (t) => {
    tenantKeys(t, knex);
    t.uuid('service_id').notNullable();
    t.foreign(['tenant_id', 'service_id']).references(['tenant_id', 'id']).inTable('services');
    t.uuid('resource_id').notNullable();
    t.foreign(['tenant_id', 'resource_id']).references(['tenant_id', 'id']).inTable('resources');
    t.text('status').notNullable().defaultTo('confirmed');
    t.timestamp('start_at', { useTz: true }).notNullable();
    t.timestamp('end_at', { useTz: true }).notNullable();
    // [start - buffer before, end + buffer after): what the resource is taken for.
    t.specificType('occupied', 'tstzrange').notNullable();
    // Bookings that may overlap on one resource share this key: a class session ("class:<service>:<start ms>");
    // an appointment's key is its own id, so it overlaps nothing.
    t.text('share_key').notNullable();
    t.integer('seats').notNullable().defaultTo(1);
    t.text('customer_name').notNullable();
    t.text('customer_email').notNullable();
    t.text('customer_phone');
    t.text('notes');
    // The shopper's zone and language, for mails, .ics and the manage page.
    t.text('time_zone').notNullable();
    t.text('locale').notNullable().defaultTo('en');
    // No foreign key on purpose: a booking outlives the conversation it came from (analytics attribution only).
    t.uuid('conversation_id');
    t.text('source').notNullable().defaultTo('widget');
    // iCalendar SEQUENCE: grows with every change so calendars apply updates.
    t.integer('sequence').notNullable().defaultTo(0);
    t.timestamp('cancelled_at', { useTz: true });
    t.text('cancelled_by');
    t.text('cancel_reason');
    t.timestamp('no_show_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    ALTER TABLE bookings
      ADD CONSTRAINT bookings_status CHECK (status IN ('confirmed', 'cancelled', 'no_show')),
      ADD CONSTRAINT bookings_times CHECK (end_at > start_at AND lower(occupied) <= start_at AND upper(occupied) >= end_at AND NOT lower_inf(occupied) AND NOT upper_inf(occupied)),
      ADD CONSTRAINT bookings_seats CHECK (seats BETWEEN 1 AND 1000),
      ADD CONSTRAINT bookings_source CHECK (source IN ('widget', 'chat', 'merchant')),
      ADD CONSTRAINT bookings_cancelled CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL) AND (cancelled_by IS NULL OR cancelled_by IN ('shopper', 'merchant'))),
      -- Never double-booked: two confirmed bookings of one resource may overlap (buffers included)
      -- only when they are seats of the same class session. Seat counts are class_seats' job.
      ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (tenant_id WITH =, resource_id WITH =, occupied WITH &&, share_key WITH <>)
        WHERE (status = 'confirmed')`);
  await knex.raw('CREATE INDEX bookings_by_start ON bookings (tenant_id, start_at, id)');
  await enableTenantRls(knex, 'bookings');

  // Seats of one class session on one resource. The row is the lock every booking of that session
  // takes (INSERT ... ON CONFLICT DO UPDATE), and the CHECK makes an over-full session impossible.
  await knex.schema.createTable('class_seats', (t) => {
    t.uuid('tenant_id').notNullable();
    t.uuid('resource_id').notNullable();
    t.text('share_key').notNullable();
    t.primary(['tenant_id', 'resource_id', 'share_key']);
    t.foreign(['tenant_id', 'resource_id']).references(['tenant_id', 'id']).inTable('resources');
    t.integer('capacity').notNullable();
    t.integer('seats_taken').notNullable();
  });
  await knex.raw(`ALTER TABLE class_seats ADD CONSTRAINT class_seats_capacity CHECK (seats_taken >= 0 AND seats_taken <= capacity)`);
  await enableTenantRls(knex, 'class_seats');

  // Idempotency-Key of POST /widget/v1/bookings: the first answer (201 or 409), replayed for 24 h.
  await knex.schema.createTable('booking_idempotency', (t) => {
    t.uuid('tenant_id').notNullable().references('tenants.id').onDelete('CASCADE');
    t.text('key').notNullable();
    t.primary(['tenant_id', 'key']);
    t.text('fingerprint').notNullable();
    t.integer('response_status');
    t.jsonb('response_body');
    t.uuid('booking_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX booking_idempotency_age ON booking_idempotency (created_at)');
  await enableTenantRls(knex, 'booking_idempotency');
  // The notification worker purges keys older than 24 h across tenants: read the age, delete.
  await knex.raw(`CREATE POLICY system_purge ON booking_idempotency TO ${SYSTEM_ROLE} USING (true)`);
  await knex.raw(`GRANT SELECT (tenant_id, key, created_at), DELETE ON booking_idempotency TO ${SYSTEM_ROLE}`);

  // The outbox (design.md §7): every booking mail is a row, written in the booking's transaction.
  await knex.schema.createTable('booking_notifications', (t) => {
    tenantKeys(t, knex);
    t.uuid('booking_id').notNullable();
    t.foreign(['tenant_id', 'booking_id']).references(['tenant_id', 'id']).inTable('bookings').onDelete('CASCADE');
    t.text('kind').notNullable();
    // Reminders: minutes before the start this one is for (e.g. 1440, 60).
    t.integer('offset_minutes');
    // Facts of the moment it was written (the start a reminder was for, the previous time of a reschedule, ...).
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.text('claimed_by');
    t.timestamp('claim_expires_at', { useTz: true });
    t.text('last_error');
    t.timestamp('sent_at', { useTz: true });
    // What the SMTP server answered; the Message-ID we send is derived from the row id (stable across retries).
    t.text('message_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    ALTER TABLE booking_notifications
      ADD CONSTRAINT booking_notifications_kind CHECK (kind IN ('confirmation', 'merchant_notice', 'cancellation', 'reschedule', 'reminder')),
      ADD CONSTRAINT booking_notifications_status CHECK (status IN ('pending', 'claimed', 'sent', 'dead', 'cancelled')),
      ADD CONSTRAINT booking_notifications_claim CHECK ((status = 'claimed') = (claimed_by IS NOT NULL AND claim_expires_at IS NOT NULL)),
      ADD CONSTRAINT booking_notifications_reminder CHECK ((kind = 'reminder') = (offset_minutes IS NOT NULL))`);
  // The claim query reads exactly these two partial indexes (due work, expired claims).
  await knex.raw(`CREATE INDEX booking_notifications_due ON booking_notifications (next_attempt_at) WHERE status = 'pending'`);
  await knex.raw(`CREATE INDEX booking_notifications_leases ON booking_notifications (claim_expires_at) WHERE status = 'claimed'`);
  // The dead-letter count on /metrics.
  await knex.raw(`CREATE INDEX booking_notifications_dead ON booking_notifications (updated_at) WHERE status = 'dead'`);
  await knex.raw('CREATE INDEX booking_notifications_by_booking ON booking_notifications (tenant_id, booking_id)');
  await knex.raw('CREATE INDEX booking_notifications_by_status ON booking_notifications (tenant_id, status, due_at, id)');
  await enableTenantRls(knex, 'booking_notifications');
  // Claiming due rows is cross-tenant work (one query for all stores). The system role may read the
  // outbox and change only the delivery columns: never the booking, kind, payload or due time.
  await knex.raw(`CREATE POLICY system_outbox ON booking_notifications TO ${SYSTEM_ROLE} USING (true) WITH CHECK (true)`);
  await knex.raw(`GRANT SELECT, UPDATE (status, attempts, next_attempt_at, claimed_by, claim_expires_at, last_error, sent_at, message_id, updated_at) ON booking_notifications TO ${SYSTEM_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'booking_notifications',
    'booking_idempotency',
    'class_seats',
    'bookings',
    'booking_holidays',
    'resource_overrides',
    'resource_services',
    'resources',
    'services',
    'booking_settings',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  // btree_gist stays: other schemas may use it, and dropping an extension needs more rights than creating it.
}
