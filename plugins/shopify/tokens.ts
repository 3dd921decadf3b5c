import { createHmac } from 'node:crypto';
import { PluginError } from '@concierge/plugin-sdk';
import { z } from 'zod';
import { hmacSha256, isShopDomain, safeEqual } from './signatures.ts';
import type { Upstream } from './upstream.ts';

/** Offline access tokens: expiring (60 min) with a rotating refresh token, as Shopify gives new public apps. */

export const secretsSchema = z.object({
  accessToken: z.string().min(1),
  scope: z.string().optional(),
  /** ISO time; absent for a non-expiring token. */
  expiresAt: z.string().optional(),
  refreshToken: z.string().optional(),
  refreshTokenExpiresAt: z.string().optional(),
});
export type ShopifySecrets = z.infer<typeof secretsSchema>;

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  scope: z.string().optional(),
  expires_in: z.coerce.number().optional(),
  refresh_token: z.string().optional(),
  refresh_token_expires_in: z.coerce.number().optional(),
});

export function secretsFromAnswer(json: unknown, nowMs: number): ShopifySecrets {
  const parsed = tokenAnswer.safeParse(json);
  if (!parsed.success) throw new PluginError('UPSTREAM_FAILED', 'Shopify answered the token request without an access token');
  const a = parsed.data;
  return {
    accessToken: a.access_token,
    ...(a.scope !== undefined ? { scope: a.scope } : {}),
    ...(a.expires_in ? { expiresAt: new Date(nowMs + a.expires_in * 1000).toISOString() } : {}),
    ...(a.refresh_token ? { refreshToken: a.refresh_token } : {}),
    ...(a.refresh_token && a.refresh_token_expires_in ? { refreshTokenExpiresAt: new Date(nowMs + a.refresh_token_expires_in * 1000).toISOString() } : {}),
  };
}

/** Refresh this long before expiry, so a page of a sync never starts on a token about to lapse. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export function needsRefresh(secrets: ShopifySecrets, nowMs: number, marginMs = REFRESH_MARGIN_MS): boolean {
  if (!secrets.expiresAt || !secrets.refreshToken) return false;
  return Date.parse(secrets.expiresAt) - nowMs <= marginMs;
}

export interface AppCredentials {
  apiKey: string;
  apiSecret: string;
}

/** POST https://{shop}/admin/oauth/access_token, form-encoded (RFC 6749), through the upstream route. */
export async function requestToken(upstream: Upstream, shop: string, app: AppCredentials, params: Record<string, string>, nowMs: number): Promise<ShopifySecrets> {
  if (!isShopDomain(shop)) throw new PluginError('INSTALL_STATE_INVALID', 'not a myshopify.com shop domain');
  const body = new URLSearchParams({ client_id: app.apiKey, client_secret: app.apiSecret, ...params }).toString();
  const answer = await upstream.request(`https://${shop}/admin/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  if (answer.status >= 500 || answer.status === 429) throw new PluginError('UPSTREAM_RETRYABLE', `Shopify's token endpoint answered ${answer.status}`);
  if (answer.status !== 200) throw new PluginError('UPSTREAM_AUTH', `Shopify refused the token request (${answer.status})`);
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    throw new PluginError('UPSTREAM_FAILED', 'Shopify answered the token request with something other than JSON');
  }
  return secretsFromAnswer(json, nowMs);
}

export const exchangeCode = (upstream: Upstream, shop: string, app: AppCredentials, code: string, nowMs: number) =>
  requestToken(upstream, shop, app, { code, expiring: '1' }, nowMs);

export const exchangeSessionToken = (upstream: Upstream, shop: string, app: AppCredentials, sessionToken: string, nowMs: number) =>
  requestToken(
    upstream,
    shop,
    app,
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: sessionToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      requested_token_type: 'urn:shopify:params:oauth:token-type:offline-access-token',
      expiring: '1',
    },
    nowMs,
  );

export const refreshAccessToken = (upstream: Upstream, shop: string, app: AppCredentials, refreshToken: string, nowMs: number) =>
  requestToken(upstream, shop, app, { grant_type: 'refresh_token', refresh_token: refreshToken }, nowMs);

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

/**
 * Verifies an embedded-admin session token: HS256 JWT signed with the app secret (the algorithm is
 * pinned, never read from the token), `aud` = API key, within `nbf`/`exp` (5 s leeway), the shop from `dest`.
 */
export function verifySessionToken(token: string, app: AppCredentials, nowMs: number): { shop: string; userId?: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', app.apiSecret).update(`${header}.${payload}`).digest('base64url');
  if (!safeEqual(expected, signature)) return undefined;
  let head: { alg?: string };
  let claims: { aud?: string | string[]; exp?: number; nbf?: number; dest?: string; iss?: string; sub?: string };
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (head.alg !== 'HS256') return undefined;
  const nowSeconds = nowMs / 1000;
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audience.includes(app.apiKey)) return undefined;
  if (typeof claims.exp !== 'number' || claims.exp + 5 < nowSeconds) return undefined;
  if (typeof claims.nbf === 'number' && claims.nbf - 5 > nowSeconds) return undefined;
  let shop: string;
  try {
    shop = new URL(String(claims.dest)).hostname;
  } catch {
    return undefined;
  }
  if (!isShopDomain(shop)) return undefined;
  if (claims.iss !== undefined && !String(claims.iss).startsWith(`https://${shop}/`)) return undefined;
  return { shop, ...(claims.sub ? { userId: claims.sub } : {}) };
}

/** For tests and tools: a session token minted as Shopify does. */
export function signSessionToken(claims: Record<string, unknown>, secret: string): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

/**
 * The app proxy's verified customer, handed to the widget: `v1.<payload>.<hmac>` with the app secret,
 * short-lived, bound to the shop. The widget passes it to the session request; `verifyCustomer` checks it.
 */
export const CUSTOMER_TOKEN_TTL_SECONDS = 300;

export function mintCustomerToken(secret: string, input: { shop: string; customerId: string }, nowMs: number): string {
  const payload = b64url(JSON.stringify({ shop: input.shop, cid: input.customerId, exp: Math.floor(nowMs / 1000) + CUSTOMER_TOKEN_TTL_SECONDS }));
  return `v1.${payload}.${hmacSha256(secret, `customer.v1.${payload}`, 'base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}`;
}

export function readCustomerToken(secret: string, token: string, nowMs: number): { shop: string; customerId: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') return undefined;
  const payload = parts[1]!;
  const expected = hmacSha256(secret, `customer.v1.${payload}`, 'base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  if (!safeEqual(expected, parts[2]!)) return undefined;
  try {
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { shop?: unknown; cid?: unknown; exp?: unknown };
    if (typeof data.shop !== 'string' || typeof data.cid !== 'string' || typeof data.exp !== 'number') return undefined;
    if (data.exp < nowMs / 1000) return undefined;
    return { shop: data.shop, customerId: data.cid };
  } catch {
    return undefined;
  }
}
