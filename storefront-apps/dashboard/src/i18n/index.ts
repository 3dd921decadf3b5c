import { createSignal } from 'solid-js';
import { de } from './de.ts';
import { en, type Dict } from './en.ts';

export type Locale = 'en' | 'de';
const KEY = 'concierge:dashboard:locale';

function initial(): Locale {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'en' || saved === 'de') return saved;
  } catch {
    /* storage blocked: follow the browser */
  }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

const [locale, setLocaleSignal] = createSignal<Locale>(initial());
document.documentElement.lang = locale();

export { locale };
export function setLocale(next: Locale) {
  setLocaleSignal(next);
  document.documentElement.lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    /* not remembered */
  }
}

/** The current locale's strings (reactive). */
export const t = (): Dict => (locale() === 'de' ? de : en);
