// Every user-facing text of the accounts module; one file per locale (conventions).
/** The shape every locale file fills (kept apart from strings.ts so locales do not import it back). */
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
