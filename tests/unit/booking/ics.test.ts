import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { bookingIcs, type BookingIcsInput } from '../../../core/booking/ics.ts';

const base: Omit<BookingIcsInput, 'method'> = {
  uid: 'b-123@concierge.test',
  start: new Date('2026-03-29T08:00:00Z'), // 10:00 CEST, the day Berlin springs forward
  end: new Date('2026-03-29T09:00:00Z'),
  timeZone: 'Europe/Berlin',
  summary: 'Suit fitting; 60 min, with Anna',
  description: 'Bring the shoes you will wear.\nSecond line',
  location: 'Demo Store, Torstraße 1, Berlin',
  organizer: { name: 'Demo Store', email: 'shop@example.com' },
  attendee: { name: 'Jo "JJ" Doe', email: 'jo@example.com' },
  sequence: 0,
  stamp: new Date('2026-03-01T12:00:00Z'),
};

/** Parses with ical.js, registering the VTIMEZONEs the file carries so TZID times resolve through them only. */
function parse(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const vevent = cal.getFirstSubcomponent('vevent')!;
  const event = new ICAL.Event(vevent);
  return { cal, vevent, event };
}

describe('bookingIcs', () => {
  it('REQUEST: ical.js reads back UID, METHOD, SEQUENCE and the exact instants in the TZID zone', () => {
    const text = bookingIcs({ ...base, method: 'REQUEST' });
    const { cal, vevent, event } = parse(text);
    expect(cal.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(event.uid).toBe(base.uid);
    expect(event.sequence).toBe(0);
    expect(vevent.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(event.startDate.zone.tzid).toBe('Europe/Berlin');
    expect(event.startDate.toString()).toBe('2026-03-29T10:00:00');
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-03-29T08:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-03-29T09:00:00.000Z');
    expect(event.summary).toBe(base.summary);
    expect(event.description).toBe(base.description);
    expect(event.location).toBe(base.location);
    expect(String(event.organizer).toLowerCase()).toBe('mailto:shop@example.com');
    expect(event.attendees).toHaveLength(1);
    expect(String(event.attendees[0]!.getFirstValue()).toLowerCase()).toBe('mailto:jo@example.com');
    expect(text).toContain('BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin');
    expect(text).toMatch(/DTSTART;TZID=Europe\/Berlin:20260329T100000/);
  });

  it('its VTIMEZONE carries the real offsets: an event in winter reads back at +01:00', () => {
    const winter = { start: new Date('2026-01-15T09:00:00Z'), end: new Date('2026-01-15T10:30:00Z') };
    const { event } = parse(bookingIcs({ ...base, ...winter, method: 'REQUEST' }));
    expect(event.startDate.toString()).toBe('2026-01-15T10:00:00');
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-01-15T10:30:00.000Z');
  });

  it('works for New York and for a zone without DST', () => {
    for (const [timeZone, start, local] of [
      ['America/New_York', '2026-11-01T14:00:00Z', '2026-11-01T09:00:00'],
      ['Asia/Kolkata', '2026-11-01T04:30:00Z', '2026-11-01T10:00:00'],
    ] as const) {
      const s = new Date(start);
      const { event } = parse(bookingIcs({ ...base, timeZone, start: s, end: new Date(s.getTime() + 3_600_000), method: 'REQUEST' }));
      expect(event.startDate.zone.tzid).toBe(timeZone);
      expect(event.startDate.toString()).toBe(local);
      expect(event.startDate.toJSDate().toISOString()).toBe(s.toISOString());
    }
  });

  it('CANCEL: same UID, higher SEQUENCE, METHOD:CANCEL and STATUS:CANCELLED', () => {
    const request = parse(bookingIcs({ ...base, method: 'REQUEST' }));
    const cancel = parse(bookingIcs({ ...base, method: 'CANCEL', sequence: 2 }));
    expect(cancel.cal.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(cancel.vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cancel.event.uid).toBe(request.event.uid);
    expect(cancel.event.sequence).toBeGreaterThan(request.event.sequence);
    expect(cancel.event.startDate.toJSDate().toISOString()).toBe('2026-03-29T08:00:00.000Z');
  });

  it('writes times in the repeated fall-back hour in UTC, since clients disagree which occurrence a TZID time means', () => {
    // 02:30 on 2026-10-25 happens twice in Berlin: 00:30Z (CEST) and 01:30Z (CET).
    for (const start of [new Date('2026-10-25T00:30:00Z'), new Date('2026-10-25T01:30:00Z')]) {
      const text = bookingIcs({ ...base, start, end: new Date(start.getTime() + 3_600_000), method: 'REQUEST' });
      expect(parse(text).event.startDate.toJSDate().toISOString()).toBe(start.toISOString());
      expect(text).toContain(`DTSTART:${start.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`);
    }
    // Just outside the repeated hour, local time with TZID again.
    const before = bookingIcs({ ...base, start: new Date('2026-10-24T23:30:00Z'), end: new Date('2026-10-24T23:45:00Z'), method: 'REQUEST' });
    expect(before).toContain('DTSTART;TZID=Europe/Berlin:20261025T013000');
    expect(parse(before).event.startDate.toJSDate().toISOString()).toBe('2026-10-24T23:30:00.000Z');
  });

  it('rejects a sequence that calendars could not order and an empty time range', () => {
    expect(() => bookingIcs({ ...base, sequence: -1, method: 'REQUEST' })).toThrow(RangeError);
    expect(() => bookingIcs({ ...base, end: base.start, method: 'REQUEST' })).toThrow(RangeError);
  });
});
