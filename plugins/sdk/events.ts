import { z } from 'zod';

/** Normalized platform data: what every plugin maps its platform's shapes to. */

export const moneySchema = z.object({
  /** Decimal string in major units, e.g. "129.00": no float rounding across platforms. */
  amount: z.string().regex(/^-?\d+(\.\d+)?$/),
  currency: z.string().length(3),
});
export type Money = z.infer<typeof moneySchema>;

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

/** Events a plugin emits to the core (from webhooks or syncs). */
export const coreEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('product.upserted'), product: catalogProductSchema }),
  z.object({ type: z.literal('product.deleted'), externalId: z.string().min(1) }),
  z.object({ type: z.literal('order.upserted'), order: orderSummarySchema }),
  z.object({ type: z.literal('app.uninstalled') }),
  z.object({ type: z.literal('customer.redact'), customerId: z.string().optional(), email: z.string().optional() }),
  z.object({ type: z.literal('customer.data_request'), customerId: z.string().optional(), email: z.string().optional() }),
  z.object({ type: z.literal('shop.redact') }),
]);
export type CoreEvent = z.infer<typeof coreEventSchema>;
