import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * Signed links to one conversation, sent by mail (issue #18: a merchant's reply reaches a shopper
 * who left). HS256 pinned, key derived from SECRET_KEY for this purpose only, and an audience per
 * use, so a link of one kind never works as another (nor as a visitor token):
 * - `resume`: the widget on the store's page trades it for a visitor session of exactly this
 *   conversation (`POST /widget/v1/sessions` with `resume`); 7 days by default.
 * - `stop`: stops reply mails for this conversation (the mail's unsubscribe link); a year, because
 *   an unsubscribe link must keep working for as long as the mail is kept.
 */

export type ConversationLinkUse = 'resume' | 'stop';

export interface ConversationLinkClaims {
  tenantId: string;
  botId: string;
  conversationId: string;
  visitorId: string;
}

export const CONVERSATION_LINK_TTL_SECONDS: Record<ConversationLinkUse, number> = { resume: 7 * 24 * 3600, stop: 365 * 24 * 3600 };
const ISSUER = 'concierge';
const audience = (use: ConversationLinkUse) => `concierge-conversation-${use}`;

export type ConversationLinkCheck = { ok: true; claims: ConversationLinkClaims } | { ok: false; reason: 'invalid' | 'expired' };

export class ConversationLinks {
  private readonly key: KeyObject;

  constructor(
    key: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = createSecretKey(key);
  }

  sign(use: ConversationLinkUse, claims: ConversationLinkClaims, ttlSeconds = CONVERSATION_LINK_TTL_SECONDS[use]): { token: string; expiresAt: Date } {
    const iat = Math.floor(this.now().getTime() / 1000);
    const exp = iat + ttlSeconds;
    const payload = { tid: claims.tenantId, bid: claims.botId, cid: claims.conversationId, sub: claims.visitorId, iat, exp };
    return { token: jwt.sign(payload, this.key, { algorithm: 'HS256', issuer: ISSUER, audience: audience(use) }), expiresAt: new Date(exp * 1000) };
  }

  check(use: ConversationLinkUse, token: string): ConversationLinkCheck {
    let payload: jwt.JwtPayload;
    try {
      // Expiry against the injected clock (tests move it), not jsonwebtoken's Date.now().
      payload = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: audience(use), ignoreExpiration: true }) as jwt.JwtPayload;
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    const { tid, bid, cid, sub, exp } = payload as Record<string, unknown>;
    if (typeof tid !== 'string' || typeof bid !== 'string' || typeof cid !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') return { ok: false, reason: 'invalid' };
    if (exp * 1000 <= this.now().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { tenantId: tid, botId: bid, conversationId: cid, visitorId: sub } };
  }
}
