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

/** Verified tokens kept per instance (oldest out): ~0.5 KB each. */
const VERIFIED_TOKENS_KEPT = 5_000;

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
  /**
   * Tokens this instance verified, with what they say: every widget request carries one, and
   * verifying it again (jsonwebtoken: decode, parse, HMAC) cost ~0.2 ms of the ~1 ms a message spent
   * before its handler (issue 13). Keyed by the whole token, filled only after a valid signature, so
   * a hit is exactly what verifying would give; expiry is still checked against the clock each time.
   */
  private readonly verified = new Map<string, { claims: VisitorClaims; exp: number }>();

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
    const known = this.verified.get(token) ?? this.verify(token);
    if (!known) return { ok: false, expired: false };
    if (known.exp * 1000 <= this.now().getTime()) return { ok: false, claims: known.claims, expired: true };
    return { ok: true, claims: known.claims, expired: false };
  }

  private verify(token: string): { claims: VisitorClaims; exp: number } | undefined {
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, ignoreExpiration: true }) as jwt.JwtPayload;
    } catch {
      return undefined;
    }
    const { tid, bid, sub, cid, ver, exp } = payload as Record<string, unknown>;
    if (typeof tid !== 'string' || typeof bid !== 'string' || typeof sub !== 'string' || typeof cid !== 'string' || typeof exp !== 'number') {
      return undefined;
    }
    const v = ver as { c?: unknown; e?: unknown } | undefined;
    const claims: VisitorClaims = {
      tenantId: tid,
      botId: bid,
      visitorId: sub,
      conversationId: cid,
      verified: v && typeof v.c === 'string' ? { customerId: v.c, ...(typeof v.e === 'string' ? { email: v.e } : {}) } : undefined,
    };
    // Shared by every request with this token: nobody may change it.
    if (claims.verified) Object.freeze(claims.verified);
    const known = { claims: Object.freeze(claims), exp };
    this.verified.set(token, known);
    if (this.verified.size > VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
    return known;
  }
}
