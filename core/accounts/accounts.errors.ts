import { DomainError, INVALID_FIELDS_MESSAGE, type FieldProblem } from '../kernel/domain-error.ts';

/** Coded errors of the accounts module (sign-in, sessions, team, API keys); routes map them to problems. */
export type AccountErrorCode =
  /** No usable credentials: missing or malformed header, unknown API key, dead access token. */
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_REFRESH_TOKEN'
  /** A one-time link (password reset, invitation) is unknown, expired or used. */
  | 'INVALID_TOKEN'
  /** Signed in, but the role or an API key may not do this. */
  | 'FORBIDDEN'
  | 'CSRF'
  | 'NOT_MEMBER'
  | 'NOT_FOUND'
  | 'EMAIL_TAKEN'
  | 'ALREADY_MEMBER'
  | 'LAST_OWNER'
  /** The state changed under the request (a race, records that cannot be deleted yet). */
  | 'CONFLICT'
  /** Invalid fields (a wrong current password, a weak new one); `details.fields` names them. */
  | 'INVALID'
  | 'MAIL_FAILED';

export class AccountError extends DomainError<AccountErrorCode> {}

/** The errors with their texts; `type` slugs are stable (the routes' table), texts may change. */
export const accountErrors = {
  unauthenticated: (message = 'Authentication is required.') => new AccountError('UNAUTHENTICATED', message),
  invalidCredentials: () => new AccountError('INVALID_CREDENTIALS', 'The email or the password is wrong.'),
  invalidRefreshToken: () => new AccountError('INVALID_REFRESH_TOKEN', 'The refresh token is unknown, expired, revoked or was already used; sign in again.'),
  invalidAccessToken: () => new AccountError('UNAUTHENTICATED', 'The access token is invalid, expired or its session has ended.'),
  invalidApiKey: () => new AccountError('UNAUTHENTICATED', 'The API key is unknown or revoked.'),
  emailTaken: () =>
    new AccountError('EMAIL_TAKEN', 'An account with this email address exists already; sign in instead.', { fields: [{ path: 'body.email', message: 'is already registered' }] }),
  alreadyMember: () =>
    new AccountError('ALREADY_MEMBER', 'This person is a member of the store already.', { fields: [{ path: 'body.email', message: 'is already a member of this store' }] }),
  invalidToken: (what: string) => new AccountError('INVALID_TOKEN', `The ${what} link is invalid, expired or was used already.`),
  lastOwner: () => new AccountError('LAST_OWNER', 'A store always keeps at least one owner: make someone else owner first.'),
  notMember: (message = 'You are not a member of this store.') => new AccountError('NOT_MEMBER', message),
  wrongPassword: (path: string) => new AccountError('INVALID', 'The current password is wrong.', { fields: [{ path, message: 'is wrong' }] }),
  csrf: () =>
    new AccountError('CSRF', 'Cookie-authenticated requests that change state must send the X-CSRF-Token header (from the concierge_csrf cookie or the sign-in answer).'),
  forbidden: (message: string) => new AccountError('FORBIDDEN', message),
  userOnly: () => new AccountError('FORBIDDEN', 'API keys may not do this; sign in as a person.'),
  platformSessionDenied: () => new AccountError('FORBIDDEN', 'Not from inside the platform admin: sign in to the Concierge dashboard to manage the team, API keys, your password or the store.'),
  notFound: (message: string) => new AccountError('NOT_FOUND', message),
  conflict: (message: string) => new AccountError('CONFLICT', message),
  invalid: (fields: FieldProblem[], message = INVALID_FIELDS_MESSAGE) => new AccountError('INVALID', message, { fields }),
  mailFailed: () => new AccountError('MAIL_FAILED', 'The mail server did not accept the invitation; nothing was created. Try again later.'),
};
