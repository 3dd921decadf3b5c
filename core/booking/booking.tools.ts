import type { ToolContext, ToolOutcome, ToolRegistry } from '../chat/index.ts';
import type { ToolErrorResult } from '../chat/index.ts';
import { findSlotsTool, listServicesTool, proposeBookingTool, type FindSlotsResult, type ListServicesResult, type ProposeBookingResult } from './booking.tools.schema.ts';
import type { BookingProposalCard } from '../wire/widget.ts';
import { parseDateOrInstant, TimeInputError, toZonedIso, type Slot } from './availability.ts';
import { BookingError } from './booking.errors.ts';
import type { BookingService } from './booking.service.ts';

/**
 * The assistant's booking tools (design.md §6): list_services, find_slots, propose_booking.
 * They read availability like the widget does and never book: propose_booking checks that the
 * slot is still free and hands the widget a `booking_proposal` card, which the shopper confirms
 * (the widget then calls POST /widget/v1/bookings itself).
 */

const DEFAULT_DAYS = 7;
/** The model sees a handful per day across the range, not a wall of times. */
const SLOTS_PER_DAY = 4;
const MAX_SLOTS = 16;
const DAY_MS = 86_400_000;

const fail = (code: ToolErrorResult['error']['code'], message: string): ToolOutcome<ToolErrorResult> => ({ result: { error: { code, message } } });

function zoneOf(ctx: ToolContext, fallback: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: ctx.timeZone });
    return ctx.timeZone;
  } catch {
    return fallback;
  }
}

/** At most SLOTS_PER_DAY per local day, MAX_SLOTS in all, in order. */
export function spreadSlots(slots: readonly Slot[], timeZone: string): Slot[] {
  const perDay = new Map<string, number>();
  const out: Slot[] = [];
  for (const s of slots) {
    const day = toZonedIso(s.start, timeZone).slice(0, 10);
    const n = perDay.get(day) ?? 0;
    if (n >= SLOTS_PER_DAY) continue;
    perDay.set(day, n + 1);
    out.push(s);
    if (out.length >= MAX_SLOTS) break;
  }
  return out;
}

export class BookingTools {
  constructor(private readonly service: BookingService) {}

  async listServices(ctx: ToolContext): Promise<ToolOutcome<ListServicesResult>> {
    return { result: { items: await this.service.listBookableServices(ctx.tenantId) } };
  }

  async findSlots(ctx: ToolContext, args: { serviceId: string; from?: string | undefined; days?: number | undefined }): Promise<ToolOutcome<FindSlotsResult | ToolErrorResult>> {
    const zone = zoneOf(ctx, (await this.service.tenantInfo(ctx.tenantId)).timeZone);
    const now = this.service.now();
    let from: Date;
    try {
      from = args.from ? parseDateOrInstant(args.from, zone, 'start') : now;
    } catch (error) {
      if (error instanceof TimeInputError) return fail('INVALID_ARGUMENTS', `from: ${error.message}`);
      throw error;
    }
    if (from.getTime() < now.getTime()) from = now;
    const days = args.days ?? DEFAULT_DAYS;
    try {
      const { slots } = await this.service.availability(ctx.tenantId, args.serviceId, { from, to: new Date(from.getTime() + days * DAY_MS) });
      return {
        result: {
          serviceId: args.serviceId,
          timeZone: zone,
          slots: spreadSlots(slots, zone).map((s) => ({ start: toZonedIso(s.start, zone), end: toZonedIso(s.end, zone) })),
        },
      };
    } catch (error) {
      if (error instanceof BookingError && error.code === 'SERVICE_NOT_FOUND') return fail('NOT_FOUND', 'no such service; call list_services for the ids');
      throw error;
    }
  }

  async proposeBooking(ctx: ToolContext, args: { serviceId: string; start: string }): Promise<ToolOutcome<ProposeBookingResult | ToolErrorResult>> {
    const zone = zoneOf(ctx, (await this.service.tenantInfo(ctx.tenantId)).timeZone);
    const start = new Date(args.start);
    if (Number.isNaN(start.getTime())) return fail('INVALID_ARGUMENTS', 'start is not a valid time');
    const service = await this.service.getService(ctx.tenantId, args.serviceId);
    if (!service) return fail('NOT_FOUND', 'no such service; call list_services for the ids');
    const { slots } = await this.service.availability(ctx.tenantId, args.serviceId, { from: start, to: new Date(start.getTime() + 1) });
    const slot = slots.find((s) => s.start.getTime() === start.getTime());
    if (!slot) {
      // Offered in general (taken now) or never offered: the model should call find_slots again either way.
      return fail('SLOT_TAKEN', 'this time is not free; call find_slots and offer one of the free times');
    }
    const proposal = {
      serviceId: service.service.id,
      serviceName: service.service.name,
      start: toZonedIso(slot.start, zone),
      end: toZonedIso(slot.end, zone),
      timeZone: zone,
    };
    const card: BookingProposalCard = { type: 'booking_proposal', serviceId: proposal.serviceId, serviceName: proposal.serviceName, start: proposal.start, end: proposal.end };
    return { result: { proposal }, cards: [card] };
  }

  /** Registers booking's three tools (contracts: booking.tools.schema.ts) with the chat engine's registry. */
  register(registry: Pick<ToolRegistry, 'registerContract'>): void {
    registry.registerContract(listServicesTool, (ctx) => this.listServices(ctx));
    registry.registerContract(findSlotsTool, (ctx, args) => this.findSlots(ctx, args));
    registry.registerContract(proposeBookingTool, (ctx, args) => this.proposeBooking(ctx, args));
  }
}
