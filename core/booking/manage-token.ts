import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed manage link of a booking (`/manage/<token>`): version, tenant id and booking id,
 * HMAC-SHA256 with a key derived for this purpose only (deriveKey(secretKey, 'booking-manage')).
 * No expiry: the page itself refuses changes once the appointment has started, and a cancelled
 * booking stays cancelled. The token goes in mail bodies only — never subjects, never the .ics.
 */

const VERSION = 1;
const UUID_HEX = /^[0-9a-f]{32}$/;
const TOKEN = /^[A-Za-z0-9_-]{44}\.[A-Za-z0-9_-]{43}$/;

export interface ManageTarget {
  tenantId: string;
  bookingId: string;
}

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '').toLowerCase();
  if (!UUID_HEX.test(hex)) throw new TypeError('not a uuid');
  return Buffer.from(hex, 'hex');
}

function uuidOf(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class ManageTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('ManageTokens needs a key of at least 32 bytes');
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }

  sign(target: ManageTarget): string {
    const payload = Buffer.concat([Buffer.from([VERSION]), uuidBytes(target.tenantId), uuidBytes(target.bookingId)]);
    return `${payload.toString('base64url')}.${this.mac(payload).toString('base64url')}`;
  }

  /** The booking a token names, or undefined for anything not signed by us. */
  verify(token: string): ManageTarget | undefined {
    if (typeof token !== 'string' || !TOKEN.test(token)) return undefined;
    const [p, s] = token.split('.') as [string, string];
    const payload = Buffer.from(p, 'base64url');
    if (payload.length !== 33 || payload[0] !== VERSION) return undefined;
    // Compared as text, not as decoded bytes: base64url's last character of 32 bytes carries two
    // spare bits a decoder ignores, so a byte comparison would accept four spellings of a signature.
    const expected = Buffer.from(this.mac(payload).toString('base64url'));
    const given = Buffer.from(s);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { tenantId: uuidOf(payload.subarray(1, 17)), bookingId: uuidOf(payload.subarray(17, 33)) };
  }
}
