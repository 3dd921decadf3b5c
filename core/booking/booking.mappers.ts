import { toZonedIso } from './availability.ts';
import type { BookingView, NotificationRow, ResourceRow, ServiceRow } from './booking.repository.ts';
import type { BookingBody, NotificationBody, ResourceBody, ServiceBody } from './booking.schema.ts';
import { priceOf } from './booking.service.ts';

/** Booking rows as the merchant API's wire bodies (core/booking/booking.schema.ts). */

const iso = (d: Date) => d.toISOString();

export function serviceBody(s: ServiceRow, resourceIds: string[]): ServiceBody {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    durationMinutes: s.duration_minutes,
    bufferBeforeMinutes: s.buffer_before_minutes,
    bufferAfterMinutes: s.buffer_after_minutes,
    capacity: s.capacity,
    locationType: s.location_type,
    location: s.location,
    minNoticeMinutes: s.min_notice_minutes,
    maxAdvanceDays: s.max_advance_days,
    slotStepMinutes: s.slot_step_minutes,
    price: priceOf(s) ?? null,
    position: s.position,
    resourceIds,
    createdAt: iso(s.created_at),
    updatedAt: iso(s.updated_at),
  };
}

export function resourceBody(r: ResourceRow, serviceIds: string[]): ResourceBody {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    serviceIds,
    timeZone: r.time_zone,
    weeklyHours: r.weekly_hours as ResourceBody['weeklyHours'],
    position: r.position,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function bookingBody(b: BookingView, zone: string): BookingBody {
  const at = (d: Date | null) => (d ? toZonedIso(d, zone) : null);
  return {
    id: b.id,
    status: b.status,
    serviceId: b.service_id,
    serviceName: b.service_name,
    resourceId: b.resource_id,
    resourceName: b.resource_name,
    start: toZonedIso(b.start_at, zone),
    end: toZonedIso(b.end_at, zone),
    seats: b.seats,
    customer: { name: b.customer_name, email: b.customer_email, phone: b.customer_phone },
    notes: b.notes,
    customerTimeZone: b.time_zone,
    locale: b.locale,
    source: b.source,
    conversationId: b.conversation_id,
    cancelledAt: at(b.cancelled_at),
    cancelledBy: b.cancelled_by,
    cancelReason: b.cancel_reason,
    noShowAt: at(b.no_show_at),
    createdAt: toZonedIso(b.created_at, zone),
    updatedAt: toZonedIso(b.updated_at, zone),
  };
}

export function notificationBody(n: NotificationRow): NotificationBody {
  return {
    id: n.id,
    bookingId: n.booking_id,
    kind: n.kind,
    offsetMinutes: n.offset_minutes,
    status: n.status,
    dueAt: iso(n.due_at),
    attempts: n.attempts,
    nextAttemptAt: iso(n.next_attempt_at),
    lastError: n.last_error,
    sentAt: n.sent_at ? iso(n.sent_at) : null,
    createdAt: iso(n.created_at),
  };
}
