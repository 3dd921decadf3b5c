import { describe, expect, it } from 'vitest';
import { spreadSlots } from '../../../core/booking/booking.tools.ts';
import { toMinorUnits } from '@concierge/plugin-sdk';
import { fingerprintOf, mailLocale, priceOf, shareKey } from '../../../core/booking/booking.service.ts';
import type { ServiceRow } from '../../../core/booking/booking.repository.ts';

describe('booking helpers', () => {
  it('fingerprints a request independent of key order and undefined fields, but not of values', () => {
    const a = fingerprintOf({ serviceId: 's', start: 't', customer: { name: 'A', email: 'a@x' } });
    expect(fingerprintOf({ customer: { email: 'a@x', name: 'A' }, start: 't', serviceId: 's', notes: undefined })).toBe(a);
    expect(fingerprintOf({ serviceId: 's', start: 't', customer: { name: 'B', email: 'a@x' } })).not.toBe(a);
  });

  it('reads prices as minor units of their currency without floating point', () => {
    expect(toMinorUnits('49.90', 'EUR')).toBe(4990);
    expect(toMinorUnits('0.07', 'EUR')).toBe(7);
    expect(toMinorUnits('12', 'EUR')).toBe(1200);
    expect(toMinorUnits('19.9', 'EUR')).toBe(1990);
    expect(toMinorUnits('1200', 'JPY')).toBe(1200);
    expect(toMinorUnits('1.5', 'KWD')).toBe(1500);
    expect(priceOf({ price_cents: 1200, currency: 'JPY' })).toEqual({ amount: '1200', currency: 'JPY' });
    expect(priceOf({ price_cents: '4990' as unknown as number, currency: 'EUR' })).toEqual({ amount: '49.90', currency: 'EUR' });
    expect(priceOf({ price_cents: null, currency: null })).toBeUndefined();
  });

  it('gives the seats of one class session one share key, and every appointment its own', () => {
    const start = new Date('2027-03-01T10:00:00Z');
    const klass = { id: 'svc', capacity: 6 } as ServiceRow;
    const single = { id: 'svc', capacity: 1 } as ServiceRow;
    expect(shareKey(klass, start, 'b1')).toBe(shareKey(klass, start, 'b2'));
    expect(shareKey(klass, start, 'b1')).not.toBe(shareKey(klass, new Date(start.getTime() + 1), 'b1'));
    expect(shareKey(single, start, 'b1')).not.toBe(shareKey(single, start, 'b2'));
  });

  it('maps language tags to the mail languages', () => {
    expect(mailLocale('de-AT')).toBe('de');
    expect(mailLocale('DE')).toBe('de');
    expect(mailLocale('fr')).toBe('en');
    expect(mailLocale(undefined)).toBe('en');
  });

  it('offers the model at most 4 slots per local day and 16 in all, in order', () => {
    const slots = Array.from({ length: 60 }, (_, i) => {
      const start = new Date(Date.UTC(2027, 2, 1 + Math.floor(i / 10), 8 + (i % 10)));
      return { start, end: new Date(start.getTime() + 3_600_000), resourceIds: ['r'], seatsLeft: 1 };
    });
    const spread = spreadSlots(slots, 'Europe/Berlin');
    expect(spread).toHaveLength(16);
    const perDay = new Map<string, number>();
    for (const s of spread) perDay.set(s.start.toISOString().slice(0, 10), (perDay.get(s.start.toISOString().slice(0, 10)) ?? 0) + 1);
    expect([...perDay.values()]).toEqual([4, 4, 4, 4]);
    expect(spread.map((s) => s.start.getTime())).toEqual([...spread.map((s) => s.start.getTime())].sort((x, y) => x - y));
  });
});
