import { describe, expect, it } from 'vitest';
import {
  bookingConfirmationMail,
  cancellationMail,
  escapeHtml,
  merchantBookingNotice,
  relativeOffset,
  reminderMail,
  rescheduleMail,
  type MailLocale,
  type RenderedMail,
} from '../../../core/booking/booking-mail.ts';

// Intl puts narrow / thin no-break spaces around times; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u202f\u2009\u00a0]/g, ' ');

const SECRET = 'tok_9f8e7d6c5b4a';
const manageUrl = `https://demo.example/booking/manage?token=${SECRET}&b=42`;
const base = {
  storeName: 'Demo Store',
  serviceName: 'Suit fitting',
  // 10:00-11:00 in Berlin on its spring-forward day = 04:00-05:00 in New York
  start: new Date('2026-03-29T08:00:00Z'),
  end: new Date('2026-03-29T09:00:00Z'),
  location: 'Torstraße 1, Berlin',
};

/** A fixture value, with the hostile payload appended when given. */
const w = (value: string, x: string) => (x ? `${value} ${x}` : value);

type Template = (locale: MailLocale, timeZone: string, hostile?: string) => RenderedMail;
const templates: Record<string, Template> = {
  confirmation: (locale, timeZone, x = '') =>
    bookingConfirmationMail({ ...base, locale, timeZone, customerName: w('Jo', x), manageUrl, notes: w('Bring shoes', x), storeName: w('Demo', x), serviceName: w('Fitting', x), location: w('Shop', x) }),
  merchant: (locale, timeZone, x = '') =>
    merchantBookingNotice({ ...base, locale, timeZone, customer: { name: w('Jo', x), email: 'jo@example.com', phone: w('+49 30', x) }, notes: w('Note', x), storeName: w('Demo', x), serviceName: w('Fitting', x), location: w('Shop', x), resourceName: w('Anna', x) }),
  cancellation: (locale, timeZone, x = '') =>
    cancellationMail({ ...base, locale, timeZone, customerName: w('Jo', x), cancelledBy: 'merchant', reason: w('Ill', x), bookAgainUrl: 'https://demo.example/book', storeName: w('Demo', x), serviceName: w('Fitting', x) }),
  reschedule: (locale, timeZone, x = '') =>
    rescheduleMail({ ...base, locale, timeZone, customerName: w('Jo', x), manageUrl, previousStart: new Date('2026-03-28T09:00:00Z'), previousEnd: new Date('2026-03-28T10:00:00Z'), storeName: w('Demo', x), serviceName: w('Fitting', x) }),
  reminder: (locale, timeZone, x = '') =>
    reminderMail({ ...base, locale, timeZone, customerName: w('Jo', x), manageUrl, offsetMinutes: 1440, storeName: w('Demo', x), serviceName: w('Fitting', x), resourceName: w('Anna', x) }),
};

describe('booking mails', () => {
  const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'q'`;

  describe.each(Object.keys(templates))('%s', (name) => {
    const render = templates[name]!;

    it.each(['en', 'de'] as const)('escapes every shopper-written value in HTML (%s)', (locale) => {
      const mail = render(locale, 'Europe/Berlin', hostile);
      expect(mail.html).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
      expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(mail.html).toContain('&#39;q&#39;');
      expect(mail.html.startsWith(`<!doctype html><html lang="${locale}">`)).toBe(true);
      // The plain-text part carries the same words unescaped.
      expect(mail.text).toContain('<script>alert("x")</script>');
    });

    it('shows times in the given zone and locale', () => {
      const en = render('en', 'Europe/Berlin');
      expect(plain(en.text)).toContain('Sunday, March 29, 2026, 10:00 – 11:00 AM (Central European Summer Time)');
      expect(plain(en.html)).toContain('Sunday, March 29, 2026, 10:00 – 11:00 AM (Central European Summer Time)');
      const de = render('de', 'Europe/Berlin');
      expect(plain(de.text)).toContain('Sonntag, 29. März 2026, 10:00–11:00 Uhr (Mitteleuropäische Sommerzeit)');
      const ny = render('en', 'America/New_York');
      expect(plain(ny.text)).toContain('Sunday, March 29, 2026, 4:00 – 5:00 AM (Eastern Daylight Time)');
    });

    it('keeps the manage token out of the subject and line breaks out of headers', () => {
      for (const locale of ['en', 'de'] as const) {
        const mail = render(locale, 'Europe/Berlin', 'x\r\nBcc: victim@example.com');
        expect(mail.subject).not.toContain(SECRET);
        expect(mail.subject).not.toMatch(/[\r\n]/);
        expect(mail.subject.length).toBeGreaterThan(10);
      }
    });
  });

  it('puts the manage link in the body (text as is, HTML attribute escaped)', () => {
    for (const render of [templates.confirmation!, templates.reschedule!, templates.reminder!]) {
      const mail = render('en', 'Europe/Berlin');
      expect(mail.text).toContain(manageUrl);
      expect(mail.html).toContain(`href="${manageUrl.replace('&', '&amp;')}"`);
    }
  });

  it('refuses a manage link that is not http(s)', () => {
    expect(() =>
      bookingConfirmationMail({ ...base, locale: 'en', timeZone: 'Europe/Berlin', customerName: 'Jo', manageUrl: 'javascript:alert(1)' }),
    ).toThrow(TypeError);
  });

  it('writes subjects in each language', () => {
    expect(plain(templates.confirmation!('en', 'Europe/Berlin').subject)).toBe('Booking confirmed: Fitting, Mar 29, 2026, 10:00 AM');
    expect(templates.confirmation!('de', 'Europe/Berlin').subject).toBe('Termin bestätigt: Fitting, 29.03.2026, 10:00');
    expect(templates.reminder!('en', 'Europe/Berlin').subject).toBe('Reminder: Fitting in 24 hours');
    expect(templates.reminder!('de', 'Europe/Berlin').subject).toBe('Erinnerung: Fitting in 24 Stunden');
    expect(plain(templates.merchant!('en', 'Europe/Berlin').subject)).toBe('New booking: Fitting, Mar 29, 2026, 10:00 AM (Jo)');
  });

  it('tells the merchant the shopper\'s local time only when the zones differ', () => {
    const input = { ...base, locale: 'en' as const, timeZone: 'Europe/Berlin', customer: { name: 'Jo', email: 'jo@example.com' } };
    expect(merchantBookingNotice({ ...input, shopperTimeZone: 'Europe/Berlin' }).text).not.toContain("Customer's local time");
    const other = merchantBookingNotice({ ...input, shopperTimeZone: 'America/New_York' });
    expect(plain(other.text)).toContain("Customer's local time: Sunday, March 29, 2026, 4:00 – 5:00 AM (Eastern Daylight Time)");
    expect(other.text).toContain('Email: jo@example.com');
  });

  it('says who cancelled, and shows the old and new time of a moved booking', () => {
    const input = { ...base, locale: 'en' as const, timeZone: 'Europe/Berlin', customerName: 'Jo' };
    expect(cancellationMail({ ...input, cancelledBy: 'shopper' }).text).toContain('has been cancelled, as you asked');
    expect(cancellationMail({ ...input, cancelledBy: 'merchant' }).text).toContain('Demo Store had to cancel');
    expect(cancellationMail({ ...input, locale: 'de', cancelledBy: 'merchant' }).text).toContain('leider musste Demo Store Ihren Termin');
    const moved = plain(templates.reschedule!('en', 'Europe/Berlin').text);
    expect(moved).toContain('When: Sunday, March 29, 2026, 10:00 – 11:00 AM');
    expect(moved).toContain('Previously: Saturday, March 28, 2026, 10:00 – 11:00 AM (Central European Standard Time)');
  });

  it('keeps line breaks of notes but not of names', () => {
    const mail = bookingConfirmationMail({
      ...base, locale: 'en', timeZone: 'Europe/Berlin', customerName: 'Jo\nEmail: forged@example.com', manageUrl, notes: 'one\ntwo',
    });
    expect(mail.text).toContain('Hi Jo Email: forged@example.com,');
    expect(mail.text).toContain('Your notes: one\ntwo');
    expect(mail.html).toContain('one<br>two');
  });

  it('honours a format locale such as en-GB', () => {
    const mail = bookingConfirmationMail({ ...base, locale: 'en', formatLocale: 'en-GB', timeZone: 'Europe/Berlin', customerName: 'Jo', manageUrl });
    expect(plain(mail.text)).toContain('Sunday, 29 March 2026, 10:00–11:00 (Central European Summer Time)');
  });
});

describe('relativeOffset', () => {
  it.each([
    [1440, 'in 24 hours', 'in 24 Stunden'],
    [60, 'in 1 hour', 'in 1 Stunde'],
    [120, 'in 2 hours', 'in 2 Stunden'],
    [2880, 'in 2 days', 'in 2 Tagen'],
    [30, 'in 30 minutes', 'in 30 Minuten'],
    [90, 'in 90 minutes', 'in 90 Minuten'],
  ])('%i minutes', (minutes, en, de) => {
    expect(relativeOffset('en', minutes)).toBe(en);
    expect(relativeOffset('de', minutes)).toBe(de);
  });

  it('rejects offsets that are not positive whole minutes', () => {
    expect(() => relativeOffset('en', 0)).toThrow(RangeError);
    expect(() => relativeOffset('en', 1.5)).toThrow(RangeError);
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
  });
});
