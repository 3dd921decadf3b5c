/**
 * The orders module's chat tool as the model sees it (lookup_order): arguments and result.
 * Implementation: orders.tools.ts. Pure module, so model adapters may import it.
 */
import { z } from 'zod';
import { defineToolContract } from '../kernel/tool-contract.ts';
import { IsoDateTimeSchema, MoneySchema } from '../wire/shapes.ts';

/** Normalised by the platform plugins (Shopify fulfilment/financial status, Woo order status). */
export const OrderStatusSchema = z.enum(['pending', 'processing', 'on_hold', 'partially_shipped', 'shipped', 'delivered', 'completed', 'cancelled', 'refunded', 'failed']);
export type OrderStatus = z.infer<typeof OrderStatusSchema>;

export const OrderSchema = z.object({
  number: z.string(),
  status: OrderStatusSchema,
  placedAt: IsoDateTimeSchema,
  items: z.array(z.object({ title: z.string(), quantity: z.number().int().positive(), price: MoneySchema.optional() })),
  total: MoneySchema,
  tracking: z.array(z.object({ company: z.string().optional(), number: z.string().optional(), url: z.string().optional() })).optional(),
});
export type Order = z.infer<typeof OrderSchema>;

export const lookupOrderTool = defineToolContract({
  name: 'lookup_order',
  description: 'Look up an order. Needs the order number and the email it was placed with, unless the customer is verified. Never guess either.',
  args: z.object({
    orderNumber: z.string().min(1).max(64).optional().describe('Order number as the shopper gave it, without "#".'),
    email: z.email().optional().describe('Email address the order was placed with.'),
  }),
  result: z.discriminatedUnion('status', [
    z.object({ status: z.literal('found'), order: OrderSchema }),
    /** Deliberately says nothing about which of number/email was wrong. */
    z.object({ status: z.literal('not_found') }),
    z.object({ status: z.literal('verification_required'), missing: z.array(z.enum(['orderNumber', 'email'])).min(1) }),
  ]),
});
export type LookupOrderResult = z.infer<typeof lookupOrderTool.result>;
