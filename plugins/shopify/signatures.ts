import { constantTimeEqual, hmacSha256 as sdkHmac } from '@concierge/plugin-sdk';

/**
 * Shopify's three signature schemes (all HMAC-SHA256 with the app secret), compared in constant time.
 * - OAuth install/callback query: hex over the sorted `key=value` pairs joined with `&`, without `hmac`.
 * - App proxy query: hex over the sorted `key=value` pairs joined with nothing, without `signature`;
 *   repeated keys are joined with `,`.
 * - Webhooks: base64 over the raw body bytes.
 */

export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export function isShopDomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 255 && SHOP_DOMAIN.test(value);
}

export const hmacSha256 = (secret: string, data: string | Buffer, encoding: 'hex' | 'base64'): string => sdkHmac(secret, data, encoding);

/** Constant-time equality (the SDK's: hashed first, so lengths do not leak); empty never equals. */
export const safeEqual = (a: string, b: string): boolean => constantTimeEqual(a, b);

export type QueryInput = Record<string, string | string[] | undefined>;

function entries(query: QueryInput, without: string): [string, string][] {
  return Object.entries(query)
    .filter((entry): entry is [string, string | string[]] => entry[0] !== without && entry[1] !== undefined)
    .map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : value] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** As Shopify's own library signs it: sorted pairs, URL-encoded (`URLSearchParams`). */
export function signOAuthQuery(secret: string, query: QueryInput): string {
  return hmacSha256(secret, new URLSearchParams(entries(query, 'hmac')).toString(), 'hex');
}

/** Also accepts the older documented form (pairs joined raw), which equals the encoded one for plain values. */
export function verifyOAuthQuery(secret: string, query: QueryInput): boolean {
  const given = query.hmac;
  if (typeof given !== 'string' || given.length === 0) return false;
  const raw = hmacSha256(secret, entries(query, 'hmac').map(([k, v]) => `${k}=${v}`).join('&'), 'hex');
  const encoded = signOAuthQuery(secret, query);
  const normalized = given.toLowerCase();
  return safeEqual(encoded, normalized) || safeEqual(raw, normalized);
}

export function signProxyQuery(secret: string, query: QueryInput): string {
  return hmacSha256(secret, entries(query, 'signature').map(([k, v]) => `${k}=${v}`).join(''), 'hex');
}

export function verifyProxyQuery(secret: string, query: QueryInput): boolean {
  const given = query.signature;
  if (typeof given !== 'string' || given.length === 0) return false;
  return safeEqual(signProxyQuery(secret, query), given.toLowerCase());
}

export function verifyWebhookBody(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  return safeEqual(hmacSha256(secret, rawBody, 'base64'), header.trim());
}

/** Shopify's `timestamp` is Unix seconds; accepted within `windowSeconds` either way (clock skew). */
export function isFreshTimestamp(value: unknown, nowMs: number, windowSeconds: number): boolean {
  if (typeof value !== 'string' || !/^\d{1,12}$/.test(value)) return false;
  return Math.abs(nowMs / 1000 - Number(value)) <= windowSeconds;
}
