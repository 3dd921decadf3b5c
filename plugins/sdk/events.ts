import { z } from 'zod';
import { moneySchema } from './money.ts';

/** Normalized platform data: what every plugin maps its platform's shapes to (prices as Money, see money.ts). */

export const catalogProductSchema = z.object({
  externalId: z.string().min(1),
  handle: z.string().min(1),
  title: z.string().min(1),
  description: z.string(),
  price: moneySchema,
  url: z.string().url().optional(),
  imageUrl: z.string().url().optional(),
  tags: z.array(z.string()).default([]),
  variants: z
    .array(z.object({ externalId: z.string(), title: z.string(), sku: z.string().optional(), price: moneySchema, available: z.boolean() }))
    .default([]),
});
export type CatalogProduct = z.infer<typeof catalogProductSchema>;

export const orderSummarySchema = z.object({
  externalId: z.string().min(1),
  number: z.string().min(1),
  email: z.string().optional(),
  customerId: z.string().optional(),
  status: z.string(),
  financialStatus: z.string().optional(),
  fulfillmentStatus: z.string().optional(),
  placedAt: z.string(),
  total: moneySchema,
  items: z.array(z.object({ title: z.string(), quantity: z.number().int().positive() })),
  tracking: z.array(z.object({ company: z.string().optional(), number: z.string().optional(), url: z.string().optional() })).default([]),
});
export type OrderSummary = z.infer<typeof orderSummarySchema>;

/**
 * When the platform says the change happened (ISO 8601, e.g. Shopify's `X-Shopify-Triggered-At`
 * or the product's `updated_at`). The host ignores a product event older than what it stored.
 */
const occurredAt = z.string().datetime({ offset: true }).optional();

/** Events a plugin emits to the core (from webhooks or syncs). */
export const coreEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('product.upserted'), product: catalogProductSchema, occurredAt }),
  z.object({ type: z.literal('product.deleted'), externalId: z.string().min(1), occurredAt }),
  z.object({ type: z.literal('order.upserted'), order: orderSummarySchema }),
  /** The platform removed the app: the host calls `install.uninstall`, drops the secrets, status `uninstalled`. */
  z.object({ type: z.literal('app.uninstalled') }),
  /**
   * Erase what we hold about one customer of this store: conversations, messages, bookings'
   * personal fields, cached orders. Give every identifier the platform sent.
   */
  z.object({
    type: z.literal('customer.redact'),
    customerId: z.string().optional(),
    email: z.string().optional(),
    /** Platform order ids/numbers to erase from the order cache as well. */
    orderIds: z.array(z.string()).optional(),
  }),
  /** Export what we hold about one customer; the merchant downloads it from the API. */
  z.object({
    type: z.literal('customer.data_request'),
    customerId: z.string().optional(),
    email: z.string().optional(),
    orderIds: z.array(z.string()).optional(),
    /** The platform's request id, kept with the export. */
    requestId: z.string().optional(),
  }),
  /** Delete everything of this shop (installation). Accepted even after uninstall. */
  z.object({ type: z.literal('shop.redact') }),
]);
export type CoreEvent = z.infer<typeof coreEventSchema>;
/** Event types the host still accepts from an uninstalled installation. */
export const COMPLIANCE_EVENT_TYPES = ['customer.redact', 'customer.data_request', 'shop.redact', 'app.uninstalled'] as const;
