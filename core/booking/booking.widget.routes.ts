import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { problems } from '../http/problem.ts';
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
import { toZonedIso } from './availability.ts';
import { bookingProblem, checkSpan, readWindow } from './booking.problems.ts';
import { fingerprintOf, type BookingService } from './booking.service.ts';

/**
 * The shopper's booking API under /widget/v1 (shapes from core/wire/widget.ts). The widget's visitor
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

function acceptLanguage(req: Request): string | undefined {
  const header = req.headers['accept-language'];
  if (typeof header !== 'string') return undefined;
  const first = header.split(',')[0]?.trim().split(';')[0];
  return first && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(first) ? first : undefined;
}

export function widgetRoutes(service: BookingService, widget: WidgetAccess): RouteDef[] {
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
        // The widget's own tag first (what the shopper saw the slot in), then the browser's.
        const locale = body.locale ?? acceptLanguage(req);
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
