import { describe, expect, it } from 'vitest';
import { normalizeOrderStatus } from '../../../core/orders/order-status.ts';

describe('normalizeOrderStatus', () => {
  it.each([
    [{ status: 'processing' }, 'processing'],
    [{ status: 'on-hold' }, 'on_hold'],
    [{ status: 'completed' }, 'completed'],
    [{ status: 'cancelled', fulfillmentStatus: 'fulfilled' }, 'cancelled'],
    [{ status: 'open', financialStatus: 'paid', fulfillmentStatus: 'fulfilled' }, 'shipped'],
    [{ status: 'open', financialStatus: 'paid', fulfillmentStatus: 'partial' }, 'partially_shipped'],
    [{ status: 'open', financialStatus: 'refunded', fulfillmentStatus: 'fulfilled' }, 'refunded'],
    [{ status: 'open', financialStatus: 'pending' }, 'pending'],
    [{ status: 'open', financialStatus: 'paid' }, 'processing'],
    [{ status: 'something-new' }, 'processing'],
  ])('%j → %s', (input, expected) => {
    expect(normalizeOrderStatus(input)).toBe(expected);
  });
});
