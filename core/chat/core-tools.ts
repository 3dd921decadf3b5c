import type { OrdersService } from '../orders/orders.service.ts';
import type { Card, ProductCard } from '../wire/widget.ts';
import { HttpUrlSchema } from '../wire/widget.ts';
import type { CatalogProductRow, CatalogSearch } from './catalog-search.ts';
import { CORE_TOOLS } from './llm.port.ts';
import type { Product, ProductVariant } from './tool-results.ts';
import type { ToolContext, ToolRegistry } from './tools.ts';

/** The chat engine's own tools: catalog and FAQ search, product details, order lookup, handoff. */

export interface CoreToolDeps {
  catalog: CatalogSearch;
  orders: OrdersService;
  /** Marks the conversation as waiting for a person (the chat service does it). */
  requestHandoff(ctx: ToolContext, reason: string | undefined): Promise<'requested' | 'unavailable'>;
}

const DESCRIPTION_CHARS = 400;
const money = (cents: number, currency: string) => ({ amount: (Number(cents) / 100).toFixed(2), currency: currency.toUpperCase() });

/** Plain text from stored descriptions (platforms send HTML), cut at a word. */
export function plainText(html: string, max = DESCRIPTION_CHARS): string {
  const text = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
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

export function registerCoreChatTools(registry: ToolRegistry, deps: CoreToolDeps): void {
  registry.registerCore(CORE_TOOLS.searchProducts, async (ctx, args) => {
    const rows = await deps.catalog.searchProducts(ctx.tenantId, args.query, args.limit ?? 5);
    const cards = rows.map((r) => productCard(r, ctx)).filter((c): c is ProductCard => c !== undefined);
    return { result: { items: rows.map((r) => toToolProduct(r, ctx, false)) }, cards };
  });

  registry.registerCore(CORE_TOOLS.getProduct, async (ctx, args) => {
    const row = await deps.catalog.getProduct(ctx.tenantId, args.id);
    if (!row) return { result: { status: 'not_found' } };
    const card = productCard(row, ctx);
    return { result: { status: 'found', product: toToolProduct(row, ctx, true) }, cards: card ? [card] : [] };
  });

  registry.registerCore(CORE_TOOLS.searchFaq, async (ctx, args) => {
    const rows = await deps.catalog.searchFaq(ctx.tenantId, args.query, args.limit ?? 3);
    return { result: { items: rows.map((r) => ({ id: r.id, question: r.question, answer: plainText(r.answer, 1500) })) } };
  });

  registry.registerCore(CORE_TOOLS.lookupOrder, async (ctx, args) => {
    const result = await deps.orders.lookup(ctx.tenantId, {
      orderNumber: args.orderNumber,
      email: args.email,
      verified: ctx.visitor.verified,
      timeZone: ctx.timeZone,
    });
    return { result };
  });

  registry.registerCore(CORE_TOOLS.handoff, async (ctx, args) => ({ result: { status: await deps.requestHandoff(ctx, args.reason) } }));
}

/** Cards of a turn, in the order the tools produced them, without repeats, at most `max`. */
export function mergeCards(cards: Card[], max = 6): Card[] {
  const seen = new Set<string>();
  const out: Card[] = [];
  for (const card of cards) {
    const key = card.type === 'product' ? `p:${card.productId}` : `b:${card.serviceId}:${card.start}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(card);
    if (out.length >= max) break;
  }
  return out;
}
