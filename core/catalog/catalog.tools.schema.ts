/**
 * The catalog's chat tools as the model sees them (search_products, get_product, search_faq):
 * arguments and results, one zod schema each. Implementations: catalog.tools.ts.
 * Pure module (zod, the shared shapes, the chat's tool contract), so model adapters may import it.
 */
import { z } from 'zod';
import { defineToolContract } from '../kernel/tool-contract.ts';
import { MoneySchema } from '../wire/shapes.ts';

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

export const searchProductsTool = defineToolContract({
  name: 'search_products',
  description: "Search the store's catalog. Use for any question about products, availability or prices. Only mention products this tool returns.",
  args: z.object({
    query: z.string().min(1).max(200).describe('What the shopper is looking for, in their words (keywords, no filler).'),
    limit: z.number().int().min(1).max(10).optional().describe('Maximum number of products (default 5).'),
    size: z.string().min(1).max(20).optional().describe('Only products offered in this size (e.g. "L", "42"), when the shopper named one.'),
    color: z.string().min(1).max(40).optional().describe('Only products offered in this colour (in English, e.g. "navy"), when the shopper named one.'),
  }),
  result: z.object({ items: z.array(ProductSchema) }),
});

export const getProductTool = defineToolContract({
  name: 'get_product',
  description: 'Get full details (variants, availability) of one product from a search_products result.',
  args: z.object({ id: z.string().min(1).describe('Product id from a search_products result.') }),
  result: z.discriminatedUnion('status', [z.object({ status: z.literal('found'), product: ProductSchema }), z.object({ status: z.literal('not_found') })]),
});

export const searchFaqTool = defineToolContract({
  name: 'search_faq',
  description: "Search the store's FAQ and policies (shipping, returns, payment, opening hours).",
  args: z.object({
    query: z.string().min(1).max(200).describe('The question, or its keywords.'),
    limit: z.number().int().min(1).max(10).optional(),
  }),
  result: z.object({ items: z.array(z.object({ id: z.string().optional(), question: z.string(), answer: z.string() })) }),
});

export type SearchProductsResult = z.infer<typeof searchProductsTool.result>;
export type GetProductResult = z.infer<typeof getProductTool.result>;
export type SearchFaqResult = z.infer<typeof searchFaqTool.result>;
