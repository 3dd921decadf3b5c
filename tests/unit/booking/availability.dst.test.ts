// Fixed DST vectors (design §7): the exact local starts and UTC instants around the 2026 transitions.
import { describe, expect, it } from 'vitest';
import {
  computeAvailability,
  parseDateOrInstant,
  toZonedIso,
  type AvailabilityResource,
  type LocalInterval,
} from '../../../core/booking/availability.ts';

const service = {
  id: 'fitting',
  durationMinutes: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minNoticeMinutes: 0,
  maxAdvanceDays: 3650,
};
const now = new Date('2026-01-01T00:00:00Z');

function resourceOn(timeZone: string, date: string, intervals: LocalInterval[]): AvailabilityResource {
  // Closed every weekday; the tested date opens through an override so only that day matters.
  return { id: 'r1', timeZone, weeklyHours: {}, overrides: [{ date, intervals }] };
}

function slotsOn(timeZone: string, date: string, intervals: LocalInterval[], durationMinutes = 60) {
  const slots = computeAvailability({
    service: { ...service, durationMinutes },
    resources: [resourceOn(timeZone, date, intervals)],
    busy: [],
    window: { from: parseDateOrInstant(date, timeZone, 'start'), to: parseDateOrInstant(date, timeZone, 'end') },
    now,
  });
  return {
    local: slots.map((s) => toZonedIso(s.start, timeZone).slice(11)),
    utc: slots.map((s) => s.start.toISOString().slice(11, 16)),
    utcFull: slots.map((s) => s.start.toISOString()),
    count: slots.length,
  };
}

const nineToFive = [{ start: '09:00', end: '17:00' }];
const hours = (first: number, n: number) => Array.from({ length: n }, (_, i) => `${String(first + i).padStart(2, '0')}:00`);

describe('09:00-17:00 with a 60-minute service on DST days is 8 local hours', () => {
  it.each([
    // zone, date, offset that day, first UTC hour
    ['Europe/Berlin', '2026-03-29', '+02:00', 7], // spring forward: CEST from 02:00
    ['Europe/Berlin', '2026-03-28', '+01:00', 8], // the day before: still CET
    ['Europe/Berlin', '2026-10-25', '+01:00', 8], // fall back: CET from 03:00
    ['Europe/Berlin', '2026-10-24', '+02:00', 7],
    ['America/New_York', '2026-03-08', '-04:00', 13], // spring forward: EDT from 02:00
    ['America/New_York', '2026-03-07', '-05:00', 14],
    ['America/New_York', '2026-11-01', '-05:00', 14], // fall back: EST from 02:00
    ['America/New_York', '2026-10-31', '-04:00', 13],
  ] as const)('%s %s', (zone, date, offset, firstUtcHour) => {
    const { local, utc } = slotsOn(zone, date, nineToFive);
    expect(local).toEqual(hours(9, 8).map((h) => `${h}:00${offset}`));
    expect(utc).toEqual(hours(firstUtcHour, 8));
  });
});

describe('an interval crossing the 02:00-03:00 transition hour', () => {
  const early = [{ start: '01:00', end: '04:00' }];

  it('Berlin spring forward: 01:00-04:00 is 2 real hours, nothing starts in the gap', () => {
    const r = slotsOn('Europe/Berlin', '2026-03-29', early);
    expect(r.local).toEqual(['01:00:00+01:00', '03:00:00+02:00']);
    expect(r.utcFull).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z']);
  });

  it('Berlin fall back: 01:00-04:00 is 4 real hours, the repeated 02:00 once per offset', () => {
    const r = slotsOn('Europe/Berlin', '2026-10-25', early);
    expect(r.local).toEqual(['01:00:00+02:00', '02:00:00+02:00', '02:00:00+01:00', '03:00:00+01:00']);
    expect(r.utcFull).toEqual([
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('New York spring forward: 01:00-04:00 is 2 real hours', () => {
    const r = slotsOn('America/New_York', '2026-03-08', early);
    expect(r.local).toEqual(['01:00:00-05:00', '03:00:00-04:00']);
    expect(r.utcFull).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z']);
  });

  it('New York fall back: 01:00-04:00 is 4 real hours, the repeated 01:00 once per offset', () => {
    const r = slotsOn('America/New_York', '2026-11-01', early);
    expect(r.local).toEqual(['01:00:00-04:00', '01:00:00-05:00', '02:00:00-05:00', '03:00:00-05:00']);
    expect(r.utcFull).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T08:00:00.000Z',
    ]);
  });

  it('a slot may span the spring gap: 01:00-04:00 holds one 90-minute slot, 01:00 to 03:30 local', () => {
    const berlin = slotsOn('Europe/Berlin', '2026-03-29', early, 90);
    expect(berlin.local).toEqual(['01:00:00+01:00']);
    const ny = slotsOn('America/New_York', '2026-03-08', early, 120);
    expect(ny.utcFull).toEqual(['2026-03-08T06:00:00.000Z']); // 01:00 EST to 04:00 EDT
  });

  it('an interval that starts inside the spring gap starts when the gap ends', () => {
    const r = slotsOn('Europe/Berlin', '2026-03-29', [{ start: '02:30', end: '05:00' }]);
    expect(r.local).toEqual(['03:00:00+02:00', '04:00:00+02:00']);
  });

  it('an interval that starts inside the repeated hour excludes the part of it that is before its start', () => {
    // Wall-clock 02:30-05:00 on the fall-back day is 02:30-03:00 CEST, then 02:30-05:00 CET
    // (the second 02:00-02:30 is before 02:30 and not working time).
    const hour = slotsOn('Europe/Berlin', '2026-10-25', [{ start: '02:30', end: '05:00' }]);
    expect(hour.local).toEqual(['02:30:00+01:00', '03:30:00+01:00']);
    const half = slotsOn('Europe/Berlin', '2026-10-25', [{ start: '02:30', end: '05:00' }], 30);
    expect(half.local).toEqual(['02:30:00+02:00', '02:30:00+01:00', '03:00:00+01:00', '03:30:00+01:00', '04:00:00+01:00', '04:30:00+01:00']);
  });

  it('a whole day of 30-minute slots has 46 on the 23-hour day and 50 on the 25-hour day, all distinct', () => {
    const allDay = [{ start: '00:00', end: '24:00' }];
    for (const [zone, spring, fall] of [
      ['Europe/Berlin', '2026-03-29', '2026-10-25'],
      ['America/New_York', '2026-03-08', '2026-11-01'],
    ] as const) {
      const s = slotsOn(zone, spring, allDay, 30);
      const f = slotsOn(zone, fall, allDay, 30);
      expect(s.count).toBe(46);
      expect(f.count).toBe(50);
      expect(new Set(s.utcFull).size).toBe(46);
      expect(new Set(f.utcFull).size).toBe(50);
      expect(s.local.some((t) => t.startsWith('02:'))).toBe(false); // nothing in the gap
    }
  });
});

describe('dates read in a zone across DST', () => {
  it.each([
    ['Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'], // 23 h
    ['Europe/Berlin', '2026-10-25', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'], // 25 h
    ['America/New_York', '2026-03-08', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
    ['America/New_York', '2026-11-01', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    // Havana springs forward at midnight: 2026-03-08 begins at 01:00 local.
    ['America/Havana', '2026-03-08', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
  ])('%s %s', (zone, date, start, end) => {
    expect(parseDateOrInstant(date, zone, 'start').toISOString()).toBe(start);
    expect(parseDateOrInstant(date, zone, 'end').toISOString()).toBe(end);
  });
});
