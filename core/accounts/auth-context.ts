import type { Request, RequestHandler } from 'express';
import { accountErrors } from './accounts.errors.ts';
import type { Role } from './accounts.repository.ts';
import type { Permission } from './permissions.ts';

/** Who is calling a merchant route, set by the Authenticator before the handler runs. */
export interface AuthContext {
  tenantId: string;
  /** null for an API key. */
  userId: string | null;
  role: Role;
  via: 'access-token' | 'session-cookie' | 'api-key' | 'platform-session';
  /** The signed-in session (access token or cookie); absent for an API key. */
  sessionId?: string;
  /** The API key used; absent for a person. */
  apiKeyId?: string;
  /** A platform admin's session token (the dashboard embedded in Shopify's admin): whose. */
  platform?: { pluginId: string; externalId: string; userId: string | null };
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

export interface GuardOptions {
  /**
   * For a GET page a person reaches by following a link (a Connect button on another site): a browser
   * navigation that is not signed in is redirected (302) to this address — the dashboard's sign-in,
   * which comes back afterwards — instead of getting a 401 problem with no way forward. API calls
   * (an Authorization header, fetch/XHR) still get the 401 problem.
   */
  signIn?: (req: Request) => string;
}

/** What merchant modules depend on: a guard per permission. The accounts module implements it. */
export interface Authenticator {
  require(permission: Permission, options?: GuardOptions): RequestHandler;
}

/**
 * A top-level browser navigation (a followed link, a typed address): `Sec-Fetch-Mode: navigate`, or
 * for a browser that sends no Fetch Metadata, a GET that accepts HTML. Never a request that carries
 * its own credentials in an Authorization header.
 */
export function isBrowserNavigation(req: Request): boolean {
  if (req.method !== 'GET' || req.headers.authorization) return false;
  const mode = req.headers['sec-fetch-mode'];
  if (typeof mode === 'string') return mode === 'navigate';
  return /\btext\/html\b/.test(String(req.headers.accept ?? ''));
}

/** The caller of a guarded route; a route without a guard that calls this is a bug (401). */
export function authOf(req: Request): AuthContext {
  if (!req.auth) throw accountErrors.unauthenticated();
  return req.auth;
}
