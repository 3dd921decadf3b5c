/**
 * One way to write dates and times for a person, used by the chat (offline writer), the widget,
 * the booking mails and the manage pages: Intl with the reader's locale and the booking's zone.
 *
 * - The locale is a BCP 47 tag. A tag with a region is used as given ("en-GB" → 24-hour "14:30",
 *   "en-US" → "2:30 PM"); a bare language gets its usual region (`en` → en-US, `de` → de-DE), the
 *   region Intl itself picks for a bare tag. That is THE rule for a bare tag everywhere (docs/decisions/0020).
 * - Conversations and bookings store the shopper's full tag as the widget formats with it
 *   (`storedLocale`), so chat, widget, mails and manage pages start from the same tag.
 * - A booking's time reads `formatAppointment(start, end, tag, zone)` in the widget's confirmation,
 *   the mails and the manage page.
 * - Instants are formatted in an explicit IANA zone (never the machine's), so a slot reads the same
 *   wall time wherever it is rendered; calendar dates ("2026-05-05") are formatted as dates, no zone.
 *
 * Pure (Intl only): the widget may import it (core/wire), and the core modules and the offline
 * model (through core/chat/tool-results.ts) use the same functions.
 */

/** Usual region of a bare language tag, for Intl. */
const USUAL_REGION: Record<string, string> = { en: 'en-US', de: 'de-DE' };

const primary = (tag: string) => tag.toLowerCase().split(/[-_]/)[0]!;
const WELL_FORMED = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;

/** The Intl locale for a tag: kept when it names a region, else the language's usual region; `en-US` when nothing usable. */
export function formatLocale(tag: string | null | undefined): string {
  const t = tag?.trim().replace(/_/g, '-');
  if (!t || !WELL_FORMED.test(t)) return USUAL_REGION.en!;
  if (t.includes('-')) return t;
  return USUAL_REGION[t.toLowerCase()] ?? t.toLowerCase();
}

/** The tag to store for a shopper: canonical BCP 47 ("en-gb" → "en-GB"); `fallback` when unusable. */
export function storedLocale(tag: string | null | undefined, fallback = 'en'): string {
  const t = tag?.trim().replace(/_/g, '-');
  if (!t || !WELL_FORMED.test(t) || t.length > 35) return fallback;
  try {
    return Intl.getCanonicalLocales(t)[0] ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * The most specific tag among `candidates` (priority order: explicit setting, page, browser) that
 * speaks `language`: the first match, unless it is bare ("en") and a later candidate of the same
 * language names a region ("en-GB" from the browser). Falls back to the bare language.
 */
export function pickFormatLocale(candidates: readonly (string | null | undefined)[], language: string): string {
  const matching = candidates.filter((c): c is string => Boolean(c && WELL_FORMED.test(c) && primary(c) === language));
  const first = matching[0];
  if (first?.includes('-')) return first;
  return matching.find((c) => c.includes('-')) ?? first ?? language;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function dtf(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(formatLocale(locale), options);
    formats.set(key, f);
  }
  return f;
}

const at = (instant: Date | string) => (instant instanceof Date ? instant : new Date(instant));

/** Noon UTC of a calendar date: formatted in UTC it is that date, whatever the zone. */
const calendarDay = (date: string) => new Date(`${date.slice(0, 10)}T12:00:00Z`);

/** "09:30" (de, en-GB), "9:30 AM" (en-US): the locale's short time of an instant in `timeZone`. */
export function formatTime(instant: Date | string, locale: string, timeZone: string): string {
  return dtf(locale, { timeStyle: 'short', timeZone }).format(at(instant));
}

/** "Tue 5 May, 09:30" (en-GB), "Tue, May 5, 9:30 AM" (en-US), "Di., 5. Mai, 09:30" (de). */
export function formatDateTime(instant: Date | string, locale: string, timeZone: string): string {
  return `${dtf(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone }).format(at(instant))}, ${formatTime(instant, locale, timeZone)}`;
}

/** "Tue 5 May" (en-GB), "Tue, May 5" (en-US), "Di., 5. Mai" (de) for a calendar date "YYYY-MM-DD". */
export function formatDay(date: string, locale: string): string {
  return dtf(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(calendarDay(date));
}

/** "Tuesday 5 May" (en-GB), "Tuesday, May 5" (en-US), "Dienstag, 5. Mai" (de) for a calendar date. */
export function formatDayLong(date: string, locale: string): string {
  return dtf(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(calendarDay(date));
}

/** "5 May 2026" (en-GB), "May 5, 2026" (en-US), "5. Mai 2026" (de) for a calendar date (or the date part of an ISO string). */
export function formatDate(date: string, locale: string): string {
  return dtf(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(calendarDay(date));
}

/** "Sunday, March 29, 2026, 10:00 – 11:00 AM" (en-US): a full date with a time range, in `timeZone`. */
export function formatRange(start: Date | string, end: Date | string, locale: string, timeZone: string): string {
  return dtf(locale, { dateStyle: 'full', timeStyle: 'short', timeZone }).formatRange(at(start), at(end));
}

/** A booking's time as every place shows it (widget confirmation, mails, manage page): `formatRange`. */
export function formatAppointment(start: Date | string, end: Date | string, locale: string, timeZone: string): string {
  return formatRange(start, end, locale, timeZone);
}

/** "Sunday, 29 March 2026 at 10:00" (en-GB): a full date and time, in `timeZone`. */
export function formatFull(instant: Date | string, locale: string, timeZone: string): string {
  return dtf(locale, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(at(instant));
}

/** "Mar 29, 2026, 10:00 AM" (en-US): a medium date and time, for subjects and lists. */
export function formatShort(instant: Date | string, locale: string, timeZone: string): string {
  return dtf(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at(instant));
}

/** The zone's name at that instant in the reader's language: "Central European Summer Time". */
export function zoneName(instant: Date | string, locale: string, timeZone: string): string {
  return dtf(locale, { timeZone, timeZoneName: 'long' }).formatToParts(at(instant)).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

/**
 * "Sunday, 29 March 2026, 01:30": the store's clock as the model is told it (core/chat/context.ts),
 * in English whatever the shopper's language. A cached Intl formatter: a new luxon DateTime per
 * message took ~0.3 ms of a message's time before its first token (issue 13).
 */
export function storeClock(instant: Date | string, timeZone: string): string {
  const parts = dtf('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')}, ${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')}`;
}

/** The calendar date of an instant in `timeZone`, as "YYYY-MM-DD". */
export function zonedDate(instant: Date | string, timeZone: string): string {
  const parts = Object.fromEntries(
    dtf('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(at(instant))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}
