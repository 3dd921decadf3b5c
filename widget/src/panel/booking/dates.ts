// Calendar helpers for the booking flow. Slots arrive as instants with offsets; the shopper sees
// them in their own zone, so grouping and labels always go through Intl with an explicit zone.
import { zonedDate } from '../../../../core/wire/datetime.ts';
import type { Slot } from '../../../../core/wire/widget.ts';

// Labels come from the one formatter chat, mails and manage pages use too.
export { formatAppointment, formatDateTime, formatDay, formatTime, zonedDate } from '../../../../core/wire/datetime.ts';

export interface DaySlots {
  /** "YYYY-MM-DD" in the shopper's zone. */
  date: string;
  slots: Slot[];
}

export function shopperTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** "YYYY-MM-DD" plus n calendar days (no zone involved: dates are just dates). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Slots grouped by the shopper's calendar day, days and slots in ascending order. */
export function groupByDay(slots: readonly Slot[], timeZone: string): DaySlots[] {
  const byDay = new Map<string, Slot[]>();
  for (const slot of [...slots].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const day = zonedDate(slot.start, timeZone);
    byDay.set(day, [...(byDay.get(day) ?? []), slot]);
  }
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, daySlots]) => ({ date, slots: daySlots }));
}
