// Property tests: every slot computeAvailability returns obeys the booking rules, checked against
// independent oracles (luxon's wall clock, plain loops over the busy list), in zones with DST.
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  computeAvailability,
  type AvailabilityQuery,
  type AvailabilityResource,
  type BusyInterval,
  type LocalInterval,
  type Slot,
  type Weekday,
} from '../../../core/booking/availability.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DST_ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'America/Havana', // midnight transitions
  'America/Santiago', // southern hemisphere, midnight transitions
  'Australia/Lord_Howe', // 30-minute DST
  'Pacific/Chatham', // +12:45 / +13:45
];
const FIXED_ZONES = ['UTC', 'Asia/Kolkata', 'Asia/Tokyo', 'Etc/GMT+7'];
// 2026 transition days of the zones above, and an ordinary day.
const ANCHORS = ['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01', '2026-04-04', '2026-04-05', '2026-09-06', '2026-09-26', '2026-10-03', '2026-06-15'];

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (fiveMin: number) => (fiveMin === 288 ? '24:00' : `${pad(Math.floor(fiveMin / 12))}:${pad((fiveMin % 12) * 5)}`);
const minutesOf = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

const intervalArb: fc.Arbitrary<LocalInterval> = fc
  .integer({ min: 0, max: 287 })
  .chain((s) => fc.integer({ min: s + 1, max: 288 }).map((e) => ({ start: hhmm(s), end: hhmm(e) })));
const dayHoursArb = fc.array(intervalArb, { maxLength: 2 });
const weeklyArb = fc.record(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHoursArb])) as Record<Weekday, typeof dayHoursArb>);

interface Scenario {
  query: AvailabilityQuery;
  picks: { slot: number; resource: number; seats: number }[];
}

function scenarioArb(zones: string[]): fc.Arbitrary<Scenario> {
  return fc
    .record({
      anchor: fc.constantFrom(...ANCHORS),
      fromOffset: fc.integer({ min: -36 * 12, max: 36 * 12 }),
      length: fc.integer({ min: 1, max: 4 * 24 * 12 }),
      nowOffset: fc.integer({ min: -3 * 24 * 12, max: 24 * 12 }),
      service: fc.record({
        durationMinutes: fc.oneof(fc.constantFrom(15, 30, 45, 60, 90, 120), fc.integer({ min: 1, max: 36 }).map((n) => n * 5)),
        bufferBeforeMinutes: fc.integer({ min: 0, max: 6 }).map((n) => n * 5),
        bufferAfterMinutes: fc.integer({ min: 0, max: 6 }).map((n) => n * 5),
        slotStepMinutes: fc.option(fc.integer({ min: 1, max: 12 }).map((n) => n * 5), { nil: undefined }),
        capacity: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        minNoticeMinutes: fc.integer({ min: 0, max: 48 }).map((n) => n * 30),
        maxAdvanceDays: fc.integer({ min: 0, max: 5 }),
      }),
      resources: fc.array(
        fc.record({
          timeZone: fc.constantFrom(...zones),
          weeklyHours: weeklyArb,
          overrides: fc.uniqueArray(
            fc.record({ date: fc.integer({ min: -3, max: 4 }), intervals: dayHoursArb }),
            { selector: (o) => o.date, maxLength: 3 },
          ),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      busy: fc.array(
        fc.record({
          resource: fc.integer({ min: 0, max: 3 }), // 3 = a resource not in the query
          start: fc.integer({ min: -2 * 24 * 12, max: 6 * 24 * 12 }),
          length: fc.integer({ min: 0, max: 36 }),
          seats: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
          serviceId: fc.option(fc.constantFrom('svc', 'other'), { nil: undefined }),
        }),
        { maxLength: 25 },
      ),
      seats: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      picks: fc.array(fc.record({ slot: fc.nat(), resource: fc.nat(), seats: fc.integer({ min: 1, max: 4 }) }), { maxLength: 6 }),
    })
    .map((g) => {
      const base = Date.parse(`${g.anchor}T00:00:00Z`);
      const from = base + g.fromOffset * 5 * MIN;
      const resources: AvailabilityResource[] = g.resources.map((r, i) => ({
        id: `r${i}`,
        timeZone: r.timeZone,
        weeklyHours: r.weeklyHours,
        overrides: r.overrides.map((o) => ({ date: new Date(base + o.date * DAY).toISOString().slice(0, 10), intervals: o.intervals })),
      }));
      const busy: BusyInterval[] = g.busy.map((b) => {
        const start = base + b.start * 5 * MIN;
        return {
          resourceId: `r${b.resource}`,
          start: new Date(start),
          end: new Date(start + b.length * 5 * MIN),
          ...(b.seats === undefined ? {} : { seats: b.seats }),
          ...(b.serviceId === undefined ? {} : { serviceId: b.serviceId }),
        };
      });
      const query: AvailabilityQuery = {
        service: { id: 'svc', ...g.service },
        resources,
        busy,
        window: { from: new Date(from), to: new Date(from + g.length * 5 * MIN) },
        now: new Date(from + g.nowOffset * 5 * MIN),
        ...(g.seats === undefined ? {} : { seats: g.seats }),
      };
      return { query, picks: g.picks };
    });
}

/**
 * Adds bookings of the same service at exact slot positions (as a booking service would store
 * them: buffers included), so classes sharing seats actually occur.
 */
function withClassBookings({ query, picks }: Scenario): AvailabilityQuery {
  const free = computeAvailability({ ...query, busy: [] });
  if (free.length === 0) return query;
  const s = query.service;
  const booked = picks.map((p): BusyInterval => {
    const slot = free[p.slot % free.length]!;
    return {
      resourceId: slot.resourceIds[p.resource % slot.resourceIds.length]!,
      start: new Date(slot.start.getTime() - s.bufferBeforeMinutes * MIN),
      end: new Date(slot.end.getTime() + s.bufferAfterMinutes * MIN),
      serviceId: 'svc',
      seats: p.seats,
    };
  });
  return { ...query, busy: [...query.busy, ...booked] };
}

// ----- oracles -------------------------------------------------------------------------------

function wall(t: number, zone: string) {
  const dt = DateTime.fromMillis(t, { zone });
  return {
    date: dt.toISODate()!,
    minutes: dt.hour * 60 + dt.minute + dt.second / 60 + dt.millisecond / 60_000,
    naive: Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second, dt.millisecond),
    weekday: WEEKDAYS[dt.weekday - 1]!,
  };
}

/**
 * Instants whose wall-clock times decide whether all of [a, b) lies in a wall-clock range: wall time
 * rises steadily between offset changes, so the ends of each constant-offset piece are enough.
 */
function wallChecks(a: number, b: number, zone: string): number[] {
  const offset = (t: number) => DateTime.fromMillis(t, { zone }).offset;
  const points = [a, b - 1];
  const o = offset(a);
  if (offset(b - 1) !== o) {
    let lo = a; // offset o
    let hi = b - 1; // another offset
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offset(mid) === o) lo = mid;
      else hi = mid;
    }
    points.push(lo, hi);
  }
  return points;
}

function hoursOn(r: AvailabilityResource, date: string, weekday: Weekday): readonly LocalInterval[] {
  const o = r.overrides?.find((x) => x.date === date);
  return o ? o.intervals : (r.weeklyHours[weekday] ?? []);
}

/** Seats taken by same-service bookings sharing the slot's start, or null when busy time blocks it. */
function seatsTakenOrBlocked(q: AvailabilityQuery, resourceId: string, occStart: number, occEnd: number): number | null {
  let taken = 0;
  for (const b of q.busy) {
    if (b.resourceId !== resourceId) continue;
    const s = b.start.getTime();
    const e = b.end.getTime();
    if (e <= s || !(s < occEnd && occStart < e)) continue;
    if (b.serviceId === q.service.id && s === occStart) taken += b.seats ?? 1;
    else return null;
  }
  return taken;
}

function occupied(q: AvailabilityQuery, start: number) {
  const s = q.service;
  return [start - s.bufferBeforeMinutes * MIN, start + (s.durationMinutes + s.bufferAfterMinutes) * MIN] as const;
}

function checkSlotRules(q: AvailabilityQuery, slots: Slot[]): void {
  const s = q.service;
  const capacity = s.capacity ?? 1;
  const wanted = q.seats ?? 1;
  const byId = new Map(q.resources.map((r) => [r.id, r]));
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const start = slot.start.getTime();
    // sorted, unique, right length, within window, notice
    if (i > 0) expect(start).toBeGreaterThan(slots[i - 1]!.start.getTime());
    expect(slot.end.getTime() - start).toBe(s.durationMinutes * MIN);
    expect(start).toBeGreaterThanOrEqual(q.window.from.getTime());
    expect(start).toBeLessThan(q.window.to.getTime());
    expect(start).toBeGreaterThanOrEqual(q.now.getTime() + s.minNoticeMinutes * MIN);
    expect(slot.resourceIds.length).toBeGreaterThan(0);
    expect(new Set(slot.resourceIds).size).toBe(slot.resourceIds.length);

    const [occStart, occEnd] = occupied(q, start);
    let best = 0;
    for (const id of slot.resourceIds) {
      const r = byId.get(id)!;
      expect(r).toBeDefined();
      // maximum advance, in the resource's wall clock
      expect(wall(start, r.timeZone).naive).toBeLessThanOrEqual(wall(q.now.getTime(), r.timeZone).naive + s.maxAdvanceDays * DAY);
      // busy time and seats
      const taken = seatsTakenOrBlocked(q, id, occStart, occEnd);
      expect(taken, `busy overlap on ${id} at ${slot.start.toISOString()}`).not.toBeNull();
      expect(capacity - taken!).toBeGreaterThanOrEqual(wanted);
      best = Math.max(best, capacity - taken!);
      // working hours: every instant of the buffered slot lies in one interval of one local day
      const walls = wallChecks(occStart, occEnd, r.timeZone).map((t) => wall(t, r.timeZone));
      const day = walls[0]!;
      expect(walls.every((w) => w.date === day.date), `slot crosses local midnight on ${id}`).toBe(true);
      const inside = hoursOn(r, day.date, day.weekday).some((iv) =>
        walls.every((w) => w.minutes >= minutesOf(iv.start) && w.minutes < minutesOf(iv.end)),
      );
      expect(inside, `outside working hours on ${id} at ${slot.start.toISOString()} (${r.timeZone})`).toBe(true);
    }
    expect(slot.seatsLeft).toBe(best);
    expect(slot.seatsLeft).toBeLessThanOrEqual(capacity);
  }
}

const pairs = (slots: Slot[]) => new Set(slots.flatMap((s) => s.resourceIds.map((id) => `${s.start.toISOString()} ${id}`)));

function shuffle<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let x = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ----- properties ----------------------------------------------------------------------------

const RUNS = { numRuns: 250 };
// Generous: a busy CI machine can be several times slower than a laptop.
const TIMEOUT = 120_000;

describe('availability properties (zones with DST)', () => {
  const arb = scenarioArb([...DST_ZONES, ...FIXED_ZONES]).map(withClassBookings);

  it('every slot: sorted, unique, inside working hours, clear of busy time, notice, advance, capacity', () => {
    fc.assert(
      fc.property(arb, (q) => {
        checkSlotRules(q, computeAvailability(q));
      }),
      RUNS,
    );
  }, TIMEOUT);

  it('the result does not depend on the order of busy intervals', () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 1 << 30 }), (q, seed) => {
        const a = computeAvailability(q);
        const b = computeAvailability({ ...q, busy: shuffle(q.busy, seed) });
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  }, TIMEOUT);

  it('busy time only removes the slots it conflicts with', () => {
    fc.assert(
      fc.property(arb, (q) => {
        const free = pairs(computeAvailability({ ...q, busy: [] }));
        const withBusy = pairs(computeAvailability(q));
        for (const p of withBusy) expect(free.has(p)).toBe(true);
        for (const p of free) {
          if (withBusy.has(p)) continue;
          const [iso, id] = p.split(' ');
          const [occStart, occEnd] = occupied(q, Date.parse(iso!));
          const taken = seatsTakenOrBlocked(q, id!, occStart, occEnd);
          // dropped only because of a conflict or too few seats left
          expect(taken === null || (q.service.capacity ?? 1) - taken < (q.seats ?? 1), `${p} dropped without a conflict`).toBe(true);
        }
      }),
      RUNS,
    );
  }, TIMEOUT);
});

describe('availability against a brute-force oracle (fixed-offset zones)', () => {
  // Without DST a local day is a plain 24-hour span, so the expected starts can be listed naively.
  function expected(q: AvailabilityQuery): Set<string> {
    const s = q.service;
    const step = (s.slotStepMinutes ?? s.durationMinutes) * MIN;
    const out = new Set<string>();
    for (const r of q.resources) {
      const offset = DateTime.fromMillis(0, { zone: r.timeZone }).offset * MIN;
      const advance = wall(q.now.getTime(), r.timeZone).naive + s.maxAdvanceDays * DAY;
      const firstDay = Math.floor((q.window.from.getTime() + offset) / DAY) * DAY - DAY;
      for (let day = firstDay; day <= q.window.to.getTime() + offset + DAY; day += DAY) {
        const date = new Date(day).toISOString().slice(0, 10);
        const weekday = WEEKDAYS[(new Date(day).getUTCDay() + 6) % 7]!;
        for (const iv of hoursOn(r, date, weekday)) {
          const a = day + minutesOf(iv.start) * MIN - offset;
          const b = day + minutesOf(iv.end) * MIN - offset;
          for (let t = a; t < b; t += step) {
            const [occStart, occEnd] = occupied(q, t);
            if (occStart < a || occEnd > b) continue;
            if (t < q.window.from.getTime() || t >= q.window.to.getTime()) continue;
            if (t < q.now.getTime() + s.minNoticeMinutes * MIN || t + offset > advance) continue;
            const taken = seatsTakenOrBlocked(q, r.id, occStart, occEnd);
            if (taken === null || (s.capacity ?? 1) - taken < (q.seats ?? 1)) continue;
            out.add(`${new Date(t).toISOString()} ${r.id}`);
          }
        }
      }
    }
    return out;
  }

  it('finds exactly the free (start, resource) pairs', () => {
    fc.assert(
      fc.property(scenarioArb(FIXED_ZONES).map(withClassBookings), (q) => {
        expect([...pairs(computeAvailability(q))].sort()).toEqual([...expected(q)].sort());
      }),
      RUNS,
    );
  }, TIMEOUT);
});
