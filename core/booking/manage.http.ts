import type { Express, Request, Response } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { HttpModule } from '../http/app.ts';
import { html, raw, type SafeHtml } from '../http/html.ts';
import { formatAppointment, formatDayLong, formatTime, zonedDate } from '../wire/datetime.ts';
import { parseDateOrInstant } from './availability.ts';
import { BookingError } from './booking.errors.ts';
import type { BookingView } from './booking.repository.ts';
import { mailLocale, type BookingService, type MailLocaleTag } from './booking.service.ts';
import { de } from './i18n/de.ts';
import { en } from './i18n/en.ts';
import type { ManageTokens } from './manage-token.ts';

/**
 * The manage page behind the signed link in booking mails: see the booking, cancel it, or pick
 * another time. Plain HTML with forms (GET to browse days, POST to change, then a 303 back):
 * no scripts at all, English and German. The token is a capability, so the page is never cached
 * or indexed and sends no Referer. (The request log still shows the path: redacting /manage/<token>
 * belongs to the logger set-up in core/http/app.ts.)
 */

const STRINGS = { en, de } as const;
const DAYS_SHOWN = 7;
const IsoInstant = z.iso.datetime({ offset: true });
const IsoDay = z.iso.date();

const STYLE = `
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:16px;line-height:1.5;color:#111827;background:#f9fafb}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.5rem;margin:0 0 1rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
table{border-collapse:collapse;margin:0 0 .5rem}th{text-align:left;padding:.25rem 1rem .25rem 0;vertical-align:top;font-weight:600}td{padding:.25rem 0}
.note{padding:.75rem 1rem;border-radius:.5rem;background:#ecfdf5;border:1px solid #a7f3d0}.warn{background:#fef2f2;border-color:#fecaca}
.muted{color:#6b7280;font-size:.9rem}fieldset{border:1px solid #e5e7eb;border-radius:.5rem;margin:0 0 .75rem;padding:.5rem .75rem}
legend{font-weight:600;padding:0 .25rem}label.slot{display:inline-block;margin:.25rem .75rem .25rem 0;white-space:nowrap}
button{font:inherit;padding:.5rem 1rem;border-radius:.375rem;border:1px solid #1f2937;background:#1f2937;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1f2937}input[type=date]{font:inherit;padding:.3rem}nav a{margin-right:1rem}
`;

export interface ManagePagesDeps {
  service: BookingService;
  tokens: ManageTokens;
}

function pickLocale(req: Request, fallback?: string): MailLocaleTag {
  const lang = typeof req.query.lang === 'string' ? req.query.lang : typeof req.body?.lang === 'string' ? (req.body.lang as string) : undefined;
  if (lang === 'de' || lang === 'en') return lang;
  if (fallback) return mailLocale(fallback);
  return mailLocale(typeof req.headers['accept-language'] === 'string' ? req.headers['accept-language'] : undefined);
}

function page(res: Response, status: number, locale: MailLocaleTag, title: string, body: SafeHtml): void {
  res
    .status(status)
    .set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'no-referrer' })
    .type('html')
    .send(
      html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title><style>${raw(STYLE)}</style></head><body><main>${body}</main></body></html>`.toString(),
    );
}

export function managePagesHttpModule(deps: ManagePagesDeps): HttpModule {
  const { service, tokens } = deps;

  const load = async (req: Request): Promise<{ token: string; tenantId: string; booking: BookingView } | undefined> => {
    const token = String(req.params.token ?? '');
    const target = tokens.verify(token);
    if (!target) return undefined;
    const booking = await service.getBooking(target.tenantId, target.bookingId);
    return booking ? { token, tenantId: target.tenantId, booking } : undefined;
  };

  const invalid = (req: Request, res: Response) => {
    const t = STRINGS[pickLocale(req)].manage;
    page(res, 404, pickLocale(req), t.invalidTitle, html`<h1>${t.invalidTitle}</h1><p>${t.invalid}</p>`);
  };

  const render = async (
    req: Request,
    res: Response,
    found: { token: string; tenantId: string; booking: BookingView },
    status = 200,
    notice?: { text: string; warn?: boolean },
  ) => {
    const { token, tenantId, booking } = found;
    const locale = pickLocale(req, booking.locale);
    const t = STRINGS[locale];
    const m = t.manage;
    const zone = booking.time_zone;
    const tenant = await service.tenantInfo(tenantId);
    // The shopper's own tag while the page is in its language; the other language's bare tag after a
    // switch. Bare tags follow the one rule of core/wire/datetime.ts (en → en-US, de → de-DE).
    const intl = mailLocale(booking.locale) === locale ? booking.locale : locale;
    const now = service.now();
    const base = `/manage/${token}`;
    const lang = html`<input type="hidden" name="lang" value="${locale}">`;
    const other: MailLocaleTag = locale === 'en' ? 'de' : 'en';

    let actions: SafeHtml;
    if (booking.status === 'cancelled') {
      actions = html`<p>${m.isCancelled}</p>`;
    } else if (booking.status !== 'confirmed' || booking.start_at.getTime() <= now.getTime()) {
      actions = html`<p>${m.started}</p>`;
    } else {
      const todayLocal = DateTime.fromJSDate(now, { zone }).toISODate()!;
      const requested = typeof req.query.date === 'string' && IsoDay.safeParse(req.query.date).success ? req.query.date : todayLocal;
      const fromDay = requested < todayLocal ? todayLocal : requested;
      const toDay = DateTime.fromISO(fromDay, { zone }).plus({ days: DAYS_SHOWN - 1 }).toISODate()!;
      const window = { from: parseDateOrInstant(fromDay, zone, 'start'), to: parseDateOrInstant(toDay, zone, 'end') };
      const { slots } = await service.availability(tenantId, booking.service_id, window, { exceptBookingId: booking.id });
      const free = slots.filter((s) => s.start.getTime() !== booking.start_at.getTime());
      const byDay = new Map<string, typeof free>();
      for (const s of free) {
        const key = DateTime.fromJSDate(s.start, { zone }).toISODate()!;
        byDay.set(key, [...(byDay.get(key) ?? []), s]);
      }
      const earlier = DateTime.fromISO(fromDay, { zone }).minus({ days: DAYS_SHOWN }).toISODate()!;
      const later = DateTime.fromISO(fromDay, { zone }).plus({ days: DAYS_SHOWN }).toISODate()!;
      const dayLink = (day: string) => `${base}?date=${day}&lang=${locale}`;
      actions = html`
<h2>${m.rescheduleHeading}</h2>
<form method="get" action="${base}">${lang}<label>${m.pickDay} <input type="date" name="date" value="${fromDay}" min="${todayLocal}"></label> <button class="secondary" type="submit">${m.showTimes}</button></form>
${
  byDay.size === 0
    ? html`<p>${m.noTimes}</p>`
    : html`<form method="post" action="${base}/reschedule">${lang}${[...byDay.values()].map(
        (list) =>
          html`<fieldset><legend>${formatDayLong(zonedDate(list[0]!.start, zone), intl)}</legend>${list.map(
            (s) => html`<label class="slot"><input type="radio" name="start" value="${s.start.toISOString()}" required> ${formatTime(s.start, intl, zone)}</label>`,
          )}</fieldset>`,
      )}<button type="submit">${m.moveAction}</button></form>`
}
<nav>${fromDay > todayLocal ? html`<a href="${dayLink(earlier < todayLocal ? todayLocal : earlier)}">${m.earlier}</a>` : html``}<a href="${dayLink(later)}">${m.later}</a></nav>
<h2>${m.cancelHeading}</h2>
<form method="post" action="${base}/cancel">${lang}<p><label><input type="checkbox" name="confirm" value="yes" required> ${m.cancelConfirm}</label></p><button type="submit">${m.cancelAction}</button></form>`;
    }

    const rows: [string, string | null][] = [
      [t.labels.service, booking.service_name],
      [t.labels.when, formatAppointment(booking.start_at, booking.end_at, intl, zone)],
      [t.labels.staff, booking.resource_name],
      [m.statusLabel, m.status[booking.status]],
    ];
    page(
      res,
      status,
      locale,
      m.title({ store: tenant.name }),
      html`<h1>${m.title({ store: tenant.name })}</h1>
${notice ? html`<p class="note${notice.warn ? ' warn' : ''}" role="status">${notice.text}</p>` : html``}
<table>${rows.filter(([, v]) => v).map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>
<p class="muted">${m.timesIn({ zone })}</p>
${actions}
<p class="muted"><a href="${base}?lang=${other}" hreflang="${other}" lang="${other}">${STRINGS[locale].manage.language}</a></p>`,
    );
  };

  const doneNotice = (req: Request, locale: MailLocaleTag) => {
    const done = req.query.done;
    if (done === 'cancelled' || done === 'rescheduled') return { text: STRINGS[locale].manage.done[done] };
    return undefined;
  };

  return {
    name: 'booking-manage',
    mount(app: Express) {
      app.get('/manage/:token', async (req, res, next) => {
        try {
          const found = await load(req);
          if (!found) return invalid(req, res);
          await render(req, res, found, 200, doneNotice(req, pickLocale(req, found.booking.locale)));
        } catch (error) {
          next(error);
        }
      });

      app.post('/manage/:token/cancel', async (req, res, next) => {
        try {
          const found = await load(req);
          if (!found) return invalid(req, res);
          const locale = pickLocale(req, found.booking.locale);
          const m = STRINGS[locale].manage;
          if (req.body?.confirm !== 'yes') return render(req, res, found, 422, { text: m.mustConfirm, warn: true });
          try {
            await service.cancel(found.tenantId, found.booking.id, { by: 'shopper' });
          } catch (error) {
            if (error instanceof BookingError && error.code === 'NOT_CHANGEABLE') return render(req, res, found, 409, { text: m.started, warn: true });
            throw error;
          }
          res.redirect(303, `/manage/${found.token}?done=cancelled&lang=${locale}`);
        } catch (error) {
          next(error);
        }
      });

      app.post('/manage/:token/reschedule', async (req, res, next) => {
        try {
          const found = await load(req);
          if (!found) return invalid(req, res);
          const locale = pickLocale(req, found.booking.locale);
          const m = STRINGS[locale].manage;
          const start = IsoInstant.safeParse(req.body?.start);
          if (!start.success) return render(req, res, found, 422, { text: m.notBookable, warn: true });
          try {
            await service.reschedule(found.tenantId, found.booking.id, { start: new Date(start.data), by: 'shopper' });
          } catch (error) {
            if (!(error instanceof BookingError)) throw error;
            const fresh = (await load(req)) ?? found;
            if (error.code === 'SLOT_TAKEN') return render(req, res, fresh, 409, { text: m.taken, warn: true });
            if (error.code === 'NOT_BOOKABLE') return render(req, res, fresh, 422, { text: m.notBookable, warn: true });
            if (error.code === 'NOT_CHANGEABLE') return render(req, res, fresh, 409, { text: fresh.booking.status === 'cancelled' ? m.isCancelled : m.started, warn: true });
            throw error;
          }
          res.redirect(303, `/manage/${found.token}?done=rescheduled&lang=${locale}`);
        } catch (error) {
          next(error);
        }
      });
    },
  };
}
