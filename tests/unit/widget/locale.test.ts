// @vitest-environment happy-dom
// Which language the widget speaks, and that both locale files carry every string.
import { describe, expect, it } from 'vitest';
import * as de from '../../../widget/src/i18n/de.ts';
import * as en from '../../../widget/src/i18n/en.ts';
import { pageLocaleCandidates, pickLocale } from '../../../widget/src/i18n/locale.ts';

describe('locale choice', () => {
  it('takes the first candidate it speaks, by primary subtag', () => {
    expect(pickLocale(['de-AT'])).toBe('de');
    expect(pickLocale(['DE_ch'])).toBe('de');
    expect(pickLocale(['fr-FR', 'de', 'en'])).toBe('de');
    expect(pickLocale([null, '', undefined, 'en-GB', 'de'])).toBe('en');
  });

  it('falls back to English', () => {
    expect(pickLocale(['fr', 'it'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });

  it('prefers setLocale, then <html lang>, then the browser, then the bot', () => {
    document.documentElement.lang = 'de';
    const nav = { languages: ['en-US'], language: 'en-US' } as unknown as Navigator;
    expect(pickLocale([null, ...pageLocaleCandidates(document, nav), 'en'])).toBe('de');
    expect(pickLocale(['en', ...pageLocaleCandidates(document, nav)])).toBe('en');
    document.documentElement.lang = '';
    expect(pickLocale([null, ...pageLocaleCandidates(document, nav), 'de'])).toBe('en');
    const french = { languages: ['fr-FR'], language: 'fr-FR' } as unknown as Navigator;
    expect(pickLocale([null, ...pageLocaleCandidates(document, french), 'de'])).toBe('de');
  });

  it('has the same strings in English and German', () => {
    const shape = (o: object): unknown =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'object' ? shape(v as object) : typeof v]));
    expect(shape(de.panel)).toEqual(shape(en.panel));
    expect(shape(de.launcher)).toEqual(shape(en.launcher));
    expect(de.launcher.unread(2)).toBe('2 ungelesene Nachrichten');
    expect(en.launcher.unread(1)).toBe('1 unread message');
  });
});
