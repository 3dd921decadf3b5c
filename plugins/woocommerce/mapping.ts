import { httpUrl, type CatalogProduct, type OrderSummary } from '@concierge/plugin-sdk';

/** WooCommerce REST v3 shapes (the fields we read) and their mapping to the SDK's normalized data. */

export interface WooProduct {
  id: number;
  name: string;
  slug?: string;
  permalink?: string;
  status?: string;
  description?: string;
  short_description?: string;
  sku?: string;
  price?: string;
  regular_price?: string;
  stock_status?: string;
  date_modified_gmt?: string | null;
  images?: { src?: string }[];
  tags?: { name?: string }[];
}

export interface WooOrder {
  id: number;
  number?: string;
  status: string;
  currency?: string;
  date_created?: string;
  date_created_gmt?: string | null;
  date_modified_gmt?: string | null;
  total?: string;
  customer_id?: number;
  billing?: { email?: string };
  line_items?: { name?: string; quantity?: number }[];
  meta_data?: { key?: string; value?: unknown }[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#039': "'", apos: "'", nbsp: ' ', '#8217': '’', '#8211': '–', '#8212': '—' };

/** WooCommerce descriptions are HTML: keep the text only (the widget renders plain text and markdown). */
export function plainText(html: string | undefined): string {
  return (html ?? '')
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#?[a-z0-9]+);/gi, (m, name: string) => ENTITIES[name.toLowerCase()] ?? m)
    .replace(/\s+/g, ' ')
    .trim();
}

/** A decimal amount string, or "0.00" when WooCommerce gives none (a variable product without a price). */
export function amount(value: string | undefined): string {
  return value !== undefined && /^-?\d+(\.\d+)?$/.test(value.trim()) ? value.trim() : '0.00';
}

/** WooCommerce's `*_gmt` dates carry no zone: they are UTC. */
export function gmtIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}


export function toCatalogProduct(p: WooProduct, currency: string): CatalogProduct {
  const price = { amount: amount(p.price || p.regular_price), currency };
  const url = httpUrl(p.permalink);
  const imageUrl = httpUrl(p.images?.[0]?.src);
  return {
    externalId: String(p.id),
    handle: p.slug || String(p.id),
    title: p.name || `#${p.id}`,
    description: plainText(p.short_description || p.description),
    price,
    ...(url ? { url } : {}),
    ...(imageUrl ? { imageUrl } : {}),
    tags: (p.tags ?? []).map((t) => t.name ?? '').filter(Boolean),
    variants: [{ externalId: String(p.id), title: p.name || 'Default', ...(p.sku ? { sku: p.sku } : {}), price, available: p.stock_status !== 'outofstock' }],
  };
}

/** Only published products are shown to shoppers. */
export function isPublished(p: WooProduct): boolean {
  return p.status === undefined || p.status === 'publish';
}

export function toOrderSummary(o: WooOrder, fallbackCurrency: string): OrderSummary {
  const email = o.billing?.email?.trim().toLowerCase();
  const tracking = (o.meta_data ?? [])
    .filter((m) => m.key === '_wc_shipment_tracking_items' && Array.isArray(m.value))
    .flatMap((m) => m.value as { tracking_provider?: string; tracking_number?: string; custom_tracking_link?: string }[])
    .map((t) => ({
      ...(t.tracking_provider ? { company: t.tracking_provider } : {}),
      ...(t.tracking_number ? { number: t.tracking_number } : {}),
      ...(t.custom_tracking_link ? { url: t.custom_tracking_link } : {}),
    }));
  return {
    externalId: String(o.id),
    number: o.number || String(o.id),
    ...(email ? { email } : {}),
    ...(o.customer_id ? { customerId: String(o.customer_id) } : {}),
    status: o.status,
    placedAt: gmtIso(o.date_created_gmt) ?? gmtIso(o.date_created) ?? new Date(0).toISOString(),
    total: { amount: amount(o.total), currency: o.currency || fallbackCurrency },
    items: (o.line_items ?? []).filter((li) => (li.quantity ?? 0) > 0).map((li) => ({ title: li.name || 'Item', quantity: Math.trunc(li.quantity!) })),
    tracking,
  };
}
