import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signature helpers plugin authors would otherwise get wrong: always over the raw bytes the
 * platform sent (never a re-serialized JSON), always compared in constant time.
 */

export type HmacEncoding = 'hex' | 'base64' | 'base64url';

/** HMAC-SHA256 of `data` (raw bytes, or a string taken as UTF-8) keyed with `secret`, encoded. */
export function hmacSha256(secret: string | Buffer, data: Buffer | Uint8Array | string, encoding: HmacEncoding = 'hex'): string {
  return createHmac('sha256', secret).update(data).digest(encoding);
}

/**
 * Constant-time string comparison. Both sides are hashed first, so neither the content nor the
 * length of the expected value leaks through timing; `undefined`/empty never equals anything.
 */
export function constantTimeEqual(a: string | Buffer | undefined | null, b: string | Buffer | undefined | null): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return false;
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (left.length === 0 || right.length === 0) return false;
  const ha = createHash('sha256').update(left).digest();
  const hb = createHash('sha256').update(right).digest();
  return timingSafeEqual(ha, hb) && left.length === right.length;
}

/**
 * Verifies `signature` = HMAC-SHA256(secret, data) in the given encoding, in constant time.
 * Hex is compared case-insensitively (platforms differ); a missing signature or secret is false.
 */
export function verifyHmacSha256(input: {
  secret: string | Buffer | undefined | null;
  data: Buffer | Uint8Array | string;
  signature: string | undefined | null;
  encoding: HmacEncoding;
}): boolean {
  const { secret, data, signature, encoding } = input;
  if (!secret || (typeof secret === 'string' && secret.length === 0) || !signature) return false;
  const expected = hmacSha256(secret, data, encoding);
  const given = encoding === 'hex' ? signature.trim().toLowerCase() : signature.trim();
  return constantTimeEqual(expected, given);
}
