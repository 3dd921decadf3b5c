import type { Request, RequestHandler } from 'express';
import { AccountError, accountErrors } from './accounts.errors.ts';
import type { Role } from './accounts.repository.ts';
import { isBrowserNavigation, type AuthContext, type Authenticator, type GuardOptions } from './auth-context.ts';
import { COOKIE_NAMES, isSafeMethod, readCookies, type SessionCookies } from './cookies.ts';
import { can, USER_ONLY_PERMISSIONS, type Permission } from './permissions.ts';
import type { AccessTokens } from './tokens.ts';

/** What the authenticator asks the accounts module per request. */
export interface CredentialChecks {
  /** Current role if the session is live and the user still a member. */
  sessionRole(tenantId: string, sessionId: string, userId: string): Promise<Role | undefined>;
  apiKey(key: string): Promise<{ tenantId: string; id: string; role: Role } | undefined>;
  /**
   * A platform admin's session token (Shopify's embedded app), verified by the plugin host and mapped
   * to a member of the installation's store (docs/decisions/0019); undefined when it is not one.
   */
  platformSession?(token: string): Promise<PlatformCaller | undefined>;
}

/** Who a verified platform session token acts as. */
export interface PlatformCaller {
  tenantId: string;
  userId: string;
  role: Role;
  platform: { pluginId: string; externalId: string; userId: string | null };
}

/**
 * What a platform session may never do, whatever the member's role: manage the team, API keys or the
 * store's existence, or the member's own credentials (the staff member is not that person).
 */
const PLATFORM_SESSION_DENIED: ReadonlySet<Permission> = USER_ONLY_PERMISSIONS;

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
      if (!match) throw accountErrors.unauthenticated('Send `Authorization: Bearer <accessToken or API key>`.');
      const token = match[1]!;
      if (token.startsWith(API_KEY_PREFIX)) {
        const key = await this.checks.apiKey(token);
        if (!key) throw accountErrors.invalidApiKey();
        return { tenantId: key.tenantId, userId: null, role: key.role, via: 'api-key', apiKeyId: key.id };
      }
      const claims = this.tokens.verify(token);
      if (!claims && this.checks.platformSession) {
        // Not one of ours: a platform admin's session token (embedded dashboard), or nothing.
        const caller = await this.checks.platformSession(token);
        if (!caller) throw accountErrors.invalidAccessToken();
        return { tenantId: caller.tenantId, userId: caller.userId, role: caller.role, via: 'platform-session', platform: caller.platform };
      }
      return this.fromClaims(claims, 'access-token');
    }
    const cookie = readCookies(req)[COOKIE_NAMES.access];
    if (cookie) {
      const auth = await this.fromAccessToken(cookie, 'session-cookie');
      if (!isSafeMethod(req.method) && !this.cookies.csrfValid(req, auth.sessionId!)) throw accountErrors.csrf();
      return auth;
    }
    throw accountErrors.unauthenticated('Send `Authorization: Bearer <accessToken>` or sign in to the dashboard.');
  }

  private fromAccessToken(token: string, via: 'access-token' | 'session-cookie'): Promise<AuthContext> {
    return this.fromClaims(this.tokens.verify(token), via);
  }

  private async fromClaims(claims: ReturnType<AccessTokens['verify']>, via: 'access-token' | 'session-cookie'): Promise<AuthContext> {
    // Every token we issue names its session; one without is not ours to honour.
    if (!claims?.sid) throw accountErrors.invalidAccessToken();
    const role = await this.checks.sessionRole(claims.tid, claims.sid, claims.sub);
    if (!role) throw accountErrors.invalidAccessToken();
    return { tenantId: claims.tid, userId: claims.sub, role, via, sessionId: claims.sid };
  }

  require(permission: Permission, options: GuardOptions = {}): RequestHandler {
    return (req, res, next) => {
      this.identify(req).then(
        (auth) => {
          if (auth.via === 'api-key' && USER_ONLY_PERMISSIONS.has(permission)) return next(accountErrors.userOnly());
          if (auth.via === 'platform-session' && PLATFORM_SESSION_DENIED.has(permission)) return next(accountErrors.platformSessionDenied());
          if (!can(auth.role, permission)) return next(accountErrors.forbidden(`Your role (${auth.role}) may not do this (${permission}).`));
          req.auth = auth;
          next();
        },
        (error: unknown) => {
          // A person who followed a link and is not signed in (or whose SameSite=Strict cookie a
          // cross-site navigation left behind): to sign-in, and back afterwards.
          if (options.signIn && error instanceof AccountError && error.code === 'UNAUTHENTICATED' && isBrowserNavigation(req)) {
            res.setHeader('Cache-Control', 'no-store');
            res.redirect(302, options.signIn(req));
            return;
          }
          next(error);
        },
      );
    };
  }
}
