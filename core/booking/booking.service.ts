import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { fromMinorUnits, toMinorUnits, type Money } from '@concierge/plugin-sdk';
import type { AnalyticsEvent } from '../analytics/index.ts';
import type { Knex } from 'knex';
import { inTransaction, type Database, type ReadQuery, type ReadRows, type Tx } from '../db/database.ts';
import { storedLocale } from '../wire/datetime.ts';
import {
  computeAvailability,
  nearestAlternatives,
  toZonedIso,
  type AvailabilityResource,
  type AvailabilityService,
  type BusyInterval,
  type Slot,
  type TimeWindow,
} from './availability.ts';
import { BookingError } from './booking.errors.ts';
import {
  BookingRepository,
  PG_CHECK_VIOLATION,
  PG_EXCLUSION_VIOLATION,
  pgCode,
  pgConstraint,
  type BookingRow,
  type BookingStatus,
  type BookingView,
  type NewNotification,
  type ResourceRow,
  type ServiceRow,
  type SettingsRow,
} from './booking.repository.ts';
import type { ResourceCreate, ResourcePatch, ServiceCreate, ServicePatch } from './booking.schema.ts';
import type { ManageTokens } from './manage-token.ts';

/**
 * The booking service (design.md §7, issue #5): services and resources, availability over real
 * rows, and bookings that are never double-booked. A booking is validated against availability
 * computed here, then inserted in one transaction with its outbox rows (confirmation, merchant
 * note, reminders); the exclusion constraint and the class seat counter are the last word when
 * two requests race for one slot. Time comes from `clock`, so tests can move it.
 */

export interface TenantInfo {
  name: string;
  timeZone: string;
  locale: string;
}

export interface BookingServiceDeps {
  db: Database;
  repository?: BookingRepository;
  manageTokens: ManageTokens;
  /** Base of manage links, e.g. https://concierge.example.com */
  publicUrl: string;
  clock?: () => Date;
  tenantInfo(tenantId: string): Promise<TenantInfo>;
  analytics?: { record(event: AnalyticsEvent): void };
  /** Called after a commit that queued mail (the worker sends it at once instead of at the next tick). */
  onNotificationsQueued?: () => void;
  logger?: Logger;
}

export type MailLocaleTag = 'en' | 'de';

export interface BookingRequest {
  tenantId: string;
  serviceId: string;
  /** An instant (ISO 8601 with offset, or a Date). */
  start: string | Date;
  customer: { name: string; email: string; phone?: string | undefined };
  notes?: string | undefined;
  /** Shopper's zone for mails and answers; the store's when absent. */
  timeZone?: string | undefined;
  locale?: string | undefined;
  conversationId?: string | undefined;
  botId?: string | undefined;
  visitorId?: string | undefined;
  seats?: number;
  source?: 'widget' | 'chat' | 'merchant';
}

/** What POST /widget/v1/bookings answers, as stored for Idempotency-Key replays. */
export interface BookingAnswer {
  status: 201 | 409;
  body: Record<string, unknown>;
  /** True when this is the stored answer of an earlier request with the same key. */
  replayed: boolean;
  bookingId?: string;
}

/** How long an Idempotency-Key is remembered (the wire contract promises 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const ALTERNATIVES = 3;
const ALTERNATIVE_SPAN_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;
/** The widget asks for at most this span of availability at once (wire contract: 62 days). */
export const MAX_AVAILABILITY_SPAN_MS = 62 * DAY_MS + 2 * 3_600_000;

export function mailLocale(tag: string | undefined): MailLocaleTag {
  return tag?.toLowerCase().startsWith('de') ? 'de' : 'en';
}

function toAvailabilityService(s: ServiceRow): AvailabilityService {
  return {
    id: s.id,
    durationMinutes: s.duration_minutes,
    bufferBeforeMinutes: s.buffer_before_minutes,
    bufferAfterMinutes: s.buffer_after_minutes,
    capacity: s.capacity,
    ...(s.slot_step_minutes ? { slotStepMinutes: s.slot_step_minutes } : {}),
    minNoticeMinutes: s.min_notice_minutes,
    maxAdvanceDays: s.max_advance_days,
  };
}

/** Seats of one class session share a key; an appointment's key is unique to it. */
export function shareKey(service: ServiceRow, start: Date, bookingId: string): string {
  return service.capacity > 1 ? `class:${service.id}:${start.getTime()}` : `booking:${bookingId}`;
}

function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** A service's price as Money (minor units of its currency in the row: JPY 0 decimals, EUR 2). */
export function priceOf(s: Pick<ServiceRow, 'price_cents' | 'currency'>): Money | undefined {
  if (s.price_cents === null || s.currency === null) return undefined;
  return fromMinorUnits(s.price_cents, s.currency);
}

/** A stable fingerprint of a request body (key order does not matter). */
export function fingerprintOf(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('base64url');
}

interface AvailabilityContext {
  service: ServiceRow;
  resources: ResourceRow[];
  slots: Slot[];
}

/** Sends a batch of queries (inside a unit of work, or as one round-trip read) and gives their rows. */
type Send = <T extends Record<string, ReadQuery<unknown>>>(build: (knex: Knex) => T) => Promise<ReadRows<T>>;

interface AvailabilityOptions {
  exceptBookingId?: string;
  ignoreBusy?: boolean;
  seats?: number;
  /** The service's resources, when the caller read them already. */
  resources?: ResourceRow[];
}

export class BookingService {
  readonly repo: BookingRepository;
  private readonly clock: () => Date;

  constructor(private readonly deps: BookingServiceDeps) {
    this.repo = deps.repository ?? new BookingRepository();
    this.clock = deps.clock ?? (() => new Date());
  }

  now(): Date {
    return this.clock();
  }

  tenantInfo(tenantId: string): Promise<TenantInfo> {
    return this.deps.tenantInfo(tenantId);
  }

  manageUrl(tenantId: string, bookingId: string): string {
    return `${this.deps.publicUrl}/manage/${this.deps.manageTokens.sign({ tenantId, bookingId })}`;
  }

  // ================================================================== services

  createService(tenantId: string, input: ServiceCreate): Promise<ServiceRow> {
    return this.deps.db.tenant(tenantId, (trx) => this.repo.insertService(trx, tenantId, serviceColumns(input)));
  }

  updateService(tenantId: string, id: string, patch: ServicePatch): Promise<ServiceRow | undefined> {
    return this.deps.db.tenant(tenantId, (trx) => this.repo.updateService(trx, tenantId, id, serviceColumns(patch)));
  }

  archiveService(tenantId: string, id: string): Promise<boolean> {
    return this.deps.db.tenant(tenantId, (trx) => this.repo.archiveService(trx, tenantId, id));
  }

  getService(tenantId: string, id: string): Promise<{ service: ServiceRow; resourceIds: string[] } | undefined> {
    return this.deps.db.tenant(tenantId, async (trx) => {
      const service = await this.repo.getService(trx, tenantId, id);
      if (!service) return undefined;
      const byService = await this.repo.resourceIdsByService(trx, tenantId, [id]);
      return { service, resourceIds: byService.get(id) ?? [] };
    });
  }

  listServices(tenantId: string): Promise<{ service: ServiceRow; resourceIds: string[] }[]> {
    return this.deps.db.tenant(tenantId, async (trx) => {
      const services = await this.repo.listServices(trx, tenantId);
      const byService = await this.repo.resourceIdsByService(trx, tenantId);
      return services.map((service) => ({ service, resourceIds: byService.get(service.id) ?? [] }));
    });
  }

  /** What a shopper can book: services with at least one resource, in the merchant's order. */
  listBookableServices(tenantId: string): Promise<{ id: string; name: string; description?: string; durationMinutes: number; price?: { amount: string; currency: string } }[]> {
    return this.deps.db.tenant(tenantId, async (trx) =>
      (await this.repo.listBookableServices(trx, tenantId)).map((s) => {
        const price = priceOf(s);
        return {
          id: s.id,
          name: s.name,
          ...(s.description ? { description: s.description } : {}),
          durationMinutes: s.duration_minutes,
          ...(price ? { price } : {}),
        };
      }),
    );
  }

  // ================================================================== resources

  createResource(tenantId: string, input: ResourceCreate): Promise<{ resource: ResourceRow; serviceIds: string[] }> {
    return this.deps.db.tenant(tenantId, async (trx) => {
      await this.requireServices(trx, tenantId, input.serviceIds);
      const resource = await this.repo.insertResource(trx, tenantId, {
        name: input.name,
        kind: input.kind,
        time_zone: input.timeZone,
        weekly_hours: input.weeklyHours,
        position: input.position,
      });
      await this.repo.setResourceServices(trx, tenantId, resource.id, input.serviceIds);
      return { resource, serviceIds: input.serviceIds };
    });
  }

  updateResource(tenantId: string, id: string, patch: ResourcePatch): Promise<{ resource: ResourceRow; serviceIds: string[] } | undefined> {
    return this.deps.db.tenant(tenantId, async (trx) => {
      const values: Partial<ResourceRow> = {};
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.kind !== undefined) values.kind = patch.kind;
      if (patch.timeZone !== undefined) values.time_zone = patch.timeZone;
      if (patch.weeklyHours !== undefined) values.weekly_hours = patch.weeklyHours;
      if (patch.position !== undefined) values.position = patch.position;
      const resource = await this.repo.updateResource(trx, tenantId, id, values);
      if (!resource) return undefined;
      if (patch.serviceIds !== undefined) {
        await this.requireServices(trx, tenantId, patch.serviceIds);
        await this.repo.setResourceServices(trx, tenantId, id, patch.serviceIds);
      }
      const serviceIds = (await this.repo.serviceIdsOfResources(trx, tenantId, [id])).get(id) ?? [];
      return { resource, serviceIds };
    });
  }

  archiveResource(tenantId: string, id: string): Promise<boolean> {
    return this.deps.db.tenant(tenantId, (trx) => this.repo.archiveResource(trx, tenantId, id));
  }

  getResource(tenantId: string, id: string): Promise<{ resource: ResourceRow; serviceIds: string[] } | undefined> {
    return this.deps.db.tenant(tenantId, async (trx) => {
      const resource = await this.repo.getResource(trx, tenantId, id);
      if (!resource) return undefined;
      return { resource, serviceIds: (await this.repo.serviceIdsOfResources(trx, tenantId, [id])).get(id) ?? [] };
    });
  }

  listResources(tenantId: string): Promise<{ resource: ResourceRow; serviceIds: string[] }[]> {
    return this.deps.db.tenant(tenantId, async (trx) => {
      const resources = await this.repo.listResources(trx, tenantId);
      const byResource = await this.repo.serviceIdsOfResources(trx, tenantId, resources.map((r) => r.id));
      return resources.map((resource) => ({ resource, serviceIds: byResource.get(resource.id) ?? [] }));
    });
  }

  private async requireServices(trx: Tx, tenantId: string, ids: string[]): Promise<void> {
    const known = await this.repo.existingServiceIds(trx, tenantId, ids);
    const fields = ids.flatMap((id, i) => (known.has(id) ? [] : [{ path: `body.serviceIds.${i}`, message: 'no such service in this store' }]));
    if (fields.length > 0) throw new BookingError('INVALID', 'unknown service ids', { fields });
  }

  // ================================================================== availability

  /**
   * Free slots of a service whose start lies in [from, to). Busy time is read in the same
   * statement snapshot as the resources; `exceptBookingId` leaves one booking out (its own move).
   */
  async availabilityInTx(
    trx: Tx,
    tenantId: string,
    serviceOrId: string | ServiceRow,
    window: TimeWindow,
    options: AvailabilityOptions = {},
  ): Promise<AvailabilityContext> {
    const service = typeof serviceOrId === 'string' ? await this.repo.getService(trx, tenantId, serviceOrId) : serviceOrId;
    if (!service) throw new BookingError('SERVICE_NOT_FOUND', 'no such service in this store', { field: 'serviceId' });
    return this.availabilityFrom((build) => inTransaction(trx, build(trx)), tenantId, service, window, options);
  }

  /**
   * The availability computation over what `send` reads: the resources (unless given), then their
   * overrides and busy time in one message. `send` runs queries inside a unit of work or as one
   * round-trip read (`Database.tenantBatch`).
   */
  private async availabilityFrom(send: Send, tenantId: string, service: ServiceRow, window: TimeWindow, options: AvailabilityOptions): Promise<AvailabilityContext> {
    const now = this.clock();
    // Nothing before now (minus a day for zones) or after the advance limit can be a slot: do not load it.
    const from = Math.max(window.from.getTime(), now.getTime() - DAY_MS);
    const to = Math.min(window.to.getTime(), now.getTime() + (service.max_advance_days + 2) * DAY_MS);
    if (from >= to) return { service, resources: [], slots: [] };
    const resources = options.resources ?? this.repo.resourcesOf((await send((knex) => ({ rows: this.repo.resourcesOfServiceQuery(knex, tenantId, service.id) }))).rows);
    const resourceIds = resources.map((r) => r.id);
    if (resourceIds.length === 0) return { service, resources: [], slots: [] };

    const minute = 60_000;
    const busyFrom = new Date(from - service.buffer_before_minutes * minute);
    const busyTo = new Date(to + (service.duration_minutes + service.buffer_after_minutes) * minute);
    const loaded = await send((knex) => ({
      // Local dates of the window in any zone, with margin for the core's day before/after.
      overrides: this.repo.overridesQuery(knex, tenantId, resourceIds, isoDay(from - 2 * DAY_MS), isoDay(to + 2 * DAY_MS)),
      ...(options.ignoreBusy ? {} : { busy: this.repo.busyQuery(knex, tenantId, resourceIds, busyFrom, busyTo, options.exceptBookingId) }),
    }));
    const overrides = this.repo.overridesOf(loaded.overrides, resourceIds);
    const busy: BusyInterval[] = this.repo.busyOf(loaded.busy ?? []).map((b) => ({
      resourceId: b.resource_id,
      start: b.occupied_start,
      end: b.occupied_end,
      seats: b.seats,
      serviceId: b.service_id,
    }));
    const availabilityResources: AvailabilityResource[] = resources.map((r) => ({
      id: r.id,
      timeZone: r.time_zone,
      weeklyHours: r.weekly_hours,
      overrides: overrides.get(r.id) ?? [],
    }));
    const slots = computeAvailability({
      service: toAvailabilityService(service),
      resources: availabilityResources,
      busy,
      window: { from: new Date(from), to: new Date(to) },
      now,
      ...(options.seats ? { seats: options.seats } : {}),
    });
    return { service, resources, slots };
  }

  /** A shopper's availability read: two round trips (service and resources, then overrides and busy time), no transaction to open or close. */
  async availability(tenantId: string, serviceId: string, window: TimeWindow, options: { exceptBookingId?: string } = {}): Promise<AvailabilityContext> {
    const send: Send = (build) => this.deps.db.tenantBatch(tenantId, build);
    const first = await send((knex) => ({ service: this.repo.serviceQuery(knex, tenantId, serviceId), resources: this.repo.resourcesOfServiceQuery(knex, tenantId, serviceId) }));
    const service = this.repo.serviceOf(first.service[0]);
    if (!service) throw new BookingError('SERVICE_NOT_FOUND', 'no such service in this store', { field: 'serviceId' });
    return this.availabilityFrom(send, tenantId, service, window, { ...options, resources: this.repo.resourcesOf(first.resources) });
  }

  /** The nearest free slots around `start`, soonest first; a booking being moved is not offered its own time. */
  private async alternativesInTx(trx: Tx, tenantId: string, service: ServiceRow, start: Date, moving?: BookingRow): Promise<Slot[]> {
    const window = { from: new Date(start.getTime() - ALTERNATIVE_SPAN_MS), to: new Date(start.getTime() + ALTERNATIVE_SPAN_MS) };
    const { slots } = await this.availabilityInTx(trx, tenantId, service, window, moving ? { exceptBookingId: moving.id } : {});
    const skip = new Set([start.getTime(), ...(moving ? [moving.start_at.getTime()] : [])]);
    return nearestAlternatives(slots.filter((s) => !skip.has(s.start.getTime())), start, ALTERNATIVES).sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  /**
   * The slot starting exactly at `start`, or a coded error: NOT_BOOKABLE when the service never
   * offers that time, SLOT_TAKEN (with alternatives) when it is offered but taken now.
   */
  private async requireSlot(trx: Tx, tenantId: string, service: ServiceRow, start: Date, options: { moving?: BookingRow; seats: number; resources?: ResourceRow[] }): Promise<Slot> {
    const window = { from: start, to: new Date(start.getTime() + 1) };
    const now = this.clock();
    if (start.getTime() <= now.getTime()) throw new BookingError('NOT_BOOKABLE', 'this time is in the past', { field: 'start' });
    const except = options.moving ? { exceptBookingId: options.moving.id } : {};
    const known = options.resources ? { resources: options.resources } : {};
    const { slots } = await this.availabilityInTx(trx, tenantId, service, window, { ...except, ...known, seats: options.seats });
    const slot = slots.find((s) => s.start.getTime() === start.getTime());
    if (slot) return slot;
    const free = await this.availabilityInTx(trx, tenantId, service, window, { ...known, ignoreBusy: true, seats: options.seats });
    if (!free.slots.some((s) => s.start.getTime() === start.getTime())) {
      const notice = service.min_notice_minutes * 60_000;
      const reason =
        start.getTime() < now.getTime() + notice
          ? `bookings need ${service.min_notice_minutes} minutes' notice`
          : 'not a start time this service offers (outside working hours, a closed day, too far ahead, or off the slot grid)';
      throw new BookingError('NOT_BOOKABLE', reason, { field: 'start' });
    }
    throw await this.takenError(trx, tenantId, service, start, options.moving);
  }

  private async takenError(trx: Tx, tenantId: string, service: ServiceRow, start: Date, moving?: BookingRow): Promise<BookingError> {
    const alternatives = await this.alternativesInTx(trx, tenantId, service, start, moving);
    return new BookingError('SLOT_TAKEN', 'this time was just booked', { alternatives: alternatives.map((s) => ({ start: s.start, end: s.end })) });
  }

  // ================================================================== booking

  /**
   * POST /widget/v1/bookings: books with Idempotency-Key semantics. The key, the booking and its
   * outbox rows commit together; a 409 is stored too (the same attempt gets the same answer).
   * Input errors (4xx other than 409) are thrown and leave nothing behind, not even the key.
   */
  async bookIdempotently(request: BookingRequest, key: string, fingerprint: string): Promise<BookingAnswer> {
    const { tenantId } = request;
    let booking: BookingRow | undefined;
    // Read before the transaction: a unit of work never waits for a second pooled connection.
    const info = await this.deps.tenantInfo(tenantId);
    const zone = request.timeZone ?? info.timeZone;
    const answer = await this.deps.db.tenant(tenantId, async (trx): Promise<BookingAnswer> => {
      const now = this.clock();
      // One message: the key's claim first (a concurrent request with the same key waits there for
      // the first to finish), then everything booking reads.
      const first = await inTransaction(trx, {
        claim: this.repo.claimIdempotencyKeyQuery(trx, tenantId, key, fingerprint, now),
        ...this.bookingReads(trx, tenantId, request.serviceId),
      });
      const seen = first.claim.length > 0 ? undefined : await this.repo.settleIdempotencyKey(trx, tenantId, key, fingerprint, now, IDEMPOTENCY_TTL_MS);
      if (seen) {
        if (seen.fingerprint !== fingerprint) throw new BookingError('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used with a different request');
        if (seen.response_status === 201 || seen.response_status === 409) {
          return { status: seen.response_status, body: seen.response_body as Record<string, unknown>, replayed: true, ...(seen.booking_id ? { bookingId: seen.booking_id } : {}) };
        }
        // A row without an answer cannot outlive its transaction; treat it as ours.
      }
      const answerFor = (booking: { id: string; start: Date; end: Date }) => ({
        id: booking.id,
        status: 'confirmed' as const,
        start: toZonedIso(booking.start, zone),
        end: toZonedIso(booking.end, zone),
        manageUrl: this.manageUrl(tenantId, booking.id),
      });
      const outcome = await this.bookInTx(trx, request, info, { read: first, answer: { key, body: answerFor } });
      if (outcome.kind === 'taken') {
        const body = {
          type: '/problems/slot-taken',
          title: 'Slot taken',
          status: 409,
          detail: 'This time was just booked. Please pick another one.',
          alternatives: outcome.alternatives.map((s) => ({ start: toZonedIso(s.start, zone), end: toZonedIso(s.end, zone) })),
        };
        await this.repo.storeIdempotentResponse(trx, tenantId, key, 409, body, null);
        return { status: 409, body, replayed: false };
      }
      booking = outcome.booking;
      const body = answerFor({ id: booking.id, start: booking.start_at, end: booking.end_at });
      // An appointment's answer was stored with the booking (insertBookingWithOutbox); a class seat's is stored here.
      if (!outcome.answerStored) await this.repo.storeIdempotentResponse(trx, tenantId, key, 201, body, booking.id);
      return { status: 201, body, replayed: false, bookingId: booking.id };
    });
    if (booking) this.afterBooked(request, booking);
    return answer;
  }

  /** Books without an idempotency key (merchant tools, seeds, benchmarks); SLOT_TAKEN is thrown. */
  async book(request: BookingRequest): Promise<BookingRow> {
    const info = await this.deps.tenantInfo(request.tenantId);
    const outcome = await this.deps.db.tenant(request.tenantId, (trx) => this.bookInTx(trx, request, info));
    if (outcome.kind === 'taken') {
      throw new BookingError('SLOT_TAKEN', 'this time was just booked', { alternatives: outcome.alternatives.map((s) => ({ start: s.start, end: s.end })) });
    }
    this.afterBooked(request, outcome.booking);
    return outcome.booking;
  }

  private afterBooked(request: BookingRequest, booking: BookingRow): void {
    this.deps.onNotificationsQueued?.();
    this.deps.analytics?.record({
      type: 'booking.made',
      tenantId: request.tenantId,
      occurredAt: this.clock(),
      ...(request.conversationId ? { conversationId: request.conversationId } : {}),
      ...(request.botId ? { botId: request.botId } : {}),
      ...(request.visitorId ? { visitorId: request.visitorId } : {}),
      data: { bookingId: booking.id, serviceId: booking.service_id },
    });
  }

  /** What booking reads before it decides, as queries for one message. */
  private bookingReads(knex: Knex, tenantId: string, serviceId: string) {
    return {
      service: this.repo.serviceQuery(knex, tenantId, serviceId),
      resources: this.repo.resourcesOfServiceQuery(knex, tenantId, serviceId),
      settings: this.repo.settingsQuery(knex, tenantId),
    };
  }

  /**
   * Books inside the caller's unit of work in four round trips where it took eleven (issue 13): the
   * reads (given by the caller, who may have sent them with the Idempotency-Key's claim), overrides
   * and busy time, then the booking with its outbox rows and stored answer.
   */
  private async bookInTx(
    trx: Tx,
    request: BookingRequest,
    info: TenantInfo,
    options: { read?: ReadRows<ReturnType<BookingService['bookingReads']>>; answer?: { key: string; body: (booking: { id: string; start: Date; end: Date }) => unknown } } = {},
  ): Promise<{ kind: 'booked'; booking: BookingRow; answerStored: boolean } | { kind: 'taken'; alternatives: Slot[] }> {
    const { tenantId } = request;
    const start = request.start instanceof Date ? request.start : new Date(request.start);
    if (Number.isNaN(start.getTime())) throw new BookingError('NOT_BOOKABLE', 'not a valid time', { field: 'start' });
    const read = options.read ?? (await inTransaction(trx, this.bookingReads(trx, tenantId, request.serviceId)));
    const service = this.repo.serviceOf(read.service[0]);
    if (!service) throw new BookingError('SERVICE_NOT_FOUND', 'no such service in this store', { field: 'serviceId' });
    const seats = request.seats ?? 1;
    if (seats > service.capacity) throw new BookingError('NOT_BOOKABLE', `at most ${service.capacity} seats per booking`, { field: 'seats' });

    let slot: Slot;
    try {
      slot = await this.requireSlot(trx, tenantId, service, start, { seats, resources: this.repo.resourcesOf(read.resources) });
    } catch (error) {
      if (error instanceof BookingError && error.code === 'SLOT_TAKEN') {
        return { kind: 'taken', alternatives: (error.details.alternatives ?? []).map((a) => ({ ...a, resourceIds: [], seatsLeft: 0 })) };
      }
      throw error;
    }

    const bookingId = crypto.randomUUID();
    const minute = 60_000;
    const occupied = {
      start: new Date(start.getTime() - service.buffer_before_minutes * minute),
      end: new Date(slot.end.getTime() + service.buffer_after_minutes * minute),
    };
    const key = shareKey(service, start, bookingId);
    // Best resource first; another request may win any of them between our read and our insert.
    for (const resourceId of slot.resourceIds) {
      const values = {
        id: bookingId,
        service_id: service.id,
        resource_id: resourceId,
        status: 'confirmed',
        start_at: start,
        end_at: slot.end,
        occupied,
        share_key: key,
        seats,
        customer_name: request.customer.name,
        customer_email: request.customer.email,
        customer_phone: request.customer.phone ?? null,
        notes: request.notes ?? null,
        time_zone: request.timeZone ?? info.timeZone,
        // The full tag (en-GB); strings pick the language from it, dates the region (core/wire/datetime.ts).
        locale: storedLocale(request.locale ?? info.locale),
        conversation_id: request.conversationId ?? null,
        source: request.source ?? (request.conversationId ? 'chat' : 'widget'),
      } satisfies Parameters<BookingRepository['insertBooking']>[2];
      const notifications = this.newBookingNotifications(bookingId, start, this.repo.settingsOf(read.settings));
      // An appointment needs no savepoint: the exclusion constraint arbitrates ON CONFLICT DO NOTHING,
      // and its outbox rows and answer go in the same message. A class seat takes the session's
      // counter row first, whose CHECK may refuse: that one needs a savepoint.
      if (service.capacity === 1) {
        const answer = options.answer ? { key: options.answer.key, status: 201, body: options.answer.body({ id: bookingId, start, end: slot.end }) } : undefined;
        const booking = await this.repo.insertBookingWithOutbox(trx, tenantId, values, notifications, answer);
        if (booking) return { kind: 'booked', booking, answerStored: answer !== undefined };
        continue;
      }
      const booking = await this.tryInsert(trx, async (sp) => {
        await this.repo.takeSeats(sp, tenantId, resourceId, key, service.capacity, seats);
        return this.repo.insertBooking(sp, tenantId, values);
      });
      if (!booking) continue;
      await this.repo.insertNotifications(trx, tenantId, notifications);
      return { kind: 'booked', booking, answerStored: false };
    }
    // Every resource was taken in the meantime: answer with what is free now.
    return { kind: 'taken', alternatives: await this.alternativesInTx(trx, tenantId, service, start) };
  }

  /**
   * Runs `work` in a savepoint; a conflict with another booking (exclusion constraint, or a full
   * class) rolls back just the savepoint and yields undefined, anything else propagates.
   */
  private async tryInsert<T>(trx: Tx, work: (sp: Tx) => Promise<T>): Promise<T | undefined> {
    try {
      return await trx.transaction((sp) => work(sp));
    } catch (error) {
      if (pgCode(error) === PG_EXCLUSION_VIOLATION) return undefined;
      if (pgCode(error) === PG_CHECK_VIOLATION && pgConstraint(error) === 'class_seats_capacity') return undefined;
      throw error;
    }
  }

  private newBookingNotifications(bookingId: string, startAt: Date, settings: SettingsRow): NewNotification[] {
    const now = this.clock();
    return [
      { bookingId, kind: 'confirmation', dueAt: now },
      { bookingId, kind: 'merchant_notice', dueAt: now },
      ...this.remindersOf(bookingId, startAt, settings),
    ];
  }

  /** Reminders of the tenant's policy that are still ahead (a 24 h reminder for a booking 2 h away is skipped). */
  private async reminders(trx: Tx, tenantId: string, booking: BookingRow): Promise<NewNotification[]> {
    return this.remindersOf(booking.id, booking.start_at, await this.repo.getSettings(trx, tenantId));
  }

  private remindersOf(bookingId: string, startAt: Date, { reminder_offsets_minutes: offsets }: SettingsRow): NewNotification[] {
    const now = this.clock().getTime();
    return offsets
      .map((offset) => ({ offset, dueAt: new Date(startAt.getTime() - offset * 60_000) }))
      .filter((r) => r.dueAt.getTime() > now)
      .map((r) => ({ bookingId, kind: 'reminder' as const, offsetMinutes: r.offset, dueAt: r.dueAt, payload: { startAt: startAt.toISOString() } }));
  }

  // ================================================================== changes

  /** Cancels a confirmed booking (idempotent: cancelling a cancelled booking returns it unchanged). */
  async cancel(tenantId: string, bookingId: string, options: { by: 'shopper' | 'merchant'; reason?: string | undefined; notify?: boolean }): Promise<BookingRow> {
    let changed = false;
    const booking = await this.deps.db.tenant(tenantId, async (trx) => {
      const current = await this.repo.getBooking(trx, tenantId, bookingId, { forUpdate: true });
      if (!current) throw new BookingError('BOOKING_NOT_FOUND', 'no such booking in this store');
      if (current.status === 'cancelled') return current;
      if (current.status !== 'confirmed') throw new BookingError('NOT_CHANGEABLE', `a booking marked ${current.status} cannot be cancelled`);
      if (options.by === 'shopper' && current.start_at.getTime() <= this.clock().getTime()) {
        throw new BookingError('NOT_CHANGEABLE', 'this appointment has already started');
      }
      const now = this.clock();
      const updated = await this.repo.setBookingStatus(trx, tenantId, bookingId, {
        status: 'cancelled',
        cancelled_at: now,
        cancelled_by: options.by,
        cancel_reason: options.reason ?? null,
        bumpSequence: true,
      });
      if (current.share_key.startsWith('class:')) await this.repo.releaseSeats(trx, tenantId, current.resource_id, current.share_key, current.seats);
      await this.repo.cancelPendingReminders(trx, tenantId, bookingId);
      if (options.notify !== false) {
        await this.repo.insertNotifications(trx, tenantId, [
          { bookingId, kind: 'cancellation', dueAt: now, payload: { by: options.by } },
          // The merchant hears of every change a shopper makes through the manage link (issue #18).
          ...(options.by === 'shopper' ? [{ bookingId, kind: 'merchant_notice' as const, dueAt: now, payload: { event: 'cancelled' } }] : []),
        ]);
      }
      changed = true;
      return updated;
    });
    if (changed) {
      if (options.notify !== false) this.deps.onNotificationsQueued?.();
      this.deps.analytics?.record({
        type: 'booking.cancelled',
        tenantId,
        occurredAt: this.clock(),
        ...(booking.conversation_id ? { conversationId: booking.conversation_id } : {}),
        data: { bookingId, by: options.by },
      });
    }
    return booking;
  }

  /** Moves a confirmed booking to another free start; SLOT_TAKEN (with alternatives) when taken. */
  async reschedule(tenantId: string, bookingId: string, options: { start: Date; resourceId?: string | undefined; by: 'shopper' | 'merchant'; notify?: boolean }): Promise<BookingRow> {
    const booking = await this.deps.db.tenant(tenantId, async (trx) => {
      const current = await this.repo.getBooking(trx, tenantId, bookingId, { forUpdate: true });
      if (!current) throw new BookingError('BOOKING_NOT_FOUND', 'no such booking in this store');
      if (current.status !== 'confirmed') throw new BookingError('NOT_CHANGEABLE', `a ${current.status} booking cannot be moved`);
      if (current.start_at.getTime() <= this.clock().getTime()) throw new BookingError('NOT_CHANGEABLE', 'this appointment has already started');
      const service = await this.repo.getService(trx, tenantId, current.service_id, { includeArchived: true });
      if (!service || service.archived_at) throw new BookingError('NOT_CHANGEABLE', 'this service is no longer offered');
      const start = options.start;
      const slot = await this.requireSlot(trx, tenantId, service, start, { moving: current, seats: current.seats });
      let candidates = slot.resourceIds;
      if (options.resourceId) {
        if (!candidates.includes(options.resourceId)) {
          const exists = await this.repo.getResource(trx, tenantId, options.resourceId);
          if (!exists) throw new BookingError('RESOURCE_NOT_FOUND', 'no such resource in this store', { field: 'resourceId' });
          throw await this.takenError(trx, tenantId, service, start, current);
        }
        candidates = [options.resourceId];
      } else if (candidates.includes(current.resource_id)) {
        // Same person as before when they are free.
        candidates = [current.resource_id, ...candidates.filter((id) => id !== current.resource_id)];
      }
      const minute = 60_000;
      const occupied = {
        start: new Date(start.getTime() - service.buffer_before_minutes * minute),
        end: new Date(slot.end.getTime() + service.buffer_after_minutes * minute),
      };
      const key = shareKey(service, start, bookingId);
      const wasClass = current.share_key.startsWith('class:');
      for (const resourceId of candidates) {
        const moved = await this.tryInsert(trx, async (sp) => {
          if (wasClass) await this.repo.releaseSeats(sp, tenantId, current.resource_id, current.share_key, current.seats);
          if (service.capacity > 1) await this.repo.takeSeats(sp, tenantId, resourceId, key, service.capacity, current.seats);
          return this.repo.moveBooking(sp, tenantId, bookingId, { resource_id: resourceId, start_at: start, end_at: slot.end, occupied, share_key: key });
        });
        if (!moved) continue;
        const now = this.clock();
        await this.repo.cancelPendingReminders(trx, tenantId, bookingId);
        await this.repo.insertNotifications(trx, tenantId, [
          ...(options.notify !== false
            ? [{ bookingId, kind: 'reschedule' as const, dueAt: now, payload: { previousStart: current.start_at.toISOString(), previousEnd: current.end_at.toISOString(), by: options.by } }]
            : []),
          ...(options.by === 'shopper'
            ? [{ bookingId, kind: 'merchant_notice' as const, dueAt: now, payload: { event: 'rescheduled', previousStart: current.start_at.toISOString(), previousEnd: current.end_at.toISOString() } }]
            : []),
          ...(await this.reminders(trx, tenantId, moved)),
        ]);
        return moved;
      }
      throw await this.takenError(trx, tenantId, service, start, current);
    });
    this.deps.onNotificationsQueued?.();
    return booking;
  }

  /** Marks a booking whose start has passed as a no-show (the merchant's record). */
  markNoShow(tenantId: string, bookingId: string): Promise<BookingRow> {
    return this.deps.db.tenant(tenantId, async (trx) => {
      const current = await this.repo.getBooking(trx, tenantId, bookingId, { forUpdate: true });
      if (!current) throw new BookingError('BOOKING_NOT_FOUND', 'no such booking in this store');
      if (current.status === 'no_show') return current;
      if (current.status !== 'confirmed') throw new BookingError('NOT_CHANGEABLE', `a ${current.status} booking cannot be marked as a no-show`);
      const now = this.clock();
      if (current.start_at.getTime() > now.getTime()) throw new BookingError('NOT_CHANGEABLE', 'the appointment has not started yet');
      if (current.share_key.startsWith('class:')) await this.repo.releaseSeats(trx, tenantId, current.resource_id, current.share_key, current.seats);
      await this.repo.cancelPendingReminders(trx, tenantId, bookingId);
      return this.repo.setBookingStatus(trx, tenantId, bookingId, { status: 'no_show', no_show_at: now });
    });
  }

  // ================================================================== reads

  getBooking(tenantId: string, bookingId: string): Promise<BookingView | undefined> {
    return this.deps.db.tenant(tenantId, (trx) => this.repo.getBookingView(trx, tenantId, bookingId));
  }

  listBookings(
    tenantId: string,
    filter: { from?: Date; to?: Date; status?: BookingStatus; serviceId?: string; resourceId?: string; after?: { start: Date; id: string }; limit: number },
  ): Promise<BookingView[]> {
    return this.deps.db.tenant(tenantId, (trx) => this.repo.listBookings(trx, tenantId, filter));
  }
}

function serviceColumns(input: ServicePatch): Partial<ServiceRow> {
  const v: Partial<ServiceRow> = {};
  if (input.name !== undefined) v.name = input.name;
  if (input.description !== undefined) v.description = input.description;
  if (input.durationMinutes !== undefined) v.duration_minutes = input.durationMinutes;
  if (input.bufferBeforeMinutes !== undefined) v.buffer_before_minutes = input.bufferBeforeMinutes;
  if (input.bufferAfterMinutes !== undefined) v.buffer_after_minutes = input.bufferAfterMinutes;
  if (input.capacity !== undefined) v.capacity = input.capacity;
  if (input.locationType !== undefined) v.location_type = input.locationType;
  if (input.location !== undefined) v.location = input.location;
  if (input.minNoticeMinutes !== undefined) v.min_notice_minutes = input.minNoticeMinutes;
  if (input.maxAdvanceDays !== undefined) v.max_advance_days = input.maxAdvanceDays;
  if (input.slotStepMinutes !== undefined) v.slot_step_minutes = input.slotStepMinutes;
  if (input.price !== undefined) {
    v.price_cents = input.price ? toMinorUnits(input.price.amount, input.price.currency) : null;
    v.currency = input.price?.currency ?? null;
  }
  if (input.position !== undefined) v.position = input.position;
  return v;
}
