import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from './accounts.repository.ts';

/** Short-lived access tokens: HS256 pinned on both sides, so `alg: none` or RS/HS confusion never verifies. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'concierge';
const AUDIENCE = 'concierge-api';

export interface AccessClaims {
  sub: string;
  tid: string;
  role: Role;
  /** Session (refresh-token family) id, so a logout or reuse detection can cut it. */
  sid?: string;
}

export class AccessTokens {
  /** Made once: given raw bytes, jsonwebtoken first tries (and fails) to parse a public key on every call. */
  private readonly key: KeyObject;

  constructor(
    key: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = createSecretKey(key);
  }

  sign(claims: AccessClaims, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): string {
    const iat = Math.floor(this.now().getTime() / 1000);
    return jwt.sign({ ...claims, iat, exp: iat + ttlSeconds }, this.key, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE });
  }

  /** undefined for anything that is not a valid, unexpired token of ours. */
  verify(token: string): AccessClaims | undefined {
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        clockTimestamp: Math.floor(this.now().getTime() / 1000),
      }) as jwt.JwtPayload;
      if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || !['owner', 'admin', 'agent'].includes(payload.role)) return undefined;
      return { sub: payload.sub, tid: payload.tid, role: payload.role as Role, sid: typeof payload.sid === 'string' ? payload.sid : undefined };
    } catch {
      return undefined;
    }
  }
}
