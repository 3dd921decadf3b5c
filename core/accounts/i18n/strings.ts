import { de } from './de.ts';
import { en } from './en.ts';

/** Every user-facing text of the accounts module; one file per locale (conventions). */
export interface AccountsStrings {
  passwordReset: {
    /** Never carries a secret: subjects show up in notifications and logs. */
    subject: string;
    text(input: { link: string; validMinutes: number }): string;
  };
  invite: {
    subject(input: { storeName: string }): string;
    text(input: { link: string; storeName: string; inviter: string; role: string; validDays: number }): string;
  };
  roles: Record<'owner' | 'admin' | 'agent', string>;
}

const LOCALES: Record<string, AccountsStrings> = { en, de };

/** The strings for a BCP 47 tag ("de-AT" → German); English when we do not speak it. */
export function accountsStrings(locale: string | null | undefined): AccountsStrings {
  const language = (locale ?? 'en').toLowerCase().split('-')[0]!;
  return LOCALES[language] ?? en;
}
