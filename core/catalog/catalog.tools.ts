import { decodeHTML } from 'entities';
import { fromMinorUnits } from '@concierge/plugin-sdk';
import type { ToolContext, ToolRegistry } from '../chat/index.ts';
import type { ProductCard } from '../wire/widget.ts';
import { HttpUrlSchema } from '../wire/widget.ts';
import type { CatalogProductRow, CatalogSearch } from './catalog.search.ts';
import { getProductTool, searchFaqTool, searchProductsTool, type Product, type ProductVariant } from './catalog.tools.schema.ts';

/** The catalog's chat tools: product and FAQ search, product details (contracts: catalog.tools.schema.ts). */

const DESCRIPTION_CHARS = 400;
// Stored prices are minor units of the currency (JPY 0 decimals, KWD 3): never a fixed /100.
const money = (minor: number, currency: string) => fromMinorUnits(Math.round(Number(minor)), currency);

/** Plain text from stored descriptions (platforms send HTML), cut at a word. */
export function plainText(html: string, max = DESCRIPTION_CHARS): string {
  const stripped = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ');
  // Every named and numeric entity (Caf&eacute;, it&#8217;s), by the HTML spec's table (issue 14).
  const text = decodeHTML(stripped)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length <= max ? text : `${text.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}

/** An absolute http(s) URL, resolving store-relative links against the store's origin; else undefined. */
export function absoluteUrl(value: string | null | undefined, base: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = base ? new URL(value, base) : new URL(value);
    const href = url.href;
    return HttpUrlSchema.safeParse(href).success ? href : undefined;
  } catch {
    return undefined;
  }
}

function variantsOf(row: CatalogProductRow): ProductVariant[] {
  const out: ProductVariant[] = [];
  for (const raw of Array.isArray(row.variants) ? row.variants : []) {
    const v = raw as { externalId?: string; sku?: string; title?: string; priceCents?: number; price?: { amount?: string; currency?: string }; available?: boolean };
    if (!v || typeof v.title !== 'string') continue;
    const price =
      typeof v.priceCents === 'number'
        ? money(v.priceCents, row.currency)
        : v.price?.amount && v.price.currency
          ? { amount: v.price.amount, currency: v.price.currency.toUpperCase() }
          : undefined;
    out.push({ id: String(v.externalId ?? v.sku ?? v.title), title: v.title, ...(price ? { price } : {}), ...(typeof v.available === 'boolean' ? { available: v.available } : {}) });
  }
  return out;
}

export function toToolProduct(row: CatalogProductRow, ctx: Pick<ToolContext, 'storeOrigin'>, withVariants: boolean): Product {
  const variants = variantsOf(row);
  const url = absoluteUrl(row.url, ctx.storeOrigin) ?? row.url ?? undefined;
  const imageUrl = absoluteUrl(row.image_url, ctx.storeOrigin);
  return {
    id: row.id,
    title: row.title,
    description: plainText(row.description),
    price: money(row.price_cents, row.currency),
    ...(variants.length > 0 ? { available: variants.some((v) => v.available !== false) } : {}),
    ...(url ? { url } : {}),
    ...(imageUrl ? { imageUrl } : {}),
    ...(withVariants && variants.length > 0 ? { variants } : {}),
  };
}

/** A product card for the widget; none when the product has no link the shopper could open. */
export function productCard(row: CatalogProductRow, ctx: Pick<ToolContext, 'storeOrigin'>): ProductCard | undefined {
  const url = absoluteUrl(row.url, ctx.storeOrigin);
  if (!url) return undefined;
  return {
    type: 'product',
    productId: row.id,
    title: row.title.slice(0, 300),
    price: money(row.price_cents, row.currency),
    imageUrl: absoluteUrl(row.image_url, ctx.storeOrigin) ?? null,
    url,
  };
}

const norm = (v: string) => v.trim().toLowerCase();

/**
 * Whether a product is offered (available) in a size and/or colour: a variant's options
 * ({ size, color }) or its title ("L / navy"); a product without variants matches its tags or title.
 */
export function offeredIn(row: CatalogProductRow, size: string | undefined, color: string | undefined): boolean {
  const variants = (Array.isArray(row.variants) ? row.variants : []) as { title?: unknown; available?: unknown; options?: Record<string, unknown> }[];
  const fits = (values: string[], wanted: string | undefined) => wanted === undefined || values.includes(norm(wanted));
  const wordsOf = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (variants.length === 0) {
    const all = [...row.tags.map(norm), ...wordsOf(row.title)];
    return fits(all, size) && fits(all, color);
  }
  return variants.some((v) => {
    if (v.available === false) return false;
    const options = Object.values(v.options ?? {}).filter((x): x is string => typeof x === 'string').map(norm);
    const values = [...options, ...(typeof v.title === 'string' ? wordsOf(v.title) : [])];
    return fits(values, size) && fits(values, color);
  });
}

export function registerCatalogTools(registry: Pick<ToolRegistry, 'registerContract'>, search: CatalogSearch): void {
  registry.registerContract(searchProductsTool, async (ctx, args) => {
    const limit = args.limit ?? 5;
    const filtered = args.size !== undefined || args.color !== undefined;
    // With a size or colour, search wider and keep the products offered in it (issue #18: "rain shell in size L").
    const found = await search.searchProducts(ctx.tenantId, args.query, filtered ? 50 : limit);
    const rows = filtered ? found.filter((r) => offeredIn(r, args.size, args.color)).slice(0, limit) : found;
    const cards = rows.map((r) => productCard(r, ctx)).filter((c): c is ProductCard => c !== undefined);
    return { result: { items: rows.map((r) => toToolProduct(r, ctx, false)) }, cards };
  });

  registry.registerContract(getProductTool, async (ctx, args) => {
    const row = await search.getProduct(ctx.tenantId, args.id);
    if (!row) return { result: { status: 'not_found' as const } };
    const card = productCard(row, ctx);
    return { result: { status: 'found' as const, product: toToolProduct(row, ctx, true) }, cards: card ? [card] : [] };
  });

  registry.registerContract(searchFaqTool, async (ctx, args) => {
    const rows = await search.searchFaq(ctx.tenantId, args.query, args.limit ?? 3);
    return { result: { items: rows.map((r) => ({ id: r.id, question: r.question, answer: plainText(r.answer, 1500) })) } };
  });
}
