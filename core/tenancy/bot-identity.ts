import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Verified visitors: the merchant's backend signs the logged-in customer's id and email with the
 * bot's identity secret; the widget passes `{ customerId, email, signature }` along. The secret is
 * stored sealed with `new SecretBox(secretKey, BOT_IDENTITY_PURPOSE)` in `bots.identity_secret_encrypted`.
 */
export const BOT_IDENTITY_PURPOSE = 'bot-identity-secret';

export function newIdentitySecret(): string {
  return `bis_${randomBytes(32).toString('base64url')}`;
}

/** hex HMAC-SHA256 over `customerId + "\n" + lower(email)`: what the merchant's backend computes. */
export function signIdentity(secret: string, identity: { customerId: string; email: string }): string {
  return createHmac('sha256', secret).update(`${identity.customerId}\n${identity.email.trim().toLowerCase()}`).digest('hex');
}

export function verifyIdentity(secret: string, identity: { customerId: string; email: string; signature: string }): boolean {
  const expected = Buffer.from(signIdentity(secret, identity), 'hex');
  const given = Buffer.from(identity.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
