import { DateTime } from 'luxon';
import type { FieldProblem } from '../kernel/domain-error.ts';
import type { DaySlice } from './analytics.repository.ts';
import { nextDate, ZoneClock } from './zone-clock.ts';

/**
 * `from`/`to` of the analytics routes (design.md §10, issue #7): a calendar date read in the
 * tenant's time zone (`to` includes that whole day) or a full ISO 8601 time with an offset
 * (`to` is then exclusive). Ranges are half-open [from, to) internally.
 */

export const MAX_RANGE_DAYS = 400;
export const MAX_HOURLY_DAYS = 31;
export const DEFAULT_RANGE_DAYS = 30;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** DATE or DATE_TIME as one JSON Schema pattern (the API document's `from`/`to`). */
export const RANGE_BOUND_PATTERN = `^(?:${DATE.source.slice(1, -1)}|${DATE_TIME.source.slice(1, -1)})$`;

export function isRangeBound(value: string): boolean {
  if (DATE.test(value)) return DateTime.fromISO(value, { zone: 'UTC' }).isValid;
  if (DATE_TIME.test(value)) return DateTime.fromISO(value, { setZone: true }).isValid;
  return false;
}

function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

export const RANGE_BOUND_MESSAGE = 'a date (YYYY-MM-DD) or an ISO 8601 time with an offset (e.g. 2026-12-01T09:00:00+01:00)';

export interface ResolvedRange {
  from: Date;
  to: Date;
  timeZone: string;
  days: DaySlice[];
}

export type RangeResult = { ok: true; range: ResolvedRange } | { ok: false; errors: FieldProblem[] };

function bound(value: string, timeZone: string, side: 'from' | 'to'): DateTime {
  if (DATE.test(value)) {
    const zone = ZoneClock.of(timeZone);
    return DateTime.fromMillis(zone.dayStart(side === 'from' ? value : nextDate(value)), { zone: timeZone });
  }
  return DateTime.fromISO(value, { setZone: true });
}

/** The local days [from, to) touches, each clipped to the range. */
export function daySlices(from: Date, to: Date, timeZone: string): DaySlice[] {
  const zone = ZoneClock.of(timeZone);
  const slices: DaySlice[] = [];
  let date = zone.dateOf(from.getTime());
  let day = zone.day(date);
  while (day.lo < to.getTime()) {
    const lo = Math.max(day.lo, from.getTime());
    const hi = Math.min(day.hi, to.getTime());
    slices.push({ day: date, lo: new Date(lo), hi: new Date(hi), whole: lo === day.lo && hi === day.hi });
    date = nextDate(date);
    day = zone.day(date);
  }
  return slices;
}

/** The whole local day of a calendar date (23 or 25 hours on a DST change). */
export function sliceOfDate(day: string, timeZone: string): DaySlice {
  const { lo, hi } = ZoneClock.of(timeZone).day(day);
  return { day, lo: new Date(lo), hi: new Date(hi), whole: true };
}

/** The whole local day an instant belongs to. */
export function localDay(at: Date, timeZone: string): DaySlice {
  return sliceOfDate(ZoneClock.of(timeZone).dateOf(at.getTime()), timeZone);
}

export function dayStartIso(day: string, timeZone: string): string {
  return ZoneClock.of(timeZone).day(day).startIso;
}

export function isoInZone(at: Date, timeZone: string): string {
  return ZoneClock.of(timeZone).iso(at.getTime());
}

/**
 * Defaults: without `to`, through the end of today; without `from`, the 30 local days ending at `to`.
 * Errors name the query field (`query.from`, `query.to`).
 */
export function resolveRange(query: { from?: string | undefined; to?: string | undefined }, timeZone: string, now: Date, maxDays = MAX_RANGE_DAYS): RangeResult {
  const errors: FieldProblem[] = [];
  for (const side of ['from', 'to'] as const) {
    const value = query[side];
    if (value !== undefined && !isRangeBound(value)) errors.push({ path: `query.${side}`, message: `must be ${RANGE_BOUND_MESSAGE}` });
  }
  if (errors.length > 0) return { ok: false, errors };

  const to = query.to !== undefined ? bound(query.to, timeZone, 'to') : bound(ZoneClock.of(timeZone).dateOf(now.getTime()), timeZone, 'to');
  const from =
    query.from !== undefined
      ? bound(query.from, timeZone, 'from')
      : bound(daysBefore(ZoneClock.of(timeZone).dateOf(to.toMillis() - 1), DEFAULT_RANGE_DAYS - 1), timeZone, 'from');
  // A date `to` is compared by the start of its day: from=11-02&to=11-01 is backwards, not empty.
  const toStart = query.to !== undefined && DATE.test(query.to) ? bound(query.to, timeZone, 'from') : to;
  if (toStart < from) return { ok: false, errors: [{ path: 'query.to', message: 'must not be before `from`' }] };
  // Checked on the two instants before any day is built: a 0001..9999 range would otherwise walk
  // 3.6 million days on the event loop (issue 14). A local day is at most 25 h, so +2 days of slack.
  const spanDays = (to.toMillis() - from.toMillis()) / 86_400_000;
  if (spanDays > maxDays + 2) {
    return { ok: false, errors: [{ path: 'query.to', message: `the range covers about ${Math.ceil(spanDays)} days; at most ${maxDays} are allowed` }] };
  }
  const days = daySlices(from.toJSDate(), to.toJSDate(), timeZone);
  if (days.length > maxDays) {
    return { ok: false, errors: [{ path: 'query.to', message: `the range covers ${days.length} days; at most ${maxDays} are allowed` }] };
  }
  return { ok: true, range: { from: from.toJSDate(), to: to.toJSDate(), timeZone, days } };
}
