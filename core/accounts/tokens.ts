import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from './accounts.repository.ts';

/** Short-lived access tokens: HS256 pinned on both sides, so `alg: none` or RS/HS confusion never verifies. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'concierge';
const AUDIENCE = 'concierge-api';
/** Verified tokens kept per instance (a few hundred bytes each). */
const VERIFIED_MAX = 10_000;

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

  /**
   * Tokens this instance verified, until they expire: a signed-in client sends the same token with
   * every request for up to 15 minutes, and its signature and claims do not change in between
   * (issue 13: the auth path). Keyed by the whole token, so a changed byte is a miss and is verified.
   * Revocation is not decided here: the session check (SessionCache) runs on every request.
   */
  private readonly verified = new Map<string, { claims: AccessClaims; exp: number }>();

  /** undefined for anything that is not a valid, unexpired token of ours. */
  verify(token: string): AccessClaims | undefined {
    const clock = Math.floor(this.now().getTime() / 1000);
    const kept = this.verified.get(token);
    if (kept) {
      if (clock < kept.exp) return kept.claims;
      this.verified.delete(token);
      return undefined;
    }
    try {
      const payload = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, clockTimestamp: clock }) as jwt.JwtPayload;
      if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || !['owner', 'admin', 'agent'].includes(payload.role)) return undefined;
      const claims: AccessClaims = { sub: payload.sub, tid: payload.tid, role: payload.role as Role, sid: typeof payload.sid === 'string' ? payload.sid : undefined };
      if (typeof payload.exp === 'number') {
        // Bounded: past the limit the oldest entry goes (a Map iterates in insertion order).
        if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(token, { claims, exp: payload.exp });
      }
      return claims;
    } catch {
      return undefined;
    }
  }
}
