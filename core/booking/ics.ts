// iCalendar (.ics) for booking mails: an iTIP REQUEST when booked or moved, a CANCEL when cancelled.
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import { zoneOffsetMinutes, zoneTransitions } from './availability.ts';

export interface IcsPerson {
  name: string;
  email: string;
}

export interface BookingIcsInput {
  /** Stable per booking (e.g. `${bookingId}@concierge`); a reschedule or cancel reuses it. */
  uid: string;
  start: Date;
  end: Date;
  /** Zone the times are written in (TZID), usually the resource's or the shopper's. */
  timeZone: string;
  summary: string;
  description: string;
  location?: string;
  organizer: IcsPerson;
  attendee: IcsPerson;
  method: 'REQUEST' | 'CANCEL';
  /** Starts at 0 and grows with every change: calendars ignore an update whose SEQUENCE is not higher. */
  sequence: number;
  /** DTSTAMP; defaults to now. Passed in by callers that hold a clock. */
  stamp?: Date;
}

const MINUTE = 60_000;
const YEAR = 366 * 86_400_000;

function icsLocal(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15); // YYYYMMDDTHHMMSS of a naive wall time
}

function icsOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/**
 * A VTIMEZONE for `timeZone` built from the tz database (through luxon), with one observance per
 * offset change in [from - 1 year, to + 1 year] plus the offset in force at the start of that span,
 * so it covers the event whatever the zone's rules (also zones that dropped DST long ago).
 */
export function vtimezone(timeZone: string, from: Date, to: Date): string {
  const spanStart = new Date(from.getTime() - YEAR);
  const spanEnd = new Date(to.getTime() + YEAR);
  const initial = zoneOffsetMinutes(timeZone, spanStart);
  const changes = [
    { at: spanStart.getTime(), before: initial, after: initial },
    ...zoneTransitions(timeZone, spanStart, spanEnd).map((t) => ({
      at: t.at.getTime(),
      before: t.offsetBeforeMinutes,
      after: t.offsetAfterMinutes,
    })),
  ];
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
  for (const c of changes) {
    const dt = DateTime.fromMillis(c.at, { zone: timeZone });
    const kind = dt.isInDST ? 'DAYLIGHT' : 'STANDARD';
    // English abbreviations where the locale data has them (EST, CEST); never "GMT+2"-style labels.
    const name = ['en-US', 'en-GB'].map((l) => dt.setLocale(l).offsetNameShort).find((n) => n && /^[A-Z]{2,6}$/.test(n));
    lines.push(
      `BEGIN:${kind}`,
      // DTSTART of an observance is the local time of the change, read in the offset before it.
      `DTSTART:${icsLocal(c.at + c.before * MINUTE)}`,
      `TZOFFSETFROM:${icsOffset(c.before)}`,
      `TZOFFSETTO:${icsOffset(c.after)}`,
      ...(name ? [`TZNAME:${name}`] : []),
      `END:${kind}`,
    );
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\r\n');
}

/**
 * True when this instant's local time occurs twice (the repeated hour of a fall-back day). RFC 5545
 * says a TZID time there means its first occurrence, but clients differ (ical.js picks the second),
 * so such times are written in UTC instead.
 */
function localTimeIsAmbiguous(at: Date, timeZone: string): boolean {
  const t = at.getTime();
  const wall = t + zoneOffsetMinutes(timeZone, at) * MINUTE;
  for (const probe of [t - 6 * 3_600_000, t + 6 * 3_600_000]) {
    const o = zoneOffsetMinutes(timeZone, new Date(probe));
    const other = wall - o * MINUTE;
    if (other !== t && zoneOffsetMinutes(timeZone, new Date(other)) === o) return true;
  }
  return false;
}

/** The .ics text for one booking, to attach to the confirmation, reschedule or cancellation mail. */
export function bookingIcs(input: BookingIcsInput): string {
  if (!Number.isInteger(input.sequence) || input.sequence < 0) throw new RangeError('sequence must be a non-negative integer');
  if (!(input.end.getTime() > input.start.getTime())) throw new RangeError('end must be after start');
  const zoned = !localTimeIsAmbiguous(input.start, input.timeZone) && !localTimeIsAmbiguous(input.end, input.timeZone);
  const cancel = input.method === 'CANCEL';

  const cal = ical({
    prodId: { company: 'Concierge', product: 'Booking', language: 'EN' },
    method: cancel ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
    ...(zoned ? { timezone: { name: null, generator: (tz: string) => vtimezone(tz, input.start, input.end) } } : {}),
  });
  cal.createEvent({
    id: input.uid,
    sequence: input.sequence,
    stamp: input.stamp ?? new Date(),
    start: zoned ? DateTime.fromJSDate(input.start).setZone(input.timeZone) : input.start,
    end: zoned ? DateTime.fromJSDate(input.end).setZone(input.timeZone) : input.end,
    ...(zoned ? { timezone: input.timeZone } : {}),
    summary: input.summary,
    description: input.description,
    ...(input.location ? { location: input.location } : {}),
    organizer: { name: input.organizer.name, email: input.organizer.email },
    attendees: [
      {
        name: input.attendee.name,
        email: input.attendee.email,
        role: ICalAttendeeRole.REQ,
        // The shopper booked it themselves: nothing to accept. A CANCEL comes from the organizer,
        // so the attendee's own answer is left out rather than shown as declined.
        ...(cancel ? {} : { status: ICalAttendeeStatus.ACCEPTED }),
        rsvp: false,
      },
    ],
    status: cancel ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return cal.toString();
}
