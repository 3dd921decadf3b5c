import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchant } from '../../helpers/merchant.ts';
import {
  call,
  count,
  createBookable,
  createStore,
  customer,
  merchantApi,
  refreshMerchant,
  startBookingApp,
  widgetApi,
  widgetSession,
  type BookingTestApp,
  type JsonAnswer,
  type TestStore,
} from './helpers.ts';

describe('booking merchant API', () => {
  let app: BookingTestApp;
  let store: TestStore;
  let api: ReturnType<typeof merchantApi>;
  let w: ReturnType<typeof widgetApi>;

  const starts = async (serviceId: string, from: string, to = from) =>
    ((await api.get(`/api/v1/availability?serviceId=${serviceId}&from=${from}&to=${to}`)).body.slots as { start: string }[]).map((s) => s.start);

  beforeAll(async () => {
    app = await startBookingApp();
    store = await createStore(app);
    api = merchantApi(app, store);
    w = widgetApi(app, await widgetSession(app, store));
  });
  afterAll(() => app.stop());

  it('creates, reads, changes and archives services', async () => {
    const created = await api.post('/api/v1/services', {
      name: 'Repair consultation',
      description: 'Bring your boots',
      durationMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      locationType: 'online',
      location: 'https://meet.example/abc',
      price: { amount: '25.50', currency: 'EUR' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Repair consultation',
      durationMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      capacity: 1,
      locationType: 'online',
      minNoticeMinutes: 60,
      maxAdvanceDays: 60,
      slotStepMinutes: null,
      price: { amount: '25.50', currency: 'EUR' },
      resourceIds: [],
    });
    const id = created.body.id;
    expect((await api.get(`/api/v1/services/${id}`)).body.name).toBe('Repair consultation');
    const patched = await api.patch(`/api/v1/services/${id}`, { durationMinutes: 45, price: null });
    expect(patched.body).toMatchObject({ durationMinutes: 45, price: null, bufferBeforeMinutes: 5 });
    expect((await api.get('/api/v1/services')).body.items.map((s: { id: string }) => s.id)).toContain(id);
    expect((await api.del(`/api/v1/services/${id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/services/${id}`)).status).toBe(404);
    expect((await api.get('/api/v1/services')).body.items.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await api.del(`/api/v1/services/${id}`)).status).toBe(404);
  });

  it('validates services and resources with field errors', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/v1/services', { name: 'X', durationMinutes: 0 }, 'body.durationMinutes'],
      ['/api/v1/services', { name: '', durationMinutes: 30 }, 'body.name'],
      ['/api/v1/services', { name: 'X', durationMinutes: 30, colour: 'red' }, 'body'],
      ['/api/v1/services', { name: 'X', durationMinutes: 30, price: { amount: '1,50', currency: 'EUR' } }, 'body.price.amount'],
      ['/api/v1/resources', { name: 'R', serviceIds: [], timeZone: 'Mars/Base', weeklyHours: {} }, 'body.timeZone'],
      ['/api/v1/resources', { name: 'R', serviceIds: [], timeZone: 'Europe/Berlin', weeklyHours: { mon: [{ start: '17:00', end: '09:00' }] } }, 'body.weeklyHours.mon.0.end'],
      ['/api/v1/resources', { name: 'R', serviceIds: [], timeZone: 'Europe/Berlin', weeklyHours: { mon: [{ start: '9:00', end: '17:00' }] } }, 'body.weeklyHours.mon.0.start'],
      ['/api/v1/resources', { name: 'R', serviceIds: [], timeZone: 'Europe/Berlin', weeklyHours: { monday: [] } }, 'body.weeklyHours'],
      ['/api/v1/resources', { name: 'R', serviceIds: [randomUUID()], timeZone: 'Europe/Berlin', weeklyHours: {} }, 'body.serviceIds.0'],
    ];
    for (const [path, body, field] of cases) {
      const res = await api.post(path, body);
      expect({ path, body, status: res.status, type: res.type.split(';')[0] }).toEqual({ path, body, status: 422, type: 'application/problem+json' });
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
  });

  it('lets an agent read but not change services, and keeps stores apart', async () => {
    const { serviceId } = await createBookable(app, store, { name: 'Private' });
    const agent = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });
    expect((await call(`${app.url}/api/v1/services/${serviceId}`, { headers: agent.headers })).status).toBe(200);
    expect((await call(`${app.url}/api/v1/services`, { method: 'POST', headers: agent.headers, body: { name: 'Nope', durationMinutes: 30 } })).status).toBe(403);
    expect((await call(`${app.url}/api/v1/services`)).status).toBe(401);

    const other = await createStore(app);
    const otherApi = merchantApi(app, other);
    expect((await otherApi.get(`/api/v1/services/${serviceId}`)).status).toBe(404);
    expect((await otherApi.patch(`/api/v1/services/${serviceId}`, { name: 'Hijacked' })).status).toBe(404);
    expect((await otherApi.get('/api/v1/services')).body.items).toEqual([]);
    // Another store's service cannot be attached to a resource either.
    const attach = await otherApi.post('/api/v1/resources', { name: 'Spy', serviceIds: [serviceId], timeZone: 'Europe/Berlin', weeklyHours: {} });
    expect(attach.status).toBe(422);
  });

  it('closes and opens days with overrides and store holidays', async () => {
    const { serviceId, resourceId } = await createBookable(app, store, { name: 'Hours', durationMinutes: 60 });
    const second = await api.post('/api/v1/resources', { name: 'Jonas', serviceIds: [serviceId], timeZone: 'Europe/Berlin', weeklyHours: { wed: [{ start: '13:00', end: '15:00' }] } });
    expect(second.status).toBe(201);
    const wednesday = '2027-03-10';
    expect(await starts(serviceId, wednesday)).toHaveLength(8);

    // Lena works 10-12 that day only; Jonas keeps 13-15.
    const put = await api.put(`/api/v1/resources/${resourceId}/overrides/${wednesday}`, { intervals: [{ start: '10:00', end: '12:00' }], note: 'Dentist' });
    expect(put.body).toEqual({ resourceId, date: wednesday, intervals: [{ start: '10:00', end: '12:00' }], note: 'Dentist' });
    expect(await starts(serviceId, wednesday)).toEqual(['2027-03-10T10:00:00+01:00', '2027-03-10T11:00:00+01:00', '2027-03-10T13:00:00+01:00', '2027-03-10T14:00:00+01:00']);
    expect((await api.get(`/api/v1/resources/${resourceId}/overrides?from=2027-03-01&to=2027-03-31`)).body.items).toHaveLength(1);

    // A store holiday closes everyone, except where a resource has its own hours for the date.
    expect((await api.put(`/api/v1/holidays/${wednesday}`, { name: 'Closed' })).status).toBe(200);
    expect(await starts(serviceId, wednesday)).toEqual(['2027-03-10T10:00:00+01:00', '2027-03-10T11:00:00+01:00']);
    expect((await api.del(`/api/v1/resources/${resourceId}/overrides/${wednesday}`)).status).toBe(204);
    expect(await starts(serviceId, wednesday)).toEqual([]);
    expect((await api.get('/api/v1/holidays')).body.items).toEqual([{ date: wednesday, name: 'Closed' }]);
    expect((await api.del(`/api/v1/holidays/${wednesday}`)).status).toBe(204);
    expect(await starts(serviceId, wednesday)).toHaveLength(8);
    expect((await api.put(`/api/v1/resources/${randomUUID()}/overrides/${wednesday}`, { intervals: [] })).status).toBe(404);
    expect((await api.put(`/api/v1/resources/${resourceId}/overrides/2027-02-30`, { intervals: [] })).status).toBe(422);
  });

  it('lists bookings by start in pages, filters them, and shows them in the store\'s zone', async () => {
    const { serviceId } = await createBookable(app, store, { name: 'Listed', durationMinutes: 60 });
    const ids: string[] = [];
    for (const hour of ['09', '10', '11', '12', '13']) {
      const res = await w.book({ serviceId, start: `2027-03-11T${hour}:00:00+01:00`, customer: customer(Number(hour)), timeZone: 'America/New_York' });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: JsonAnswer = await api.get(`/api/v1/bookings?from=2027-03-11&to=2027-03-11&serviceId=${serviceId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((b: { id: string }) => b.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);

    const one = await api.get(`/api/v1/bookings/${ids[0]}`);
    expect(one.body).toMatchObject({ status: 'confirmed', serviceName: 'Listed', resourceName: 'Lena', start: '2027-03-11T09:00:00+01:00', customerTimeZone: 'America/New_York', source: 'widget' });
    expect((await api.get(`/api/v1/bookings/${ids[0]}?timeZone=America/New_York`)).body.start).toBe('2027-03-11T03:00:00-05:00');
    expect((await api.get('/api/v1/bookings?from=2027-03-12&to=2027-03-12')).body.items).toEqual([]);
    expect((await api.get('/api/v1/bookings?cursor=garbage')).status).toBe(422);
    expect((await api.get('/api/v1/bookings?from=soon')).status).toBe(422);

    expect((await api.post(`/api/v1/bookings/${ids[4]}/cancel`, {})).status).toBe(200);
    expect((await api.post(`/api/v1/bookings/${ids[4]}/cancel`, {})).body.status).toBe('cancelled'); // twice is harmless
    expect(await count(app, 'booking_notifications', store.tenantId, { booking_id: ids[4], kind: 'cancellation' })).toBe(1);
    const cancelled = await api.get(`/api/v1/bookings?status=cancelled&serviceId=${serviceId}`);
    expect(cancelled.body.items.map((b: { id: string }) => b.id)).toEqual([ids[4]]);
    expect((await api.get(`/api/v1/bookings/${randomUUID()}`)).status).toBe(404);
  });

  it('reschedules to a free time, answers a taken one with alternatives, and marks no-shows only after the start', async () => {
    const { serviceId } = await createBookable(app, store, { name: 'Moves', durationMinutes: 60 });
    const a = (await w.book({ serviceId, start: '2027-03-12T10:00:00+01:00', customer: customer(1) })).body.id;
    const b = (await w.book({ serviceId, start: '2027-03-12T11:00:00+01:00', customer: customer(2) })).body.id;

    const taken = await api.post(`/api/v1/bookings/${a}/reschedule`, { start: '2027-03-12T11:00:00+01:00' });
    expect(taken.status).toBe(409);
    expect(taken.body.alternatives.map((x: { start: string }) => x.start)).toEqual(['2027-03-12T09:00:00+01:00', '2027-03-12T12:00:00+01:00', '2027-03-12T13:00:00+01:00']);
    expect((await api.post(`/api/v1/bookings/${a}/reschedule`, { start: '2027-03-12T22:00:00+01:00' })).status).toBe(422);
    // Moving by less than its own length overlaps only itself: allowed.
    const moved = await api.post(`/api/v1/bookings/${b}/reschedule`, { start: '2027-03-12T12:00:00+01:00' });
    expect(moved.status).toBe(200);
    expect(moved.body.start).toBe('2027-03-12T12:00:00+01:00');
    expect((await api.post(`/api/v1/bookings/${a}/reschedule`, { start: '2027-03-12T11:00:00+01:00' })).status).toBe(200);

    expect((await api.post(`/api/v1/bookings/${a}/no-show`)).status).toBe(409);
    app.clock.set('2027-03-12T10:30:00Z');
    await refreshMerchant(app, store);
    const noShow = await api.post(`/api/v1/bookings/${a}/no-show`);
    expect(noShow.status).toBe(200);
    expect(noShow.body).toMatchObject({ status: 'no_show' });
    expect((await api.post(`/api/v1/bookings/${a}/cancel`, {})).status).toBe(409);
    expect((await api.post(`/api/v1/bookings/${b}/reschedule`, { start: '2027-03-15T10:00:00+01:00' })).status).toBe(200); // b (12:00) has not started
    app.clock.set('2027-03-01T07:00:00Z');
    await refreshMerchant(app, store);
    w = widgetApi(app, await widgetSession(app, store));
  });

  it('fills a class up to its capacity under concurrency, and keeps appointments off a running class', async () => {
    const { serviceId, resourceId } = await createBookable(app, store, { name: 'Workshop', durationMinutes: 90, capacity: 3, bufferBeforeMinutes: 15, bufferAfterMinutes: 15, slotStepMinutes: 120 });
    // A 15-minute buffer before the first slot pushes it one step (2 h) past 09:00.
    const start = '2027-03-16T11:00:00+01:00';
    expect(await starts(serviceId, '2027-03-16')).toContain(start);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => w.book({ serviceId, start, customer: customer(200 + i) })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(7);
    expect(await count(app, 'bookings', store.tenantId, { service_id: serviceId, status: 'confirmed' })).toBe(3);
    const seats = await app.database.db.knex('class_seats').where({ tenant_id: store.tenantId, resource_id: resourceId }).first('seats_taken', 'capacity');
    expect(seats).toEqual({ seats_taken: 3, capacity: 3 });
    expect(await starts(serviceId, '2027-03-16')).not.toContain(start);

    // A one-to-one appointment on the same person during the class is refused.
    const single = await api.post('/api/v1/services', { name: 'Quick fix', durationMinutes: 30, slotStepMinutes: 30 });
    expect((await api.patch(`/api/v1/resources/${resourceId}`, { serviceIds: [serviceId, single.body.id] })).status).toBe(200);
    const during = await w.book({ serviceId: single.body.id, start: '2027-03-16T11:30:00+01:00', customer: customer(300) });
    expect(during.status).toBe(409);

    // A cancelled seat is free again.
    const first = answers.find((a) => a.status === 201)!;
    expect((await api.post(`/api/v1/bookings/${first.body.id}/cancel`, {})).status).toBe(200);
    expect((await w.book({ serviceId, start, customer: customer(301) })).status).toBe(201);
  });

  it('never lets two confirmed bookings of one resource overlap, even written past the service', async () => {
    const { serviceId, resourceId } = await createBookable(app, store, { name: 'Guarded', durationMinutes: 60 });
    const res = await w.book({ serviceId, start: '2027-03-17T10:00:00+01:00', customer: customer(400) });
    expect(res.status).toBe(201);
    // Straight into the table, as the app role of this tenant: the exclusion constraint refuses it.
    const attempt = app.application.db.tenant(store.tenantId, (trx) =>
      trx('bookings').insert({
        tenant_id: store.tenantId,
        service_id: serviceId,
        resource_id: resourceId,
        start_at: new Date('2027-03-17T09:30:00Z'),
        end_at: new Date('2027-03-17T10:30:00Z'),
        occupied: '[2027-03-17T09:30:00Z,2027-03-17T10:30:00Z)',
        share_key: `booking:${randomUUID()}`,
        customer_name: 'Sneaky',
        customer_email: 'sneaky@example.com',
        time_zone: 'Europe/Berlin',
      }),
    );
    await expect(attempt).rejects.toMatchObject({ code: '23P01', constraint: 'bookings_no_overlap' });
  });

  it('keeps the reminder policy per store and validates it', async () => {
    expect((await api.get('/api/v1/booking-settings')).body).toEqual({ reminderOffsetsMinutes: [1440, 60], notificationEmail: null });
    expect((await api.put('/api/v1/booking-settings', { reminderOffsetsMinutes: [60, 2880, 60], notificationEmail: 'desk@store.example' })).body).toEqual({
      reminderOffsetsMinutes: [2880, 60],
      notificationEmail: 'desk@store.example',
    });
    expect((await api.put('/api/v1/booking-settings', { reminderOffsetsMinutes: [0], notificationEmail: null })).status).toBe(422);
    const other = merchantApi(app, await createStore(app));
    expect((await other.get('/api/v1/booking-settings')).body.reminderOffsetsMinutes).toEqual([1440, 60]);
    await api.put('/api/v1/booking-settings', { reminderOffsetsMinutes: [1440, 60], notificationEmail: null });
  });

  it('documents every booking route in the OpenAPI document', async () => {
    const doc = (await call(`${app.url}/api/openapi.json`)).body;
    for (const path of [
      '/api/v1/services',
      '/api/v1/services/{id}',
      '/api/v1/resources',
      '/api/v1/resources/{id}/overrides/{date}',
      '/api/v1/holidays/{date}',
      '/api/v1/bookings',
      '/api/v1/bookings/{id}/reschedule',
      '/api/v1/bookings/{id}/no-show',
      '/api/v1/reminders',
      '/widget/v1/services',
      '/widget/v1/availability',
      '/widget/v1/bookings',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});
