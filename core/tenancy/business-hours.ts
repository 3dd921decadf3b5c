import { DateTime } from 'luxon';
import type { BusinessHours, Weekday } from './tenancy.repository.ts';

/** Whether a person answers chats now, from a bot's business hours (issue #18). */

const DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export interface TeamPresence {
  /** true inside business hours, or when the bot has none set (the store did not say otherwise). */
  online: boolean;
  /** When the team is back, if it is offline and opens within a week. */
  nextOpen?: Date;
}

export function teamPresence(hours: BusinessHours | null | undefined, timeZone: string, now: Date): TeamPresence {
  if (!hours) return { online: true };
  const local = DateTime.fromJSDate(now).setZone(timeZone);
  const day = DAYS[local.weekday - 1]!;
  const minute = local.hour * 60 + local.minute;
  if ((hours[day] ?? []).some((r) => minutes(r.start) <= minute && minute < minutes(r.end))) return { online: true };
  for (let offset = 0; offset <= 7; offset++) {
    const date = local.plus({ days: offset }).startOf('day');
    const ranges = [...(hours[DAYS[date.weekday - 1]!] ?? [])].sort((a, b) => minutes(a.start) - minutes(b.start));
    for (const r of ranges) {
      const start = date.plus({ minutes: minutes(r.start) });
      if (start > local) return { online: false, nextOpen: start.toJSDate() };
    }
  }
  return { online: false };
}
