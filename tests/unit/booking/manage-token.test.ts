import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManageTokens } from '../../../core/booking/manage-token.ts';
import { deriveKey } from '../../../core/security/secret-box.ts';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The character that decodes like `c` as the last of 43 (its low two bits are padding): `A` → `D`. */
const spareBitsSet = (c: string) => BASE64URL[BASE64URL.indexOf(c) | 3]!;

describe('manage link tokens', () => {
  const tokens = new ManageTokens(deriveKey('a-secret-key-of-at-least-32-characters!', 'booking-manage'));
  const target = { tenantId: randomUUID(), bookingId: randomUUID() };

  it('round-trips tenant and booking, URL-safe', () => {
    const token = tokens.sign(target);
    expect(token).toMatch(/^[A-Za-z0-9_-]{44}\.[A-Za-z0-9_-]{43}$/);
    expect(tokens.verify(token)).toEqual(target);
  });

  it('refuses a token signed with another key or for another purpose', () => {
    const other = new ManageTokens(deriveKey('a-secret-key-of-at-least-32-characters!', 'access-tokens'));
    expect(tokens.verify(other.sign(target))).toBeUndefined();
  });

  it('refuses any change to the payload or the signature', () => {
    const token = tokens.sign(target);
    const [payload, signature] = token.split('.') as [string, string];
    const swapped = tokens.sign({ tenantId: target.bookingId, bookingId: target.tenantId }).split('.')[0];
    for (const bad of [
      `${swapped}.${signature}`,
      `${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
      `${payload}.${signature}x`,
      `${payload}${signature}`,
      '',
      'a.b',
      // The signature's last character with its two spare bits set: the same bytes once decoded.
      `${payload}.${signature.slice(0, -1)}${spareBitsSet(signature.at(-1)!)}`,
    ]) {
      expect(tokens.verify(bad)).toBeUndefined();
    }
  });

  it('needs a real key', () => {
    expect(() => new ManageTokens(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
