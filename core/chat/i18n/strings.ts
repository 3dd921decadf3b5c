import { de } from './de.ts';
import { en } from './en.ts';
import type { ChatStrings } from './types.ts';

export type { ChatStrings } from './types.ts';

const LOCALES: Record<string, ChatStrings> = { en, de };

/** The strings for a BCP 47 tag ("de-AT" → German); English when we do not speak it. */
export function chatStrings(locale: string | null | undefined): ChatStrings {
  const language = (locale ?? 'en').toLowerCase().split('-')[0]!;
  return LOCALES[language] ?? en;
}
