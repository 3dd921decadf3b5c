import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderFromDemo } from '../../../core/demo/seed.ts';
import { lookupOrderTool } from '../../../core/orders/orders.tools.schema.ts';

const LookupOrderResultSchema = lookupOrderTool.result;
import { DEMO_ORDERS } from '../../../core/demo/catalog.ts';
import { OrdersRepository } from '../../../core/orders/orders.repository.ts';
import { OrdersService, type PlatformOrder } from '../../../core/orders/orders.service.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

/** The order cache and the lookup rule, on a real database. */
describe('orders', () => {
  let t: TestDatabase;
  let repo: OrdersRepository;
  let a: string;
  let b: string;
  const zone = 'Europe/Berlin';

  beforeAll(async () => {
    t = await createTestDatabase();
    repo = new OrdersRepository(t.db);
    const tenancy = new TenancyRepository(t.db);
    a = (await tenancy.createTenant({ name: 'A' })).id;
    b = (await tenancy.createTenant({ name: 'B' })).id;
    await new OrdersService(repo).importOrders(a, DEMO_ORDERS.map(orderFromDemo));
  });
  afterAll(() => t.drop());

  it('finds an order by number with its email in any letter case, with items, total and tracking in the store’s zone', async () => {
    const result = LookupOrderResultSchema.parse(await new OrdersService(repo).lookup(a, { orderNumber: '#1001', email: ' ANNA.Schmidt@example.com ', timeZone: zone }));
    expect(result).toEqual({
      status: 'found',
      order: {
        number: '1001',
        status: 'delivered',
        placedAt: '2026-11-03T10:42:00+01:00',
        items: [
          { title: 'Merino Wool Crew Sweater – M', quantity: 1, price: { amount: '89.00', currency: 'EUR' } },
          { title: 'Cashmere Scarf', quantity: 1, price: { amount: '99.00', currency: 'EUR' } },
        ],
        total: { amount: '188.00', currency: 'EUR' },
        tracking: [{ company: 'DHL', number: '00340434161094042557', url: expect.stringContaining('dhl.de') }],
      },
    });
  });

  it('says the same "not_found" for a wrong email and for a number that does not exist, and asks for what is missing', async () => {
    const service = new OrdersService(repo);
    expect(await service.lookup(a, { orderNumber: '1001', email: 'james.miller@example.com', timeZone: zone })).toEqual({ status: 'not_found' });
    expect(await service.lookup(a, { orderNumber: '424242', email: 'anna.schmidt@example.com', timeZone: zone })).toEqual({ status: 'not_found' });
    expect(await service.lookup(a, { orderNumber: '1001', timeZone: zone })).toEqual({ status: 'verification_required', missing: ['email'] });
    expect(await service.lookup(a, { email: 'anna.schmidt@example.com', timeZone: zone })).toEqual({ status: 'verification_required', missing: ['orderNumber'] });
    expect(await service.lookup(a, { timeZone: zone })).toEqual({ status: 'verification_required', missing: ['orderNumber', 'email'] });
  });

  it('keeps each store’s orders to itself', async () => {
    expect(await new OrdersService(repo).lookup(b, { orderNumber: '1001', email: 'anna.schmidt@example.com', timeZone: zone })).toEqual({ status: 'not_found' });
    expect(await repo.findByNumber(b, '1001')).toEqual([]);
  });

  it('gives a verified customer their own orders (by customer id or email) and their newest without a number', async () => {
    const service = new OrdersService(repo);
    const platformOrder: PlatformOrder = {
      externalId: 'gid://shopify/Order/77',
      number: '#2001',
      customerId: 'cust-77',
      email: 'other-address@example.com',
      status: 'open',
      financialStatus: 'paid',
      fulfillmentStatus: 'fulfilled',
      placedAt: '2026-11-20T12:00:00Z',
      total: { amount: '10.00', currency: 'eur' },
      items: [{ title: 'Gift card', quantity: 1 }],
    };
    await service.upsertFromPlatform(a, 'shopify', platformOrder);
    const byId = await service.lookup(a, { orderNumber: '2001', verified: { customerId: 'cust-77' }, timeZone: zone });
    expect(byId).toMatchObject({ status: 'found', order: { number: '2001', status: 'shipped', total: { amount: '10.00', currency: 'EUR' } } });
    const newest = await service.lookup(a, { verified: { customerId: 'nobody', email: 'anna.schmidt@example.com' }, timeZone: zone });
    expect(newest).toMatchObject({ status: 'found', order: { number: '1001' } });
    expect(await service.lookup(a, { orderNumber: '1002', verified: { customerId: 'cust-77' }, timeZone: zone })).toEqual({ status: 'not_found' });
    // An update of the same platform order replaces it.
    await service.upsertFromPlatform(a, 'shopify', { ...platformOrder, status: 'cancelled' });
    expect(await service.lookup(a, { orderNumber: '2001', verified: { customerId: 'cust-77' }, timeZone: zone })).toMatchObject({ order: { status: 'cancelled' } });
  });

  it('asks the platform on a cache miss, trusts its answer only when the email matches, and caches it', async () => {
    const calls: unknown[] = [];
    const remote = async (_tenantId: string, input: { number: string; email: string }) => {
      calls.push(input);
      return {
        source: 'woocommerce',
        order: { externalId: '555', number: input.number, email: 'real.owner@example.com', status: 'processing', placedAt: '2026-11-21T09:00:00+01:00', total: { amount: '5.00', currency: 'EUR' }, items: [] },
      };
    };
    const service = new OrdersService(repo, remote);
    // The plugin "forgot" to check the email: the core still refuses.
    expect(await service.lookup(a, { orderNumber: '555', email: 'attacker@example.com', timeZone: zone })).toEqual({ status: 'not_found' });
    expect(await repo.findByNumber(a, '555')).toEqual([]);
    expect(await service.lookup(a, { orderNumber: '555', email: 'Real.Owner@example.com', timeZone: zone })).toMatchObject({ status: 'found', order: { number: '555' } });
    expect(await repo.findByNumber(a, '555')).toHaveLength(1);
    expect(calls).toHaveLength(2);
  });
});
