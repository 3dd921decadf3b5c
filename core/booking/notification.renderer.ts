import type { Database } from '../db/database.ts';
import type { OutboxRenderOutcome } from '../mail/outbox-worker.ts';
import {
  bookingConfirmationMail,
  cancellationMail,
  merchantBookingNotice,
  reminderMail,
  rescheduleMail,
  type MailLocale,
  type RenderedMail,
} from './booking-mail.ts';
import type { BookingRepository, BookingView, NotificationRow, ServiceRow } from './booking.repository.ts';
import type { TenantInfo } from './booking.service.ts';
import { bookingIcs } from './ics.ts';

/**
 * Turns one outbox row into the mail to send, from the booking as it is NOW (a reminder after a
 * move shows the new time), or says why there is nothing to send. Reads through `db.tenant`, so
 * row-level security applies to everything a notification can show.
 */

export interface RendererDeps {
  db: Database;
  repo: BookingRepository;
  tenantInfo(tenantId: string): Promise<TenantInfo>;
  /** Owners and admins, when the store set no notification address. */
  merchantRecipients(tenantId: string): Promise<string[]>;
  manageUrl(tenantId: string, bookingId: string): string;
  /** Base URL of the dashboard link in the merchant note. */
  publicUrl: string;
  /** Address the .ics names as organizer when the store has none (the sender address). */
  organizerEmail: string;
}

export type RenderOutcome = OutboxRenderOutcome;

/** Stable per outbox row: a retry after an unknown outcome carries the same Message-ID, so receivers can drop the copy. */
export function notificationMessageId(row: Pick<NotificationRow, 'id'>, publicUrl: string): string {
  let host = 'concierge.local';
  try {
    host = new URL(publicUrl).hostname || host;
  } catch {
    // keep the fallback
  }
  return `<booking-notification.${row.id}@${host}>`;
}

export class NotificationRenderer {
  constructor(private readonly deps: RendererDeps) {}

  async render(row: NotificationRow, now: Date): Promise<RenderOutcome> {
    const { db, repo } = this.deps;
    const loaded = await db.tenant(row.tenant_id, async (trx) => {
      const booking = await repo.getBookingView(trx, row.tenant_id, row.booking_id);
      if (!booking) return undefined;
      const service = (await repo.getService(trx, row.tenant_id, booking.service_id, { includeArchived: true }))!;
      const settings = await repo.getSettings(trx, row.tenant_id);
      return { booking, service, settings };
    });
    if (!loaded) return { skip: 'the booking no longer exists' };
    const { booking, service, settings } = loaded;
    const tenant = await this.deps.tenantInfo(row.tenant_id);
    const headers = { 'Message-ID': notificationMessageId(row, this.deps.publicUrl), 'Auto-Submitted': 'auto-generated' };
    const shopper = this.shopperBase(booking, service, tenant);
    const replyTo = settings.notification_email ?? undefined;
    const organizer = { name: tenant.name, email: settings.notification_email ?? this.deps.organizerEmail };
    const toShopper = (mail: RenderedMail, ics?: 'REQUEST' | 'CANCEL'): RenderOutcome => ({
      send: {
        to: booking.customer_email,
        ...(replyTo ? { replyTo } : {}),
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers,
        tenantId: row.tenant_id,
        ...(ics ? { attachments: [this.ics(booking, service, tenant, organizer, ics, now)] } : {}),
      },
    });

    switch (row.kind) {
      case 'confirmation': {
        if (booking.status === 'cancelled') return { skip: 'cancelled before the confirmation went out' };
        const manageUrl = this.deps.manageUrl(row.tenant_id, booking.id);
        return toShopper(bookingConfirmationMail({ ...shopper, customerName: booking.customer_name, manageUrl, ...(booking.notes ? { notes: booking.notes } : {}) }), 'REQUEST');
      }
      case 'cancellation': {
        const by = row.payload.by === 'merchant' ? 'merchant' : 'shopper';
        return toShopper(
          cancellationMail({ ...shopper, customerName: booking.customer_name, cancelledBy: by, ...(booking.cancel_reason && by === 'merchant' ? { reason: booking.cancel_reason } : {}) }),
          'CANCEL',
        );
      }
      case 'reschedule': {
        if (booking.status !== 'confirmed') return { skip: `the booking is ${booking.status}` };
        const previousStart = new Date(String(row.payload.previousStart));
        const previousEnd = new Date(String(row.payload.previousEnd));
        const manageUrl = this.deps.manageUrl(row.tenant_id, booking.id);
        return toShopper(rescheduleMail({ ...shopper, customerName: booking.customer_name, previousStart, previousEnd, manageUrl }), 'REQUEST');
      }
      case 'reminder': {
        if (booking.status !== 'confirmed') return { skip: `the booking is ${booking.status}` };
        if (String(row.payload.startAt) !== booking.start_at.toISOString()) return { skip: 'the booking moved; its new reminders replace this one' };
        if (booking.start_at.getTime() <= now.getTime()) return { skip: 'the appointment has already started' };
        const manageUrl = this.deps.manageUrl(row.tenant_id, booking.id);
        return toShopper(reminderMail({ ...shopper, customerName: booking.customer_name, manageUrl, offsetMinutes: row.offset_minutes ?? 60 }));
      }
      case 'merchant_notice': {
        const to = settings.notification_email ? [settings.notification_email] : await this.deps.merchantRecipients(row.tenant_id);
        if (to.length === 0) return { skip: 'the store has no address for booking notes' };
        const mail = merchantBookingNotice({
          locale: mailLocaleOf(tenant.locale),
          formatLocale: tenant.locale,
          timeZone: tenant.timeZone,
          storeName: tenant.name,
          serviceName: booking.service_name,
          start: booking.start_at,
          end: booking.end_at,
          resourceName: booking.resource_name,
          ...(service.location ? { location: service.location } : {}),
          customer: { name: booking.customer_name, email: booking.customer_email, ...(booking.customer_phone ? { phone: booking.customer_phone } : {}) },
          ...(booking.notes ? { notes: booking.notes } : {}),
          shopperTimeZone: booking.time_zone,
          dashboardUrl: `${this.deps.publicUrl}/admin`,
          ...(row.payload.event === 'cancelled' ? { event: 'cancelled' as const } : {}),
          ...(row.payload.event === 'rescheduled'
            ? { event: 'rescheduled' as const, previousStart: new Date(String(row.payload.previousStart)), previousEnd: new Date(String(row.payload.previousEnd)) }
            : {}),
        });
        // The shopper is the one to answer.
        return { send: { to, replyTo: booking.customer_email, subject: mail.subject, text: mail.text, html: mail.html, headers, tenantId: row.tenant_id } };
      }
      default:
        return { skip: `unknown kind ${String(row.kind)}` };
    }
  }

  private shopperBase(booking: BookingView, service: ServiceRow, tenant: TenantInfo) {
    return {
      locale: mailLocaleOf(booking.locale),
      // The shopper's full tag; a bare 'en' (older bookings) is en-US, as everywhere (core/wire/datetime.ts).
      formatLocale: booking.locale,
      timeZone: booking.time_zone,
      storeName: tenant.name,
      serviceName: booking.service_name,
      start: booking.start_at,
      end: booking.end_at,
      resourceName: booking.resource_name,
      ...(service.location ? { location: service.location } : {}),
    };
  }

  private ics(booking: BookingView, service: ServiceRow, tenant: TenantInfo, organizer: { name: string; email: string }, method: 'REQUEST' | 'CANCEL', now: Date) {
    let host = 'concierge.local';
    try {
      host = new URL(this.deps.publicUrl).hostname || host;
    } catch {
      // keep the fallback
    }
    const content = bookingIcs({
      uid: `${booking.id}@${host}`,
      start: booking.start_at,
      end: booking.end_at,
      timeZone: booking.time_zone,
      summary: `${booking.service_name} – ${tenant.name}`,
      description: [booking.service_name, booking.resource_name, service.location].filter(Boolean).join('\n'),
      ...(service.location ? { location: service.location } : {}),
      organizer,
      attendee: { name: booking.customer_name, email: booking.customer_email },
      method,
      sequence: booking.sequence,
      stamp: now,
    });
    return {
      filename: method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
      content,
      contentType: `text/calendar; charset=utf-8; method=${method}`,
    };
  }
}

function mailLocaleOf(tag: string): MailLocale {
  return tag.toLowerCase().startsWith('de') ? 'de' : 'en';
}
