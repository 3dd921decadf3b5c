// The widget wire contract (core/wire/widget.ts): documented examples parse, unsafe values do not.
import { describe, expect, it } from 'vitest';
import {
  AvailabilityQuerySchema,
  CardSchema,
  CreateBookingRequestSchema,
  CreateSessionResponseSchema,
  ListMessagesQuerySchema,
  PostMessageRequestSchema,
  SlotTakenProblemSchema,
  StreamQuerySchema,
  WidgetThemeSchema,
  widgetEventSchemas,
  widgetRoutes,
} from '../../../core/wire/widget.ts';
import { WIDGET_EVENT_NAMES } from '../../../widget/src/panel/event-names.ts';

const id = '6f1c1a57-6a8e-4d8e-9b1f-3c2a1d0e5f01';

describe('widget wire schemas', () => {
  it('parse the session answer of design §10', () => {
    const session = CreateSessionResponseSchema.parse({
      visitorToken: 'vt_0123456789abcdef0123',
      visitorId: 'v_0123456789',
      conversationId: id,
      expiresAt: '2026-12-01T10:00:00Z',
      identified: false,
      bot: { name: 'Velo', greeting: null, locale: 'de-DE', theme: { accentColor: '#0f766e' } },
      handoff: { active: false, agentName: null },
    });
    expect(session.bot.theme.accentColor).toBe('#0f766e');
  });

  it('only let #rrggbb colours and http(s) links through', () => {
    expect(WidgetThemeSchema.safeParse({ accentColor: 'red; background:url(//x)' }).success).toBe(false);
    expect(WidgetThemeSchema.safeParse({ accentColor: '#12345' }).success).toBe(false);
    const product = { type: 'product', productId: 'p1', title: 'Bike', price: null, imageUrl: null };
    expect(CardSchema.safeParse({ ...product, url: 'https://shop.example/p1' }).success).toBe(true);
    expect(CardSchema.safeParse({ ...product, url: 'javascript:alert(1)' }).success).toBe(false);
    expect(CardSchema.safeParse({ ...product, url: 'https://shop.example/p1', imageUrl: 'data:image/svg+xml,<svg/>' }).success).toBe(false);
  });

  it('take dates or ISO times with offsets in availability queries, and a real time zone', () => {
    expect(AvailabilityQuerySchema.safeParse({ serviceId: id, from: '2026-12-01', to: '2026-12-14', timeZone: 'Europe/Berlin' }).success).toBe(true);
    expect(AvailabilityQuerySchema.safeParse({ serviceId: id, from: '2026-12-01T00:00:00+01:00', to: '2026-12-02T00:00:00Z' }).success).toBe(true);
    expect(AvailabilityQuerySchema.safeParse({ serviceId: id, from: '2026-12-01T00:00:00', to: '2026-12-02' }).success).toBe(false); // no offset
    expect(AvailabilityQuerySchema.safeParse({ serviceId: id, from: '2026-12-01', to: '2026-12-02', timeZone: 'Mars/Olympus' }).success).toBe(false);
  });

  it('describe bookings and the 409 with alternatives', () => {
    const body = CreateBookingRequestSchema.parse({
      serviceId: id,
      start: '2026-12-01T10:00:00+01:00',
      customer: { name: ' Kim ', email: 'kim@example.com', phone: '+49 170 1234567' },
    });
    expect(body.customer.name).toBe('Kim');
    expect(CreateBookingRequestSchema.safeParse({ ...body, customer: { name: 'Kim', email: 'not-an-email' } }).success).toBe(false);
    const conflict = SlotTakenProblemSchema.parse({
      type: '/problems/conflict',
      title: 'Conflict',
      status: 409,
      alternatives: [{ start: '2026-12-01T11:00:00+01:00', end: '2026-12-01T12:00:00+01:00' }],
    });
    expect(conflict.alternatives).toHaveLength(1);
    expect(widgetRoutes.createBooking.responses[409]).toBe(SlotTakenProblemSchema);
  });

  it('bound messages and stream positions', () => {
    expect(PostMessageRequestSchema.safeParse({ text: '   ' }).success).toBe(false);
    expect(PostMessageRequestSchema.safeParse({ text: 'x'.repeat(4001) }).success).toBe(false);
    expect(PostMessageRequestSchema.safeParse({ text: 'hi', clientMessageId: 'has space' }).success).toBe(false);
    expect(ListMessagesQuerySchema.parse({ limit: '20' }).limit).toBe(20);
    expect(StreamQuerySchema.safeParse({ token: 'vt_0123456789abcdef', lastEventId: '42' }).success).toBe(true);
    expect(StreamQuerySchema.safeParse({ token: 'vt_0123456789abcdef', lastEventId: '-1' }).success).toBe(false);
  });

  it('name the same stream events the widget listens to', () => {
    expect([...WIDGET_EVENT_NAMES].sort()).toEqual(Object.keys(widgetEventSchemas).sort());
  });
});
