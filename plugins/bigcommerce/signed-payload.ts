import { constantTimeEqual, hmacSha256 } from '@concierge/plugin-sdk';

/**
 * BigCommerce's `signed_payload_jwt` (load, uninstall and remove-user callbacks): a JWT signed
 * HS256 with the app's client secret, `aud` = the app's client id, `iss` = "bc", `sub` = "stores/{hash}".
 * Verified over the exact bytes received (header.payload), compared in constant time.
 */
export interface SignedPayload {
  storeHash: string;
  user: { id: number; email: string; locale?: string };
  owner?: { id: number; email: string };
  channelId?: number | null;
}

/** Seconds of clock skew tolerated on `nbf`/`exp`. */
export const LEEWAY_SECONDS = 60;

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The payload when the token is genuine and current for this app; undefined otherwise (never throws). */
export function verifySignedPayload(token: string | undefined, app: { clientId: string; clientSecret: string }, nowSeconds = Math.floor(Date.now() / 1000)): SignedPayload | undefined {
  const parts = (token ?? '').split('.');
  if (parts.length !== 3 || !app.clientSecret) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  if (decode(header)?.alg !== 'HS256') return undefined;
  if (!constantTimeEqual(hmacSha256(app.clientSecret, `${header}.${payload}`, 'base64url'), signature)) return undefined;
  const claims = decode(payload);
  if (!claims || claims.aud !== app.clientId || claims.iss !== 'bc') return undefined;
  if (typeof claims.exp !== 'number' || claims.exp + LEEWAY_SECONDS < nowSeconds) return undefined;
  if (typeof claims.nbf === 'number' && claims.nbf - LEEWAY_SECONDS > nowSeconds) return undefined;
  const store = /^stores\/([a-z0-9]+)$/.exec(String(claims.sub));
  const user = claims.user as SignedPayload['user'] | undefined;
  if (!store || typeof user?.email !== 'string') return undefined;
  return {
    storeHash: store[1]!,
    user,
    ...(claims.owner ? { owner: claims.owner as SignedPayload['owner'] } : {}),
    ...(claims.channel_id !== undefined ? { channelId: claims.channel_id as number | null } : {}),
  };
}
