import { de } from './de.ts';
import { en } from './en.ts';

export type { AccountsStrings } from './types.ts';
import type { AccountsStrings } from './types.ts';

const LOCALES: Record<string, AccountsStrings> = { en, de };

/** The strings for a BCP 47 tag ("de-AT" → German); English when we do not speak it. */
export function accountsStrings(locale: string | null | undefined): AccountsStrings {
  const language = (locale ?? 'en').toLowerCase().split('-')[0]!;
  return LOCALES[language] ?? en;
}
