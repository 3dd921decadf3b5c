// Booking mail templates: pure functions from booking facts to { subject, text, html }.
// Sending, the .ics attachment (see ics.ts) and the manage token are the caller's business.
import { formatAppointment, formatLocale as intlLocale, formatShort, zoneName as formatZoneName } from '../wire/datetime.ts';
import { toZonedIso } from './availability.ts';
import { de } from './i18n/de.ts';
import { en, type BookingMailStrings } from './i18n/en.ts';

export type MailLocale = 'en' | 'de';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const STRINGS: Record<MailLocale, BookingMailStrings> = { en, de };

interface MailBase {
  locale: MailLocale;
  /** BCP 47 tag for dates and times, e.g. 'en-GB' (24-hour clock); defaults to en-US / de-DE. */
  formatLocale?: string;
  /** Zone the times are shown in: the shopper's for shopper mails, the merchant's for the merchant note. */
  timeZone: string;
  storeName: string;
  serviceName: string;
  start: Date;
  end: Date;
  location?: string;
  /** Staff member or room, if the merchant shows it. */
  resourceName?: string;
}

export interface ConfirmationMailInput extends MailBase {
  customerName: string;
  /** Signed link to cancel or reschedule; goes in the body only, never the subject. */
  manageUrl: string;
  notes?: string;
}

export interface MerchantNoticeInput extends MailBase {
  customer: { name: string; email: string; phone?: string };
  notes?: string;
  /** Shown as well when the shopper's zone differs from `timeZone`. */
  shopperTimeZone?: string;
  dashboardUrl?: string;
  /** What happened: a new booking (default), or the shopper cancelled / moved it through the manage link. */
  event?: 'booked' | 'cancelled' | 'rescheduled';
  previousStart?: Date;
  previousEnd?: Date;
}

export interface CancellationMailInput extends MailBase {
  customerName: string;
  cancelledBy: 'shopper' | 'merchant';
  reason?: string;
  bookAgainUrl?: string;
}

export interface RescheduleMailInput extends MailBase {
  customerName: string;
  previousStart: Date;
  previousEnd: Date;
  manageUrl: string;
}

export interface ReminderMailInput extends MailBase {
  customerName: string;
  manageUrl: string;
  /** How long before the start this reminder goes out (e.g. 1440, 60): gives "in 24 hours", "in 1 hour". */
  offsetMinutes: number;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** One line: no line breaks or control characters (shopper-written names must not forge lines or headers). */
function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Subjects are headers: one line, and short. */
function subjectLine(value: string): string {
  return oneLine(value).slice(0, 200);
}

function safeUrl(url: string, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${field} is not an absolute URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError(`${field} must be http(s)`);
  return parsed.toString();
}

function formatLocaleOf(input: MailBase): string {
  return input.formatLocale ?? intlLocale(input.locale);
}

/** "Sunday, March 29, 2026, 10:00 – 11:00 AM" in the given zone and locale. */
function formatRangeOf(input: MailBase, start: Date, end: Date, timeZone = input.timeZone): string {
  toZonedIso(start, timeZone); // throws a clear TimeInputError for an unknown zone
  return formatAppointment(start, end, formatLocaleOf(input), timeZone);
}

/** "Mar 29, 2026, 10:00 AM" for subjects. */
function formatShortOf(input: MailBase, at: Date): string {
  return formatShort(at, formatLocaleOf(input), input.timeZone);
}

/** The zone's name at that instant in the reader's language, e.g. "Central European Summer Time". */
function zoneNameOf(input: MailBase, at: Date, timeZone = input.timeZone): string {
  return formatZoneName(at, formatLocaleOf(input), timeZone);
}

function when(input: MailBase, start: Date, end: Date, timeZone = input.timeZone): string {
  return `${formatRangeOf(input, start, end, timeZone)} (${zoneNameOf(input, start, timeZone)})`;
}

/** "in 24 hours", "in 1 hour", "in 2 days", "in 30 minutes" (or German) from the reminder's offset. */
export function relativeOffset(locale: MailLocale, offsetMinutes: number, formatLocale?: string): string {
  if (!Number.isInteger(offsetMinutes) || offsetMinutes <= 0) throw new RangeError('offsetMinutes must be a positive integer');
  const rtf = new Intl.RelativeTimeFormat(formatLocale ?? intlLocale(locale), { numeric: 'always' });
  // Whole days beyond 24 h read better as days; a day itself stays "in 24 hours", as reminders say it.
  if (offsetMinutes % 1440 === 0 && offsetMinutes > 1440) return rtf.format(offsetMinutes / 1440, 'day');
  if (offsetMinutes % 60 === 0) return rtf.format(offsetMinutes / 60, 'hour');
  return rtf.format(offsetMinutes, 'minute');
}

/** A label and its value; values are single-line unless `multiline` (notes keep their line breaks). */
type Row = [label: string, value: string | undefined, multiline?: boolean];

/** Text and HTML built side by side from the same plain strings; HTML escapes every one of them. */
class MailBuilder {
  private readonly text: string[] = [];
  private readonly html: string[] = [];

  paragraph(value: string): this {
    this.text.push(value, '');
    this.html.push(`<p style="margin:0 0 16px">${escapeHtml(value).replace(/\r?\n/g, '<br>')}</p>`);
    return this;
  }

  rows(rows: Row[]): this {
    const present = rows
      .filter((r) => r[1] !== undefined && r[1].trim() !== '')
      .map(([label, value, multiline]) => [label, multiline ? value!.trim() : oneLine(value!)] as const);
    for (const [label, value] of present) this.text.push(`${label}: ${value}`);
    this.text.push('');
    this.html.push(
      '<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;border-collapse:collapse">',
      ...present.map(
        ([label, value]) =>
          `<tr><th align="left" valign="top" style="padding:4px 16px 4px 0;font-weight:600">${escapeHtml(label)}</th>` +
          `<td style="padding:4px 0">${escapeHtml(value).replace(/\r?\n/g, '<br>')}</td></tr>`,
      ),
      '</table>',
    );
    return this;
  }

  link(intro: string | undefined, action: string, url: string): this {
    this.text.push(...(intro ? [intro] : []), url, '');
    this.html.push(
      intro ? `<p style="margin:0 0 8px">${escapeHtml(intro)}</p>` : '',
      `<p style="margin:0 0 16px"><a href="${escapeHtml(url)}" style="display:inline-block;padding:10px 16px;background:#1f2937;color:#ffffff;text-decoration:none;border-radius:6px">${escapeHtml(action)}</a></p>`,
    );
    return this;
  }

  build(locale: MailLocale, subject: string, footer: string): RenderedMail {
    const text = [...this.text, '--', footer].join('\n');
    const html =
      `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
      '<body style="margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#111827">' +
      this.html.join('') +
      `<p style="margin:24px 0 0;font-size:12px;color:#6b7280">${escapeHtml(footer)}</p></body></html>`;
    return { subject, text, html };
  }
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/** To the shopper after booking. Attach bookingIcs({ method: 'REQUEST', ... }). */
export function bookingConfirmationMail(input: ConfirmationMailInput): RenderedMail {
  const t = STRINGS[input.locale];
  const manageUrl = safeUrl(input.manageUrl, 'manageUrl');
  const subject = subjectLine(t.confirmation.subject({ service: input.serviceName, date: formatShortOf(input, input.start) }));
  return new MailBuilder()
    .paragraph(t.confirmation.greeting({ name: oneLine(input.customerName) }))
    .paragraph(t.confirmation.intro({ service: input.serviceName, store: input.storeName }))
    .rows([
      [t.labels.service, input.serviceName],
      [t.labels.when, when(input, input.start, input.end)],
      [t.labels.staff, input.resourceName],
      [t.labels.where, input.location],
      [t.labels.yourNotes, input.notes, true],
    ])
    .paragraph(t.confirmation.calendar)
    .link(t.confirmation.manageIntro, t.confirmation.manageAction, manageUrl)
    .paragraph(t.confirmation.privateLink)
    .build(input.locale, subject, t.footer({ store: input.storeName }));
}

/** To the merchant (owner / staff) when a booking arrives. Times in the merchant's zone. */
export function merchantBookingNotice(input: MerchantNoticeInput): RenderedMail {
  const t = STRINGS[input.locale];
  const event = input.event ?? 'booked';
  const subjectArgs = { service: input.serviceName, date: formatShortOf(input, input.start), customer: input.customer.name };
  const subject = subjectLine(
    event === 'cancelled' ? t.merchant.cancelledSubject(subjectArgs) : event === 'rescheduled' ? t.merchant.rescheduledSubject(subjectArgs) : t.merchant.subject(subjectArgs),
  );
  const introArgs = { service: input.serviceName, customer: input.customer.name };
  const shopperZone = input.shopperTimeZone && input.shopperTimeZone !== input.timeZone ? input.shopperTimeZone : undefined;
  const b = new MailBuilder()
    .paragraph(event === 'cancelled' ? t.merchant.cancelledIntro(introArgs) : event === 'rescheduled' ? t.merchant.rescheduledIntro(introArgs) : t.merchant.intro(introArgs))
    .rows([
      [t.labels.service, input.serviceName],
      [t.labels.when, when(input, input.start, input.end)],
      [t.labels.previously, event === 'rescheduled' && input.previousStart && input.previousEnd ? when(input, input.previousStart, input.previousEnd) : undefined],
      [t.labels.shopperTime, shopperZone ? when(input, input.start, input.end, shopperZone) : undefined],
      [t.labels.staff, input.resourceName],
      [t.labels.where, input.location],
      [t.labels.customer, input.customer.name],
      [t.labels.email, input.customer.email],
      [t.labels.phone, input.customer.phone],
      [t.labels.notes, input.notes, true],
    ]);
  if (input.dashboardUrl) b.link(undefined, t.merchant.openAction, safeUrl(input.dashboardUrl, 'dashboardUrl'));
  return b.build(input.locale, subject, t.footer({ store: input.storeName }));
}

/** To the shopper when a booking is cancelled (by them or by the merchant). Attach bookingIcs({ method: 'CANCEL', ... }). */
export function cancellationMail(input: CancellationMailInput): RenderedMail {
  const t = STRINGS[input.locale];
  const subject = subjectLine(t.cancellation.subject({ service: input.serviceName, date: formatShortOf(input, input.start) }));
  const introArgs = { service: input.serviceName, store: input.storeName };
  const b = new MailBuilder()
    .paragraph(t.cancellation.greeting({ name: oneLine(input.customerName) }))
    .paragraph(input.cancelledBy === 'merchant' ? t.cancellation.introByMerchant(introArgs) : t.cancellation.introByShopper(introArgs))
    .rows([
      [t.labels.service, input.serviceName],
      [t.labels.when, when(input, input.start, input.end)],
      [t.labels.where, input.location],
      [t.labels.reason, input.reason, true],
    ])
    .paragraph(t.cancellation.calendar);
  if (input.bookAgainUrl) b.link(t.cancellation.bookAgainIntro, t.cancellation.bookAgainAction, safeUrl(input.bookAgainUrl, 'bookAgainUrl'));
  return b.build(input.locale, subject, t.footer({ store: input.storeName }));
}

/** To the shopper when a booking moves. Attach bookingIcs({ method: 'REQUEST', sequence: higher, ... }). */
export function rescheduleMail(input: RescheduleMailInput): RenderedMail {
  const t = STRINGS[input.locale];
  const manageUrl = safeUrl(input.manageUrl, 'manageUrl');
  const subject = subjectLine(t.reschedule.subject({ service: input.serviceName, date: formatShortOf(input, input.start) }));
  return new MailBuilder()
    .paragraph(t.reschedule.greeting({ name: oneLine(input.customerName) }))
    .paragraph(t.reschedule.intro({ service: input.serviceName, store: input.storeName }))
    .rows([
      [t.labels.service, input.serviceName],
      [t.labels.when, when(input, input.start, input.end)],
      [t.labels.previously, when(input, input.previousStart, input.previousEnd)],
      [t.labels.staff, input.resourceName],
      [t.labels.where, input.location],
    ])
    .paragraph(t.reschedule.calendar)
    .link(t.reschedule.manageIntro, t.reschedule.manageAction, manageUrl)
    .build(input.locale, subject, t.footer({ store: input.storeName }));
}

/** To the shopper `offsetMinutes` before the start (default schedule: 1440 and 60). */
export function reminderMail(input: ReminderMailInput): RenderedMail {
  const t = STRINGS[input.locale];
  const manageUrl = safeUrl(input.manageUrl, 'manageUrl');
  const relative = relativeOffset(input.locale, input.offsetMinutes, input.formatLocale);
  const subject = subjectLine(t.reminder.subject({ service: input.serviceName, relative }));
  return new MailBuilder()
    .paragraph(t.reminder.greeting({ name: oneLine(input.customerName) }))
    .paragraph(t.reminder.intro({ service: input.serviceName, store: input.storeName, relative }))
    .rows([
      [t.labels.service, input.serviceName],
      [t.labels.when, when(input, input.start, input.end)],
      [t.labels.staff, input.resourceName],
      [t.labels.where, input.location],
    ])
    .link(t.reminder.manageIntro, t.reminder.manageAction, manageUrl)
    .build(input.locale, subject, t.footer({ store: input.storeName }));
}
