/** The languages the widget speaks. */
export type Locale = 'en' | 'de';

/**
 * Picks the first candidate the widget speaks, by primary subtag ("de-AT" → "de"); English if none.
 * Callers pass candidates in priority order: Concierge('setLocale'), <html lang>, the browser's
 * languages, then the bot's default locale.
 */
export function pickLocale(candidates: readonly (string | null | undefined)[]): Locale {
  for (const tag of candidates) {
    const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
    if (primary === 'en' || primary === 'de') return primary;
  }
  return 'en';
}

/** The page's and the browser's language candidates, in priority order. */
export function pageLocaleCandidates(doc: Document, nav: Navigator): string[] {
  return [doc.documentElement.lang, ...(nav.languages ?? []), nav.language].filter(Boolean);
}
