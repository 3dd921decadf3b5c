import { describe, expect, it } from 'vitest';
import { spreadSlots } from '../../../core/booking/booking.tools.ts';
import { fingerprintOf, mailLocale, priceToCents, shareKey } from '../../../core/booking/booking.service.ts';
import type { ServiceRow } from '../../../core/booking/booking.repository.ts';

describe('booking helpers', () => {
  it('fingerprints a request independent of key order and undefined fields, but not of values', () => {
    const a = fingerprintOf({ serviceId: 's', start: 't', customer: { name: 'A', email: 'a@x' } });
    expect(fingerprintOf({ customer: { email: 'a@x', name: 'A' }, start: 't', serviceId: 's', notes: undefined })).toBe(a);
    expect(fingerprintOf({ serviceId: 's', start: 't', customer: { name: 'B', email: 'a@x' } })).not.toBe(a);
  });

  it('reads prices as whole cents without floating point', () => {
    expect(priceToCents({ amount: '49.90' })).toBe(4990);
    expect(priceToCents({ amount: '0.07' })).toBe(7);
    expect(priceToCents({ amount: '12' })).toBe(1200);
    expect(priceToCents({ amount: '19.9' })).toBe(1990);
    expect(priceToCents(null)).toBeNull();
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
