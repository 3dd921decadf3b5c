import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../accounts/auth-context.ts';
import { authOf } from '../accounts/auth-context.ts';
import type { HttpModule } from '../http/app.ts';
import { HttpProblem, problems } from '../http/problem.ts';
import { defineRoute, reply, type RouteDef } from '../http/route.ts';
import {
  AvailabilityQuerySchema,
  AvailabilityResponseSchema,
  CreateBookingRequestSchema,
  CreateBookingResponseSchema,
  IdempotencyKeySchema,
  ListServicesResponseSchema,
  SlotTakenProblemSchema,
} from '../wire/widget.ts';
import { parseDateOrInstant, TimeInputError, toZonedIso } from './availability.ts';
import { BookingError } from './booking.errors.ts';
import type { BookingView, NotificationRow, ResourceRow, ServiceRow } from './booking.repository.ts';
import {
  BookingGetQuerySchema,
  BookingListQuerySchema,
  BookingListSchema,
  BookingSchema,
  BookingSettingsSchema,
  CancelBookingSchema,
  HolidayListSchema,
  HolidayParamsSchema,
  HolidayPutSchema,
  HolidaySchema,
  IdParamsSchema,
  MerchantAvailabilityQuerySchema,
  MerchantAvailabilitySchema,
  NotificationListQuerySchema,
  NotificationListSchema,
  NotificationSchema,
  OverrideListSchema,
  OverrideParamsSchema,
  OverridePutSchema,
  OverrideSchema,
  RangeQuerySchema,
  RescheduleBookingSchema,
  ResourceCreateSchema,
  ResourceListSchema,
  ResourcePatchSchema,
  ResourceSchema,
  ServiceCreateSchema,
  ServiceListSchema,
  ServicePatchSchema,
  ServiceSchema,
  type BookingBody,
  type NotificationBody,
  type ResourceBody,
  type ServiceBody,
} from './booking.schema.ts';
import { fingerprintOf, MAX_AVAILABILITY_SPAN_MS, type BookingService } from './booking.service.ts';
import type { BookingAdmin } from './booking-admin.service.ts';

/**
 * HTTP surface of booking (design.md §10, issue #5): the merchant API under /api/v1 and the
 * widget API under /widget/v1 (shapes from core/wire/widget.ts). The widget's visitor
 * authentication and CORS belong to the chat module and are injected (`WidgetAccess`).
 */

/** Who is calling a widget route, as the visitor-token guard established it. */
export interface WidgetVisitor {
  tenantId: string;
  botId?: string | undefined;
  visitorId?: string | undefined;
  conversationId?: string | undefined;
}

export interface WidgetAccess {
  /** Authenticates the visitor token (answers 401 itself otherwise). */
  guard: RequestHandler;
  visitorOf(req: Request): WidgetVisitor;
}

export interface BookingRoutesDeps {
  service: BookingService;
  admin: BookingAdmin;
  auth: Authenticator;
  widget?: WidgetAccess | undefined;
}

// ---------------------------------------------------------------- mapping rows to wire bodies

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
    price: s.price_cents === null || s.currency === null ? null : { amount: (Number(s.price_cents) / 100).toFixed(2), currency: s.currency },
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

// ---------------------------------------------------------------- errors

const slotTaken = (alternatives: { start: Date; end: Date }[], zone: string) =>
  new HttpProblem(409, 'slot-taken', 'Slot taken', 'This time is taken. Pick one of the alternatives or another time.', {
    alternatives: alternatives.map((a) => ({ start: toZonedIso(a.start, zone), end: toZonedIso(a.end, zone) })),
  });

/** A booking error as the problem a client can act on; `notFoundAs422` for ids that came in a body. */
export function bookingProblem(error: unknown, options: { zone: string; bodyIds?: boolean } = { zone: 'UTC' }): unknown {
  if (error instanceof TimeInputError) return problems.validation([{ path: 'query', message: error.message }]);
  if (!(error instanceof BookingError)) return error;
  const field = error.details.field;
  switch (error.code) {
    case 'SERVICE_NOT_FOUND':
    case 'RESOURCE_NOT_FOUND':
      return options.bodyIds && field ? problems.validation([{ path: `body.${field}`, message: error.message }]) : problems.notFound(error.message);
    case 'BOOKING_NOT_FOUND':
      return problems.notFound(error.message);
    case 'NOT_BOOKABLE':
      return problems.validation([{ path: `body.${field ?? 'start'}`, message: error.message }], 'This time cannot be booked; see `errors`.');
    case 'SLOT_TAKEN':
      return slotTaken(error.details.alternatives ?? [], options.zone);
    case 'IDEMPOTENCY_MISMATCH':
      return new HttpProblem(422, 'idempotency-mismatch', 'Idempotency-Key reused with a different body', error.message);
    case 'NOT_CHANGEABLE':
      return new HttpProblem(409, 'not-changeable', 'Booking cannot change', error.message);
    case 'INVALID':
      return problems.validation(error.details.fields ?? [{ path: field ? `body.${field}` : 'body', message: error.message }]);
  }
}

function readWindow(from: string, to: string, zone: string): { from: Date; to: Date } {
  try {
    return { from: parseDateOrInstant(from, zone, 'start'), to: parseDateOrInstant(to, zone, 'end') };
  } catch (error) {
    if (error instanceof TimeInputError) throw problems.validation([{ path: `query.${error.value === from ? 'from' : 'to'}`, message: error.message }]);
    throw error;
  }
}

function encodeCursor(parts: [string, string]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (Number.isNaN(date.getTime()) || !z.uuid().safeParse(id).success) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw problems.validation([{ path: 'query.cursor', message: 'is not a cursor this API returned' }]);
  }
}

// ---------------------------------------------------------------- the module

export function bookingHttpModule(deps: BookingRoutesDeps): HttpModule {
  return { name: 'booking', routes: [...merchantRoutes(deps), ...(deps.widget ? widgetRoutes(deps.service, deps.widget) : [])] };
}

function merchantRoutes({ service, admin, auth }: BookingRoutesDeps): RouteDef[] {
  const security = ['bearer'];
  const tags = ['booking'];
  const zoneOf = async (tenantId: string, requested?: string) => requested ?? (await service.tenantInfo(tenantId)).timeZone;
  const mapped = async <T>(work: () => Promise<T>, zone = 'UTC'): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw bookingProblem(error, { zone, bodyIds: true });
    }
  };

  return [
    // ------------------------------------------------ services
    defineRoute({
      method: 'post',
      path: '/api/v1/services',
      summary: 'Create a bookable service',
      tags,
      security,
      body: ServiceCreateSchema,
      before: [auth.require('services:write')],
      responses: { 201: { description: 'Created', schema: ServiceSchema } },
      handler: async ({ body, req }) => reply(201, serviceBody(await service.createService(authOf(req).tenantId, body), [])),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/services',
      summary: 'List services (not archived), in the merchant\'s order',
      tags,
      security,
      before: [auth.require('services:read')],
      responses: { 200: { description: 'Services', schema: ServiceListSchema } },
      handler: async ({ req }) => ({ items: (await service.listServices(authOf(req).tenantId)).map((s) => serviceBody(s.service, s.resourceIds)), nextCursor: null }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/services/:id',
      summary: 'Get a service',
      tags,
      security,
      params: IdParamsSchema,
      before: [auth.require('services:read')],
      responses: { 200: { description: 'The service', schema: ServiceSchema } },
      handler: async ({ params, req }) => {
        const found = await service.getService(authOf(req).tenantId, params.id);
        if (!found) throw problems.notFound('No service with this id in this store.');
        return serviceBody(found.service, found.resourceIds);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/services/:id',
      summary: 'Change a service (existing bookings keep their times)',
      tags,
      security,
      params: IdParamsSchema,
      body: ServicePatchSchema,
      before: [auth.require('services:write')],
      responses: { 200: { description: 'The service', schema: ServiceSchema } },
      handler: async ({ params, body, req }) => {
        const tenantId = authOf(req).tenantId;
        const row = await service.updateService(tenantId, params.id, body);
        if (!row) throw problems.notFound('No service with this id in this store.');
        return serviceBody(row, (await service.getService(tenantId, params.id))?.resourceIds ?? []);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/services/:id',
      summary: 'Archive a service: no new bookings; existing bookings stay (cancel them separately)',
      tags,
      security,
      params: IdParamsSchema,
      before: [auth.require('services:write')],
      responses: { 204: { description: 'Archived' } },
      handler: async ({ params, req }) => {
        if (!(await service.archiveService(authOf(req).tenantId, params.id))) throw problems.notFound('No service with this id in this store.');
        return reply(204);
      },
    }),

    // ------------------------------------------------ resources
    defineRoute({
      method: 'post',
      path: '/api/v1/resources',
      summary: 'Create a resource (staff member or room) with weekly hours in its zone',
      tags,
      security,
      body: ResourceCreateSchema,
      before: [auth.require('services:write')],
      responses: { 201: { description: 'Created', schema: ResourceSchema } },
      handler: async ({ body, req }) => {
        const created = await mapped(() => service.createResource(authOf(req).tenantId, body));
        return reply(201, resourceBody(created.resource, created.serviceIds));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/resources',
      summary: 'List resources (not archived)',
      tags,
      security,
      before: [auth.require('services:read')],
      responses: { 200: { description: 'Resources', schema: ResourceListSchema } },
      handler: async ({ req }) => ({ items: (await service.listResources(authOf(req).tenantId)).map((r) => resourceBody(r.resource, r.serviceIds)), nextCursor: null }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/resources/:id',
      summary: 'Get a resource',
      tags,
      security,
      params: IdParamsSchema,
      before: [auth.require('services:read')],
      responses: { 200: { description: 'The resource', schema: ResourceSchema } },
      handler: async ({ params, req }) => {
        const found = await service.getResource(authOf(req).tenantId, params.id);
        if (!found) throw problems.notFound('No resource with this id in this store.');
        return resourceBody(found.resource, found.serviceIds);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/resources/:id',
      summary: 'Change a resource (hours, services, zone); existing bookings stay',
      tags,
      security,
      params: IdParamsSchema,
      body: ResourcePatchSchema,
      before: [auth.require('services:write')],
      responses: { 200: { description: 'The resource', schema: ResourceSchema } },
      handler: async ({ params, body, req }) => {
        const updated = await mapped(() => service.updateResource(authOf(req).tenantId, params.id, body));
        if (!updated) throw problems.notFound('No resource with this id in this store.');
        return resourceBody(updated.resource, updated.serviceIds);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/resources/:id',
      summary: 'Archive a resource: it takes no new bookings; existing bookings stay',
      tags,
      security,
      params: IdParamsSchema,
      before: [auth.require('services:write')],
      responses: { 204: { description: 'Archived' } },
      handler: async ({ params, req }) => {
        if (!(await service.archiveResource(authOf(req).tenantId, params.id))) throw problems.notFound('No resource with this id in this store.');
        return reply(204);
      },
    }),

    // ------------------------------------------------ overrides and holidays
    defineRoute({
      method: 'get',
      path: '/api/v1/resources/:id/overrides',
      summary: 'Date overrides of a resource (optionally from/to dates, inclusive)',
      tags,
      security,
      params: IdParamsSchema,
      query: RangeQuerySchema,
      before: [auth.require('services:read')],
      responses: { 200: { description: 'Overrides', schema: OverrideListSchema } },
      handler: async ({ params, query, req }) => {
        const items = await mapped(() => admin.listOverrides(authOf(req).tenantId, params.id, query.from, query.to));
        return { items: items.map((o) => ({ resourceId: o.resource_id, date: o.day, intervals: o.intervals, note: o.note })), nextCursor: null };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/resources/:id/overrides/:date',
      summary: 'Set the hours of one local date (replacing the weekly hours); [] closes the day',
      tags,
      security,
      params: OverrideParamsSchema,
      body: OverridePutSchema,
      before: [auth.require('services:write')],
      responses: { 200: { description: 'The override', schema: OverrideSchema } },
      handler: async ({ params, body, req }) => {
        const o = await mapped(() => admin.putOverride(authOf(req).tenantId, params.id, params.date, body.intervals, body.note ?? null));
        return { resourceId: o.resource_id, date: o.day, intervals: o.intervals, note: o.note };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/resources/:id/overrides/:date',
      summary: 'Remove a date override (the weekly hours apply again)',
      tags,
      security,
      params: OverrideParamsSchema,
      before: [auth.require('services:write')],
      responses: { 204: { description: 'Removed' } },
      handler: async ({ params, req }) => {
        if (!(await admin.deleteOverride(authOf(req).tenantId, params.id, params.date))) throw problems.notFound('No override for this date.');
        return reply(204);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/holidays',
      summary: 'Store-wide closed days',
      tags,
      security,
      query: RangeQuerySchema,
      before: [auth.require('services:read')],
      responses: { 200: { description: 'Holidays', schema: HolidayListSchema } },
      handler: async ({ query, req }) => ({ items: (await admin.listHolidays(authOf(req).tenantId, query.from, query.to)).map((h) => ({ date: h.day, name: h.name })), nextCursor: null }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/holidays/:date',
      summary: 'Close the store on a local date (a resource\'s own override for that date still applies)',
      tags,
      security,
      params: HolidayParamsSchema,
      body: HolidayPutSchema,
      before: [auth.require('services:write')],
      responses: { 200: { description: 'The holiday', schema: HolidaySchema } },
      handler: async ({ params, body, req }) => {
        const h = await admin.putHoliday(authOf(req).tenantId, params.date, body.name ?? null);
        return { date: h.day, name: h.name };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/holidays/:date',
      summary: 'Open the store again on a date',
      tags,
      security,
      params: HolidayParamsSchema,
      before: [auth.require('services:write')],
      responses: { 204: { description: 'Removed' } },
      handler: async ({ params, req }) => {
        if (!(await admin.deleteHoliday(authOf(req).tenantId, params.date))) throw problems.notFound('No holiday on this date.');
        return reply(204);
      },
    }),

    // ------------------------------------------------ availability (merchant view)
    defineRoute({
      method: 'get',
      path: '/api/v1/availability',
      summary: 'Free slots of a service with the resources free at each (merchant view)',
      tags,
      security,
      query: MerchantAvailabilityQuerySchema,
      before: [auth.require('bookings:read')],
      responses: { 200: { description: 'Slots', schema: MerchantAvailabilitySchema } },
      handler: async ({ query, req }) => {
        const tenantId = authOf(req).tenantId;
        const zone = await zoneOf(tenantId, query.timeZone);
        const window = readWindow(query.from, query.to, zone);
        checkSpan(window);
        let slots;
        try {
          ({ slots } = await service.availability(tenantId, query.serviceId, window));
        } catch (error) {
          throw bookingProblem(error, { zone });
        }
        return { timeZone: zone, slots: slots.map((s) => ({ start: toZonedIso(s.start, zone), end: toZonedIso(s.end, zone), resourceIds: s.resourceIds, seatsLeft: s.seatsLeft })) };
      },
    }),

    // ------------------------------------------------ bookings
    defineRoute({
      method: 'get',
      path: '/api/v1/bookings',
      summary: 'Bookings by start time (from inclusive, to exclusive; a date means that whole local day), keyset-paginated',
      tags,
      security,
      query: BookingListQuerySchema,
      before: [auth.require('bookings:read')],
      responses: { 200: { description: 'Bookings', schema: BookingListSchema } },
      handler: async ({ query, req }) => {
        const tenantId = authOf(req).tenantId;
        const zone = await zoneOf(tenantId, query.timeZone);
        let from: Date | undefined;
        let to: Date | undefined;
        try {
          if (query.from) from = parseDateOrInstant(query.from, zone, 'start');
          if (query.to) to = parseDateOrInstant(query.to, zone, 'end');
        } catch (error) {
          throw bookingProblem(error);
        }
        const after = query.cursor ? decodeCursor(query.cursor) : undefined;
        const rows = await service.listBookings(tenantId, {
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.serviceId ? { serviceId: query.serviceId } : {}),
          ...(query.resourceId ? { resourceId: query.resourceId } : {}),
          ...(after ? { after: { start: after.at, id: after.id } } : {}),
          limit: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return { items: page.map((b) => bookingBody(b, zone)), nextCursor: rows.length > query.limit && last ? encodeCursor([last.start_at.toISOString(), last.id]) : null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/bookings/:id',
      summary: 'Get a booking',
      tags,
      security,
      params: IdParamsSchema,
      query: BookingGetQuerySchema,
      before: [auth.require('bookings:read')],
      responses: { 200: { description: 'The booking', schema: BookingSchema } },
      handler: async ({ params, query, req }) => {
        const tenantId = authOf(req).tenantId;
        const b = await service.getBooking(tenantId, params.id);
        if (!b) throw problems.notFound('No booking with this id in this store.');
        return bookingBody(b, await zoneOf(tenantId, query.timeZone));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/bookings/:id/cancel',
      summary: 'Cancel a booking (mails the customer unless notifyCustomer is false); cancelling twice is harmless',
      tags,
      security,
      params: IdParamsSchema,
      body: CancelBookingSchema,
      before: [auth.require('bookings:write')],
      responses: { 200: { description: 'The booking', schema: BookingSchema }, 409: { description: 'Cannot be cancelled (e.g. marked no-show)' } },
      handler: async ({ params, body, req }) => {
        const tenantId = authOf(req).tenantId;
        await mapped(() => service.cancel(tenantId, params.id, { by: 'merchant', reason: body.reason, notify: body.notifyCustomer }));
        return bookingBody((await service.getBooking(tenantId, params.id))!, await zoneOf(tenantId));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/bookings/:id/reschedule',
      summary: 'Move a booking to another free start; 409 with alternatives when taken',
      tags,
      security,
      params: IdParamsSchema,
      body: RescheduleBookingSchema,
      before: [auth.require('bookings:write')],
      responses: { 200: { description: 'The booking', schema: BookingSchema }, 409: { description: 'Taken, or the booking cannot move', schema: SlotTakenProblemSchema } },
      handler: async ({ params, body, req }) => {
        const tenantId = authOf(req).tenantId;
        const zone = await zoneOf(tenantId);
        await mapped(() => service.reschedule(tenantId, params.id, { start: new Date(body.start), resourceId: body.resourceId, by: 'merchant', notify: body.notifyCustomer }), zone);
        return bookingBody((await service.getBooking(tenantId, params.id))!, zone);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/bookings/:id/no-show',
      summary: 'Mark a booking whose time has come as a no-show',
      tags,
      security,
      params: IdParamsSchema,
      before: [auth.require('bookings:write')],
      responses: { 200: { description: 'The booking', schema: BookingSchema }, 409: { description: 'Not started yet, or cancelled' } },
      handler: async ({ params, req }) => {
        const tenantId = authOf(req).tenantId;
        await mapped(() => service.markNoShow(tenantId, params.id));
        return bookingBody((await service.getBooking(tenantId, params.id))!, await zoneOf(tenantId));
      },
    }),

    // ------------------------------------------------ settings and the outbox
    defineRoute({
      method: 'get',
      path: '/api/v1/booking-settings',
      summary: 'Reminder policy and where booking notes go',
      tags,
      security,
      before: [auth.require('services:read')],
      responses: { 200: { description: 'Settings', schema: BookingSettingsSchema } },
      handler: async ({ req }) => admin.getSettings(authOf(req).tenantId),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/booking-settings',
      summary: 'Set the reminder policy (applies to bookings made or moved from now on) and the notification address',
      tags,
      security,
      body: BookingSettingsSchema,
      before: [auth.require('services:write')],
      responses: { 200: { description: 'Settings', schema: BookingSettingsSchema } },
      handler: async ({ body, req }) => admin.putSettings(authOf(req).tenantId, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/reminders',
      summary: 'Booking mails in the outbox (reminders, confirmations, ...); ?status=dead lists the dead letters',
      tags,
      security,
      query: NotificationListQuerySchema,
      before: [auth.require('bookings:read')],
      responses: { 200: { description: 'Outbox rows', schema: NotificationListSchema } },
      handler: async ({ query, req }) => {
        const after = query.cursor ? decodeCursor(query.cursor) : undefined;
        const rows = await admin.listNotifications(authOf(req).tenantId, {
          ...(query.status ? { status: query.status } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.bookingId ? { bookingId: query.bookingId } : {}),
          ...(after ? { after: { dueAt: after.at, id: after.id } } : {}),
          limit: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return { items: page.map(notificationBody), nextCursor: rows.length > query.limit && last ? encodeCursor([last.due_at.toISOString(), last.id]) : null };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/reminders/:id/retry',
      summary: 'Put a dead booking mail back in the queue',
      tags,
      security,
      params: IdParamsSchema,
      before: [auth.require('bookings:write')],
      responses: { 200: { description: 'Queued', schema: NotificationSchema }, 404: { description: 'No dead mail with this id' } },
      handler: async ({ params, req }) => {
        const row = await admin.retryNotification(authOf(req).tenantId, params.id);
        if (!row) throw problems.notFound('No dead booking mail with this id in this store.');
        return notificationBody(row);
      },
    }),
  ];
}

function checkSpan(window: { from: Date; to: Date }): void {
  if (window.to.getTime() < window.from.getTime()) throw problems.validation([{ path: 'query.to', message: 'must not be before from' }]);
  if (window.to.getTime() - window.from.getTime() > MAX_AVAILABILITY_SPAN_MS) throw problems.validation([{ path: 'query.to', message: 'the range spans at most 62 days' }]);
}

function acceptLanguage(req: Request): string | undefined {
  const header = req.headers['accept-language'];
  if (typeof header !== 'string') return undefined;
  const first = header.split(',')[0]?.trim().split(';')[0];
  return first && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(first) ? first : undefined;
}

function widgetRoutes(service: BookingService, widget: WidgetAccess): RouteDef[] {
  const security = ['visitor'];
  const tags = ['widget'];
  const problemResponse = (description: string) => ({ description, schema: z.object({}).loose() });

  return [
    defineRoute({
      method: 'get',
      path: '/widget/v1/services',
      summary: 'Services the shopper can book, in the merchant\'s order',
      tags,
      security,
      before: [widget.guard],
      responses: { 200: { description: 'Services', schema: ListServicesResponseSchema } },
      handler: async ({ req }) => ({ items: await service.listBookableServices(widget.visitorOf(req).tenantId), nextCursor: null }),
    }),
    defineRoute({
      method: 'get',
      path: '/widget/v1/availability',
      summary: 'Free slots of a service between two dates, in the shopper\'s zone (at most 62 days)',
      tags,
      security,
      query: AvailabilityQuerySchema,
      before: [widget.guard],
      responses: { 200: { description: 'Free slots, ascending', schema: AvailabilityResponseSchema }, 404: problemResponse('Unknown service') },
      handler: async ({ query, req }) => {
        const tenantId = widget.visitorOf(req).tenantId;
        const zone = query.timeZone ?? (await service.tenantInfo(tenantId)).timeZone;
        const window = readWindow(query.from, query.to, zone);
        checkSpan(window);
        try {
          const { slots } = await service.availability(tenantId, query.serviceId, window);
          return { timeZone: zone, slots: slots.map((s) => ({ start: toZonedIso(s.start, zone), end: toZonedIso(s.end, zone) })) };
        } catch (error) {
          throw bookingProblem(error, { zone });
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/widget/v1/bookings',
      summary: 'Book a slot. Needs Idempotency-Key: a repeat gets the first answer; a taken slot gets 409 with alternatives',
      tags,
      security,
      body: CreateBookingRequestSchema,
      before: [widget.guard],
      responses: {
        201: { description: 'Booked', schema: CreateBookingResponseSchema },
        409: { description: 'Taken: the nearest free slots', schema: SlotTakenProblemSchema, contentType: 'application/problem+json' },
      },
      handler: async ({ body, req }) => {
        const key = IdempotencyKeySchema.safeParse(req.headers['idempotency-key']);
        if (!key.success) throw problems.badRequest('An Idempotency-Key header (8-128 characters of A-Z, a-z, 0-9, _ and -) is required.');
        const visitor = widget.visitorOf(req);
        const zone = body.timeZone ?? (await service.tenantInfo(visitor.tenantId)).timeZone;
        // Attribute the booking only to the visitor's own conversation.
        const conversationId = body.conversationId && body.conversationId === visitor.conversationId ? body.conversationId : undefined;
        const locale = acceptLanguage(req);
        try {
          const answer = await service.bookIdempotently(
            {
              tenantId: visitor.tenantId,
              serviceId: body.serviceId,
              start: body.start,
              customer: body.customer,
              notes: body.notes,
              timeZone: body.timeZone,
              locale,
              conversationId,
              botId: visitor.botId,
              visitorId: visitor.visitorId,
            },
            key.data,
            fingerprintOf(body),
          );
          const headers: Record<string, string> = answer.replayed ? { 'Idempotent-Replayed': 'true' } : {};
          if (answer.status === 409) headers['Content-Type'] = 'application/problem+json';
          return reply(answer.status, answer.body, headers);
        } catch (error) {
          throw bookingProblem(error, { zone, bodyIds: true });
        }
      },
    }),
  ];
}
