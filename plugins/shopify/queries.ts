import { httpUrl, type CatalogProduct, type OrderSummary } from '@concierge/plugin-sdk';

/** Admin GraphQL documents (API version pinned in admin-client.ts) and their mapping to SDK shapes. */

/** What a product is read with, paged and in bulk (bulk.ts): its own fields, and each variant's. */
export const PRODUCT_OWN_FIELDS = 'id handle title description status onlineStoreUrl tags featuredImage { url } priceRangeV2 { minVariantPrice { amount currencyCode } }';
export const VARIANT_FIELDS = 'id title sku price availableForSale';

export const PRODUCT_FIELDS = /* GraphQL */ `
fragment ProductFields on Product {
  ${PRODUCT_OWN_FIELDS}
  variants(first: 10) { nodes { ${VARIANT_FIELDS} } }
}`;

export const PRODUCTS_PAGE = /* GraphQL */ `
query ProductsPage($first: Int!, $after: String, $withCount: Boolean!) {
  products(first: $first, after: $after, sortKey: ID) {
    nodes { ...ProductFields }
    pageInfo { hasNextPage endCursor }
  }
  productsCount @include(if: $withCount) { count }
}
${PRODUCT_FIELDS}`;

export const PRODUCT_SEARCH = /* GraphQL */ `
query ProductSearch($first: Int!, $query: String!) {
  products(first: $first, query: $query) { nodes { ...ProductFields } }
}
${PRODUCT_FIELDS}`;

export const PRODUCT_GET = /* GraphQL */ `
query ProductGet($id: ID!) {
  product(id: $id) { ...ProductFields }
}
${PRODUCT_FIELDS}`;

export const ORDER_FIELDS = /* GraphQL */ `
fragment OrderFields on Order {
  id
  name
  email
  createdAt
  cancelledAt
  displayFinancialStatus
  displayFulfillmentStatus
  totalPriceSet { shopMoney { amount currencyCode } }
  customer { id }
  lineItems(first: 20) { nodes { title quantity } }
  fulfillments(first: 5) { status trackingInfo(first: 5) { company number url } }
}`;

export const ORDERS_BY_NAME = /* GraphQL */ `
query OrdersByName($query: String!) {
  orders(first: 5, query: $query) { nodes { ...OrderFields } }
}
${ORDER_FIELDS}`;

export const CUSTOMER_ORDERS = /* GraphQL */ `
query CustomerOrders($id: ID!, $first: Int!) {
  customer(id: $id) { orders(first: $first, sortKey: CREATED_AT, reverse: true) { nodes { ...OrderFields } } }
}
${ORDER_FIELDS}`;

export const SHOP_FACTS = /* GraphQL */ `
query ShopFacts {
  shop { name email contactEmail myshopifyDomain currencyCode ianaTimezone primaryDomain { url } }
}`;

export const APP_UNINSTALL = /* GraphQL */ `
mutation AppUninstall {
  appUninstall { app { id } userErrors { code message } }
}`;

export interface MoneyV2 {
  amount: string;
  currencyCode: string;
}

export interface ProductNode {
  id: string;
  handle: string;
  title: string;
  description?: string | null;
  status?: string | null;
  onlineStoreUrl?: string | null;
  tags?: string[] | null;
  featuredImage?: { url: string } | null;
  priceRangeV2?: { minVariantPrice: MoneyV2 } | null;
  variants?: { nodes: { id: string; title: string; sku?: string | null; price: string; availableForSale?: boolean | null }[] } | null;
}

export interface OrderNode {
  id: string;
  name: string;
  email?: string | null;
  createdAt: string;
  cancelledAt?: string | null;
  displayFinancialStatus?: string | null;
  displayFulfillmentStatus?: string | null;
  totalPriceSet: { shopMoney: MoneyV2 };
  customer?: { id: string } | null;
  lineItems?: { nodes: { title: string; quantity: number }[] } | null;
  fulfillments?: { status?: string | null; trackingInfo?: { company?: string | null; number?: string | null; url?: string | null }[] | null }[] | null;
}

export interface ShopFacts {
  name: string;
  email: string;
  contactEmail?: string | null;
  myshopifyDomain: string;
  currencyCode: string;
  ianaTimezone?: string | null;
  primaryDomain?: { url: string } | null;
}


/** Money as a decimal string with at least two decimals ("49.0" → "49.00"), never through a float. */
export function normalizeAmount(amount: string | number): string {
  const text = String(amount).trim();
  const match = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return '0.00';
  return `${match[1]}.${(match[2] ?? '').padEnd(2, '0')}`;
}

export function mapProduct(node: ProductNode, shop: string, fallbackCurrency = 'USD'): CatalogProduct {
  const currency = node.priceRangeV2?.minVariantPrice.currencyCode ?? fallbackCurrency;
  const variants = (node.variants?.nodes ?? []).map((v) => ({
    externalId: v.id,
    title: v.title,
    ...(v.sku ? { sku: v.sku } : {}),
    price: { amount: normalizeAmount(v.price), currency },
    available: v.availableForSale !== false,
  }));
  const amount = node.priceRangeV2?.minVariantPrice.amount ?? variants[0]?.price.amount ?? '0.00';
  const url = httpUrl(node.onlineStoreUrl) ?? `https://${shop}/products/${encodeURIComponent(node.handle)}`;
  const imageUrl = httpUrl(node.featuredImage?.url);
  return {
    externalId: node.id,
    handle: node.handle,
    title: node.title,
    description: node.description ?? '',
    price: { amount: normalizeAmount(amount), currency },
    url,
    ...(imageUrl ? { imageUrl } : {}),
    tags: node.tags ?? [],
    variants,
  };
}

export function orderNumber(name: string): string {
  return name.replace(/^#/, '');
}

export function mapOrder(node: OrderNode): OrderSummary {
  const fulfillment = node.displayFulfillmentStatus?.toLowerCase();
  const status = node.cancelledAt ? 'cancelled' : fulfillment === 'fulfilled' ? 'fulfilled' : 'open';
  const tracking = (node.fulfillments ?? []).flatMap((f) =>
    (f.trackingInfo ?? []).map((t) => ({
      ...(t.company ? { company: t.company } : {}),
      ...(t.number ? { number: t.number } : {}),
      ...(httpUrl(t.url) ? { url: httpUrl(t.url) } : {}),
    })),
  );
  return {
    externalId: node.id,
    number: orderNumber(node.name),
    ...(node.email ? { email: node.email } : {}),
    ...(node.customer?.id ? { customerId: node.customer.id } : {}),
    status,
    ...(node.displayFinancialStatus ? { financialStatus: node.displayFinancialStatus.toLowerCase() } : {}),
    ...(fulfillment ? { fulfillmentStatus: fulfillment } : {}),
    placedAt: node.createdAt,
    total: { amount: normalizeAmount(node.totalPriceSet.shopMoney.amount), currency: node.totalPriceSet.shopMoney.currencyCode },
    items: (node.lineItems?.nodes ?? []).filter((i) => i.quantity > 0).map((i) => ({ title: i.title, quantity: i.quantity })),
    tracking,
  };
}

/** "#1001", " 1001 " → "1001"; anything but a plain order name is refused (it goes into a search query). */
export function parseOrderNumber(input: string): string | undefined {
  const trimmed = input.trim().replace(/^#/, '');
  return /^[A-Za-z0-9-]{1,32}$/.test(trimmed) ? trimmed : undefined;
}

export const sameEmail = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Shopper text → a Shopify search query of plain words (no field filters or operators from the shopper). */
export function searchQuery(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\s-]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0 && !/^(and|or|not)$/i.test(w))
    .slice(0, 8)
    .join(' ');
}
