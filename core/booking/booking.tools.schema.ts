/**
 * Booking's chat tools as the model sees them (list_services, find_slots, propose_booking):
 * arguments and results. Implementations: booking.tools.ts. Pure module, so model adapters may import it.
 */
import { z } from 'zod';
import { defineToolContract } from '../kernel/tool-contract.ts';
import { IsoDateTimeSchema, MoneySchema, SlotSchema } from '../wire/shapes.ts';

export const ServiceSchema = z.object({
  id: z.string(),
  name: z.string(),
  durationMinutes: z.number().int().positive(),
  description: z.string().optional(),
  price: MoneySchema.optional(),
});
export type Service = z.infer<typeof ServiceSchema>;

export const listServicesTool = defineToolContract({
  name: 'list_services',
  description: 'List the appointments that can be booked (consultations, fittings, repairs, classes).',
  args: z.object({}),
  result: z.object({ items: z.array(ServiceSchema) }),
});

export const findSlotsTool = defineToolContract({
  name: 'find_slots',
  description: 'Find free times for one service. Show the shopper a few and let them choose.',
  args: z.object({
    serviceId: z.string().min(1).describe('Service id from list_services.'),
    from: z.string().optional().describe('First day to search: a date (YYYY-MM-DD) or ISO date-time; default today.'),
    days: z.number().int().min(1).max(60).optional().describe('How many days to search (default 7).'),
  }),
  result: z.object({
    serviceId: z.string(),
    /** Zone the slots are expressed in (the shopper's when known, else the tenant's); offsets match it. */
    timeZone: z.string(),
    slots: z.array(SlotSchema),
  }),
});

export const proposeBookingTool = defineToolContract({
  name: 'propose_booking',
  description: 'Propose a booking for a slot the shopper chose. It shows a card the shopper must confirm; it does not book by itself.',
  args: z.object({
    serviceId: z.string().min(1),
    start: IsoDateTimeSchema.describe('Start of a slot exactly as returned by find_slots.'),
  }),
  result: z.object({
    proposal: z.object({ serviceId: z.string(), serviceName: z.string(), start: IsoDateTimeSchema, end: IsoDateTimeSchema, timeZone: z.string() }),
  }),
});

export type ListServicesResult = z.infer<typeof listServicesTool.result>;
export type FindSlotsArgs = z.infer<typeof findSlotsTool.args>;
export type FindSlotsResult = z.infer<typeof findSlotsTool.result>;
export type ProposeBookingArgs = z.infer<typeof proposeBookingTool.args>;
export type ProposeBookingResult = z.infer<typeof proposeBookingTool.result>;
