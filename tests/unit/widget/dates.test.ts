// Booking times in the shopper's zone: grouping by their calendar day, across DST changes.
import { describe, expect, it } from 'vitest';
import { addDays, formatTime, groupByDay, zonedDate } from '../../../widget/src/panel/booking/dates.ts';

describe('booking dates', () => {
  it('groups slots by the shopper’s day, not the tenant’s', () => {
    // 23:30 and 00:30 Berlin time on Dec 1/2 are both Dec 1 evening in New York.
    const slots = [
      { start: '2026-12-02T00:30:00+01:00', end: '2026-12-02T01:30:00+01:00' },
      { start: '2026-12-01T23:30:00+01:00', end: '2026-12-02T00:30:00+01:00' },
      { start: '2026-12-02T10:00:00+01:00', end: '2026-12-02T11:00:00+01:00' },
    ];
    expect(groupByDay(slots, 'Europe/Berlin').map((d) => [d.date, d.slots.length])).toEqual([
      ['2026-12-01', 1],
      ['2026-12-02', 2],
    ]);
    const ny = groupByDay(slots, 'America/New_York');
    expect(ny.map((d) => [d.date, d.slots.length])).toEqual([
      ['2026-12-01', 2],
      ['2026-12-02', 1],
    ]);
    expect(ny[0]!.slots[0]!.start).toBe('2026-12-01T23:30:00+01:00'); // sorted by instant
  });

  it('adds calendar days across DST and month ends', () => {
    expect(addDays('2026-03-28', 1)).toBe('2026-03-29');
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('reads instants in the zone on both sides of a DST change', () => {
    expect(zonedDate('2026-03-29T00:30:00Z', 'Europe/Berlin')).toBe('2026-03-29');
    expect(formatTime('2026-03-29T00:30:00Z', 'de', 'Europe/Berlin')).toBe('01:30');
    expect(formatTime('2026-03-29T01:30:00Z', 'de', 'Europe/Berlin')).toBe('03:30'); // 02:xx does not exist
    expect(zonedDate('2026-11-01T04:30:00Z', 'America/New_York')).toBe('2026-11-01');
  });
});
