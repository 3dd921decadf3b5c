import { describe, expect, it } from 'vitest';
import {
  AvailabilityInputError,
  computeAvailability,
  nearestAlternatives,
  parseDateOrInstant,
  TimeInputError,
  toZonedIso,
  type AvailabilityQuery,
  type AvailabilityResource,
  type AvailabilityService,
  type BusyInterval,
} from '../../../core/booking/availability.ts';

// Monday 2026-06-01 in Berlin (CEST, +02:00): 09:00 local = 07:00Z.
const DAY = '2026-06-01';
const ZONE = 'Europe/Berlin';
const at = (hhmm: string, date = DAY) => new Date(`${date}T${hhmm}:00+02:00`);
const local = (d: Date) => toZonedIso(d, ZONE).slice(11, 16);

const baseService: AvailabilityService = {
  id: 'svc',
  durationMinutes: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minNoticeMinutes: 0,
  maxAdvanceDays: 365,
};
const weekdays = { mon: [{ start: '09:00', end: '17:00' }], tue: [{ start: '09:00', end: '17:00' }] };
const res = (id: string, extra: Partial<AvailabilityResource> = {}): AvailabilityResource => ({
  id,
  timeZone: ZONE,
  weeklyHours: weekdays,
  ...extra,
});

function query(over: Partial<Omit<AvailabilityQuery, 'service'>> & { service?: Partial<AvailabilityService> } = {}): AvailabilityQuery {
  return {
    resources: [res('anna')],
    busy: [],
    window: { from: parseDateOrInstant(DAY, ZONE, 'start'), to: parseDateOrInstant(DAY, ZONE, 'end') },
    now: new Date('2026-05-01T00:00:00Z'),
    ...over,
    service: { ...baseService, ...over.service },
  };
}
const starts = (q: AvailabilityQuery) => computeAvailability(q).map((s) => local(s.start));
const busy = (resourceId: string, from: string, to: string, extra: Partial<BusyInterval> = {}): BusyInterval => ({
  resourceId,
  start: at(from),
  end: at(to),
  ...extra,
});

describe('computeAvailability', () => {
  it('offers the step grid of the working day with slot ends and the resource', () => {
    const slots = computeAvailability(query());
    expect(slots.map((s) => local(s.start))).toEqual(['09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00']);
    expect(slots[0]).toEqual({ start: at('09:00'), end: at('10:00'), resourceIds: ['anna'], seatsLeft: 1 });
  });

  it('anchors the grid at the working interval start and keeps buffers inside working hours', () => {
    // bufferBefore 15 pushes the first hourly start to 10:00; bufferAfter 15 ends the day at 15:00.
    expect(starts(query({ service: { bufferBeforeMinutes: 15, bufferAfterMinutes: 15 } }))).toEqual([
      '10:00', '11:00', '12:00', '13:00', '14:00', '15:00',
    ]);
    expect(starts(query({ service: { bufferBeforeMinutes: 15, slotStepMinutes: 15, durationMinutes: 60 } }))[0]).toBe('09:15');
  });

  it('skips starts whose buffered time overlaps busy time, and no more', () => {
    const q = query({
      service: { bufferBeforeMinutes: 10, bufferAfterMinutes: 10, slotStepMinutes: 30 },
      busy: [busy('anna', '12:00', '13:00')],
    });
    // A start at s occupies [s-10, s+70]: 10:30 ends at 11:40 (free), 11:00 ends at 12:10 (taken);
    // 13:00 begins at 12:50 (taken), 13:30 begins at 13:20 (free). Busy time touching at an edge does not overlap.
    const got = starts(q);
    expect(got).toContain('10:30');
    expect(got).not.toContain('11:00');
    expect(got).not.toContain('12:30');
    expect(got).not.toContain('13:00');
    expect(got).toContain('13:30');
    expect(starts(query({ busy: [busy('anna', '10:00', '11:00')] }))).toEqual(['09:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00']);
  });

  it('uses date overrides: closed holidays and special hours', () => {
    expect(computeAvailability(query({ resources: [res('anna', { overrides: [{ date: DAY, intervals: [] }] })] }))).toEqual([]);
    expect(
      starts(query({ resources: [res('anna', { overrides: [{ date: DAY, intervals: [{ start: '14:00', end: '16:00' }] }] })] })),
    ).toEqual(['14:00', '15:00']);
    // An override of another date changes nothing here.
    expect(starts(query({ resources: [res('anna', { overrides: [{ date: '2026-06-02', intervals: [] }] })] }))).toHaveLength(8);
  });

  it('respects minimum notice and maximum advance to the minute', () => {
    const now = at('10:30');
    expect(starts(query({ now, service: { minNoticeMinutes: 90 } }))[0]).toBe('12:00');
    expect(starts(query({ now, service: { minNoticeMinutes: 91 } }))[0]).toBe('13:00');
    // maxAdvanceDays 0: nothing after `now` itself; 1 day from 2026-05-31 13:00 reaches 13:00 on the 1st.
    expect(starts(query({ now: at('13:00', '2026-05-31'), service: { maxAdvanceDays: 1 } }))).toEqual(['09:00', '10:00', '11:00', '12:00', '13:00']);
    expect(starts(query({ now: at('08:00'), service: { maxAdvanceDays: 0 } }))).toEqual([]);
  });

  it('limits slots to starts within [from, to)', () => {
    expect(starts(query({ window: { from: at('10:00'), to: at('12:00') } }))).toEqual(['10:00', '11:00']);
    expect(starts(query({ window: { from: at('10:01'), to: at('12:00') } }))).toEqual(['11:00']);
    expect(starts(query({ window: { from: at('12:00'), to: at('10:00') } }))).toEqual([]);
  });

  it('lets a class fill its seats at the same start, and blocks overlapping other bookings', () => {
    const svc = { capacity: 3 };
    const twoSeats = busy('anna', '10:00', '11:00', { serviceId: 'svc', seats: 2 });
    let slots = computeAvailability(query({ service: svc, busy: [twoSeats] }));
    expect(slots.find((s) => local(s.start) === '10:00')?.seatsLeft).toBe(1);
    expect(slots.find((s) => local(s.start) === '09:00')?.seatsLeft).toBe(3);
    // A party of two no longer fits at 10:00.
    expect(starts(query({ service: svc, busy: [twoSeats], seats: 2 }))).not.toContain('10:00');
    // A full class is not offered; two bookings of one seat count together.
    const one = busy('anna', '10:00', '11:00', { serviceId: 'svc' });
    expect(starts(query({ service: svc, busy: [twoSeats, one] }))).not.toContain('10:00');
    // Another service at the same time, or the same class at an overlapping start, blocks entirely.
    expect(starts(query({ service: svc, busy: [busy('anna', '10:00', '11:00', { serviceId: 'other' })] }))).not.toContain('10:00');
    slots = computeAvailability(query({ service: { ...svc, slotStepMinutes: 30 }, busy: [busy('anna', '10:30', '11:30', { serviceId: 'svc' })] }));
    expect(slots.map((s) => local(s.start))).not.toContain('10:00');
    expect(slots.find((s) => local(s.start) === '10:30')?.seatsLeft).toBe(2);
  });

  it('matches a class by its buffered start', () => {
    // Busy time includes buffers, so a class at 10:00 with a 15-minute buffer is stored from 09:45.
    const svc = { capacity: 4, bufferBeforeMinutes: 15, bufferAfterMinutes: 15, slotStepMinutes: 60 };
    const slots = computeAvailability(
      query({ service: svc, busy: [{ resourceId: 'anna', start: at('09:45'), end: at('11:15'), serviceId: 'svc', seats: 3 }] }),
    );
    expect(slots.find((s) => local(s.start) === '10:00')?.seatsLeft).toBe(1);
    expect(slots.map((s) => local(s.start))).not.toContain('11:00');
  });

  it('merges resources into one slot per start, best resource first', () => {
    const resources = [res('anna'), res('ben'), res('cleo', { weeklyHours: { mon: [{ start: '12:00', end: '14:00' }] } })];
    // anna has a booking that day, ben none: ben is lighter so comes first; cleo joins at 12:00.
    const slots = computeAvailability(query({ resources, busy: [busy('anna', '16:00', '17:00')] }));
    expect(slots.map((s) => local(s.start))).toEqual(['09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00']);
    expect(slots[0]!.resourceIds).toEqual(['ben', 'anna']);
    expect(slots[3]!.resourceIds).toEqual(['ben', 'cleo', 'anna']);
    expect(slots[7]!.resourceIds).toEqual(['ben']);
    // Equal load: the merchant's order decides.
    expect(computeAvailability(query({ resources }))[3]!.resourceIds).toEqual(['anna', 'ben', 'cleo']);
  });

  it('sends a class to the room where it is already running', () => {
    const resources = [res('room-a'), res('room-b')];
    const slots = computeAvailability(query({ service: { capacity: 5 }, resources, busy: [busy('room-b', '10:00', '11:00', { serviceId: 'svc', seats: 1 })] }));
    const ten = slots.find((s) => local(s.start) === '10:00')!;
    expect(ten.resourceIds).toEqual(['room-b', 'room-a']);
    expect(ten.seatsLeft).toBe(5); // a party of five still fits in room-a
  });

  it('gives the same answer for busy lists too wide for the packed sort (comparator fallback)', () => {
    // 3,000 bookings plus one in 1900: range × count exceeds 2^53, so the other sort path runs.
    const many = Array.from({ length: 3000 }, (_, i) => {
      const start = new Date(at('09:00').getTime() + ((i * 7919) % 3000) * 86_400_000 * 7 + 3_600_000 * (i % 3));
      return { resourceId: 'anna', start, end: new Date(start.getTime() + 1_800_000) };
    });
    const ancient = { resourceId: 'anna', start: new Date('1900-01-01T00:00:00Z'), end: new Date('1900-01-01T01:00:00Z') };
    const expected = starts(query({ busy: many }));
    expect(expected).toEqual(['10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00']); // the 09:00-09:30 booking
    expect(starts(query({ busy: [ancient, ...many] }))).toEqual(expected);
  });

  it('ignores busy time of other resources and empty intervals', () => {
    expect(starts(query({ busy: [busy('someone-else', '09:00', '17:00'), busy('anna', '10:00', '10:00')] }))).toHaveLength(8);
  });

  it('handles resources in different zones in one query', () => {
    const ny: AvailabilityResource = { id: 'ny', timeZone: 'America/New_York', weeklyHours: { mon: [{ start: '09:00', end: '10:00' }] } };
    const slots = computeAvailability(query({ resources: [res('anna'), ny], window: { from: at('00:00'), to: at('23:59') } }));
    // 09:00 New York = 15:00 Berlin in June.
    expect(slots.find((s) => local(s.start) === '15:00')!.resourceIds).toEqual(['anna', 'ny']);
  });

  it('offers a start once when working intervals overlap', () => {
    const r = res('anna', { weeklyHours: { mon: [{ start: '09:00', end: '12:00' }, { start: '10:00', end: '13:00' }] } });
    expect(starts(query({ resources: [r] }))).toEqual(['09:00', '10:00', '11:00', '12:00']);
  });

  it('rejects bad configuration with a coded error naming the field', () => {
    const bad = (over: Parameters<typeof query>[0]) => {
      try {
        computeAvailability(query(over));
      } catch (e) {
        expect(e).toBeInstanceOf(AvailabilityInputError);
        return (e as AvailabilityInputError).path;
      }
      throw new Error('expected an error');
    };
    expect(bad({ resources: [res('anna', { weeklyHours: { mon: [{ start: '9:00', end: '17:00' }] } })] })).toBe('resources[0].weeklyHours.mon[0].start');
    expect(bad({ resources: [res('anna', { weeklyHours: { mon: [{ start: '17:00', end: '09:00' }] } })] })).toBe('resources[0].weeklyHours.mon[0]');
    expect(bad({ resources: [res('anna', { timeZone: 'Mars/Olympus' })] })).toBe('resources[0].timeZone');
    expect(bad({ resources: [res('anna'), res('anna')] })).toBe('resources[1].id');
    expect(bad({ resources: [res('anna', { overrides: [{ date: '2026-02-30', intervals: [] }] })] })).toBe('resources[0].overrides[0].date');
    expect(bad({ service: { durationMinutes: 0 } })).toBe('service.durationMinutes');
    expect(bad({ busy: [{ resourceId: 'anna', start: new Date('nope'), end: at('10:00') }] })).toBe('busy[0].start');
  });
});

describe('nearestAlternatives', () => {
  const slot = (hhmm: string) => ({ start: at(hhmm), end: at(hhmm), resourceIds: ['anna'], seatsLeft: 1 });
  const slots = ['09:00', '10:00', '11:30', '13:00', '14:00'].map(slot);
  const names = (list: { start: Date }[]) => list.map((s) => local(s.start));

  it('returns the closest starts first, earlier on ties', () => {
    expect(names(nearestAlternatives(slots, at('12:15')))).toEqual(['11:30', '13:00', '14:00']);
    expect(names(nearestAlternatives(slots, at('10:45'), 2))).toEqual(['10:00', '11:30']); // 45 min either way
    expect(names(nearestAlternatives(slots, at('12:00'), 4))).toEqual(['11:30', '13:00', '10:00', '14:00']);
  });

  it('handles requests before, after and exactly on a slot, small lists and unsorted input', () => {
    expect(names(nearestAlternatives(slots, at('06:00')))).toEqual(['09:00', '10:00', '11:30']);
    expect(names(nearestAlternatives(slots, at('20:00')))).toEqual(['14:00', '13:00', '11:30']);
    expect(names(nearestAlternatives(slots, at('13:00'), 1))).toEqual(['13:00']);
    expect(nearestAlternatives([], at('13:00'))).toEqual([]);
    expect(names(nearestAlternatives(slots.slice(0, 2), at('13:00'), 5))).toEqual(['10:00', '09:00']);
    expect(names(nearestAlternatives([...slots].reverse(), at('12:15')))).toEqual(['11:30', '13:00', '14:00']);
  });
});

describe('toZonedIso', () => {
  it('formats with the offset of the zone at that instant', () => {
    expect(toZonedIso(new Date('2026-03-29T08:00:00Z'), 'Europe/Berlin')).toBe('2026-03-29T10:00:00+02:00');
    expect(toZonedIso(new Date('2026-03-28T08:00:00Z'), 'Europe/Berlin')).toBe('2026-03-28T09:00:00+01:00');
    expect(toZonedIso(new Date('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01T01:30:00-05:00');
    expect(toZonedIso(new Date('2026-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe('2026-01-01T05:30:00+05:30');
  });

  it('rejects unknown zones', () => {
    expect(() => toZonedIso(new Date(), 'Nowhere/Land')).toThrow(TimeInputError);
  });
});

describe('parseDateOrInstant', () => {
  it('reads a date in the given zone: start of day, or the start of the next day as exclusive end', () => {
    expect(parseDateOrInstant('2026-12-01', 'Europe/Berlin', 'start').toISOString()).toBe('2026-11-30T23:00:00.000Z');
    expect(parseDateOrInstant('2026-12-01', 'Europe/Berlin', 'end').toISOString()).toBe('2026-12-01T23:00:00.000Z');
    expect(parseDateOrInstant('2026-12-01', 'America/New_York', 'start').toISOString()).toBe('2026-12-01T05:00:00.000Z');
  });

  it('accepts full ISO times with an offset, whatever the zone', () => {
    const cases: [string, string][] = [
      ['2026-12-01T10:00:00Z', '2026-12-01T10:00:00.000Z'],
      ['2026-12-01T10:00:00+01:00', '2026-12-01T09:00:00.000Z'],
      ['2026-12-01T10:00+0530', '2026-12-01T04:30:00.000Z'],
      ['2026-12-01T10:00:00.250-05:00', '2026-12-01T15:00:00.250Z'],
      ['2026-12-01t10:00:00z', '2026-12-01T10:00:00.000Z'],
    ];
    for (const [input, utc] of cases) expect(parseDateOrInstant(input, 'Asia/Tokyo', 'start').toISOString()).toBe(utc);
  });

  it.each([
    ['2026-12-01T10:00:00', 'MISSING_OFFSET'],
    ['2026-12-01 10:00', 'MISSING_OFFSET'],
    ['2026-02-30', 'INVALID_DATE'],
    ['2026-13-01T10:00:00Z', 'INVALID_DATE'],
    ['2026-02-30T10:00:00Z', 'INVALID_DATE'],
    ['2026-12-01T25:00:00Z', 'INVALID_DATE'],
    ['2026-12-01T10:00:00+25:00', 'INVALID_DATE'],
    ['2026-W48-2', 'INVALID_DATE'],
    ['tomorrow', 'INVALID_DATE'],
    ['', 'INVALID_DATE'],
    ['1764583200000', 'INVALID_DATE'],
  ])('rejects %j with %s', (input, code) => {
    expect(() => parseDateOrInstant(input, 'Europe/Berlin', 'start')).toThrow(TimeInputError);
    try {
      parseDateOrInstant(input, 'Europe/Berlin', 'start');
    } catch (e) {
      expect((e as TimeInputError).code).toBe(code);
    }
  });

  it('rejects an unknown zone', () => {
    expect(() => parseDateOrInstant('2026-12-01', 'Europe/Atlantis', 'start')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME_ZONE' }),
    );
  });
});
