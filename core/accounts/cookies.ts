import { createHmac, timingSafeEqual } from 'node:crypto';
import cookieParser from 'cookie-parser';
import type { CookieOptions, Request, Response } from 'express';

/**
 * The dashboard's session: HttpOnly, SameSite=Strict cookies, plus CSRF protection for
 * cookie-authenticated requests that change state. The CSRF token is an HMAC of the session id
 * (readable from the non-HttpOnly `concierge_csrf` cookie and the sign-in answer) that must come
 * back in the `X-CSRF-Token` header: a cross-site form can send cookies but cannot set headers,
 * and a token planted from a sibling domain does not match the session. Bearer tokens and API
 * keys are not sent by browsers on their own, so they need no CSRF check.
 */
export const COOKIE_NAMES = { access: 'concierge_session', refresh: 'concierge_refresh', csrf: 'concierge_csrf' } as const;
export const CSRF_HEADER = 'x-csrf-token';
/** The refresh cookie only travels to the auth routes that use it. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

const parse = cookieParser();

export function readCookies(req: Request): Record<string, string> {
  if (!req.cookies) parse(req, {} as Response, () => undefined);
  return (req.cookies ?? {}) as Record<string, string>;
}

export const isSafeMethod = (method: string) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

export class SessionCookies {
  constructor(
    private readonly csrfKey: Buffer,
    /** https deployments (PUBLIC_URL) always mark cookies Secure. */
    private readonly alwaysSecure: boolean,
  ) {}

  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.csrfKey).update(`csrf:${sessionId}`).digest('base64url');
  }

  csrfValid(req: Request, sessionId: string): boolean {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string') return false;
    const expected = Buffer.from(this.csrfToken(sessionId));
    const given = Buffer.from(sent);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private base(req: Request): CookieOptions {
    return { secure: this.alwaysSecure || req.secure, sameSite: 'strict' };
  }

  set(req: Request, res: Response, session: { sessionId: string; accessToken: string; expiresIn: number; refreshToken: string; refreshExpiresAt: Date }): string {
    const base = this.base(req);
    const csrf = this.csrfToken(session.sessionId);
    res.cookie(COOKIE_NAMES.access, session.accessToken, { ...base, httpOnly: true, path: '/', maxAge: session.expiresIn * 1000 });
    res.cookie(COOKIE_NAMES.refresh, session.refreshToken, { ...base, httpOnly: true, path: REFRESH_COOKIE_PATH, expires: session.refreshExpiresAt });
    res.cookie(COOKIE_NAMES.csrf, csrf, { ...base, httpOnly: false, path: '/', expires: session.refreshExpiresAt });
    return csrf;
  }

  clear(req: Request, res: Response): void {
    const base = this.base(req);
    res.clearCookie(COOKIE_NAMES.access, { ...base, httpOnly: true, path: '/' });
    res.clearCookie(COOKIE_NAMES.refresh, { ...base, httpOnly: true, path: REFRESH_COOKIE_PATH });
    res.clearCookie(COOKIE_NAMES.csrf, { ...base, path: '/' });
  }
}
