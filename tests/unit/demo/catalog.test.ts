import { describe, expect, it } from 'vitest';
import { DEMO_FAQ, DEMO_ORDERS, DEMO_PRODUCTS, DEMO_SERVICES, DEMO_STAFF } from '../../../core/demo/catalog.ts';

describe('demo catalog data', () => {
  it('has exactly 20 products with unique, URL-safe handles', () => {
    expect(DEMO_PRODUCTS).toHaveLength(20);
    const handles = DEMO_PRODUCTS.map((p) => p.handle);
    expect(new Set(handles).size).toBe(20);
    for (const h of handles) expect(h).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('prices are positive whole cents in EUR, and a product costs what its cheapest variant does', () => {
    for (const p of DEMO_PRODUCTS) {
      expect(p.currency).toBe('EUR');
      expect(Number.isInteger(p.priceCents) && p.priceCents > 0, p.handle).toBe(true);
      expect(p.description.split(/[.!?](\s|$)/).filter((s) => s.trim().length > 1).length, p.handle).toBeGreaterThanOrEqual(2);
      expect(p.tags.length, p.handle).toBeGreaterThan(0);
      if (p.variants) {
        for (const v of p.variants) expect(Number.isInteger(v.priceCents) && v.priceCents > 0, v.sku).toBe(true);
        expect(Math.min(...p.variants.map((v) => v.priceCents)), p.handle).toBe(p.priceCents);
      }
    }
  });

  it('has at least 5 products with variants, and SKUs are unique', () => {
    const withVariants = DEMO_PRODUCTS.filter((p) => (p.variants?.length ?? 0) > 0);
    expect(withVariants.length).toBeGreaterThanOrEqual(5);
    const skus = withVariants.flatMap((p) => p.variants!.map((v) => v.sku));
    expect(new Set(skus).size).toBe(skus.length);
  });

  it('covers the words the offline search demo relies on', () => {
    const text = DEMO_PRODUCTS.map((p) => `${p.title} ${p.description} ${p.tags.join(' ')}`.toLowerCase()).join('\n');
    for (const word of ['wool', 'waterproof', 'linen', 'leather', 'size']) expect(text).toContain(word);
  });

  it('has 8 FAQ entries with distinct questions', () => {
    expect(DEMO_FAQ).toHaveLength(8);
    expect(new Set(DEMO_FAQ.map((f) => f.question)).size).toBe(8);
    for (const f of DEMO_FAQ) expect(f.answer.length).toBeGreaterThan(40);
  });

  it('has 3 bookable services, and every staff member offers known services in Berlin time', () => {
    expect(DEMO_SERVICES).toHaveLength(3);
    const keys = new Set(DEMO_SERVICES.map((s) => s.key));
    expect(keys.size).toBe(3);
    for (const s of DEMO_SERVICES) {
      expect(s.durationMinutes).toBeGreaterThan(0);
      expect(s.capacity).toBeGreaterThanOrEqual(1);
    }
    expect(DEMO_SERVICES.some((s) => s.capacity > 1)).toBe(true);

    expect(DEMO_STAFF).toHaveLength(2);
    for (const staff of DEMO_STAFF) {
      expect(staff.timeZone).toBe('Europe/Berlin');
      for (const key of staff.serviceKeys) expect(keys.has(key), key).toBe(true);
      expect(staff.weeklyHours.mon).toEqual([{ start: '09:00', end: '17:00' }]);
      expect(staff.weeklyHours.fri).toEqual([{ start: '09:00', end: '17:00' }]);
      expect(staff.weeklyHours.sat).toEqual([{ start: '10:00', end: '14:00' }]);
      expect(staff.weeklyHours.sun).toEqual([]);
    }
    // Every service can be booked with someone.
    for (const key of keys) expect(DEMO_STAFF.some((s) => s.serviceKeys.includes(key)), key).toBe(true);
  });

  it('has 3 sample orders whose items exist in the catalog and whose totals add up', () => {
    expect(DEMO_ORDERS).toHaveLength(3);
    expect(new Set(DEMO_ORDERS.map((o) => o.number)).size).toBe(3);
    const byHandle = new Map(DEMO_PRODUCTS.map((p) => [p.handle, p]));
    for (const order of DEMO_ORDERS) {
      expect(order.email).toMatch(/^[^@\s]+@[^@\s]+$/);
      expect(Number.isNaN(Date.parse(order.placedAt))).toBe(false);
      for (const item of order.items) {
        const product = byHandle.get(item.handle);
        expect(product, item.handle).toBeDefined();
        if (item.sku) expect(product!.variants?.some((v) => v.sku === item.sku), item.sku).toBe(true);
      }
      const sum = order.items.reduce((acc, i) => acc + i.quantity * i.priceCents, 0) + order.shippingCents;
      expect(order.totalCents, order.number).toBe(sum);
      if (order.status === 'shipped' || order.status === 'delivered') expect(order.tracking, order.number).toBeDefined();
    }
  });
});
