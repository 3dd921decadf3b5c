import type { RequestHandler } from 'express';
import { problems } from '../http/problem.ts';
import type { Authenticator } from './auth-context.ts';
import { can, type Permission } from './permissions.ts';
import type { AccessTokens } from './tokens.ts';

/**
 * Bearer access tokens only. The accounts module extends this (session cookies with CSRF,
 * API keys, revoked sessions); merchant modules only see the Authenticator interface.
 */
export class BearerAuthenticator implements Authenticator {
  constructor(private readonly tokens: AccessTokens) {}

  require(permission: Permission): RequestHandler {
    return (req, _res, next) => {
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
      const claims = match ? this.tokens.verify(match[1]!) : undefined;
      if (!claims) return next(problems.unauthorized(match ? 'The access token is invalid or expired.' : 'Send `Authorization: Bearer <accessToken>`.'));
      if (!can(claims.role, permission)) return next(problems.forbidden(`Your role (${claims.role}) may not do this (${permission}).`));
      req.auth = { tenantId: claims.tid, userId: claims.sub, role: claims.role, via: 'access-token' };
      next();
    };
  }
}
