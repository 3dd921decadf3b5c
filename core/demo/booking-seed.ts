import type { BookingService } from '../booking/index.ts';
import { DEMO_SERVICES, DEMO_STAFF } from './catalog.ts';

/**
 * Adds the Demo Store's services and staff (core/demo/catalog.ts) to a freshly seeded demo tenant,
 * so the widget and the offline assistant can book out of the box. Does nothing when the tenant
 * already has services.
 */
export async function seedDemoBooking(service: BookingService, tenantId: string): Promise<{ services: number; resources: number }> {
  if ((await service.listServices(tenantId)).length > 0) return { services: 0, resources: 0 };
  const idByKey = new Map<string, string>();
  for (const [position, s] of DEMO_SERVICES.entries()) {
    const row = await service.createService(tenantId, {
      name: s.name,
      description: s.description,
      durationMinutes: s.durationMinutes,
      bufferBeforeMinutes: s.bufferBeforeMinutes,
      bufferAfterMinutes: s.bufferAfterMinutes,
      capacity: s.capacity,
      locationType: 'in_person',
      location: s.location,
      minNoticeMinutes: 120,
      maxAdvanceDays: 60,
      position,
    });
    idByKey.set(s.key, row.id);
  }
  for (const [position, staff] of DEMO_STAFF.entries()) {
    await service.createResource(tenantId, {
      name: staff.name,
      kind: 'staff',
      serviceIds: staff.serviceKeys.map((key) => idByKey.get(key)).filter((id): id is string => Boolean(id)),
      timeZone: staff.timeZone,
      weeklyHours: staff.weeklyHours,
      position,
    });
  }
  return { services: DEMO_SERVICES.length, resources: DEMO_STAFF.length };
}
