import { Model, type Pojo } from 'objection';
import type { WeeklyHours } from './availability.ts';

/**
 * objection models of booking's tables (migrations/20261122T0905_create_booking.ts): the one
 * definition of each row, and the mapping between a row and the database (JSON columns, the
 * `occupied` range). No model is bound to a knex instance: a query is always
 * `XModel.query(trx)` with the caller's unit of work (`db.tenant(...)`), so the tenant setting
 * and forced row-level security of that transaction apply — there is no global connection to fall back on.
 */

export type BookingStatus = 'confirmed' | 'cancelled' | 'no_show';
export type BookingSource = 'widget' | 'chat' | 'merchant';
export type NotificationKind = 'confirmation' | 'merchant_notice' | 'cancellation' | 'reschedule' | 'reminder';
export type NotificationStatus = 'pending' | 'claimed' | 'sent' | 'dead' | 'cancelled';

export class ServiceModel extends Model {
  static override tableName = 'services';
  static override idColumn = ['tenant_id', 'id'];
  declare tenant_id: string;
  declare id: string;
  declare name: string;
  declare description: string | null;
  declare duration_minutes: number;
  declare buffer_before_minutes: number;
  declare buffer_after_minutes: number;
  declare capacity: number;
  declare location_type: 'in_person' | 'online';
  declare location: string | null;
  declare min_notice_minutes: number;
  declare max_advance_days: number;
  declare slot_step_minutes: number | null;
  declare price_cents: number | null;
  declare currency: string | null;
  declare position: number;
  declare archived_at: Date | null;
  declare created_at: Date;
  declare updated_at: Date;
}

export class ResourceModel extends Model {
  static override tableName = 'resources';
  static override idColumn = ['tenant_id', 'id'];
  /** jsonb: written as JSON text (the pg driver would send a JS array as a PostgreSQL array). */
  static override jsonAttributes = ['weekly_hours'];
  declare tenant_id: string;
  declare id: string;
  declare name: string;
  declare kind: 'staff' | 'room';
  declare time_zone: string;
  declare weekly_hours: WeeklyHours;
  declare position: number;
  declare archived_at: Date | null;
  declare created_at: Date;
  declare updated_at: Date;
}

/** A half-open time range, as the `occupied` tstzrange column takes it. */
export interface Occupied {
  start: Date;
  end: Date;
}

export class BookingModel extends Model {
  static override tableName = 'bookings';
  static override idColumn = ['tenant_id', 'id'];
  /** SQL for the occupied range's bounds (Dates), next to the row's columns in a select or a returning list. */
  static occupiedBounds(alias?: string): string {
    const column = alias ? `${alias}.occupied` : 'occupied';
    return `lower(${column}) AS occupied_start, upper(${column}) AS occupied_end`;
  }
  declare tenant_id: string;
  declare id: string;
  declare service_id: string;
  declare resource_id: string;
  declare status: BookingStatus;
  declare start_at: Date;
  declare end_at: Date;
  declare occupied_start: Date;
  declare occupied_end: Date;
  declare share_key: string;
  declare seats: number;
  declare customer_name: string;
  declare customer_email: string;
  declare customer_phone: string | null;
  declare notes: string | null;
  declare time_zone: string;
  declare locale: string;
  declare conversation_id: string | null;
  declare source: BookingSource;
  declare sequence: number;
  declare cancelled_at: Date | null;
  declare cancelled_by: 'shopper' | 'merchant' | null;
  declare cancel_reason: string | null;
  declare no_show_at: Date | null;
  declare created_at: Date;
  declare updated_at: Date;

  /** `occupied: { start, end }` is written as the tstzrange `[start,end)`. */
  override $formatDatabaseJson(json: Pojo): Pojo {
    const row = super.$formatDatabaseJson(json);
    const occupied = row.occupied as Occupied | string | undefined;
    if (occupied && typeof occupied === 'object') row.occupied = `[${occupied.start.toISOString()},${occupied.end.toISOString()})`;
    return row;
  }
}

export class NotificationModel extends Model {
  static override tableName = 'booking_notifications';
  static override idColumn = ['tenant_id', 'id'];
  static override jsonAttributes = ['payload'];
  declare tenant_id: string;
  declare id: string;
  declare booking_id: string;
  declare kind: NotificationKind;
  declare offset_minutes: number | null;
  declare payload: Record<string, unknown>;
  declare due_at: Date;
  declare status: NotificationStatus;
  declare attempts: number;
  declare next_attempt_at: Date;
  declare claimed_by: string | null;
  declare claim_expires_at: Date | null;
  declare last_error: string | null;
  declare sent_at: Date | null;
  declare message_id: string | null;
  declare created_at: Date;
  declare updated_at: Date;
}
