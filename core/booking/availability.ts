// Pure availability computation: which start times of a service can still be booked.
// No database, no clock of its own: every input (including `now`) is passed in.
import { DateTime, IANAZone } from 'luxon';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Wall-clock interval of one local day, 'HH:mm' to 'HH:mm' ('24:00' allowed as end), start < end. */
export interface LocalInterval {
  start: string;
  end: string;
}

export type WeeklyHours = Partial<Record<Weekday, readonly LocalInterval[]>>;

/** Replaces the weekly hours of one local date; `intervals: []` closes the day (holiday). */
export interface DateOverride {
  date: string; // 'YYYY-MM-DD' in the resource's zone
  intervals: readonly LocalInterval[];
}

export interface AvailabilityService {
  id: string;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  /** People per slot; > 1 makes it a class whose bookings share one start. Default 1. */
  capacity?: number;
  /** Distance between candidate starts; default = durationMinutes. */
  slotStepMinutes?: number;
  minNoticeMinutes: number;
  /**
   * Latest bookable start: the same wall-clock time this many calendar days after `now`, in the
   * resource's zone (if that time falls in a DST gap, the end of the gap).
   */
  maxAdvanceDays: number;
}

export interface AvailabilityResource {
  id: string;
  timeZone: string; // IANA
  weeklyHours: WeeklyHours;
  overrides?: readonly DateOverride[];
}

/** Time a resource is taken, buffers INCLUDED (as stored for active bookings). */
export interface BusyInterval {
  resourceId: string;
  start: Date;
  end: Date;
  /** Seats this booking holds (default 1); only matters for bookings of the same service at the same start. */
  seats?: number;
  serviceId?: string;
}

/** Slots whose start lies in [from, to). */
export interface TimeWindow {
  from: Date;
  to: Date;
}

export interface AvailabilityQuery {
  service: AvailabilityService;
  /** Resources that can perform the service, in the merchant's order of preference. */
  resources: readonly AvailabilityResource[];
  busy: readonly BusyInterval[];
  window: TimeWindow;
  now: Date;
  /** Seats the shopper wants in one booking (party size); default 1. */
  seats?: number;
}

export interface Slot {
  start: Date;
  end: Date;
  /** Resources free at this time, best first (see README: class already running, then lightest day, then given order). */
  resourceIds: string[];
  /** Most seats one booking can still take here (the maximum over `resourceIds`). */
  seatsLeft: number;
}

/** Bad input to computeAvailability (a programming or configuration error, not a shopper error). */
export class AvailabilityInputError extends Error {
  readonly code = 'AVAILABILITY_INPUT_INVALID';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'AvailabilityInputError';
  }
}

export type TimeInputErrorCode = 'INVALID_DATE' | 'MISSING_OFFSET' | 'INVALID_TIME_ZONE';

/** A `from`/`to` value or time zone a caller sent that we cannot read; routes map it to a 400 problem. */
export class TimeInputError extends Error {
  constructor(
    readonly code: TimeInputErrorCode,
    message: string,
    readonly value: string,
  ) {
    super(message);
    this.name = 'TimeInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// Zone offsets: the tz database through luxon, cached per UTC day
// ---------------------------------------------------------------------------------------------

const MINUTE = 60_000;
const DAY = 86_400_000;

interface DayBlock {
  o0: number; // offset (minutes) from the block's start
  at: number; // instant of a transition inside the block, or Infinity
  o1: number; // offset from `at` on
}

/**
 * Offset lookups through Intl cost ~15-30 µs each here, too slow to call per candidate slot.
 * Offsets are constant within a UTC day except at a transition, so we cache one block per day
 * (assumption: no zone has two transitions within 24 h, true of the tz database).
 */
class ZoneClock {
  private readonly blocks = new Map<number, DayBlock>();
  private readonly boundaries = new Map<number, number>();

  constructor(private readonly zone: IANAZone) {}

  private boundaryOffset(k: number): number {
    let o = this.boundaries.get(k);
    if (o === undefined) {
      o = this.zone.offset(k * DAY);
      this.boundaries.set(k, o);
    }
    return o;
  }

  private block(k: number): DayBlock {
    let b = this.blocks.get(k);
    if (b) return b;
    if (this.blocks.size > 200_000) {
      // Bounded memory for a long-running process; recomputing is cheap enough.
      this.blocks.clear();
      this.boundaries.clear();
      this.lastBlock = undefined;
    }
    const o0 = this.boundaryOffset(k);
    const o1 = this.boundaryOffset(k + 1);
    if (o0 === o1) {
      b = { o0, at: Infinity, o1 };
    } else {
      // Smallest whole second in (start, end] whose offset differs from o0 (tz transitions fall on whole seconds).
      let lo = (k * DAY) / 1000;
      let hi = ((k + 1) * DAY) / 1000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.zone.offset(mid * 1000) === o0) lo = mid;
        else hi = mid;
      }
      b = { o0, at: hi * 1000, o1 };
    }
    this.blocks.set(k, b);
    return b;
  }

  private lastK = NaN;
  private lastBlock: DayBlock | undefined;

  /** Offset from UTC in minutes at instant t (ms). */
  offsetAt(t: number): number {
    // Callers walk time in order, so the previous block is usually the right one.
    const k = Math.floor(t / DAY);
    let b = this.lastBlock;
    if (k !== this.lastK || !b) {
      b = this.block(k);
      this.lastK = k;
      this.lastBlock = b;
    }
    return t < b.at ? b.o0 : b.o1;
  }

  /** Transitions in [a, b): the instant and the offsets before and after. */
  transitionsIn(a: number, b: number): { at: number; from: number; to: number }[] {
    const out: { at: number; from: number; to: number }[] = [];
    for (let k = Math.floor(a / DAY); k * DAY < b; k++) {
      const blk = this.block(k);
      if (blk.at >= a && blk.at < b) out.push({ at: blk.at, from: blk.o0, to: blk.o1 });
    }
    return out;
  }

  /** Local wall-clock time of instant t, expressed as ms since 1970-01-01T00:00 "as if UTC". */
  wall(t: number): number {
    return t + this.offsetAt(t) * MINUTE;
  }
}

const clocks = new Map<string, ZoneClock>();

function clockFor(timeZone: string): ZoneClock | undefined {
  let c = clocks.get(timeZone);
  if (c) return c;
  if (!IANAZone.isValidZone(timeZone)) return undefined;
  c = new ZoneClock(IANAZone.create(timeZone));
  clocks.set(timeZone, c);
  return c;
}

function requireClock(timeZone: string, path: string): ZoneClock {
  const c = clockFor(timeZone);
  if (!c) throw new AvailabilityInputError(`unknown IANA time zone "${timeZone}"`, path);
  return c;
}

/** Offset transitions of an IANA zone in [from, to), e.g. for building a VTIMEZONE. */
export function zoneTransitions(
  timeZone: string,
  from: Date,
  to: Date,
): { at: Date; offsetBeforeMinutes: number; offsetAfterMinutes: number }[] {
  const c = clockFor(timeZone);
  if (!c) throw new TimeInputError('INVALID_TIME_ZONE', `unknown IANA time zone "${timeZone}"`, timeZone);
  return c
    .transitionsIn(from.getTime(), to.getTime())
    .map((t) => ({ at: new Date(t.at), offsetBeforeMinutes: t.from, offsetAfterMinutes: t.to }));
}

/** Offset (minutes east of UTC) of an IANA zone at an instant. */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  const c = clockFor(timeZone);
  if (!c) throw new TimeInputError('INVALID_TIME_ZONE', `unknown IANA time zone "${timeZone}"`, timeZone);
  return c.offsetAt(at.getTime());
}

/**
 * The instants of local date `day0` (ms of that date's midnight "as if UTC") whose wall-clock time
 * lies in [startMin, endMin), as contiguous runs [a, b). Usually one run; on a spring-forward day
 * the nonexistent hour is skipped (01:00-04:00 is 2 real hours), on a fall-back day the repeated hour
 * is counted twice (01:00-04:00 is 4 real hours), and an interval starting inside the repeated hour
 * (02:30-05:00) yields two runs, because the first 02:00-02:30 is inside it and the second is not.
 */
function wallRuns(clock: ZoneClock, day0: number, startMin: number, endMin: number): [number, number][] {
  // Offsets lie within [-12h, +14h]; one hour of margin either side.
  const lo = day0 - 15 * 3_600_000;
  const hi = day0 + DAY + 13 * 3_600_000;
  const runs: [number, number][] = [];
  let pieceStart = lo;
  for (const tr of clock.transitionsIn(lo, hi)) {
    addRun(runs, pieceStart, tr.at, tr.from, day0, startMin, endMin);
    pieceStart = tr.at;
  }
  addRun(runs, pieceStart, hi, clock.offsetAt(pieceStart), day0, startMin, endMin);
  return runs;
}

// A plain function, not a closure: tsx wraps every closure creation in a name helper, which showed in profiles.
function addRun(runs: [number, number][], a: number, b: number, o: number, day0: number, startMin: number, endMin: number): void {
  const ra = Math.max(a, day0 + (startMin - o) * MINUTE);
  const rb = Math.min(b, day0 + (endMin - o) * MINUTE);
  if (ra >= rb) return;
  const last = runs[runs.length - 1];
  if (last && last[1] === ra) last[1] = rb;
  else runs.push([ra, rb]);
}

/** First instant whose local wall-clock time is at or after `wallMs` on that local day (gap → its end). */
function wallToInstant(clock: ZoneClock, wallMs: number): number {
  const day0 = Math.floor(wallMs / DAY) * DAY;
  const runs = wallRuns(clock, day0, (wallMs - day0) / MINUTE, 24 * 60);
  return runs.length ? runs[0]![0] : wallRuns(clock, day0 + DAY, 0, 24 * 60)[0]![0];
}

// ---------------------------------------------------------------------------------------------
// Input validation and preparation
// ---------------------------------------------------------------------------------------------

const WEEKDAY_BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseHHmm(value: string, path: string): number {
  if (typeof value !== 'string' || !HHMM.test(value)) {
    throw new AvailabilityInputError(`expected "HH:mm" (00:00-24:00), got ${JSON.stringify(value)}`, path);
  }
  return Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));
}

type MinuteInterval = readonly [number, number];

function parseIntervals(list: readonly LocalInterval[] | undefined, path: string): MinuteInterval[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new AvailabilityInputError('expected an array of intervals', path);
  return list.map((iv, i) => {
    const s = parseHHmm(iv?.start, `${path}[${i}].start`);
    const e = parseHHmm(iv?.end, `${path}[${i}].end`);
    if (e <= s) {
      throw new AvailabilityInputError(
        `end ${iv.end} must be after start ${iv.start} (split an overnight shift across two days)`,
        `${path}[${i}]`,
      );
    }
    return [s, e] as const;
  });
}

/** Midnight of a 'YYYY-MM-DD' date as UTC ms, or undefined when it is not a real calendar date. */
function parseIsoDate(value: string): number | undefined {
  const m = ISO_DATE.exec(value);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return t;
}

function requireInt(value: unknown, path: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new AvailabilityInputError(`expected an integer >= ${min}, got ${String(value)}`, path);
  }
  return value;
}

function requireTime(value: unknown, path: string): number {
  const t = value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(t)) throw new AvailabilityInputError('expected a valid Date', path);
  return t;
}

interface PreparedResource {
  index: number;
  id: string;
  clock: ZoneClock;
  timeZone: string;
  weekly: MinuteInterval[][]; // by UTC day index 0 = sunday
  overrides: Map<number, MinuteInterval[]>; // by local midnight "as if UTC"
  busyStart: number[]; // raw busy of this resource, in input order
  busyEnd: number[];
  busySeats: number[];
  busySame: boolean[]; // same service as the query (may share seats at the same start)
}

function prepareResources(query: AvailabilityQuery, serviceId: string): PreparedResource[] {
  const byId = new Map<string, PreparedResource>();
  const prepared = query.resources.map((r, index) => {
    const path = `resources[${index}]`;
    if (typeof r?.id !== 'string' || r.id === '') throw new AvailabilityInputError('expected a non-empty id', `${path}.id`);
    if (byId.has(r.id)) throw new AvailabilityInputError(`duplicate resource id "${r.id}"`, `${path}.id`);
    const clock = requireClock(r.timeZone, `${path}.timeZone`);
    const weekly = WEEKDAY_BY_UTC_DAY.map((wd) => parseIntervals(r.weeklyHours?.[wd], `${path}.weeklyHours.${wd}`));
    const overrides = new Map<number, MinuteInterval[]>();
    (r.overrides ?? []).forEach((o, i) => {
      const day0 = parseIsoDate(o?.date);
      if (day0 === undefined) {
        throw new AvailabilityInputError(`expected a "YYYY-MM-DD" date, got ${JSON.stringify(o?.date)}`, `${path}.overrides[${i}].date`);
      }
      overrides.set(day0, parseIntervals(o.intervals, `${path}.overrides[${i}].intervals`));
    });
    const p: PreparedResource = {
      index,
      id: r.id,
      clock,
      timeZone: r.timeZone,
      weekly,
      overrides,
      busyStart: [],
      busyEnd: [],
      busySeats: [],
      busySame: [],
    };
    byId.set(r.id, p);
    return p;
  });

  const busy = query.busy;
  let lastId: string | undefined;
  let p: PreparedResource | undefined;
  for (let i = 0; i < busy.length; i++) {
    const b = busy[i]!;
    if (b.resourceId !== lastId) {
      // Busy lists usually come grouped by resource: skip the map lookup while it stays the same.
      lastId = b.resourceId;
      p = byId.get(lastId);
    }
    if (!p) continue; // busy time of a resource that cannot perform this service is irrelevant
    const s = requireTime(b.start, `busy[${i}].start`);
    const e = requireTime(b.end, `busy[${i}].end`);
    if (e <= s) continue; // an empty interval blocks nothing
    p.busyStart.push(s);
    p.busyEnd.push(e);
    p.busySeats.push(b.seats === undefined ? 1 : requireInt(b.seats, `busy[${i}].seats`, 0));
    p.busySame.push(b.serviceId === serviceId);
  }
  return prepared;
}

/** Busy time of one resource in the shapes the sweep needs, sorted by start. */
interface SortedBusy {
  os: Float64Array; // others (block whatever they overlap): starts ascending
  oe: Float64Array; // ... and their ends
  gs: number[]; // same-service bookings grouped by start: start ascending
  ge: number[]; // furthest end in the group
  gSeats: number[]; // seats taken in the group
  loadByDay: Map<number, number>; // booked ms starting on each local day
}

function sortBusy(p: PreparedResource): SortedBusy {
  const { busyStart: bs, busyEnd: be, busySame: same, busySeats: seats } = p;
  // Ties do not matter below (running maxima and group sums), so the result is independent of input order.
  const order = orderByStart(bs);
  let nOther = 0;
  for (let i = 0; i < same.length; i++) if (!same[i]) nOther++;
  const os = new Float64Array(nOther);
  const oe = new Float64Array(nOther);
  const gs: number[] = [];
  const ge: number[] = [];
  const gSeats: number[] = [];
  const loadByDay = new Map<number, number>();
  let o = 0;
  let lastDayKey = NaN;
  let lastDayLoad = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const s = bs[i]!;
    const e = be[i]!;
    const dayKey = Math.floor(p.clock.wall(s) / DAY) * DAY;
    if (dayKey !== lastDayKey) {
      if (lastDayKey === lastDayKey) loadByDay.set(lastDayKey, lastDayLoad);
      lastDayKey = dayKey;
      lastDayLoad = loadByDay.get(dayKey) ?? 0;
    }
    lastDayLoad += e - s;
    if (!same[i]) {
      os[o] = s;
      oe[o++] = e;
    } else {
      const last = gs.length - 1;
      if (last >= 0 && gs[last] === s) {
        if (e > ge[last]!) ge[last] = e;
        gSeats[last]! += seats[i]!;
      } else {
        gs.push(s);
        ge.push(e);
        gSeats.push(seats[i]!);
      }
    }
  }
  if (lastDayKey === lastDayKey) loadByDay.set(lastDayKey, lastDayLoad);
  return { os, oe, gs, ge, gSeats, loadByDay };
}

/**
 * Indices of `starts` in ascending order of value. When (range × count) fits a double exactly, each
 * index is packed below its start offset into one number and sorted natively, with no comparator
 * (several times faster); otherwise a comparator sort.
 */
function orderByStart(starts: number[]): Uint32Array {
  const n = starts.length;
  const order = new Uint32Array(n);
  if (n === 0) return order;
  let min = Infinity;
  let max = -Infinity;
  for (const s of starts) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  if ((max - min + 1) * n < Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (starts[i]! - min) * n + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => starts[a]! - starts[b]!);
  return order;
}

// ---------------------------------------------------------------------------------------------
// The computation
// ---------------------------------------------------------------------------------------------

/** Free starts of one resource, ascending, as parallel arrays (no object per candidate). */
interface FreeStarts {
  res: PreparedResource;
  n: number;
  start: Float64Array;
  seatsLeft: Int32Array;
  load: Float64Array;
}

/**
 * Bookable slots of `query.service`, sorted by start and merged across resources.
 *
 * A start s fits a resource when [s - bufferBefore, s + duration + bufferAfter] lies inside one of
 * its working intervals of that local day, overlaps none of its busy time, and for bookings of the
 * same service at the same start (a class) enough seats remain. Starts lie on the step grid anchored
 * at the working interval's first instant, respect minimum notice and maximum advance, and fall in
 * [window.from, window.to).
 *
 * Cost: O(B log B) to sort B busy intervals, then one forward sweep per resource over its candidate
 * starts and its sorted busy list, O(C + B) for C candidate starts, then a k-way merge across resources.
 */
export function computeAvailability(query: AvailabilityQuery): Slot[] {
  const svc = query.service;
  if (typeof svc?.id !== 'string') throw new AvailabilityInputError('expected a service id', 'service.id');
  const duration = requireInt(svc.durationMinutes, 'service.durationMinutes', 1) * MINUTE;
  const bufBefore = requireInt(svc.bufferBeforeMinutes, 'service.bufferBeforeMinutes', 0) * MINUTE;
  const bufAfter = requireInt(svc.bufferAfterMinutes, 'service.bufferAfterMinutes', 0) * MINUTE;
  const capacity = svc.capacity === undefined ? 1 : requireInt(svc.capacity, 'service.capacity', 1);
  const step =
    (svc.slotStepMinutes === undefined ? duration / MINUTE : requireInt(svc.slotStepMinutes, 'service.slotStepMinutes', 1)) * MINUTE;
  const minNotice = requireInt(svc.minNoticeMinutes, 'service.minNoticeMinutes', 0) * MINUTE;
  const maxAdvanceDays = requireInt(svc.maxAdvanceDays, 'service.maxAdvanceDays', 0);
  const wanted = query.seats === undefined ? 1 : requireInt(query.seats, 'seats', 1);
  const now = requireTime(query.now, 'now');
  const from = requireTime(query.window?.from, 'window.from');
  const to = requireTime(query.window?.to, 'window.to');
  const resources = prepareResources(query, svc.id);

  const lower = Math.max(from, now + minNotice);
  const perResource: FreeStarts[] = [];

  for (const res of resources) {
    // Calendar days in the resource's zone: "60 days ahead" keeps its wall-clock time across DST.
    const advanceLimit = wallToInstant(res.clock, res.clock.wall(now) + maxAdvanceDays * DAY);
    const upper = Math.min(to, advanceLimit + 1); // exclusive
    if (lower >= upper) continue;

    // Candidate starts on every local day that can hold one (a day of margin for zones whose
    // transitions move the wall date), generated in increasing order per working interval.
    const firstDay = Math.floor(res.clock.wall(lower) / DAY) * DAY - DAY;
    const lastDay = Math.floor(res.clock.wall(upper) / DAY) * DAY + DAY;
    const starts: number[] = [];
    const days: number[] = [];
    for (let day0 = firstDay; day0 <= lastDay; day0 += DAY) {
      const intervals = res.overrides.get(day0) ?? res.weekly[new Date(day0).getUTCDay()]!;
      for (const [sMin, eMin] of intervals) {
        for (const [a, b] of wallRuns(res.clock, day0, sMin, eMin)) {
          // s = a + k*step with s - bufBefore >= a, s >= lower; stop when the buffered end leaves the run.
          let k = Math.max(Math.ceil(bufBefore / step), Math.ceil((lower - a) / step));
          for (let s = a + k * step; s + duration + bufAfter <= b && s < upper; s = a + ++k * step) {
            starts.push(s);
            days.push(day0);
          }
        }
      }
    }
    if (starts.length === 0) continue;
    const order = sortedUniqueOrder(starts);
    const { os, oe, gs, ge, gSeats, loadByDay } = sortBusy(res);

    const free: FreeStarts = {
      res,
      n: 0,
      start: new Float64Array(order.length),
      seatsLeft: new Int32Array(order.length),
      load: new Float64Array(order.length),
    };
    let oi = 0;
    let oMaxEnd = -Infinity;
    let gi = 0;
    let gMaxEnd = -Infinity;
    let lastDay0 = NaN;
    let lastLoad = 0;
    for (let c = 0; c < order.length; c++) {
      const idx = order[c]!;
      const s = starts[idx]!;
      const occStart = s - bufBefore;
      const occEnd = s + duration + bufAfter;
      // Busy intervals starting before occStart overlap iff the furthest of their ends passes occStart;
      // those starting inside [occStart, occEnd) always overlap. occStart only grows, so pointers only advance.
      while (oi < os.length && os[oi]! < occStart) {
        if (oe[oi]! > oMaxEnd) oMaxEnd = oe[oi]!;
        oi++;
      }
      if (oMaxEnd > occStart || (oi < os.length && os[oi]! < occEnd)) continue;
      while (gi < gs.length && gs[gi]! < occStart) {
        if (ge[gi]! > gMaxEnd) gMaxEnd = ge[gi]!;
        gi++;
      }
      if (gMaxEnd > occStart) continue;
      let j = gi;
      let taken = 0;
      if (j < gs.length && gs[j] === occStart) taken = gSeats[j++]!; // same class, same start: share it
      if (j < gs.length && gs[j]! < occEnd) continue;
      const seatsLeft = capacity - taken;
      if (seatsLeft < wanted) continue;
      const day0 = days[idx]!;
      if (day0 !== lastDay0) {
        lastDay0 = day0;
        lastLoad = loadByDay.get(day0) ?? 0;
      }
      free.start[free.n] = s;
      free.seatsLeft[free.n] = seatsLeft;
      free.load[free.n++] = lastLoad;
    }
    if (free.n) perResource.push(free);
  }

  return mergeAcrossResources(perResource, duration, capacity);
}

/** Indices of `starts` in increasing order without duplicates (overlapping intervals repeat starts). */
function sortedUniqueOrder(starts: number[]): Uint32Array {
  const idx = new Uint32Array(starts.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  let sorted = true;
  for (let i = 1; i < starts.length; i++) {
    if (starts[i]! <= starts[i - 1]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return idx;
  idx.sort((a, b) => starts[a]! - starts[b]! || a - b);
  return idx.filter((v, i) => i === 0 || starts[v] !== starts[idx[i - 1]!]);
}

/** K-way merge of the per-resource free starts (each ascending) into one slot per start. */
function mergeAcrossResources(perResource: FreeStarts[], duration: number, capacity: number): Slot[] {
  const k = perResource.length;
  const heads = new Int32Array(k);
  const group: number[] = []; // indices into perResource sharing the current start
  const out: Slot[] = [];
  const better = (a: number, b: number): number => {
    const A = perResource[a]!;
    const B = perResource[b]!;
    const ia = heads[a]!;
    const ib = heads[b]!;
    // a class already running fills up first, then the lighter day, then the merchant's order
    return (
      (capacity > 1 ? A.seatsLeft[ia]! - B.seatsLeft[ib]! : 0) || A.load[ia]! - B.load[ib]! || A.res.index - B.res.index
    );
  };
  for (;;) {
    let min = Infinity;
    for (let r = 0; r < k; r++) {
      const f = perResource[r]!;
      if (heads[r]! < f.n && f.start[heads[r]!]! < min) min = f.start[heads[r]!]!;
    }
    if (min === Infinity) break;
    group.length = 0;
    for (let r = 0; r < k; r++) {
      const f = perResource[r]!;
      if (heads[r]! < f.n && f.start[heads[r]!] === min) group.push(r);
    }
    // Insertion sort: groups hold at most one entry per resource.
    for (let i = 1; i < group.length; i++) {
      const g = group[i]!;
      let j = i - 1;
      while (j >= 0 && better(g, group[j]!) < 0) {
        group[j + 1] = group[j]!;
        j--;
      }
      group[j + 1] = g;
    }
    let seatsLeft = 0;
    const resourceIds: string[] = new Array(group.length);
    for (let i = 0; i < group.length; i++) {
      const r = group[i]!;
      const f = perResource[r]!;
      const left = f.seatsLeft[heads[r]!]!;
      if (left > seatsLeft) seatsLeft = left;
      resourceIds[i] = f.res.id;
      heads[r]!++;
    }
    out.push({ start: new Date(min), end: new Date(min + duration), resourceIds, seatsLeft });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers for routes and conflict answers
// ---------------------------------------------------------------------------------------------

/**
 * The n free slots closest to `requestedStart` by absolute distance of their starts, closest first,
 * ties going to the earlier slot. `slots` should be sorted (as computeAvailability returns them).
 */
export function nearestAlternatives<T extends { start: Date }>(slots: readonly T[], requestedStart: Date, n = 3): T[] {
  const target = requestedStart.getTime();
  let sorted: readonly T[] = slots;
  for (let i = 1; i < slots.length; i++) {
    if (slots[i]!.start.getTime() < slots[i - 1]!.start.getTime()) {
      sorted = [...slots].sort((a, b) => a.start.getTime() - b.start.getTime());
      break;
    }
  }
  // First index whose start is >= target; then expand both ways, preferring the left on ties.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.start.getTime() < target) lo = mid + 1;
    else hi = mid;
  }
  let left = lo - 1;
  let right = lo;
  const out: T[] = [];
  while (out.length < n && (left >= 0 || right < sorted.length)) {
    const dl = left >= 0 ? target - sorted[left]!.start.getTime() : Infinity;
    const dr = right < sorted.length ? sorted[right]!.start.getTime() - target : Infinity;
    if (dl <= dr) out.push(sorted[left--]!);
    else out.push(sorted[right++]!);
  }
  return out;
}

/** ISO 8601 with the zone's offset at that instant, e.g. 2026-03-29T10:00:00+02:00 ('Z' for UTC itself). */
export function toZonedIso(date: Date, timeZone: string): string {
  if (!clockFor(timeZone)) throw new TimeInputError('INVALID_TIME_ZONE', `unknown IANA time zone "${timeZone}"`, timeZone);
  const dt = DateTime.fromJSDate(date, { zone: timeZone });
  if (!dt.isValid) throw new TimeInputError('INVALID_DATE', 'not a valid instant', String(date));
  return dt.toISO({ suppressMilliseconds: true })!;
}

const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]([01]\d|2[0-3]):?([0-5]\d))$/;
const ISO_LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/**
 * Reads a `from`/`to` query value: a date 'YYYY-MM-DD' (read in `timeZone`; 'start' gives the first
 * instant of that local day, 'end' the first instant of the next one, an exclusive end) or a full
 * ISO 8601 time WITH offset. A local time without offset is rejected rather than guessed.
 */
export function parseDateOrInstant(value: string, timeZone: string, edge: 'start' | 'end'): Date {
  const clock = clockFor(timeZone);
  if (!clock) throw new TimeInputError('INVALID_TIME_ZONE', `unknown IANA time zone "${timeZone}"`, timeZone);
  if (typeof value !== 'string') throw new TimeInputError('INVALID_DATE', 'expected a date or an ISO 8601 time', String(value));
  const v = value.trim();
  if (ISO_DATE.test(v)) {
    const day0 = parseIsoDate(v);
    if (day0 === undefined) throw new TimeInputError('INVALID_DATE', `${v} is not a calendar date`, value);
    const runs = wallRuns(clock, day0, 0, 24 * 60);
    const t = edge === 'start' ? runs[0]![0] : runs[runs.length - 1]![1];
    return new Date(t);
  }
  if (ISO_INSTANT.test(v)) {
    const dt = DateTime.fromISO(v, { setZone: true });
    if (!dt.isValid) throw new TimeInputError('INVALID_DATE', `${v} is not a valid time (${dt.invalidExplanation ?? dt.invalidReason})`, value);
    return dt.toJSDate();
  }
  if (ISO_LOCAL_DATETIME.test(v)) {
    throw new TimeInputError('MISSING_OFFSET', `${v} has no UTC offset; add one (e.g. Z or +01:00) or send a date`, value);
  }
  throw new TimeInputError('INVALID_DATE', `expected a date (2026-12-01) or an ISO 8601 time with offset, got ${JSON.stringify(value)}`, value);
}
