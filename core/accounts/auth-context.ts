import type { Request, RequestHandler } from 'express';
import { problems } from '../http/problem.ts';
import type { Role } from './accounts.repository.ts';
import type { Permission } from './permissions.ts';

/** Who is calling a merchant route, set by the Authenticator before the handler runs. */
export interface AuthContext {
  tenantId: string;
  /** null for an API key. */
  userId: string | null;
  role: Role;
  via: 'access-token' | 'session-cookie' | 'api-key';
  /** The signed-in session (access token or cookie); absent for an API key. */
  sessionId?: string;
  /** The API key used; absent for a person. */
  apiKeyId?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

/** What merchant modules depend on: a guard per permission. The accounts module implements it. */
export interface Authenticator {
  require(permission: Permission): RequestHandler;
}

/** The caller of a guarded route; a route without a guard that calls this is a bug (401). */
export function authOf(req: Request): AuthContext {
  if (!req.auth) throw problems.unauthorized();
  return req.auth;
}
