import { describe, expect, it } from 'vitest';
import { analyticsEventSchema, ANALYTICS_EVENT_TYPES } from '../../../core/analytics/events.schema.ts';

const tenantId = '0b6f2b61-52a3-4d55-9f0e-6a2c8d7e1c11';
const conversationId = '5d6c1a7e-2f3b-4c8d-9e0f-1a2b3c4d5e6f';
const occurredAt = new Date('2026-11-01T12:00:00Z');

describe('analytics event schema', () => {
  it('lists the ten event types of design §8', () => {
    expect(ANALYTICS_EVENT_TYPES.sort()).toEqual(
      ['booking.cancelled', 'booking.made', 'conversation.rated', 'conversation.started', 'handoff.requested', 'llm.error', 'message.answered', 'message.received', 'visitor.seen', 'widget.opened'].sort(),
    );
  });

  it('requires the answer fields on message.answered', () => {
    const answered = { type: 'message.answered', tenantId, occurredAt, conversationId, responseMs: 812, promptTokens: 1200, completionTokens: 95, model: 'gpt-4o-mini', adapter: 'openai' };
    expect(analyticsEventSchema.safeParse(answered).success).toBe(true);
    for (const field of ['responseMs', 'promptTokens', 'completionTokens', 'model', 'adapter', 'conversationId'] as const) {
      const { [field]: _omit, ...rest } = answered;
      expect(analyticsEventSchema.safeParse(rest).success, field).toBe(false);
    }
    expect(analyticsEventSchema.safeParse({ ...answered, responseMs: -1 }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ ...answered, promptTokens: 1.5 }).success).toBe(false);
  });

  it('accepts thumbs up or down only, and a visitor id on visitor.seen', () => {
    expect(analyticsEventSchema.safeParse({ type: 'conversation.rated', tenantId, occurredAt, conversationId, rating: 'up' }).success).toBe(true);
    expect(analyticsEventSchema.safeParse({ type: 'conversation.rated', tenantId, occurredAt, conversationId, rating: 'meh' }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ type: 'visitor.seen', tenantId, occurredAt }).success).toBe(false);
  });

  it('rejects bad tenants, dates, types and oversized data', () => {
    expect(analyticsEventSchema.safeParse({ type: 'widget.opened', tenantId: 'acme', occurredAt }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ type: 'widget.opened', tenantId, occurredAt: new Date('nope') }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ type: 'widget.opened', tenantId, occurredAt: occurredAt.toISOString() }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ type: 'page.viewed', tenantId, occurredAt }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ type: 'widget.opened', tenantId, occurredAt, data: { note: 'x'.repeat(3000) } }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ type: 'widget.opened', tenantId, occurredAt, data: { big: 10n } }).success).toBe(false);
    expect(analyticsEventSchema.safeParse({ type: 'widget.opened', tenantId, occurredAt, data: { page: '/products/shoes' } }).success).toBe(true);
  });
});
