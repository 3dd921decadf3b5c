import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoBooking } from '../../../core/demo/booking-seed.ts';
import { DEMO_SERVICES, DEMO_STAFF } from '../../../core/demo/catalog.ts';
import { startBookingApp, type BookingTestApp } from './helpers.ts';

describe('demo store booking seed', () => {
  let app: BookingTestApp;
  beforeAll(async () => {
    app = await startBookingApp({ DEMO_SEED: 'true' });
  });
  afterAll(() => app.stop());

  it('gives the demo store its services and staff, bookable from the first start', async () => {
    const tenantId = app.application.demo!.tenantId;
    const { service } = app.application.booking;
    const services = await service.listServices(tenantId);
    expect(services.map((s) => s.service.name)).toEqual(DEMO_SERVICES.map((s) => s.name));
    const workshop = services.find((s) => s.service.name === 'Leather care workshop')!;
    expect(workshop.service.capacity).toBe(6);
    const resources = await service.listResources(tenantId);
    expect(resources.map((r) => r.resource.name)).toEqual(DEMO_STAFF.map((s) => s.name));
    // Lena does fittings and consultations; Jonas consultations and the workshop.
    expect(services.find((s) => s.service.name === 'Alterations consultation')!.resourceIds).toHaveLength(2);
    const { slots } = await service.availability(tenantId, services[0]!.service.id, { from: new Date('2027-03-02T00:00:00Z'), to: new Date('2027-03-03T00:00:00Z') });
    expect(slots.length).toBeGreaterThan(0);
    expect(slots[0]!.start.toISOString()).toBe('2027-03-02T08:00:00.000Z'); // 09:00 in Berlin
    // A second seed does nothing.
    expect(await seedDemoBooking(app.application.booking.service, tenantId)).toEqual({ services: 0, resources: 0 });
  });
});
