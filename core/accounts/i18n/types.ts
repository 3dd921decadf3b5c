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
  /** Someone signed up with an address that has an account (the answer does not say so; this mail does). */
  signupExisting: {
    subject: string;
    text(input: { signInLink: string; resetLink: string }): string;
  };
  /** Sign-ins to the account are slowed down by failures from unknown addresses (issue 14): a way back. */
  loginUnlock: {
    subject: string;
    text(input: { link: string; validMinutes: number }): string;
  };
  roles: Record<'owner' | 'admin' | 'agent', string>;
}
