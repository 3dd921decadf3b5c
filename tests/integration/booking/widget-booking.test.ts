import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvailabilityResponseSchema, CreateBookingResponseSchema, ListServicesResponseSchema, SlotTakenProblemSchema } from '../../../core/wire/widget.ts';
import { call, count, createBookable, createStore, customer, merchantApi, startBookingApp, widgetApi, widgetSession, type BookingTestApp, type TestStore } from './helpers.ts';

describe('widget booking API', () => {
  let app: BookingTestApp;
  let store: TestStore;
  let serviceId: string;
  let w: ReturnType<typeof widgetApi>;

  beforeAll(async () => {
    app = await startBookingApp();
    store = await createStore(app);
    ({ serviceId } = await createBookable(app, store, { name: 'Suit fitting', durationMinutes: 45, bufferAfterMinutes: 15, slotStepMinutes: 60, minNoticeMinutes: 120, price: { amount: '49.90', currency: 'EUR' } }));
    w = widgetApi(app, await widgetSession(app, store));
  });
  afterAll(() => app.stop());

  it('lists the bookable services in the widget shape', async () => {
    const res = await w.get('/services');
    expect(res.status).toBe(200);
    const body = ListServicesResponseSchema.parse(res.body);
    expect(body.items).toEqual([{ id: serviceId, name: 'Suit fitting', durationMinutes: 45, price: { amount: '49.90', currency: 'EUR' } }]);
  });

  it('answers availability in the shopper\'s zone, computed in the resource\'s', async () => {
    const res = await w.get(`/availability?serviceId=${serviceId}&from=2027-03-02&to=2027-03-02&timeZone=America/New_York`);
    expect(res.status).toBe(200);
    const body = AvailabilityResponseSchema.parse(res.body);
    expect(body.timeZone).toBe('America/New_York');
    // 9:00-17:00 Berlin = 3:00-11:00 New York; 45 min + 15 min buffer on an hourly grid. The New York
    // day 2027-03-02 ends at 06:00 the next morning in Berlin, so only the 2nd's Berlin hours count.
    expect(body.slots.map((s) => s.start)).toEqual([
      '2027-03-02T03:00:00-05:00',
      '2027-03-02T04:00:00-05:00',
      '2027-03-02T05:00:00-05:00',
      '2027-03-02T06:00:00-05:00',
      '2027-03-02T07:00:00-05:00',
      '2027-03-02T08:00:00-05:00',
      '2027-03-02T09:00:00-05:00',
      '2027-03-02T10:00:00-05:00',
    ]);
    expect(body.slots[0]!.end).toBe('2027-03-02T03:45:00-05:00');
  });

  it("refuses a time a resource's override or a store holiday closes, and books it once the day is open again", async () => {
    const closed = await createBookable(app, store, { name: 'Closed days', durationMinutes: 60 });
    const api = merchantApi(app, store);
    const body = (start: string) => ({ serviceId: closed.serviceId, start, customer: customer(7), timeZone: 'Europe/Berlin' });
    // The resource works 14-16 that Friday only: 10:00 is closed, 14:00 is open.
    expect((await api.put(`/api/v1/resources/${closed.resourceId}/overrides/2027-03-12`, { intervals: [{ start: '14:00', end: '16:00' }] })).status).toBe(200);
    const refused = await w.book(body('2027-03-12T10:00:00+01:00'));
    expect({ status: refused.status, paths: (refused.body.errors ?? []).map((e: { path: string }) => e.path) }).toEqual({ status: 422, paths: ['body.start'] });
    expect((await w.book(body('2027-03-12T14:00:00+01:00'))).status).toBe(201);
    // A store holiday closes the whole day; removed, the day books again.
    expect((await api.put('/api/v1/holidays/2027-03-16', { name: 'Inventory' })).status).toBe(200);
    expect((await w.book(body('2027-03-16T10:00:00+01:00'))).status).toBe(422);
    expect((await api.del('/api/v1/holidays/2027-03-16')).status).toBe(204);
    expect((await w.book(body('2027-03-16T10:00:00+01:00'))).status).toBe(201);
  });

  it('books a free slot: 201 with a manage link, a repeat with the same key replays it', async () => {
    const key = randomUUID();
    const body = { serviceId, start: '2027-03-03T10:00:00+01:00', customer: customer(1), timeZone: 'Europe/Berlin' };
    const first = await w.book(body, key);
    expect(first.status).toBe(201);
    const booked = CreateBookingResponseSchema.parse(first.body);
    expect(booked).toMatchObject({ status: 'confirmed', start: '2027-03-03T10:00:00+01:00', end: '2027-03-03T10:45:00+01:00' });
    expect(booked.manageUrl).toMatch(new RegExp(`^${app.application.config.http.publicUrl}/manage/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));

    const again = await w.book(body, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await count(app, 'bookings', store.tenantId, { start_at: new Date('2027-03-03T09:00:00Z') })).toBe(1);

    const changed = await w.book({ ...body, customer: customer(2) }, key);
    expect(changed.status).toBe(422);
    expect(changed.type).toMatch(/application\/problem\+json/);
    expect(changed.body.type).toBe('/problems/idempotency-mismatch');
  });

  it('answers concurrent repeats of one key with the one booking they made', async () => {
    const key = randomUUID();
    const body = { serviceId, start: '2027-03-04T15:00:00+01:00', customer: customer(9) };
    const answers = await Promise.all(Array.from({ length: 8 }, () => w.book(body, key)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    expect(await count(app, 'bookings', store.tenantId, { start_at: new Date('2027-03-04T14:00:00Z') })).toBe(1);
    expect(await count(app, 'booking_notifications', store.tenantId, { booking_id: answers[0]!.body.id, kind: 'confirmation' })).toBe(1);
  });

  it('answers a taken slot with 409 and the nearest free alternatives, soonest first', async () => {
    const body = { serviceId, start: '2027-03-03T10:00:00+01:00', customer: customer(3) };
    const res = await w.book(body);
    expect(res.status).toBe(409);
    expect(res.type).toMatch(/application\/problem\+json/);
    const problem = SlotTakenProblemSchema.parse(res.body);
    expect(problem.alternatives.map((a) => a.start)).toEqual(['2027-03-03T09:00:00+01:00', '2027-03-03T11:00:00+01:00', '2027-03-03T12:00:00+01:00']);
  });

  it('refuses a booking without an Idempotency-Key with 400', async () => {
    const res = await w.book({ serviceId, start: '2027-03-04T10:00:00+01:00', customer: customer(4) }, null);
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
  });

  it('refuses bad input with a 4xx problem and books nothing, not even half', async () => {
    const before = {
      bookings: await count(app, 'bookings', store.tenantId),
      notifications: await count(app, 'booking_notifications', store.tenantId),
      keys: await count(app, 'booking_idempotency', store.tenantId),
    };
    const cases: [string, unknown, number, string][] = [
      ['unknown service', { serviceId: randomUUID(), start: '2027-03-04T10:00:00+01:00', customer: customer() }, 422, 'body.serviceId'],
      ['outside working hours', { serviceId, start: '2027-03-04T20:00:00+01:00', customer: customer() }, 422, 'body.start'],
      ['on a Sunday', { serviceId, start: '2027-03-07T10:00:00+01:00', customer: customer() }, 422, 'body.start'],
      ['off the slot grid', { serviceId, start: '2027-03-04T10:10:00+01:00', customer: customer() }, 422, 'body.start'],
      ['in the past', { serviceId, start: '2027-02-26T10:00:00+01:00', customer: customer() }, 422, 'body.start'],
      ['too short notice', { serviceId, start: '2027-03-01T09:00:00+01:00', customer: customer() }, 422, 'body.start'],
      ['malformed time', { serviceId, start: '2027-03-04 10:00', customer: customer() }, 422, 'body.start'],
      ['no offset', { serviceId, start: '2027-03-04T10:00:00', customer: customer() }, 422, 'body.start'],
      ['missing email', { serviceId, start: '2027-03-04T10:00:00+01:00', customer: { name: 'No Mail' } }, 422, 'body.customer.email'],
      ['bad email', { serviceId, start: '2027-03-04T10:00:00+01:00', customer: { name: 'X', email: 'not-an-email' } }, 422, 'body.customer.email'],
      ['malformed service id', { serviceId: 'nope', start: '2027-03-04T10:00:00+01:00', customer: customer() }, 422, 'body.serviceId'],
    ];
    for (const [name, body, status, path] of cases) {
      const res = await w.book(body);
      expect({ name, status: res.status, type: res.type.split(';')[0] }).toEqual({ name, status, type: 'application/problem+json' });
      expect({ name, paths: (res.body.errors ?? []).map((e: { path: string }) => e.path) }).toEqual({ name, paths: expect.arrayContaining([path]) });
    }
    const malformedJson = await call(`${app.url}/widget/v1/bookings`, { method: 'POST', headers: { ...w.headers(), 'idempotency-key': randomUUID() }, body: '{"serviceId":' });
    expect(malformedJson.status).toBe(400);
    expect(malformedJson.type).toMatch(/application\/problem\+json/);
    expect({
      bookings: await count(app, 'bookings', store.tenantId),
      notifications: await count(app, 'booking_notifications', store.tenantId),
      keys: await count(app, 'booking_idempotency', store.tenantId),
    }).toEqual(before);
  });

  it('answers availability input errors with 4xx problems', async () => {
    const bad = [
      [`/availability?serviceId=${randomUUID()}&from=2027-03-02&to=2027-03-03`, 404],
      [`/availability?serviceId=${serviceId}&from=2027-03-10&to=2027-03-02`, 422],
      [`/availability?serviceId=${serviceId}&from=2027-03-01&to=2027-06-01`, 422],
      [`/availability?serviceId=${serviceId}&from=tomorrow&to=2027-03-02`, 422],
      [`/availability?serviceId=${serviceId}&from=2027-03-01&to=2027-03-02&timeZone=Mars/Olympus`, 422],
    ] as const;
    for (const [path, status] of bad) {
      const res = await w.get(path);
      expect({ path, status: res.status, type: res.type.split(';')[0] }).toEqual({ path, status, type: 'application/problem+json' });
    }
  });

  it('needs a visitor token', async () => {
    const res = await call(`${app.url}/widget/v1/services`);
    expect(res.status).toBe(401);
  });

  it('lets 50 shoppers race for one slot: exactly one 201, every other gets 409 with alternatives', async () => {
    const api = merchantApi(app, store);
    expect((await api.get(`/api/v1/services/${serviceId}`)).status).toBe(200);
    for (const [round, start] of ['2027-03-05T11:00:00+01:00', '2027-03-05T14:00:00+01:00', '2027-03-08T09:00:00+01:00'].entries()) {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => w.book({ serviceId, start, customer: customer(100 + round * 50 + i) })));
      const statuses = answers.map((a) => a.status);
      expect({ round, created: statuses.filter((s) => s === 201).length, conflicts: statuses.filter((s) => s === 409).length }).toEqual({ round, created: 1, conflicts: 49 });
      for (const a of answers.filter((x) => x.status === 409)) {
        const problem = SlotTakenProblemSchema.parse(a.body);
        expect(problem.alternatives.length).toBeGreaterThan(0);
        expect(problem.alternatives.map((x) => x.start)).not.toContain(start);
      }
      expect(await count(app, 'bookings', store.tenantId, { start_at: new Date(start), status: 'confirmed' })).toBe(1);
    }
  });
});
