import { DateTime } from 'luxon';

/**
 * Local days and hours of one IANA zone, fast: a year of day bounds through luxon cost ~150 ms
 * on these machines (several zone look-ups per day), more than the whole summary budget. Here a
 * day costs two Intl look-ups (the offset guessed from the previous day, then checked), falling
 * back to luxon only around a transition, and is cached for the life of the process (a zone's
 * past and near-future midnights do not change while it runs).
 */

const MAX_CACHED_DAYS = 50_000;
const DAY_MS = 86_400_000;

export interface LocalDayBounds {
  /** First instant of the local date (epoch ms). */
  lo: number;
  /** First instant of the next local date. */
  hi: number;
  /** The start as ISO 8601 with the offset in effect, e.g. 2026-11-02T00:00:00-05:00. */
  startIso: string;
}

export class ZoneClock {
  private static readonly clocks = new Map<string, ZoneClock>();
  private readonly format: Intl.DateTimeFormat;
  private readonly starts = new Map<string, number>();
  private readonly days = new Map<string, LocalDayBounds>();
  private hintMs = 0;

  static of(timeZone: string): ZoneClock {
    let clock = ZoneClock.clocks.get(timeZone);
    if (!clock) {
      clock = new ZoneClock(timeZone);
      ZoneClock.clocks.set(timeZone, clock);
    }
    return clock;
  }

  /** Prefer `ZoneClock.of` (shared, cached); a new instance starts with an empty cache. */
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The local wall-clock time of an instant, written as if it were UTC (epoch ms, whole seconds). */
  wall(t: number): number {
    const p: Record<string, number> = {};
    for (const part of this.format.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  }

  /** UTC offset at an instant, in ms. */
  offset(t: number): number {
    return this.wall(t) - Math.floor(t / 1000) * 1000;
  }

  /** The local calendar date of an instant. */
  dateOf(t: number): string {
    return new Date(this.wall(t)).toISOString().slice(0, 10);
  }

  /** ISO 8601 in this zone with its offset, seconds precision. */
  iso(t: number): string {
    const offset = this.offset(t);
    return `${new Date(t + offset).toISOString().slice(0, 19)}${formatOffset(offset)}`;
  }

  /** First instant of a local date: the earliest instant whose local date it is. */
  dayStart(date: string): number {
    const cached = this.starts.get(date);
    if (cached !== undefined) return cached;
    const wall = Date.parse(`${date}T00:00:00Z`);
    // Fast path: the last offset seen, if it is in effect both at the guessed midnight and a second before.
    let start: number;
    const guess = wall - this.hintMs;
    if (this.offset(guess) === this.hintMs && this.offset(guess - 1000) === this.hintMs) {
      start = guess;
    } else {
      // Around a transition (or the first call). Every offset in effect near that midnight gives a
      // candidate; the earliest that really is local midnight wins (where midnight repeats, luxon
      // alone answers the second one). No candidate: midnight falls in a gap, and the day starts
      // when the gap ends, which is what luxon answers.
      const luxon = DateTime.fromISO(date, { zone: this.timeZone }).startOf('day').toMillis();
      const offsets = new Set([this.offset(wall - DAY_MS), this.offset(wall), this.offset(wall + DAY_MS), this.offset(luxon)]);
      const midnights = [...offsets].map((o) => wall - o).filter((t) => this.wall(t) === wall);
      start = midnights.length > 0 ? Math.min(...midnights) : luxon;
      this.hintMs = this.offset(start);
    }
    if (this.starts.size >= MAX_CACHED_DAYS) this.starts.clear();
    this.starts.set(date, start);
    return start;
  }

  day(date: string): LocalDayBounds {
    let bounds = this.days.get(date);
    if (!bounds) {
      const lo = this.dayStart(date);
      bounds = { lo, hi: this.dayStart(nextDate(date)), startIso: this.iso(lo) };
      if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
      this.days.set(date, bounds);
    }
    return bounds;
  }
}

export function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

function formatOffset(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
