/**
 * The contract of the core chat tools: what the model may pass (arguments) and the JSON the
 * chat engine must hand back (results), one zod schema each.
 *
 * - The chat engine validates model arguments with `parseCoreToolArguments` and implements each
 *   tool so its result satisfies the matching result schema (tests can `.parse` with it).
 * - `coreToolSpecs()` turns the argument schemas into the `tools` list sent to the model.
 * - Any tool may instead return `ToolErrorResult` (`{ error: { code, message } }`); the model then
 *   apologises / offers a human rather than inventing data.
 *
 * Pure module: zod and the LLM port only, so adapters (offline) and the widget may import it.
 */
import { z } from 'zod';
import { CORE_TOOLS, type CoreToolName, type LlmToolSpec } from './llm.port.ts';

// ---------------------------------------------------------------- shared shapes

/** Money as a decimal string (never a float) plus ISO 4217 currency, e.g. { amount: "49.90", currency: "EUR" }. */
export const MoneySchema = z.object({
  amount: z.string().regex(/^-?\d+(\.\d+)?$/, 'decimal string such as "49.90"'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code such as "EUR"'),
});
export type Money = z.infer<typeof MoneySchema>;

/** ISO 8601 date-time with an explicit offset ("2026-05-05T10:30:00+02:00"). */
const IsoWithOffset = z.iso.datetime({ offset: true });

export const SlotSchema = z.object({ start: IsoWithOffset, end: IsoWithOffset });
export type Slot = z.infer<typeof SlotSchema>;

export const ProductVariantSchema = z.object({
  id: z.string(),
  title: z.string(),
  price: MoneySchema.optional(),
  available: z.boolean().optional(),
});
export type ProductVariant = z.infer<typeof ProductVariantSchema>;

export const ProductSchema = z.object({
  id: z.string(),
  title: z.string(),
  /** Plain text (HTML stripped), trimmed by the engine to a few hundred characters. */
  description: z.string(),
  price: MoneySchema,
  compareAtPrice: MoneySchema.optional(),
  available: z.boolean().optional(),
  url: z.string().optional(),
  imageUrl: z.string().optional(),
  variants: z.array(ProductVariantSchema).optional(),
});
export type Product = z.infer<typeof ProductSchema>;

/** Normalised by the platform plugins (Shopify fulfilment/financial status, Woo order status). */
export const OrderStatusSchema = z.enum([
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
]);
export type OrderStatus = z.infer<typeof OrderStatusSchema>;

export const OrderSchema = z.object({
  number: z.string(),
  status: OrderStatusSchema,
  placedAt: IsoWithOffset,
  items: z.array(z.object({ title: z.string(), quantity: z.number().int().positive(), price: MoneySchema.optional() })),
  total: MoneySchema,
  tracking: z
    .array(z.object({ company: z.string().optional(), number: z.string().optional(), url: z.string().optional() }))
    .optional(),
});
export type Order = z.infer<typeof OrderSchema>;

export const ServiceSchema = z.object({
  id: z.string(),
  name: z.string(),
  durationMinutes: z.number().int().positive(),
  description: z.string().optional(),
  price: MoneySchema.optional(),
});
export type Service = z.infer<typeof ServiceSchema>;

/** What any tool returns when it could not do its job; `code` is stable, `message` is for logs/model. */
export const ToolErrorResultSchema = z.object({
  error: z.object({
    code: z.enum(['INVALID_ARGUMENTS', 'NOT_FOUND', 'NOT_AVAILABLE', 'SLOT_TAKEN', 'UNKNOWN_TOOL', 'INTERNAL']),
    message: z.string(),
  }),
});
export type ToolErrorResult = z.infer<typeof ToolErrorResultSchema>;

// ---------------------------------------------------------------- arguments (model → core)

export const SearchProductsArgsSchema = z.object({
  query: z.string().min(1).max(200).describe('What the shopper is looking for, in their words (keywords, no filler).'),
  limit: z.number().int().min(1).max(10).optional().describe('Maximum number of products (default 5).'),
});
export const GetProductArgsSchema = z.object({
  id: z.string().min(1).describe('Product id from a search_products result.'),
});
export const SearchFaqArgsSchema = z.object({
  query: z.string().min(1).max(200).describe('The question, or its keywords.'),
  limit: z.number().int().min(1).max(10).optional(),
});
export const LookupOrderArgsSchema = z.object({
  orderNumber: z.string().min(1).max(64).optional().describe('Order number as the shopper gave it, without "#".'),
  email: z.email().optional().describe('Email address the order was placed with.'),
});
export const HandoffArgsSchema = z.object({
  reason: z.string().max(500).optional().describe('One line for the human agent: what the shopper needs.'),
});
export const ListServicesArgsSchema = z.object({});
export const FindSlotsArgsSchema = z.object({
  serviceId: z.string().min(1).describe('Service id from list_services.'),
  from: z
    .string()
    .optional()
    .describe('First day to search: a date (YYYY-MM-DD) or ISO date-time; default today.'),
  days: z.number().int().min(1).max(60).optional().describe('How many days to search (default 7).'),
});
export const ProposeBookingArgsSchema = z.object({
  serviceId: z.string().min(1),
  start: IsoWithOffset.describe('Start of a slot exactly as returned by find_slots.'),
});

export type SearchProductsArgs = z.infer<typeof SearchProductsArgsSchema>;
export type GetProductArgs = z.infer<typeof GetProductArgsSchema>;
export type SearchFaqArgs = z.infer<typeof SearchFaqArgsSchema>;
export type LookupOrderArgs = z.infer<typeof LookupOrderArgsSchema>;
export type HandoffArgs = z.infer<typeof HandoffArgsSchema>;
export type ListServicesArgs = z.infer<typeof ListServicesArgsSchema>;
export type FindSlotsArgs = z.infer<typeof FindSlotsArgsSchema>;
export type ProposeBookingArgs = z.infer<typeof ProposeBookingArgsSchema>;

// ---------------------------------------------------------------- results (core → model)

export const SearchProductsResultSchema = z.object({ items: z.array(ProductSchema) });
export const GetProductResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('found'), product: ProductSchema }),
  z.object({ status: z.literal('not_found') }),
]);
export const SearchFaqResultSchema = z.object({
  items: z.array(z.object({ id: z.string().optional(), question: z.string(), answer: z.string() })),
});
export const LookupOrderResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('found'), order: OrderSchema }),
  /** Deliberately says nothing about which of number/email was wrong. */
  z.object({ status: z.literal('not_found') }),
  z.object({ status: z.literal('verification_required'), missing: z.array(z.enum(['orderNumber', 'email'])).min(1) }),
]);
export const HandoffResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('requested') }),
  /** Nobody can take over now (out of hours / no agents): the widget offers the email form. */
  z.object({ status: z.literal('unavailable') }),
]);
export const ListServicesResultSchema = z.object({ items: z.array(ServiceSchema) });
export const FindSlotsResultSchema = z.object({
  serviceId: z.string(),
  /** Zone the slots are expressed in (the shopper's when known, else the tenant's); offsets match it. */
  timeZone: z.string(),
  slots: z.array(SlotSchema),
});
export const ProposeBookingResultSchema = z.object({
  proposal: z.object({
    serviceId: z.string(),
    serviceName: z.string(),
    start: IsoWithOffset,
    end: IsoWithOffset,
    timeZone: z.string(),
  }),
});

export type SearchProductsResult = z.infer<typeof SearchProductsResultSchema>;
export type GetProductResult = z.infer<typeof GetProductResultSchema>;
export type SearchFaqResult = z.infer<typeof SearchFaqResultSchema>;
export type LookupOrderResult = z.infer<typeof LookupOrderResultSchema>;
export type HandoffResult = z.infer<typeof HandoffResultSchema>;
export type ListServicesResult = z.infer<typeof ListServicesResultSchema>;
export type FindSlotsResult = z.infer<typeof FindSlotsResultSchema>;
export type ProposeBookingResult = z.infer<typeof ProposeBookingResultSchema>;

// ---------------------------------------------------------------- registry

export const coreToolArgSchemas = {
  [CORE_TOOLS.searchProducts]: SearchProductsArgsSchema,
  [CORE_TOOLS.getProduct]: GetProductArgsSchema,
  [CORE_TOOLS.searchFaq]: SearchFaqArgsSchema,
  [CORE_TOOLS.lookupOrder]: LookupOrderArgsSchema,
  [CORE_TOOLS.handoff]: HandoffArgsSchema,
  [CORE_TOOLS.listServices]: ListServicesArgsSchema,
  [CORE_TOOLS.findSlots]: FindSlotsArgsSchema,
  [CORE_TOOLS.proposeBooking]: ProposeBookingArgsSchema,
} as const satisfies Record<CoreToolName, z.ZodType>;

export const coreToolResultSchemas = {
  [CORE_TOOLS.searchProducts]: SearchProductsResultSchema,
  [CORE_TOOLS.getProduct]: GetProductResultSchema,
  [CORE_TOOLS.searchFaq]: SearchFaqResultSchema,
  [CORE_TOOLS.lookupOrder]: LookupOrderResultSchema,
  [CORE_TOOLS.handoff]: HandoffResultSchema,
  [CORE_TOOLS.listServices]: ListServicesResultSchema,
  [CORE_TOOLS.findSlots]: FindSlotsResultSchema,
  [CORE_TOOLS.proposeBooking]: ProposeBookingResultSchema,
} as const satisfies Record<CoreToolName, z.ZodType>;

export type CoreToolArgsMap = { [K in CoreToolName]: z.infer<(typeof coreToolArgSchemas)[K]> };
export type CoreToolResultMap = { [K in CoreToolName]: z.infer<(typeof coreToolResultSchemas)[K]> };
/** What a tool implementation may return: its result, or the shared error shape. */
export type CoreToolOutcome<K extends CoreToolName> = CoreToolResultMap[K] | ToolErrorResult;

/** Descriptions are written for the model: when to call, and what not to do. */
const descriptions: Record<CoreToolName, string> = {
  search_products:
    "Search the store's catalog. Use for any question about products, availability or prices. Only mention products this tool returns.",
  get_product: 'Get full details (variants, availability) of one product from a search_products result.',
  search_faq: "Search the store's FAQ and policies (shipping, returns, payment, opening hours).",
  lookup_order:
    'Look up an order. Needs the order number and the email it was placed with, unless the customer is verified. Never guess either.',
  handoff_to_human: 'Ask a human team member to take over the conversation, when the shopper wants a person or you cannot help.',
  list_services: 'List the appointments that can be booked (consultations, fittings, repairs, classes).',
  find_slots: 'Find free times for one service. Show the shopper a few and let them choose.',
  propose_booking:
    'Propose a booking for a slot the shopper chose. It shows a card the shopper must confirm; it does not book by itself.',
};

export function isCoreToolName(name: string): name is CoreToolName {
  return Object.prototype.hasOwnProperty.call(coreToolArgSchemas, name);
}

/** JSON Schema of a tool's arguments, trimmed for model consumption. */
function toToolParameters(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  stripFormatPatterns(json);
  return json;
}

/** zod emits a long regex next to `format` (date-time, email); the format says it, zod checks it. */
function stripFormatPatterns(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(stripFormatPatterns);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.format === 'string') delete obj.pattern;
  for (const value of Object.values(obj)) stripFormatPatterns(value);
}

/** Tool specs for the model, built from the argument schemas (all core tools, or the named ones). */
export function coreToolSpecs(names: readonly CoreToolName[] = Object.values(CORE_TOOLS)): LlmToolSpec[] {
  return names.map((name) => ({
    name,
    description: descriptions[name],
    parameters: toToolParameters(coreToolArgSchemas[name]),
  }));
}

export type ParsedToolArguments<K extends CoreToolName> =
  | { ok: true; value: CoreToolArgsMap[K] }
  | { ok: false; error: ToolErrorResult };

/**
 * Parses the model's argument text for a core tool. On failure returns the error result to
 * send back to the model (so it can correct itself) instead of throwing.
 */
export function parseCoreToolArguments<K extends CoreToolName>(name: K, argumentsText: string): ParsedToolArguments<K> {
  let raw: unknown;
  try {
    raw = argumentsText.trim() === '' ? {} : JSON.parse(argumentsText);
  } catch {
    return { ok: false, error: { error: { code: 'INVALID_ARGUMENTS', message: 'arguments are not valid JSON' } } };
  }
  const parsed = coreToolArgSchemas[name].safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, error: { error: { code: 'INVALID_ARGUMENTS', message } } };
  }
  return { ok: true, value: parsed.data as CoreToolArgsMap[K] };
}
