/**
 * The core tool contract: specs the model sees are derived from the zod argument schemas,
 * argument parsing returns a tool error instead of throwing, and the result schemas accept
 * the documented shapes and refuse near misses (float prices, times without offset).
 */
import { describe, expect, it } from 'vitest';
import { CORE_TOOLS, coreToolResultSchemas, coreToolSpecs, isCoreToolName, parseCoreToolArguments } from '../../../adapters/llm/core-tools.ts';
import { findSlotsTool, proposeBookingTool } from '../../../core/booking/booking.tools.schema.ts';
import { ProductSchema } from '../../../core/catalog/catalog.tools.schema.ts';
import { lookupOrderTool } from '../../../core/orders/orders.tools.schema.ts';

// Each module owns its tools' contracts; the result schemas under test, by the names they had.
const FindSlotsResultSchema = findSlotsTool.result;
const LookupOrderResultSchema = lookupOrderTool.result;
const ProposeBookingResultSchema = proposeBookingTool.result;

describe('coreToolSpecs', () => {
  it('describes every core tool with a JSON Schema object of its arguments', () => {
    const specs = coreToolSpecs();
    expect(specs.map((s) => s.name).sort()).toEqual(Object.values(CORE_TOOLS).sort());
    for (const spec of specs) {
      expect(spec.description.length).toBeGreaterThan(20);
      expect(spec.parameters).toMatchObject({ type: 'object' });
      expect(spec.parameters).not.toHaveProperty('$schema');
    }
  });

  it('marks required arguments and keeps descriptions and bounds', () => {
    const byName = Object.fromEntries(coreToolSpecs().map((s) => [s.name, s.parameters as any]));
    expect(byName.search_products.required).toEqual(['query']);
    expect(byName.search_products.properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 10 });
    expect(byName.find_slots.required).toEqual(['serviceId']);
    expect(byName.propose_booking.required).toEqual(['serviceId', 'start']);
    expect(byName.propose_booking.properties.start).toMatchObject({ type: 'string', format: 'date-time' });
    // The long regex zod generates next to a format is left out of what the model reads.
    expect(JSON.stringify(byName)).not.toContain('"pattern"');
    expect(byName.lookup_order.required).toBeUndefined();
  });

  it('can offer a subset', () => {
    expect(coreToolSpecs(['list_services', 'find_slots']).map((s) => s.name)).toEqual(['list_services', 'find_slots']);
  });
});

describe('parseCoreToolArguments', () => {
  it('accepts valid arguments and an empty string for tools without any', () => {
    expect(parseCoreToolArguments('find_slots', '{"serviceId":"s1","days":3}')).toEqual({ ok: true, value: { serviceId: 's1', days: 3 } });
    expect(parseCoreToolArguments('list_services', '')).toEqual({ ok: true, value: {} });
  });

  it('returns an INVALID_ARGUMENTS tool error for bad JSON or bad values', () => {
    expect(parseCoreToolArguments('search_products', '{"query":')).toMatchObject({ ok: false, error: { error: { code: 'INVALID_ARGUMENTS' } } });
    const bad = parseCoreToolArguments('propose_booking', '{"serviceId":"s1","start":"2026-05-05 10:30"}');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.error.message).toMatch(/start/);
    expect(parseCoreToolArguments('lookup_order', '{"orderNumber":"1001","email":"not-an-email"}').ok).toBe(false);
    expect(parseCoreToolArguments('search_products', '{"query":"x","limit":50}').ok).toBe(false);
  });

  it('knows core tool names', () => {
    expect(isCoreToolName('search_faq')).toBe(true);
    expect(isCoreToolName('shopify__gift_wrap')).toBe(false);
  });
});

describe('result schemas', () => {
  it('accept the documented shapes', () => {
    expect(
      LookupOrderResultSchema.parse({
        status: 'found',
        order: {
          number: '1001',
          status: 'shipped',
          placedAt: '2026-04-28T14:03:00+02:00',
          items: [{ title: 'Sweater', quantity: 1, price: { amount: '89.00', currency: 'EUR' } }],
          total: { amount: '93.90', currency: 'EUR' },
          tracking: [{ company: 'DHL', number: '123', url: 'https://t.example/123' }],
        },
      }).status,
    ).toBe('found');
    expect(LookupOrderResultSchema.parse({ status: 'verification_required', missing: ['email'] })).toEqual({ status: 'verification_required', missing: ['email'] });
    expect(coreToolResultSchemas.handoff_to_human.parse({ status: 'requested' })).toEqual({ status: 'requested' });
    expect(
      ProposeBookingResultSchema.parse({
        proposal: { serviceId: 's', serviceName: 'Fitting', start: '2026-05-05T10:30:00+02:00', end: '2026-05-05T11:15:00+02:00', timeZone: 'Europe/Berlin' },
      }).proposal.serviceName,
    ).toBe('Fitting');
  });

  it('refuse float prices, times without an offset and unknown order statuses', () => {
    const product = { id: 'p', title: 'T', description: 'D', price: { amount: '89.00', currency: 'EUR' } };
    expect(ProductSchema.safeParse(product).success).toBe(true);
    expect(ProductSchema.safeParse({ ...product, price: { amount: 89, currency: 'EUR' } }).success).toBe(false);
    expect(ProductSchema.safeParse({ ...product, price: { amount: '89.00', currency: 'euro' } }).success).toBe(false);
    expect(FindSlotsResultSchema.safeParse({ serviceId: 's', timeZone: 'Europe/Berlin', slots: [{ start: '2026-05-05T10:30:00', end: '2026-05-05T11:00:00' }] }).success).toBe(false);
    expect(LookupOrderResultSchema.safeParse({ status: 'found', order: { number: '1', status: 'lost', placedAt: '2026-01-01T00:00:00Z', items: [], total: { amount: '1', currency: 'EUR' } } }).success).toBe(false);
  });
});
