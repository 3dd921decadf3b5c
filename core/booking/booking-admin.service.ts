import type { Database } from '../db/database.ts';
import type { LocalInterval } from './availability.ts';
import { BookingError } from './booking.errors.ts';
import type { BookingRepository, HolidayRow, NotificationKind, NotificationRow, NotificationStatus, OverrideRow } from './booking.repository.ts';
import type { BookingSettings } from './booking.schema.ts';

/**
 * The merchant's calendar housekeeping: date overrides, store holidays, the reminder policy and
 * the outbox view (dead letters, retry). Kept apart from BookingService, which owns bookings.
 */
export class BookingAdmin {
  constructor(
    private readonly db: Database,
    private readonly repo: BookingRepository,
    private readonly clock: () => Date = () => new Date(),
    /** Called after a dead mail is queued again, so the worker picks it up at once. */
    private readonly onQueued?: () => void,
  ) {}

  private async requireResource(tenantId: string, resourceId: string): Promise<void> {
    const found = await this.db.tenant(tenantId, (trx) => this.repo.getResource(trx, tenantId, resourceId));
    if (!found) throw new BookingError('RESOURCE_NOT_FOUND', 'no such resource in this store');
  }

  async listOverrides(tenantId: string, resourceId: string, from?: string, to?: string): Promise<OverrideRow[]> {
    await this.requireResource(tenantId, resourceId);
    return this.db.tenant(tenantId, (trx) => this.repo.listOverrides(trx, tenantId, [resourceId], from, to));
  }

  putOverride(tenantId: string, resourceId: string, day: string, intervals: LocalInterval[], note: string | null): Promise<OverrideRow> {
    return this.db.tenant(tenantId, async (trx) => {
      if (!(await this.repo.getResource(trx, tenantId, resourceId))) throw new BookingError('RESOURCE_NOT_FOUND', 'no such resource in this store');
      return this.repo.upsertOverride(trx, tenantId, resourceId, day, intervals, note);
    });
  }

  deleteOverride(tenantId: string, resourceId: string, day: string): Promise<boolean> {
    return this.db.tenant(tenantId, (trx) => this.repo.deleteOverride(trx, tenantId, resourceId, day));
  }

  listHolidays(tenantId: string, from?: string, to?: string): Promise<HolidayRow[]> {
    return this.db.tenant(tenantId, (trx) => this.repo.listHolidays(trx, tenantId, from, to));
  }

  putHoliday(tenantId: string, day: string, name: string | null): Promise<HolidayRow> {
    return this.db.tenant(tenantId, (trx) => this.repo.upsertHoliday(trx, tenantId, day, name));
  }

  deleteHoliday(tenantId: string, day: string): Promise<boolean> {
    return this.db.tenant(tenantId, (trx) => this.repo.deleteHoliday(trx, tenantId, day));
  }

  async getSettings(tenantId: string): Promise<BookingSettings> {
    const row = await this.db.tenant(tenantId, (trx) => this.repo.getSettings(trx, tenantId));
    return { reminderOffsetsMinutes: row.reminder_offsets_minutes, notificationEmail: row.notification_email };
  }

  async putSettings(tenantId: string, settings: BookingSettings): Promise<BookingSettings> {
    const row = await this.db.tenant(tenantId, (trx) =>
      this.repo.putSettings(trx, tenantId, { reminder_offsets_minutes: settings.reminderOffsetsMinutes, notification_email: settings.notificationEmail }),
    );
    return { reminderOffsetsMinutes: row.reminder_offsets_minutes, notificationEmail: row.notification_email };
  }

  listNotifications(
    tenantId: string,
    filter: { status?: NotificationStatus; kind?: NotificationKind; bookingId?: string; after?: { dueAt: Date; id: string }; limit: number },
  ): Promise<NotificationRow[]> {
    return this.db.tenant(tenantId, (trx) => this.repo.listNotifications(trx, tenantId, filter));
  }

  async retryNotification(tenantId: string, id: string): Promise<NotificationRow | undefined> {
    const row = await this.db.tenant(tenantId, (trx) => this.repo.requeueNotification(trx, tenantId, id, this.clock()));
    if (row) this.onQueued?.();
    return row;
  }
}
