import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  formatAppointment,
  formatDate,
  formatDateTime,
  formatDay,
  formatLocale,
  formatRange,
  formatTime,
  pickFormatLocale,
  storeClock,
  storedLocale,
  zonedDate,
  zoneName,
} from '../../../core/wire/datetime.ts';

// Intl may put a narrow no-break space before AM/PM and thin spaces around "–": compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f\u2009]/g, ' ');

describe('one date/time formatter (core/wire/datetime.ts, issue #18)', () => {
  const slot = '2026-05-05T14:30:00+02:00';

  it('writes times the locale way: en-GB and de 24-hour, en-US 12-hour', () => {
    expect(formatTime(slot, 'en-GB', 'Europe/Berlin')).toBe('14:30');
    expect(plain(formatTime(slot, 'en-US', 'Europe/Berlin'))).toBe('2:30 PM');
    expect(formatTime(slot, 'de', 'Europe/Berlin')).toBe('14:30');
    expect(formatTime('2026-05-05T09:05:00+02:00', 'de-DE', 'Europe/Berlin')).toBe('09:05');
  });

  it('writes day and time, days and dates per locale', () => {
    expect(formatDateTime(slot, 'en-GB', 'Europe/Berlin')).toBe('Tue 5 May, 14:30');
    expect(plain(formatDateTime(slot, 'en-US', 'Europe/Berlin'))).toBe('Tue, May 5, 2:30 PM');
    expect(formatDateTime(slot, 'de', 'Europe/Berlin')).toBe('Di., 5. Mai, 14:30');
    expect(formatDay('2026-05-05', 'en-GB')).toBe('Tue 5 May');
    expect(formatDay('2026-05-05', 'de')).toBe('Di., 5. Mai');
    expect(formatDate('2026-05-05T23:30:00-07:00', 'en-GB')).toBe('5 May 2026'); // the date the string names
    expect(formatDate('2026-05-05', 'en-US')).toBe('May 5, 2026');
    expect(formatDate('2026-05-05', 'de')).toBe('5. Mai 2026');
  });

  it("uses the booking's zone, not the machine's, across a DST change", () => {
    // Europe/Berlin moves to summer time at 01:00 UTC on 29 March 2026: 10:00 local is 09:00 UTC before, 08:00 UTC after.
    expect(formatDateTime('2026-03-28T09:00:00Z', 'en-GB', 'Europe/Berlin')).toBe('Sat 28 Mar, 10:00');
    expect(formatDateTime('2026-03-29T08:00:00Z', 'en-GB', 'Europe/Berlin')).toBe('Sun 29 Mar, 10:00');
    expect(plain(formatTime('2026-03-29T08:00:00Z', 'en-US', 'America/New_York'))).toBe('4:00 AM');
    expect(zoneName('2026-03-28T09:00:00Z', 'en-US', 'Europe/Berlin')).toBe('Central European Standard Time');
    expect(zoneName('2026-03-29T08:00:00Z', 'en-US', 'Europe/Berlin')).toBe('Central European Summer Time');
    expect(zoneName('2026-03-29T08:00:00Z', 'de', 'Europe/Berlin')).toBe('Mitteleuropäische Sommerzeit');
    expect(plain(formatRange('2026-03-29T08:00:00Z', '2026-03-29T09:00:00Z', 'en-US', 'Europe/Berlin'))).toBe('Sunday, March 29, 2026, 10:00 – 11:00 AM');
    // The night of the change: 00:30 UTC is still 28 March in New York, already 29 March in Berlin.
    expect(zonedDate('2026-03-29T00:30:00Z', 'Europe/Berlin')).toBe('2026-03-29');
    expect(zonedDate('2026-03-29T00:30:00Z', 'America/New_York')).toBe('2026-03-28');
  });

  it('keeps a region, gives a bare language its usual one', () => {
    expect(formatLocale('en-GB')).toBe('en-GB');
    expect(formatLocale('en')).toBe('en-US');
    expect(formatLocale('de')).toBe('de-DE');
    expect(formatLocale('de_AT')).toBe('de-AT');
    expect(formatLocale(undefined)).toBe('en-US');
    expect(formatLocale('not a tag!')).toBe('en-US');
  });

  it("prefers the browser's region over a bare page language (en-GB shopper on a lang=\"en\" page)", () => {
    expect(pickFormatLocale([null, 'en', 'en-GB', 'en'], 'en')).toBe('en-GB');
    expect(pickFormatLocale(['en-US', 'en-GB'], 'en')).toBe('en-US');
    expect(pickFormatLocale(['de', 'en-US'], 'de')).toBe('de');
    expect(pickFormatLocale(['de-AT', 'de-DE'], 'de')).toBe('de-AT');
    expect(pickFormatLocale([], 'en')).toBe('en');
  });

  it('stores the canonical full tag, and a bare "en" reads as en-US wherever a booking is shown', () => {
    expect(storedLocale('en-gb')).toBe('en-GB');
    expect(storedLocale('de_at')).toBe('de-AT');
    expect(storedLocale(' en ')).toBe('en');
    expect(storedLocale('not a tag!', 'de')).toBe('de');
    expect(storedLocale(undefined)).toBe('en');
    const start = '2026-05-05T07:30:00Z';
    const end = '2026-05-05T08:30:00Z';
    expect(formatAppointment(start, end, 'en', 'Europe/Berlin')).toBe(formatAppointment(start, end, 'en-US', 'Europe/Berlin'));
    expect(formatAppointment(start, end, 'en-GB', 'Europe/Berlin').replace(/\s/g, ' ')).toBe('Tuesday, 5 May 2026, 09:30–10:30');
    expect(formatAppointment(start, end, 'de', 'Europe/Berlin')).toBe(formatAppointment(start, end, 'de-DE', 'Europe/Berlin'));
  });

  it('tells the model the store’s clock as luxon wrote it, across zones, midnight and clock changes', () => {
    expect(storeClock('2026-03-29T00:30:00Z', 'Europe/Berlin')).toBe('Sunday, 29 March 2026, 01:30');
    expect(storeClock('2026-03-29T01:05:00Z', 'Europe/Berlin')).toBe('Sunday, 29 March 2026, 03:05');
    const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'];
    for (let hour = 0; hour < 24 * 40; hour += 7) {
      const instant = new Date(Date.UTC(2026, 9, 1) + hour * 3_600_000 + hour * 61_000);
      for (const zone of zones) {
        expect(storeClock(instant, zone)).toBe(DateTime.fromJSDate(instant).setZone(zone).setLocale('en').toFormat('cccc, d LLLL yyyy, HH:mm'));
      }
    }
  });
});
