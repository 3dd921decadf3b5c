import type { Authenticator } from '../accounts/index.ts';
import { authOf } from '../accounts/index.ts';
import { problems } from '../http/problem.ts';
import { defineRoute, reply, type RouteDef } from '../http/route.ts';
import { decodeKeyset, encodeKeyset } from '../kernel/cursor.ts';
import { SlotTakenProblemSchema } from '../wire/widget.ts';
import { parseDateOrInstant, toZonedIso } from './availability.ts';
import { bookingBody, notificationBody, resourceBody, serviceBody } from './booking.mappers.ts';
import { bookingProblem, checkSpan, readWindow } from './booking.problems.ts';
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
} from './booking.schema.ts';
import type { BookingService } from './booking.service.ts';
import type { BookingAdmin } from './booking-admin.service.ts';

/** The merchant's booking API under /api/v1 (design.md §10, issue #5): services, resources, hours, bookings, reminders. */

export interface MerchantRoutesDeps {
  service: BookingService;
  admin: BookingAdmin;
  auth: Authenticator;
}

export function merchantRoutes({ service, admin, auth }: MerchantRoutesDeps): RouteDef[] {
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
        const after = decodeKeyset('bookings', query.cursor);
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
        return { items: page.map((b) => bookingBody(b, zone)), nextCursor: rows.length > query.limit && last ? encodeKeyset('bookings', last.start_at, last.id) : null };
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
        const after = decodeKeyset('reminders', query.cursor);
        const rows = await admin.listNotifications(authOf(req).tenantId, {
          ...(query.status ? { status: query.status } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.bookingId ? { bookingId: query.bookingId } : {}),
          ...(after ? { after: { dueAt: after.at, id: after.id } } : {}),
          limit: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return { items: page.map(notificationBody), nextCursor: rows.length > query.limit && last ? encodeKeyset('reminders', last.due_at, last.id) : null };
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
