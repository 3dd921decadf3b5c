import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { nextDate, ZoneClock } from '../../../core/analytics/zone-clock.ts';

// Zones with DST at 02:00/03:00, at midnight (Santiago, Havana), 30-minute DST (Lord Howe), odd offsets.
const ZONES = ['America/New_York', 'Europe/Berlin', 'America/Santiago', 'America/Havana', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Africa/Casablanca', 'UTC'];

/**
 * The oracle is the definition, checked with luxon's formatting: a day starts at the earliest
 * instant whose local date it is (transitions fall on whole minutes, so the minute before is the
 * previous date). luxon's own startOf('day') is not the oracle: where midnight repeats (Havana
 * falls back from 01:00 to 00:00) it answers the second midnight.
 */
const localDate = (t: number, zone: string) => DateTime.fromMillis(t, { zone }).toISODate();
const expectDayStart = (zone: string, date: string, start: number) => {
  expect([zone, date, localDate(start, zone)]).toEqual([zone, date, date]);
  expect([zone, date, localDate(start - 60_000, zone)! < date]).toEqual([zone, date, true]);
};
const dates = (from: string, count: number) => {
  const out = [from];
  while (out.length < count) out.push(nextDate(out[out.length - 1]!));
  return out;
};

describe('ZoneClock', () => {
  it('starts every local day of 2025-2027 at its first instant, in every zone, in calendar order', () => {
    for (const zone of ZONES) {
      const clock = ZoneClock.of(zone);
      for (const date of dates('2025-01-01', 3 * 365)) expectDayStart(zone, date, clock.dayStart(date));
    }
  });

  it('starts days correctly in any order of asking (the offset hint never leaks across a transition)', () => {
    const all = dates('2024-01-01', 5 * 365);
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.array(fc.constantFrom(...all), { minLength: 1, maxLength: 40 }), (zone, asked) => {
        // A fresh clock per run, so the hint comes from the dates asked before in this run only.
        const clock = new ZoneClock(zone);
        for (const date of asked) expectDayStart(zone, date, clock.dayStart(date));
      }),
      { numRuns: 300 },
    );
  });

  it('formats instants with the local offset, across transitions', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) }), (zone, t) => {
        const at = t - (t % 1000);
        expect(ZoneClock.of(zone).iso(at)).toBe(DateTime.fromMillis(at, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true })!.replace(/Z$/, '+00:00'));
        expect(ZoneClock.of(zone).dateOf(at)).toBe(DateTime.fromMillis(at, { zone }).toISODate());
      }),
      { numRuns: 500 },
    );
  });

  it('knows the 25-hour and 23-hour days of New York and Berlin', () => {
    const hours = (zone: string, date: string) => {
      const d = ZoneClock.of(zone).day(date);
      return (d.hi - d.lo) / 3_600_000;
    };
    expect([hours('America/New_York', '2026-11-01'), hours('America/New_York', '2026-03-08'), hours('Europe/Berlin', '2026-10-25'), hours('Europe/Berlin', '2026-03-29')]).toEqual([25, 23, 25, 23]);
    expect(ZoneClock.of('America/New_York').day('2026-11-02').startIso).toBe('2026-11-02T00:00:00-05:00');
    // Havana repeats midnight on 2025-11-02 (01:00 CDT → 00:00 CST): the day starts at the first one,
    // also when the day after was asked first (its offset is the second midnight's).
    const havana = new ZoneClock('America/Havana');
    havana.dayStart('2025-11-05');
    expect(havana.day('2025-11-02')).toMatchObject({ lo: Date.UTC(2025, 10, 2, 4), startIso: '2025-11-02T00:00:00-04:00' });
  });
});
