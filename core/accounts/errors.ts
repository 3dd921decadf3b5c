import { HttpProblem } from '../http/problem.ts';

/** The accounts module's problems; `type` slugs are stable, texts may change. */
const bearer = { 'WWW-Authenticate': 'Bearer' };

export const accountProblems = {
  invalidCredentials: () => new HttpProblem(401, 'invalid-credentials', 'Invalid credentials', 'The email or the password is wrong.', {}, bearer),
  invalidRefreshToken: () =>
    new HttpProblem(401, 'invalid-refresh-token', 'Invalid refresh token', 'The refresh token is unknown, expired, revoked or was already used; sign in again.', {}, bearer),
  invalidAccessToken: () => new HttpProblem(401, 'unauthorized', 'Unauthorized', 'The access token is invalid, expired or its session has ended.', {}, bearer),
  invalidApiKey: () => new HttpProblem(401, 'unauthorized', 'Unauthorized', 'The API key is unknown or revoked.', {}, bearer),
  emailTaken: () =>
    new HttpProblem(409, 'email-taken', 'Email already registered', 'An account with this email address exists already; sign in instead.', {
      errors: [{ path: 'body.email', message: 'is already registered' }],
    }),
  alreadyMember: () =>
    new HttpProblem(409, 'already-member', 'Already a member', 'This person is a member of the store already.', {
      errors: [{ path: 'body.email', message: 'is already a member of this store' }],
    }),
  invalidToken: (what: string) => new HttpProblem(400, 'invalid-token', 'Invalid or expired link', `The ${what} link is invalid, expired or was used already.`),
  lastOwner: () => new HttpProblem(409, 'last-owner', 'Last owner', 'A store always keeps at least one owner: make someone else owner first.'),
  notMember: (detail = 'You are not a member of this store.') => new HttpProblem(403, 'not-a-member', 'Not a member', detail),
  wrongPassword: (path: string) =>
    new HttpProblem(422, 'validation', 'Validation failed', 'The current password is wrong.', { errors: [{ path, message: 'is wrong' }] }),
  csrf: () =>
    new HttpProblem(403, 'csrf', 'CSRF check failed', 'Cookie-authenticated requests that change state must send the X-CSRF-Token header (from the concierge_csrf cookie or the sign-in answer).'),
  userOnly: () => new HttpProblem(403, 'forbidden', 'Forbidden', 'API keys may not do this; sign in as a person.'),
  mailFailed: () => new HttpProblem(503, 'mail-failed', 'Mail could not be sent', 'The mail server did not accept the invitation; nothing was created. Try again later.'),
};
