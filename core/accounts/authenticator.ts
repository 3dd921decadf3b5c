import type { Request, RequestHandler } from 'express';
import { problems } from '../http/problem.ts';
import type { Role } from './accounts.repository.ts';
import type { AuthContext, Authenticator } from './auth-context.ts';
import { COOKIE_NAMES, isSafeMethod, readCookies, type SessionCookies } from './cookies.ts';
import { accountProblems } from './errors.ts';
import { can, USER_ONLY_PERMISSIONS, type Permission } from './permissions.ts';
import type { AccessTokens } from './tokens.ts';

/** What the authenticator asks the accounts module per request. */
export interface CredentialChecks {
  /** Current role if the session is live and the user still a member. */
  sessionRole(tenantId: string, sessionId: string, userId: string): Promise<Role | undefined>;
  apiKey(key: string): Promise<{ tenantId: string; id: string; role: Role } | undefined>;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;
export const API_KEY_PREFIX = 'cak_';

/**
 * The merchant guard: `Authorization: Bearer <accessToken | apiKey>` or the dashboard's session
 * cookie (with CSRF on unsafe methods). Access tokens are HS256 JWTs naming a session; the session
 * is checked on every request, so sign-out, password resets and removal from the team apply at once.
 */
export class AccountsAuthenticator implements Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly cookies: SessionCookies,
    private readonly checks: CredentialChecks,
  ) {}

  /** Who is calling, or a 401/403 problem. */
  async identify(req: Request): Promise<AuthContext> {
    const header = req.headers.authorization;
    if (typeof header === 'string' && header !== '') {
      const match = BEARER.exec(header);
      if (!match) throw problems.unauthorized('Send `Authorization: Bearer <accessToken or API key>`.');
      const token = match[1]!;
      if (token.startsWith(API_KEY_PREFIX)) {
        const key = await this.checks.apiKey(token);
        if (!key) throw accountProblems.invalidApiKey();
        return { tenantId: key.tenantId, userId: null, role: key.role, via: 'api-key', apiKeyId: key.id };
      }
      return this.fromAccessToken(token, 'access-token');
    }
    const cookie = readCookies(req)[COOKIE_NAMES.access];
    if (cookie) {
      const auth = await this.fromAccessToken(cookie, 'session-cookie');
      if (!isSafeMethod(req.method) && !this.cookies.csrfValid(req, auth.sessionId!)) throw accountProblems.csrf();
      return auth;
    }
    throw problems.unauthorized('Send `Authorization: Bearer <accessToken>` or sign in to the dashboard.');
  }

  private async fromAccessToken(token: string, via: 'access-token' | 'session-cookie'): Promise<AuthContext> {
    const claims = this.tokens.verify(token);
    // Every token we issue names its session; one without is not ours to honour.
    if (!claims?.sid) throw accountProblems.invalidAccessToken();
    const role = await this.checks.sessionRole(claims.tid, claims.sid, claims.sub);
    if (!role) throw accountProblems.invalidAccessToken();
    return { tenantId: claims.tid, userId: claims.sub, role, via, sessionId: claims.sid };
  }

  require(permission: Permission): RequestHandler {
    return (req, _res, next) => {
      this.identify(req).then((auth) => {
        if (auth.via === 'api-key' && USER_ONLY_PERMISSIONS.has(permission)) return next(accountProblems.userOnly());
        if (!can(auth.role, permission)) return next(problems.forbidden(`Your role (${auth.role}) may not do this (${permission}).`));
        req.auth = auth;
        next();
      }, next);
    };
  }
}
