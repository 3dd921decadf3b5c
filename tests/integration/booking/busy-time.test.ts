import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvailabilityResponseSchema } from '../../../core/wire/widget.ts';
import { createBookable, createStore, customer, merchantApi, startBookingApp, widgetApi, widgetSession, type BookingTestApp, type TestStore } from './helpers.ts';

// Busy time is read through the start-time index with a bound around the window
// (BookingRepository.busyQuery): a booking blocks its buffers, however far they reach from its
// start, and the database refuses a longer span than the bound assumes.
const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));

describe('busy time across days', () => {
  let app: BookingTestApp;
  let store: TestStore;
  let shortService: string;
  let w: ReturnType<typeof widgetApi>;

  beforeAll(async () => {
    app = await startBookingApp();
    store = await createStore(app);
    const long = await createBookable(app, store, { name: 'Fitting with long buffers', durationMinutes: 60, bufferBeforeMinutes: 600, bufferAfterMinutes: 600, minNoticeMinutes: 0 }, { weeklyHours: ALL_DAY });
    const short = await merchantApi(app, store).post('/api/v1/services', { name: 'Quick call', durationMinutes: 60, minNoticeMinutes: 0 });
    shortService = short.body.id;
    expect((await merchantApi(app, store).patch(`/api/v1/resources/${long.resourceId}`, { serviceIds: [long.serviceId, shortService] })).status).toBe(200);
    w = widgetApi(app, await widgetSession(app, store));
    // Occupies 2027-03-10 02:00 to 23:00 Berlin.
    expect((await w.book({ serviceId: long.serviceId, start: '2027-03-10T12:00:00+01:00', customer: customer(1) })).status).toBe(201);
  });
  afterAll(() => app.stop());

  const startsOn = async (day: string) => {
    const res = await w.get(`/availability?serviceId=${shortService}&from=${day}&to=${day}&timeZone=Europe/Berlin`);
    expect(res.status).toBe(200);
    return AvailabilityResponseSchema.parse(res.body).slots.map((s) => s.start.slice(11, 16));
  };

  it('blocks the before-buffer and the after-buffer, far from the start', async () => {
    expect(await startsOn('2027-03-10')).toEqual(['00:00', '01:00', '23:00']);
  });

  it('refuses a booking inside either buffer with 409', async () => {
    for (const start of ['2027-03-10T02:00:00+01:00', '2027-03-10T22:00:00+01:00']) {
      expect((await w.book({ serviceId: shortService, start, customer: customer(2) })).status).toBe(409);
    }
  });

  it('leaves the days either side free', async () => {
    expect(await startsOn('2027-03-09')).toHaveLength(24);
    expect(await startsOn('2027-03-11')).toHaveLength(24);
  });

  it('refuses a stored booking that occupies more than three days', async () => {
    const error = await app.application.db
      .tenant(store.tenantId, (trx) => trx.raw(`UPDATE bookings SET occupied = tstzrange(lower(occupied) - interval '3 days', upper(occupied))`))
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/bookings_occupied_span/);
  });
});
