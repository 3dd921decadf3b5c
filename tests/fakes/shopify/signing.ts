/**
 * Signatures exactly as Shopify makes them (so a plugin's verifier is tested against the real
 * recipe, not against itself):
 * - webhooks: base64 HMAC-SHA256 of the raw body, header `X-Shopify-Hmac-Sha256`;
 * - OAuth / admin launch query: hex HMAC-SHA256 of the query without `hmac`, pairs `key=value`
 *   sorted by key and joined with `&`;
 * - app proxy: hex HMAC-SHA256 of the query without `signature`, pairs `key=value` (several
 *   values of one key joined with `,`) sorted and concatenated with NO separator;
 * - session tokens: HS256 JWT signed with the app secret.
 */
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';

export function webhookHmac(secret: string, rawBody: string | Buffer): string {
  return crypto.createHmac('sha256', secret).update(rawBody).digest('base64');
}

export type QueryInput = URLSearchParams | Record<string, string | string[]>;

function entries(q: QueryInput): [string, string][] {
  if (q instanceof URLSearchParams) return [...q.entries()];
  return Object.entries(q).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]]));
}

/** OAuth callback / install / admin launch `hmac`. */
export function queryHmac(secret: string, query: QueryInput): string {
  const message = entries(query)
    .filter(([k]) => k !== 'hmac' && k !== 'signature')
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&');
  return crypto.createHmac('sha256', secret).update(message).digest('hex');
}

/** App proxy `signature`. */
export function appProxySignature(secret: string, query: QueryInput): string {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of entries(query)) {
    if (k === 'signature') continue;
    grouped.set(k, [...(grouped.get(k) ?? []), v]);
  }
  const message = [...grouped.entries()]
    .map(([k, vs]) => `${k}=${vs.join(',')}`)
    .sort()
    .join('');
  return crypto.createHmac('sha256', secret).update(message).digest('hex');
}

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
  sig?: string;
}

export function signSessionToken(secret: string, claims: SessionTokenClaims): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256' });
}

/** Verifies a session token as Shopify's token endpoint does (signature, aud, exp/nbf with 5 s leeway). */
export function verifySessionToken(secret: string, token: string, apiKey: string, nowSeconds: number): SessionTokenClaims {
  return jwt.verify(token, secret, { algorithms: ['HS256'], audience: apiKey, clockTimestamp: nowSeconds, clockTolerance: 5 }) as SessionTokenClaims;
}

export function randomToken(prefix: string, bytes = 16): string {
  return `${prefix}${crypto.randomBytes(bytes).toString('hex')}`;
}
