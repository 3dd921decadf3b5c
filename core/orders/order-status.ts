import type { OrderStatus } from './orders.tools.schema.ts';

const KNOWN: readonly OrderStatus[] = [
  'pending',
  'processing',
  'on_hold',
  'partially_shipped',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
  'refunded',
  'failed',
];

const ALIASES: Record<string, OrderStatus> = {
  // WooCommerce order statuses
  'on-hold': 'on_hold',
  'pending-payment': 'pending',
  checkout_draft: 'pending',
  'checkout-draft': 'pending',
  canceled: 'cancelled',
  // Shopify fulfilment states
  fulfilled: 'shipped',
  partial: 'partially_shipped',
  partially_fulfilled: 'partially_shipped',
  unfulfilled: 'processing',
  in_progress: 'processing',
  open: 'processing',
  paid: 'processing',
  authorized: 'pending',
  voided: 'cancelled',
  partially_refunded: 'refunded',
  closed: 'completed',
  archived: 'completed',
};

function one(value: string | undefined): OrderStatus | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase().replace(/\s+/g, '_');
  if ((KNOWN as readonly string[]).includes(v)) return v as OrderStatus;
  return ALIASES[v] ?? ALIASES[v.replace(/_/g, '-')];
}

/**
 * The shopper-facing status from what a platform reports. Terminal money states win (a refunded
 * order is "refunded" whatever its fulfilment says), then fulfilment, then the order status.
 */
export function normalizeOrderStatus(input: { status: string; financialStatus?: string; fulfillmentStatus?: string }): OrderStatus {
  const status = one(input.status);
  const financial = one(input.financialStatus);
  const fulfillment = one(input.fulfillmentStatus);
  if (status === 'cancelled' || status === 'failed') return status;
  if (financial === 'refunded' && input.financialStatus?.toLowerCase() === 'refunded') return 'refunded';
  if (status === 'refunded') return 'refunded';
  if (fulfillment === 'shipped' || fulfillment === 'partially_shipped' || fulfillment === 'delivered') return fulfillment;
  if (status && status !== 'processing') return status;
  if (financial === 'pending' && !fulfillment) return 'pending';
  return status ?? fulfillment ?? 'processing';
}
