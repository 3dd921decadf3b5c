/**
 * Embedded mode: the dashboard inside a platform's admin (Shopify's embedded app). The server marks
 * the page (`<meta name="concierge-embedded">`) only for an account with an active installation, and
 * injects the platform's admin SDK (App Bridge, from Shopify's CDN) before our scripts. There, every
 * API request carries a fresh session token (`shopify.idToken()`) as `Authorization: Bearer`; no
 * cookies (a third-party frame loses them) and so no CSRF token.
 */

interface AppBridge {
  idToken(): Promise<string>;
}

const marker = typeof document === 'undefined' ? null : document.querySelector<HTMLMetaElement>('meta[name="concierge-embedded"]');

export const embedded = marker !== null;

/** The query the server validated (`embedded=1&shop=…`): pages the dashboard frames (the preview) pass it on. */
export const embeddedQuery = marker?.content ?? '';

/** A fresh session token from the platform's admin (App Bridge caches and renews it; each call may mint a new one). */
export async function sessionToken(): Promise<string> {
  const bridge = (window as unknown as { shopify?: Partial<AppBridge> }).shopify;
  if (typeof bridge?.idToken !== 'function') throw new Error('App Bridge is not loaded');
  return bridge.idToken();
}

/** Credentials of one request: the session token in embedded mode; nothing otherwise (the cookie goes by itself). */
export async function authHeaders(): Promise<Record<string, string>> {
  return embedded ? { authorization: `Bearer ${await sessionToken()}` } : {};
}

/** `fetch`'s credentials mode: the session cookie only outside the platform's admin. */
export const credentials: RequestCredentials = embedded ? 'omit' : 'same-origin';
