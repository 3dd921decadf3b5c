import type { CatalogProduct, OrderSummary } from '@concierge/plugin-sdk';

/** BigCommerce's shapes (v3 catalog, v2 orders) and their mapping to the SDK's. */

export interface BcVariant {
  id: number;
  sku?: string;
  calculated_price?: number | null;
  option_values?: { label: string }[];
  inventory_level?: number;
  purchasing_disabled?: boolean;
}
export interface BcProduct {
  id: number;
  name: string;
  description?: string;
  price: number;
  calculated_price?: number;
  is_visible?: boolean;
  inventory_tracking?: 'none' | 'product' | 'variant';
  search_keywords?: string;
  custom_url?: { url: string } | null;
  date_modified?: string;
  variants?: BcVariant[];
  images?: { url_standard: string; is_thumbnail: boolean }[];
}
export interface BcOrder {
  id: number;
  customer_id: number;
  date_created: string;
  status: string;
  total_inc_tax: string;
  currency_code: string;
  billing_address?: { email?: string };
}
export interface BcOrderItem {
  name: string;
  quantity: number;
}
export interface BcShipment {
  tracking_number?: string;
  shipping_provider?: string;
  tracking_link?: string;
}

/** v3 prices are JSON numbers: two decimals, never a float string like "29.990000001". */
export function money(amount: number, currency: string): { amount: string; currency: string } {
  return { amount: amount.toFixed(2), currency };
}

/** BigCommerce descriptions are HTML; the assistant gets text. */
export function plainText(html: string | undefined): string {
  return (html ?? '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

export function toCatalogProduct(p: BcProduct, store: { currency: string; domain: string }): CatalogProduct {
  const price = p.calculated_price ?? p.price;
  const path = p.custom_url?.url ?? '';
  const handle = path.replace(/^\/+|\/+$/g, '') || String(p.id);
  const image = p.images?.find((i) => i.is_thumbnail) ?? p.images?.[0];
  const tracked = p.inventory_tracking === 'variant';
  return {
    externalId: String(p.id),
    handle,
    title: p.name,
    description: plainText(p.description),
    price: money(price, store.currency),
    ...(path ? { url: `https://${store.domain}${path}` } : {}),
    ...(image ? { imageUrl: image.url_standard } : {}),
    tags: (p.search_keywords ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    variants: (p.variants ?? []).map((v) => ({
      externalId: String(v.id),
      title: (v.option_values ?? []).map((o) => o.label).join(' / ') || 'Default',
      ...(v.sku ? { sku: v.sku } : {}),
      price: money(v.calculated_price ?? price, store.currency),
      available: !v.purchasing_disabled && (!tracked || (v.inventory_level ?? 0) > 0),
    })),
  };
}

/** v2 dates are RFC 2822 ("Tue, 05 Mar 2019 21:40:09 +0000"). */
export function isoDate(rfc2822: string): string {
  const time = Date.parse(rfc2822);
  return Number.isNaN(time) ? rfc2822 : new Date(time).toISOString();
}

export function toOrderSummary(o: BcOrder, items: BcOrderItem[], shipments: BcShipment[]): OrderSummary {
  return {
    externalId: String(o.id),
    number: String(o.id),
    ...(o.billing_address?.email ? { email: o.billing_address.email } : {}),
    ...(o.customer_id > 0 ? { customerId: String(o.customer_id) } : {}),
    status: o.status,
    placedAt: isoDate(o.date_created),
    total: { amount: o.total_inc_tax, currency: o.currency_code },
    items: items.filter((i) => i.quantity > 0).map((i) => ({ title: i.name, quantity: i.quantity })),
    tracking: shipments
      .filter((s) => s.tracking_number)
      .map((s) => ({ number: s.tracking_number, ...(s.shipping_provider ? { company: s.shipping_provider } : {}), ...(s.tracking_link ? { url: s.tracking_link } : {}) })),
  };
}
