import type { Knex } from 'knex';
import { raw, type ModelObject } from 'objection';
import { inTransaction, type ReadQuery, type Tx } from '../db/database.ts';
import type { DateOverride, LocalInterval } from './availability.ts';
import { BookingModel, NotificationModel, ResourceModel, ServiceModel, type BookingStatus, type NotificationKind, type NotificationStatus, type Occupied } from './booking.models.ts';

/**
 * Booking tables (migrations/20261122T0905_create_booking.ts). Every method runs inside the
 * caller's unit of work (`db.tenant(...)`), so the service can make several changes atomically;
 * queries also filter by tenant themselves (the application wall in front of row-level security).
 * Rows of services, resources, bookings and notifications are objection models (booking.models.ts),
 * always queried with that transaction (`Model.query(trx)`).
 */

export type { BookingSource, BookingStatus, NotificationKind, NotificationStatus } from './booking.models.ts';
export type ServiceRow = ModelObject<ServiceModel>;
export type ResourceRow = ModelObject<ResourceModel>;
export type BookingRow = ModelObject<BookingModel>;
export type NotificationRow = ModelObject<NotificationModel>;

export interface OverrideRow {
  resource_id: string;
  day: string;
  intervals: LocalInterval[];
  note: string | null;
}

export interface HolidayRow {
  day: string;
  name: string | null;
}

/** A booking with the names a list shows. */
export interface BookingView extends BookingRow {
  service_name: string;
  resource_name: string;
}
type BookingViewModel = BookingModel & Pick<BookingView, 'service_name' | 'resource_name'>;

/** A row of `overridesQuery`: an override of one resource, or a store holiday (no resource). */
export interface OverrideOrHoliday {
  resource_id: string | null;
  day: string;
  intervals: LocalInterval[];
}

/**
 * The longest time a booking can occupy: a service's duration and each buffer are at most 1,440
 * minutes. The database holds every booking to it (constraint bookings_occupied_span).
 */
export const MAX_OCCUPIED_SPAN_MS = 3 * 86_400_000;

/** A row of `busyQuery`: times as epoch milliseconds. */
export interface BusyTimes {
  resource_id: string;
  service_id: string;
  seats: number;
  s: number;
  e: number;
}

export interface BusyRow {
  resource_id: string;
  service_id: string;
  occupied_start: Date;
  occupied_end: Date;
  seats: number;
}

export interface IdempotencyRow {
  key: string;
  fingerprint: string;
  response_status: number | null;
  response_body: unknown;
  booking_id: string | null;
  created_at: Date;
}

export interface SettingsRow {
  reminder_offsets_minutes: number[];
  notification_email: string | null;
}

export interface NewNotification {
  bookingId: string;
  kind: NotificationKind;
  offsetMinutes?: number;
  payload?: Record<string, unknown>;
  dueAt: Date;
}

export const DEFAULT_REMINDER_OFFSETS = [1440, 60];

/** PostgreSQL error codes the service turns into answers. */
export const PG_EXCLUSION_VIOLATION = '23P01';
export const PG_CHECK_VIOLATION = '23514';

/** The driver's error: objection wraps it (db-errors `nativeError`), a plain knex query throws it as is. */
const driverError = (error: unknown) => ((error as { nativeError?: unknown } | null)?.nativeError ?? error) as { code?: string; constraint?: string } | null;
export function pgCode(error: unknown): string | undefined {
  return driverError(error)?.code;
}
export function pgConstraint(error: unknown): string | undefined {
  return driverError(error)?.constraint;
}

const BOOKING_COLUMNS = [
  'b.tenant_id',
  'b.id',
  'b.service_id',
  'b.resource_id',
  'b.status',
  'b.start_at',
  'b.end_at',
  'b.share_key',
  'b.seats',
  'b.customer_name',
  'b.customer_email',
  'b.customer_phone',
  'b.notes',
  'b.time_zone',
  'b.locale',
  'b.conversation_id',
  'b.source',
  'b.sequence',
  'b.cancelled_at',
  'b.cancelled_by',
  'b.cancel_reason',
  'b.no_show_at',
  'b.created_at',
  'b.updated_at',
];

export class BookingRepository {
  // ------------------------------------------------------------------ services

  async insertService(trx: Tx, tenantId: string, values: Partial<ServiceRow>): Promise<ServiceRow> {
    return ServiceModel.query(trx).insert({ ...values, tenant_id: tenantId }).returning('*');
  }

  async updateService(trx: Tx, tenantId: string, id: string, values: Partial<ServiceRow>): Promise<ServiceRow | undefined> {
    const [row] = await ServiceModel.query(trx)
      .where({ tenant_id: tenantId, id })
      .whereNull('archived_at')
      .patch({ ...values, updated_at: trx.fn.now() })
      .returning('*');
    return row;
  }

  async archiveService(trx: Tx, tenantId: string, id: string): Promise<boolean> {
    const n = await trx('services').where({ tenant_id: tenantId, id }).whereNull('archived_at').update({ archived_at: trx.fn.now(), updated_at: trx.fn.now() });
    if (n > 0) await trx('resource_services').where({ tenant_id: tenantId, service_id: id }).delete();
    return n > 0;
  }

  /** The bookable (not archived) service as a query not yet run, for a batch (`Database.tenantBatch`, `inTransaction`). */
  serviceQuery(knex: Knex, tenantId: string, id: string): ReadQuery<Record<string, unknown>[]> {
    return knex('services').where({ tenant_id: tenantId, id }).whereNull('archived_at').limit(1);
  }

  /** A row of `serviceQuery` as the model the rest of booking uses. */
  serviceOf(row: Record<string, unknown> | undefined): ServiceRow | undefined {
    return row ? ServiceModel.fromDatabaseJson(row) : undefined;
  }

  async getService(trx: Tx, tenantId: string, id: string, options: { includeArchived?: boolean } = {}): Promise<ServiceRow | undefined> {
    const q = ServiceModel.query(trx).where({ tenant_id: tenantId, id });
    if (!options.includeArchived) q.whereNull('archived_at');
    return q.first();
  }

  async listServices(trx: Tx, tenantId: string): Promise<ServiceRow[]> {
    return ServiceModel.query(trx)
      .where({ tenant_id: tenantId })
      .whereNull('archived_at')
      .orderBy([{ column: 'position' }, { column: 'created_at' }, { column: 'id' }]);
  }

  /** Active services that at least one active resource performs (what shoppers can book). */
  async listBookableServices(trx: Tx, tenantId: string): Promise<ServiceRow[]> {
    return ServiceModel.query(trx)
      .alias('s')
      .where('s.tenant_id', tenantId)
      .whereNull('s.archived_at')
      .whereExists((q) =>
        q
          .select(trx.raw('1'))
          .from('resource_services as rs')
          .join('resources as r', (j) => j.on('r.tenant_id', 'rs.tenant_id').andOn('r.id', 'rs.resource_id'))
          .whereRaw('rs.tenant_id = s.tenant_id AND rs.service_id = s.id')
          .whereNull('r.archived_at'),
      )
      .orderBy([{ column: 's.position' }, { column: 's.created_at' }, { column: 's.id' }])
      .select('s.*');
  }

  /** service id → resource ids (active resources), in the resources' order. */
  async resourceIdsByService(trx: Tx, tenantId: string, serviceIds?: string[]): Promise<Map<string, string[]>> {
    const q = trx('resource_services as rs')
      .join('resources as r', (j) => j.on('r.tenant_id', 'rs.tenant_id').andOn('r.id', 'rs.resource_id'))
      .where('rs.tenant_id', tenantId)
      .whereNull('r.archived_at')
      .orderBy([{ column: 'r.position' }, { column: 'r.created_at' }, { column: 'r.id' }])
      .select('rs.service_id', 'rs.resource_id');
    if (serviceIds) q.whereIn('rs.service_id', serviceIds);
    const out = new Map<string, string[]>();
    for (const row of (await q) as { service_id: string; resource_id: string }[]) {
      const list = out.get(row.service_id) ?? [];
      list.push(row.resource_id);
      out.set(row.service_id, list);
    }
    return out;
  }

  // ------------------------------------------------------------------ resources

  async insertResource(trx: Tx, tenantId: string, values: Partial<ResourceRow>): Promise<ResourceRow> {
    return ResourceModel.query(trx)
      .insert({ ...values, weekly_hours: values.weekly_hours ?? {}, tenant_id: tenantId })
      .returning('*');
  }

  async updateResource(trx: Tx, tenantId: string, id: string, values: Partial<ResourceRow>): Promise<ResourceRow | undefined> {
    const [row] = await ResourceModel.query(trx)
      .where({ tenant_id: tenantId, id })
      .whereNull('archived_at')
      .patch({ ...values, updated_at: trx.fn.now() })
      .returning('*');
    return row;
  }

  async archiveResource(trx: Tx, tenantId: string, id: string): Promise<boolean> {
    const n = await trx('resources').where({ tenant_id: tenantId, id }).whereNull('archived_at').update({ archived_at: trx.fn.now(), updated_at: trx.fn.now() });
    if (n > 0) await trx('resource_services').where({ tenant_id: tenantId, resource_id: id }).delete();
    return n > 0;
  }

  async getResource(trx: Tx, tenantId: string, id: string, options: { includeArchived?: boolean } = {}): Promise<ResourceRow | undefined> {
    const q = ResourceModel.query(trx).where({ tenant_id: tenantId, id });
    if (!options.includeArchived) q.whereNull('archived_at');
    return q.first();
  }

  async listResources(trx: Tx, tenantId: string, ids?: string[]): Promise<ResourceRow[]> {
    const q = ResourceModel.query(trx).where({ tenant_id: tenantId }).whereNull('archived_at');
    if (ids) q.whereIn('id', ids);
    return q.orderBy([{ column: 'position' }, { column: 'created_at' }, { column: 'id' }]);
  }

  async setResourceServices(trx: Tx, tenantId: string, resourceId: string, serviceIds: string[]): Promise<void> {
    await trx('resource_services').where({ tenant_id: tenantId, resource_id: resourceId }).delete();
    if (serviceIds.length > 0) {
      await trx('resource_services').insert(serviceIds.map((serviceId) => ({ tenant_id: tenantId, resource_id: resourceId, service_id: serviceId })));
    }
  }

  async serviceIdsOfResources(trx: Tx, tenantId: string, resourceIds: string[]): Promise<Map<string, string[]>> {
    const rows = (await trx('resource_services as rs')
      .join('services as s', (j) => j.on('s.tenant_id', 'rs.tenant_id').andOn('s.id', 'rs.service_id'))
      .where('rs.tenant_id', tenantId)
      .whereIn('rs.resource_id', resourceIds)
      .orderBy([{ column: 's.position' }, { column: 's.created_at' }, { column: 's.id' }])
      .select('rs.resource_id', 'rs.service_id')) as { resource_id: string; service_id: string }[];
    const out = new Map<string, string[]>();
    for (const row of rows) out.set(row.resource_id, [...(out.get(row.resource_id) ?? []), row.service_id]);
    return out;
  }

  async existingServiceIds(trx: Tx, tenantId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await trx('services').where({ tenant_id: tenantId }).whereNull('archived_at').whereIn('id', ids).select('id');
    return new Set(rows.map((r: { id: string }) => r.id));
  }

  // ------------------------------------------------------------------ overrides and holidays

  async upsertOverride(trx: Tx, tenantId: string, resourceId: string, day: string, intervals: LocalInterval[], note: string | null): Promise<OverrideRow> {
    const [row] = await trx('resource_overrides')
      .insert({ tenant_id: tenantId, resource_id: resourceId, day, intervals: JSON.stringify(intervals), note })
      .onConflict(['tenant_id', 'resource_id', 'day'])
      .merge(['intervals', 'note'])
      .returning(['resource_id', trx.raw(`to_char(day, 'YYYY-MM-DD') AS day`), 'intervals', 'note']);
    return row as OverrideRow;
  }

  async deleteOverride(trx: Tx, tenantId: string, resourceId: string, day: string): Promise<boolean> {
    return (await trx('resource_overrides').where({ tenant_id: tenantId, resource_id: resourceId, day }).delete()) > 0;
  }

  listOverrides(trx: Tx, tenantId: string, resourceIds: string[], fromDay?: string, toDay?: string): Promise<OverrideRow[]> {
    const q = trx('resource_overrides')
      .where({ tenant_id: tenantId })
      .whereIn('resource_id', resourceIds)
      .orderBy([{ column: 'day' }, { column: 'resource_id' }])
      .select('resource_id', trx.raw(`to_char(day, 'YYYY-MM-DD') AS day`), 'intervals', 'note');
    if (fromDay) q.where('day', '>=', fromDay);
    if (toDay) q.where('day', '<=', toDay);
    return q as unknown as Promise<OverrideRow[]>;
  }

  async upsertHoliday(trx: Tx, tenantId: string, day: string, name: string | null): Promise<HolidayRow> {
    const [row] = await trx('booking_holidays')
      .insert({ tenant_id: tenantId, day, name })
      .onConflict(['tenant_id', 'day'])
      .merge(['name'])
      .returning([trx.raw(`to_char(day, 'YYYY-MM-DD') AS day`), 'name']);
    return row as HolidayRow;
  }

  async deleteHoliday(trx: Tx, tenantId: string, day: string): Promise<boolean> {
    return (await trx('booking_holidays').where({ tenant_id: tenantId, day }).delete()) > 0;
  }

  listHolidays(trx: Tx, tenantId: string, fromDay?: string, toDay?: string): Promise<HolidayRow[]> {
    const q = trx('booking_holidays').where({ tenant_id: tenantId }).orderBy('day').select(trx.raw(`to_char(day, 'YYYY-MM-DD') AS day`), 'name');
    if (fromDay) q.where('day', '>=', fromDay);
    if (toDay) q.where('day', '<=', toDay);
    return q as unknown as Promise<HolidayRow[]>;
  }

  /** Overrides per resource for local dates in [fromDay, toDay]; a store holiday closes the day where the resource has no override of its own. */
  async overridesFor(trx: Tx, tenantId: string, resourceIds: string[], fromDay: string, toDay: string): Promise<Map<string, DateOverride[]>> {
    const { rows } = (await this.overridesQuery(trx, tenantId, resourceIds, fromDay, toDay)) as unknown as { rows: OverrideOrHoliday[] };
    return this.overridesOf(rows, resourceIds);
  }

  /** Overrides and holidays in one statement (holidays come as rows without a resource), not yet run. */
  overridesQuery(knex: Knex, tenantId: string, resourceIds: string[], fromDay: string, toDay: string): ReadQuery<OverrideOrHoliday[]> {
    return knex.raw(
      `SELECT resource_id, to_char(day, 'YYYY-MM-DD') AS day, intervals FROM resource_overrides
         WHERE tenant_id = ? AND resource_id = ANY(?::uuid[]) AND day BETWEEN ? AND ?
       UNION ALL
       SELECT NULL, to_char(day, 'YYYY-MM-DD'), '[]'::jsonb FROM booking_holidays
         WHERE tenant_id = ? AND day BETWEEN ? AND ?`,
      [tenantId, resourceIds, fromDay, toDay, tenantId, fromDay, toDay],
    ) as unknown as ReadQuery<OverrideOrHoliday[]>;
  }

  /** The rows of `overridesQuery` per resource. */
  overridesOf(rows: OverrideOrHoliday[], resourceIds: string[]): Map<string, DateOverride[]> {
    const overrides = rows.filter((r) => r.resource_id !== null) as { resource_id: string; day: string; intervals: LocalInterval[] }[];
    const holidays = rows.filter((r) => r.resource_id === null);
    const out = new Map<string, DateOverride[]>(resourceIds.map((id) => [id, []]));
    const own = new Set<string>();
    for (const o of overrides) {
      out.get(o.resource_id)?.push({ date: o.day, intervals: o.intervals });
      own.add(`${o.resource_id}|${o.day}`);
    }
    for (const h of holidays) {
      for (const id of resourceIds) if (!own.has(`${id}|${h.day}`)) out.get(id)!.push({ date: h.day, intervals: [] });
    }
    return out;
  }

  // ------------------------------------------------------------------ bookings

  /**
   * Confirmed bookings of these resources whose occupied time overlaps [from, to), grouped by
   * resource. Times come as epoch milliseconds (float8): parsing 10,000 timestamp strings into
   * Dates costs more than computing the availability itself.
   */
  async busy(trx: Tx, tenantId: string, resourceIds: string[], from: Date, to: Date, exceptBookingId?: string): Promise<BusyRow[]> {
    return this.busyOf((await this.busyQuery(trx, tenantId, resourceIds, from, to, exceptBookingId)) as BusyTimes[]);
  }

  /**
   * `busy` as a query not yet run. The overlap test (`&&`) is not leakproof, so under row-level
   * security no index can use it; the `start_at` bounds can (index bookings_busy): an occupied span
   * is at most MAX_OCCUPIED_SPAN_MS (constraint bookings_occupied_span), so a booking that overlaps
   * the window starts within that much of it.
   */
  busyQuery(knex: Knex, tenantId: string, resourceIds: string[], from: Date, to: Date, exceptBookingId?: string): ReadQuery<BusyTimes[]> {
    const q = knex('bookings')
      .where({ tenant_id: tenantId, status: 'confirmed' })
      .whereIn('resource_id', resourceIds)
      .where('start_at', '>', new Date(from.getTime() - MAX_OCCUPIED_SPAN_MS))
      .where('start_at', '<', new Date(to.getTime() + MAX_OCCUPIED_SPAN_MS))
      .whereRaw('occupied && tstzrange(?::timestamptz, ?::timestamptz)', [from.toISOString(), to.toISOString()])
      .orderBy('resource_id')
      .select(
        'resource_id',
        'service_id',
        'seats',
        knex.raw('(extract(epoch from lower(occupied)) * 1000)::float8 AS s'),
        knex.raw('(extract(epoch from upper(occupied)) * 1000)::float8 AS e'),
      );
    if (exceptBookingId) q.whereNot('id', exceptBookingId);
    return q as unknown as ReadQuery<BusyTimes[]>;
  }

  busyOf(rows: BusyTimes[]): BusyRow[] {
    return rows.map((r) => ({ resource_id: r.resource_id, service_id: r.service_id, seats: r.seats, occupied_start: new Date(r.s), occupied_end: new Date(r.e) }));
  }

  /** The active resources that perform a service, in the merchant's order (one round trip). */
  async resourcesOfService(trx: Tx, tenantId: string, serviceId: string): Promise<ResourceRow[]> {
    return this.resourcesOf((await this.resourcesOfServiceQuery(trx, tenantId, serviceId)) as Record<string, unknown>[]);
  }

  /** `resourcesOfService` as a query not yet run. */
  resourcesOfServiceQuery(knex: Knex, tenantId: string, serviceId: string): ReadQuery<Record<string, unknown>[]> {
    return ResourceModel.query(knex)
      .alias('r')
      .join('resource_services as rs', (j) => j.on('rs.tenant_id', 'r.tenant_id').andOn('rs.resource_id', 'r.id'))
      .where({ 'r.tenant_id': tenantId, 'rs.service_id': serviceId })
      .whereNull('r.archived_at')
      .orderBy([{ column: 'r.position' }, { column: 'r.created_at' }, { column: 'r.id' }])
      .select('r.*')
      .toKnexQuery() as unknown as ReadQuery<Record<string, unknown>[]>;
  }

  resourcesOf(rows: Record<string, unknown>[]): ResourceRow[] {
    return rows.map((row) => ResourceModel.fromDatabaseJson(row));
  }

  /**
   * Inserts a booking unless it conflicts with another confirmed booking of the resource (the
   * exclusion constraint as ON CONFLICT DO NOTHING arbiter: a concurrent insert is waited for,
   * then either this row goes in or nothing does). Undefined when it lost.
   */
  async insertBookingUnlessTaken(
    trx: Tx,
    tenantId: string,
    values: Omit<Partial<BookingRow>, 'occupied_start' | 'occupied_end'> & { occupied: { start: Date; end: Date } },
  ): Promise<BookingRow | undefined> {
    // knex, not BookingModel.query(): objection answers an insert that returned no row with the
    // model it was given, and "nothing inserted" is exactly what this method must report.
    const [row] = await trx('bookings')
      .insert(BookingModel.fromJson({ ...values, tenant_id: tenantId }).$toDatabaseJson())
      .onConflict()
      .ignore()
      .returning(['*', trx.raw(BookingModel.occupiedBounds())]);
    return row ? BookingModel.fromDatabaseJson(row) : undefined;
  }

  /**
   * `insertBookingUnlessTaken`, its outbox rows and (with `answer`) the Idempotency-Key's stored
   * answer, in one message (issue 13: one round trip where there were three). The later statements
   * write only if the booking went in, so a lost race leaves nothing behind; undefined then.
   */
  async insertBookingWithOutbox(
    trx: Tx,
    tenantId: string,
    values: Omit<Partial<BookingRow>, 'occupied_start' | 'occupied_end'> & { id: string; occupied: { start: Date; end: Date } },
    notifications: NewNotification[],
    answer?: { key: string; status: number; body: unknown },
  ): Promise<BookingRow | undefined> {
    const booked = (q: Knex.QueryBuilder) => q.select(trx.raw('1')).from('bookings').where({ tenant_id: tenantId, id: values.id });
    const rows = await inTransaction(trx, {
      booking: trx('bookings')
        .insert(BookingModel.fromJson({ ...values, tenant_id: tenantId }).$toDatabaseJson())
        .onConflict()
        .ignore()
        .returning(['*', trx.raw(BookingModel.occupiedBounds())]) as unknown as ReadQuery<Record<string, unknown>[]>,
      notifications: trx.raw(
        `INSERT INTO booking_notifications (tenant_id, booking_id, kind, offset_minutes, payload, due_at, next_attempt_at)
         SELECT ?::uuid, ?::uuid, n.kind, n.offset_minutes, coalesce(n.payload, '{}'::jsonb), n.due_at, n.due_at
         FROM jsonb_to_recordset(?::jsonb) AS n(kind text, offset_minutes int, payload jsonb, due_at timestamptz)
         WHERE EXISTS (SELECT 1 FROM bookings WHERE tenant_id = ?::uuid AND id = ?::uuid)`,
        [
          tenantId,
          values.id,
          JSON.stringify(notifications.map((n) => ({ kind: n.kind, offset_minutes: n.offsetMinutes ?? null, payload: n.payload ?? {}, due_at: n.dueAt.toISOString() }))),
          tenantId,
          values.id,
        ],
      ) as unknown as ReadQuery<unknown[]>,
      ...(answer
        ? {
            answer: trx('booking_idempotency')
              .where({ tenant_id: tenantId, key: answer.key })
              .whereExists(function (this: Knex.QueryBuilder) {
                booked(this);
              })
              .update({ response_status: answer.status, response_body: JSON.stringify(answer.body), booking_id: values.id }) as unknown as ReadQuery<unknown[]>,
          }
        : {}),
    });
    const row = rows.booking[0];
    return row ? BookingModel.fromDatabaseJson(row) : undefined;
  }

  async insertBooking(
    trx: Tx,
    tenantId: string,
    values: Omit<Partial<BookingRow>, 'occupied_start' | 'occupied_end'> & { occupied: { start: Date; end: Date } },
  ): Promise<BookingRow> {
    return BookingModel.query(trx)
      .insert({ ...values, tenant_id: tenantId })
      .returning(['*', raw(BookingModel.occupiedBounds())]);
  }

  async moveBooking(
    trx: Tx,
    tenantId: string,
    id: string,
    values: { resource_id: string; start_at: Date; end_at: Date; occupied: Occupied; share_key: string },
  ): Promise<BookingRow> {
    const [row] = await BookingModel.query(trx)
      .where({ tenant_id: tenantId, id })
      .patch({ ...values, sequence: raw('sequence + 1'), updated_at: trx.fn.now() })
      .returning(['*', raw(BookingModel.occupiedBounds())]);
    return row!;
  }

  async setBookingStatus(
    trx: Tx,
    tenantId: string,
    id: string,
    values: Partial<Pick<BookingRow, 'status' | 'cancelled_at' | 'cancelled_by' | 'cancel_reason' | 'no_show_at'>> & { bumpSequence?: boolean },
  ): Promise<BookingRow> {
    const { bumpSequence, ...rest } = values;
    const [row] = await BookingModel.query(trx)
      .where({ tenant_id: tenantId, id })
      .patch({ ...rest, ...(bumpSequence ? { sequence: raw('sequence + 1') } : {}), updated_at: trx.fn.now() })
      .returning(['*', raw(BookingModel.occupiedBounds())]);
    return row!;
  }

  async getBooking(trx: Tx, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<BookingRow | undefined> {
    const q = BookingModel.query(trx)
      .alias('b')
      .where({ 'b.tenant_id': tenantId, 'b.id': id })
      .select([...BOOKING_COLUMNS, raw(BookingModel.occupiedBounds('b'))])
      .first();
    if (options.forUpdate) q.forUpdate();
    return q;
  }

  async getBookingView(trx: Tx, tenantId: string, id: string): Promise<BookingView | undefined> {
    return this.bookingViews(trx, tenantId).where('b.id', id).first().castTo<BookingViewModel | undefined>();
  }

  /** Bookings by start (then id) for keyset pagination. */
  async listBookings(
    trx: Tx,
    tenantId: string,
    filter: { from?: Date; to?: Date; status?: BookingStatus; serviceId?: string; resourceId?: string; after?: { start: Date; id: string }; limit: number },
  ): Promise<BookingView[]> {
    const q = this.bookingViews(trx, tenantId);
    if (filter.from) q.where('b.start_at', '>=', filter.from);
    if (filter.to) q.where('b.start_at', '<', filter.to);
    if (filter.status) q.where('b.status', filter.status);
    if (filter.serviceId) q.where('b.service_id', filter.serviceId);
    if (filter.resourceId) q.where('b.resource_id', filter.resourceId);
    if (filter.after) q.whereRaw('(b.start_at, b.id) > (?::timestamptz, ?::uuid)', [filter.after.start.toISOString(), filter.after.id]);
    return q.orderBy([{ column: 'b.start_at' }, { column: 'b.id' }]).limit(filter.limit);
  }

  private bookingViews(trx: Tx, tenantId: string) {
    return BookingModel.query(trx)
      .alias('b')
      .join('services as s', (j) => j.on('s.tenant_id', 'b.tenant_id').andOn('s.id', 'b.service_id'))
      .join('resources as r', (j) => j.on('r.tenant_id', 'b.tenant_id').andOn('r.id', 'b.resource_id'))
      .where('b.tenant_id', tenantId)
      .select([...BOOKING_COLUMNS, raw(BookingModel.occupiedBounds('b')), 's.name as service_name', 'r.name as resource_name'])
      .castTo<BookingViewModel[]>();
  }

  /** Takes `seats` of a class session; throws a check violation (23514) when it would overfill. */
  async takeSeats(trx: Tx, tenantId: string, resourceId: string, shareKey: string, capacity: number, seats: number): Promise<void> {
    await trx.raw(
      `INSERT INTO class_seats (tenant_id, resource_id, share_key, capacity, seats_taken) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, resource_id, share_key)
       DO UPDATE SET seats_taken = class_seats.seats_taken + EXCLUDED.seats_taken, capacity = EXCLUDED.capacity`,
      [tenantId, resourceId, shareKey, capacity, seats],
    );
  }

  async releaseSeats(trx: Tx, tenantId: string, resourceId: string, shareKey: string, seats: number): Promise<void> {
    await trx('class_seats')
      .where({ tenant_id: tenantId, resource_id: resourceId, share_key: shareKey })
      .update({ seats_taken: trx.raw('GREATEST(seats_taken - ?, 0)', [seats]) });
  }

  // ------------------------------------------------------------------ idempotency

  /**
   * Reserves an Idempotency-Key inside the booking's transaction. A concurrent request with the
   * same key waits here until the first one commits (or rolls back), then sees its answer.
   * Returns undefined when this request owns the key, else the stored row.
   */
  async reserveIdempotencyKey(trx: Tx, tenantId: string, key: string, fingerprint: string, now: Date, ttlMs: number): Promise<IdempotencyRow | undefined> {
    const inserted = (await this.claimIdempotencyKeyQuery(trx, tenantId, key, fingerprint, now)) as unknown as { rows: unknown[] };
    if (inserted.rows.length > 0) return undefined;
    return this.settleIdempotencyKey(trx, tenantId, key, fingerprint, now, ttlMs);
  }

  /** The key's first claim as a statement not yet run: a row back means this request owns the key. */
  claimIdempotencyKeyQuery(knex: Knex, tenantId: string, key: string, fingerprint: string, now: Date): ReadQuery<{ key: string }[]> {
    return knex.raw(
      `INSERT INTO booking_idempotency (tenant_id, key, fingerprint, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key`,
      [tenantId, key, fingerprint, now],
    ) as unknown as ReadQuery<{ key: string }[]>;
  }

  /** After a claim that found the key taken: the stored answer, or undefined when the key is ours after all. */
  async settleIdempotencyKey(trx: Tx, tenantId: string, key: string, fingerprint: string, now: Date, ttlMs: number): Promise<IdempotencyRow | undefined> {
    const existing = (await trx('booking_idempotency').where({ tenant_id: tenantId, key }).forUpdate().first()) as IdempotencyRow | undefined;
    if (!existing) return undefined;
    if (existing.created_at.getTime() + ttlMs <= now.getTime()) {
      // Expired: the key starts a new life with this request.
      await trx('booking_idempotency')
        .where({ tenant_id: tenantId, key })
        .update({ fingerprint, response_status: null, response_body: null, booking_id: null, created_at: now });
      return undefined;
    }
    return existing;
  }

  async storeIdempotentResponse(trx: Tx, tenantId: string, key: string, status: number, body: unknown, bookingId: string | null): Promise<void> {
    await trx('booking_idempotency')
      .where({ tenant_id: tenantId, key })
      .update({ response_status: status, response_body: JSON.stringify(body), booking_id: bookingId });
  }

  // ------------------------------------------------------------------ settings

  async getSettings(trx: Tx, tenantId: string): Promise<SettingsRow> {
    return this.settingsOf((await this.settingsQuery(trx, tenantId)) as SettingsRow[]);
  }

  /** `getSettings` as a query not yet run. */
  settingsQuery(knex: Knex, tenantId: string): ReadQuery<SettingsRow[]> {
    return knex('booking_settings').where({ tenant_id: tenantId }).select('reminder_offsets_minutes', 'notification_email').limit(1) as unknown as ReadQuery<SettingsRow[]>;
  }

  settingsOf(rows: SettingsRow[]): SettingsRow {
    return rows[0] ?? { reminder_offsets_minutes: DEFAULT_REMINDER_OFFSETS, notification_email: null };
  }

  async putSettings(trx: Tx, tenantId: string, settings: SettingsRow): Promise<SettingsRow> {
    const [row] = await trx('booking_settings')
      .insert({ tenant_id: tenantId, ...settings, updated_at: trx.fn.now() })
      .onConflict('tenant_id')
      .merge()
      .returning(['reminder_offsets_minutes', 'notification_email']);
    return row as SettingsRow;
  }

  // ------------------------------------------------------------------ notifications (tenant side)

  async insertNotifications(trx: Tx, tenantId: string, list: NewNotification[]): Promise<void> {
    if (list.length === 0) return;
    await NotificationModel.query(trx).insert(
      list.map((n) => ({
        tenant_id: tenantId,
        booking_id: n.bookingId,
        kind: n.kind,
        offset_minutes: n.offsetMinutes ?? null,
        payload: n.payload ?? {},
        due_at: n.dueAt,
        next_attempt_at: n.dueAt,
      })),
    );
  }

  /** Reminders not yet handed to a sender are void after a cancel or a move (a claimed one is re-checked before sending). */
  async cancelPendingReminders(trx: Tx, tenantId: string, bookingId: string): Promise<number> {
    return trx('booking_notifications')
      .where({ tenant_id: tenantId, booking_id: bookingId, kind: 'reminder', status: 'pending' })
      .update({ status: 'cancelled', updated_at: trx.fn.now() });
  }

  async listNotifications(
    trx: Tx,
    tenantId: string,
    filter: { status?: NotificationStatus; kind?: NotificationKind; bookingId?: string; after?: { dueAt: Date; id: string }; limit: number },
  ): Promise<NotificationRow[]> {
    const q = NotificationModel.query(trx).where({ tenant_id: tenantId });
    if (filter.status) q.where('status', filter.status);
    if (filter.kind) q.where('kind', filter.kind);
    if (filter.bookingId) q.where('booking_id', filter.bookingId);
    if (filter.after) q.whereRaw('(due_at, id) > (?::timestamptz, ?::uuid)', [filter.after.dueAt.toISOString(), filter.after.id]);
    return q.orderBy([{ column: 'due_at' }, { column: 'id' }]).limit(filter.limit);
  }

  /** A dead notification goes back to the queue (merchant's retry). */
  async requeueNotification(trx: Tx, tenantId: string, id: string, now: Date): Promise<NotificationRow | undefined> {
    const [row] = await NotificationModel.query(trx)
      .where({ tenant_id: tenantId, id, status: 'dead' })
      .patch({ status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, updated_at: trx.fn.now() })
      .returning('*');
    return row;
  }
}
