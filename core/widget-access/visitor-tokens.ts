import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * Visitor tokens (widget API): HS256 pinned, key derived from SECRET_KEY for this purpose only,
 * 24 h. A token names one tenant, bot, visitor and conversation, plus the customer identity the
 * merchant's backend signed, when there was one.
 */
export const VISITOR_TOKEN_TTL_SECONDS = 24 * 60 * 60;
const ISSUER = 'concierge';
const AUDIENCE = 'concierge-widget';

export interface VisitorClaims {
  tenantId: string;
  botId: string;
  visitorId: string;
  conversationId: string;
  verified?: { customerId: string; email?: string } | undefined;
}

export type VisitorTokenCheck =
  | { ok: true; claims: VisitorClaims; expired: false }
  /** Authentic but past its expiry: the bot is still known (CORS headers for the 401), nothing else is allowed. */
  | { ok: false; claims: VisitorClaims; expired: true }
  | { ok: false; claims?: undefined; expired: false };

export class VisitorTokens {
  // A KeyObject made once: given a Buffer, jsonwebtoken first tries (and fails) to parse it as an
  // asymmetric key on every call, which costs about a millisecond per token on the hot path.
  private readonly key: KeyObject;

  constructor(
    key: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = createSecretKey(key);
  }

  sign(claims: VisitorClaims, ttlSeconds = VISITOR_TOKEN_TTL_SECONDS): { token: string; expiresAt: Date } {
    const iat = Math.floor(this.now().getTime() / 1000);
    const exp = iat + ttlSeconds;
    const payload: Record<string, unknown> = { tid: claims.tenantId, bid: claims.botId, sub: claims.visitorId, cid: claims.conversationId, iat, exp };
    if (claims.verified) payload.ver = { c: claims.verified.customerId, ...(claims.verified.email ? { e: claims.verified.email } : {}) };
    const token = jwt.sign(payload, this.key, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  check(token: string): VisitorTokenCheck {
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, ignoreExpiration: true }) as jwt.JwtPayload;
    } catch {
      return { ok: false, expired: false };
    }
    const { tid, bid, sub, cid, ver, exp } = payload as Record<string, unknown>;
    if (typeof tid !== 'string' || typeof bid !== 'string' || typeof sub !== 'string' || typeof cid !== 'string' || typeof exp !== 'number') {
      return { ok: false, expired: false };
    }
    const v = ver as { c?: unknown; e?: unknown } | undefined;
    const claims: VisitorClaims = {
      tenantId: tid,
      botId: bid,
      visitorId: sub,
      conversationId: cid,
      verified: v && typeof v.c === 'string' ? { customerId: v.c, ...(typeof v.e === 'string' ? { email: v.e } : {}) } : undefined,
    };
    if (exp * 1000 <= this.now().getTime()) return { ok: false, claims, expired: true };
    return { ok: true, claims, expired: false };
  }
}
