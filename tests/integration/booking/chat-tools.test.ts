import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookingProposalCardSchema, type WidgetMessage } from '../../../core/wire/widget.ts';
import { call, count, createBookable, createStore, eventually, merchantApi, startBookingApp, widgetApi, widgetSession, type BookingTestApp, type TestStore } from './helpers.ts';

/**
 * The assistant's booking tools through the real chat engine and the offline model: from "I'd
 * like an appointment" (or "Ich möchte einen Termin") to a booking_proposal card with a slot that
 * really is free — and nothing booked until the shopper confirms it in the widget.
 */
describe('booking through the assistant (offline model)', () => {
  let app: BookingTestApp;
  let store: TestStore;
  let serviceId: string;

  beforeAll(async () => {
    app = await startBookingApp();
    store = await createStore(app);
    ({ serviceId } = await createBookable(app, store, { name: 'Suit fitting', durationMinutes: 45, slotStepMinutes: 60 }));
  });
  afterAll(() => app.stop());

  /** Posts the shopper's text and waits for the assistant's completed answer to it. */
  async function say(session: Awaited<ReturnType<typeof widgetSession>>, text: string): Promise<WidgetMessage> {
    const posted = await call(`${app.url}/widget/v1/conversations/${session.conversationId}/messages`, { method: 'POST', headers: session.headers, body: { text } });
    expect(posted.status).toBe(202);
    return eventually(async () => {
      const res = await call<{ items: WidgetMessage[] }>(`${app.url}/widget/v1/conversations/${session.conversationId}/messages?limit=100`, { headers: session.headers });
      const items = res.body.items;
      const mine = items.findIndex((m) => m.id === posted.body.messageId);
      return items.slice(mine + 1).find((m) => m.role === 'assistant' && m.status === 'complete');
    }, 15_000, `an answer to "${text}"`);
  }

  for (const [language, ask, pick, expectText] of [
    ['English', "I'd like an appointment", 'the first one', /booking proposal/i],
    ['German', 'Ich möchte einen Termin', 'den ersten', /Terminvorschlag/],
  ] as const) {
    it(`leads a shopper writing ${language} to a proposal card for a free slot, without booking`, async () => {
      const session = await widgetSession(app, store);
      const times = await say(session, ask);
      expect(times.cards).toEqual([]);
      expect(times.text).toContain('Suit fitting');

      const proposal = await say(session, pick);
      expect(proposal.text).toMatch(expectText);
      expect(proposal.cards).toHaveLength(1);
      const card = BookingProposalCardSchema.parse(proposal.cards[0]);
      expect(card).toMatchObject({ type: 'booking_proposal', serviceId, serviceName: 'Suit fitting' });
      // The first free time: today (Monday 1 March, 08:00 in Berlin) 60 minutes' notice leaves 09:00.
      expect(card.start).toBe('2027-03-01T09:00:00+01:00');
      expect(card.end).toBe('2027-03-01T09:45:00+01:00');
      expect(await count(app, 'bookings', store.tenantId, { status: 'confirmed' })).toBe(0);

      // The widget then books the card itself; the slot really was free.
      const booked = await widgetApi(app, session).book({ serviceId: card.serviceId, start: card.start, customer: { name: 'Chat', email: `chat-${randomUUID()}@example.com` }, conversationId: session.conversationId });
      expect(booked.status).toBe(201);
      const [row] = await app.database.db.knex('bookings').where({ id: booked.body.id }).select('conversation_id', 'source');
      expect(row).toEqual({ conversation_id: session.conversationId, source: 'chat' });
      // Analytics counts it as a booking out of this conversation; cancelling counts too.
      const api = merchantApi(app, store);
      expect((await api.post(`/api/v1/bookings/${booked.body.id}/cancel`, { notifyCustomer: false })).status).toBe(200);
      const events = await eventually(async () => {
        const rows = await app.database.db.knex('analytics_events').where({ tenant_id: store.tenantId, conversation_id: session.conversationId }).whereIn('type', ['booking.made', 'booking.cancelled']).select('type', 'data');
        return rows.length === 2 && rows;
      }, 5_000, 'the booking analytics events');
      expect(events.map((e) => e.type).sort()).toEqual(['booking.cancelled', 'booking.made']);
      expect(events.every((e) => e.data.bookingId === booked.body.id)).toBe(true);
    });
  }

  it('does not propose a time that is taken', async () => {
    const tools = app.application.booking.tools;
    const ctx = { tenantId: store.tenantId, botId: store.botId, conversationId: randomUUID(), visitor: { id: 'v' }, locale: 'en', timeZone: 'America/New_York', signal: new AbortController().signal };
    const listed = await tools.listServices(ctx);
    expect(listed.result.items.map((s) => s.id)).toEqual([serviceId]);
    const found = await tools.findSlots(ctx, { serviceId, from: '2027-03-02', days: 2 });
    expect('slots' in found.result && found.result.timeZone).toBe('America/New_York');
    const slots = 'slots' in found.result ? found.result.slots : [];
    // At most 4 per day, in the shopper's zone.
    expect(slots.map((s) => s.start)).toEqual(['2027-03-02T03:00:00-05:00', '2027-03-02T04:00:00-05:00', '2027-03-02T05:00:00-05:00', '2027-03-02T06:00:00-05:00', '2027-03-03T03:00:00-05:00', '2027-03-03T04:00:00-05:00', '2027-03-03T05:00:00-05:00', '2027-03-03T06:00:00-05:00']);
    await widgetApi(app, await widgetSession(app, store)).book({ serviceId, start: slots[0]!.start, customer: { name: 'Fast', email: 'fast@example.com' } });
    const late = await tools.proposeBooking(ctx, { serviceId, start: slots[0]!.start });
    expect(late.result).toEqual({ error: { code: 'SLOT_TAKEN', message: expect.any(String) } });
    expect(late.cards ?? []).toEqual([]);
    expect((await tools.findSlots(ctx, { serviceId: randomUUID() })).result).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await tools.findSlots(ctx, { serviceId, from: 'next week' })).result).toMatchObject({ error: { code: 'INVALID_ARGUMENTS' } });
  });
});
