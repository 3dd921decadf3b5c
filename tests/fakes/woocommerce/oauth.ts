/**
 * OAuth 1.0a one-legged request verification, as WooCommerce's `WC_REST_Authentication` does it
 * (class-wc-rest-authentication.php): parameters from the query string (and a form body / an
 * `Authorization: OAuth` header), the signature removed, keys sorted with strcmp, every key and
 * value `rawurlencode(rawurldecode(x))` then its `%` double-encoded, joined with `%3D` / `%26`;
 * base string `METHOD&rawurlencode(home_url + path)&params`; key `consumer_secret&`;
 * HMAC-SHA1 or HMAC-SHA256, base64, compared with hash_equals. Then a ±15 minute timestamp window
 * and a per-key nonce list (a reused nonce is refused).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** PHP's rawurlencode: RFC 3986 unreserved characters stay, everything else is %XX (upper case). */
export function rawurlencode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** PHP's rawurldecode: decodes %XX byte sequences, leaves a lone `%` and `+` as they are. */
export function rawurldecode(value: string): string {
  const bytes: number[] = [];
  const input = Buffer.from(value, 'utf8');
  for (let i = 0; i < input.length; i++) {
    const b = input[i]!;
    if (b === 0x25 && i + 2 < input.length + 0 && /^[0-9a-fA-F]{2}$/.test(input.subarray(i + 1, i + 3).toString('latin1'))) {
      bytes.push(parseInt(input.subarray(i + 1, i + 3).toString('latin1'), 16));
      i += 2;
    } else bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** PHP's urldecode as used to fill $_GET: `+` is a space, %XX decoded. */
export function phpUrldecode(value: string): string {
  return rawurldecode(value.replace(/\+/g, ' '));
}

/** $_GET from a raw query string (flat keys; the last duplicate wins, as in PHP). */
export function parsePhpQuery(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!query) return out;
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = phpUrldecode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : phpUrldecode(part.slice(eq + 1));
    if (key) out[key] = value;
  }
  return out;
}

/** Parses `Authorization: OAuth k="v", ...` the way WooCommerce's parse_header does. */
export function parseOAuthHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header || !/^OAuth\s/i.test(header.trim())) return out;
  for (const m of header.trim().slice(6).matchAll(/([A-Za-z0-9_-]+)="([^"]*)"/g)) {
    const key = m[1]!;
    if (key.startsWith('oauth_')) out[key] = rawurldecode(m[2]!);
  }
  return out;
}

export const REQUIRED_OAUTH_PARAMS = ['oauth_consumer_key', 'oauth_timestamp', 'oauth_nonce', 'oauth_signature', 'oauth_signature_method'] as const;

/** The string WooCommerce signs (check_oauth_signature). `params` must not contain oauth_signature. */
export function signatureBaseString(method: string, baseUrl: string, params: Record<string, string>): string {
  const keys = Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // strcmp: byte order
  const pairs = keys.map((key) => {
    const k = rawurlencode(rawurldecode(key)).replace(/%/g, '%25');
    const v = rawurlencode(rawurldecode(params[key]!)).replace(/%/g, '%25');
    return `${k}%3D${v}`;
  });
  return `${method.toUpperCase()}&${rawurlencode(baseUrl)}&${pairs.join('%26')}`;
}

export function expectedSignature(signatureMethod: string, baseString: string, consumerSecret: string): string | undefined {
  const algorithm = signatureMethod === 'HMAC-SHA256' ? 'sha256' : signatureMethod === 'HMAC-SHA1' ? 'sha1' : undefined;
  if (!algorithm) return undefined;
  return createHmac(algorithm, `${consumerSecret}&`).update(baseString).digest('base64');
}

/** hash_equals: constant time over equal lengths. */
export function hashEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
