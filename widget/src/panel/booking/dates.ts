// Calendar helpers for the booking flow. Slots arrive as instants with offsets; the shopper sees
// them in their own zone, so grouping and labels always go through Intl with an explicit zone.
import type { Slot } from '../../../../core/wire/widget.ts';

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

const partsFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of an instant in `timeZone`, as "YYYY-MM-DD". */
export function zonedDate(instant: Date | string, timeZone: string): string {
  let fmt = partsFormats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    partsFormats.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
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

/** "Tue, 3 Dec" / "Di., 3. Dez." for a calendar date. */
export function formatDay(date: string, locale: string): string {
  // Noon UTC of that date, formatted in UTC: the label is the date itself, whatever the zone.
  return new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(`${date}T12:00:00Z`),
  );
}

/** The locale's usual short time of an instant in the shopper's zone: "09:30" (de), "9:30 AM" (en-US). */
export function formatTime(iso: string, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone }).format(new Date(iso));
}

/** "Tue, 3 Dec, 09:30" of an instant in the shopper's zone. */
export function formatDateTime(iso: string, locale: string, timeZone: string): string {
  const day = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone }).format(new Date(iso));
  return `${day}, ${formatTime(iso, locale, timeZone)}`;
}
