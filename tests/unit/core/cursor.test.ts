import { describe, expect, it } from 'vitest';
import { CursorError, decodeKey, decodeKeyset, encodeKey, encodeKeyset } from '../../../core/kernel/cursor.ts';

const ID = '3f2b8c1e-5a4d-4e6f-9a1b-2c3d4e5f6a7b';
const AT = new Date('2027-03-11T09:15:30.123Z');
const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('the cursor codec (core/kernel/cursor.ts)', () => {
  it('round-trips a (timestamp, id) keyset at millisecond precision, from a Date or an ISO string', () => {
    const cursor = encodeKeyset('bookings', AT, ID);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeKeyset('bookings', cursor)).toEqual({ at: AT, id: ID });
    expect(decodeKeyset('bookings', encodeKeyset('bookings', '2027-03-11T10:15:30.123+01:00', ID))).toEqual({ at: AT, id: ID });
  });

  it('round-trips a string key, whatever characters it has', () => {
    for (const key of ['boots', 'ä-ö/ü?&=#', 'x'.repeat(300), '"quoted"']) expect(decodeKey('products', encodeKey('products', key))).toBe(key);
  });

  it('reads no cursor as the first page', () => {
    expect(decodeKeyset('bookings', undefined)).toBeUndefined();
    expect(decodeKeyset('bookings', '')).toBeUndefined();
    expect(decodeKey('products', undefined)).toBeUndefined();
  });

  it("refuses another list's cursor, both ways and between the two shapes", () => {
    const bookings = encodeKeyset('bookings', AT, ID);
    expect(refusal(() => decodeKeyset('reminders', bookings))).toBeInstanceOf(CursorError);
    expect(refusal(() => decodeKey('products', bookings))).toBeInstanceOf(CursorError);
    expect(refusal(() => decodeKeyset('products', encodeKey('products', 'boots')))).toBeInstanceOf(CursorError);
    expect(refusal(() => decodeKeyset('bookings', encodeKeyset('reminders', AT, ID)))).toBeInstanceOf(CursorError);
  });

  it('refuses malformed and forged cursors with a coded error naming the query field', () => {
    const forged = [
      'garbage!',
      'nonsense',
      '%%%',
      raw([AT.toISOString(), ID]), // the old unnamed wire format
      raw({ t: AT.toISOString(), i: ID }), // the old chat wire format
      raw(['bookings', 'yesterday', ID]),
      raw(['bookings', '2027-02-30T00:00:00.000Z', ID]),
      raw(['bookings', AT.toISOString(), 'not-a-uuid']),
      raw(['bookings', AT.toISOString(), `${ID}' OR 1=1`]),
      raw(['bookings', AT.toISOString()]),
      raw(['bookings', AT.toISOString(), ID, 'extra']),
      raw(['bookings', AT.getTime(), ID]),
      raw(null),
      raw('bookings'),
    ];
    for (const cursor of forged) {
      const error = refusal(() => decodeKeyset('bookings', cursor));
      expect(error, cursor).toBeInstanceOf(CursorError);
      expect(error).toMatchObject({ code: 'INVALID_CURSOR', field: 'query.cursor', list: 'bookings' });
    }
    for (const cursor of [raw(['products', '']), raw(['products', 7]), raw(['products']), 'a.b']) expect(refusal(() => decodeKey('products', cursor)), cursor).toBeInstanceOf(CursorError);
  });
});
