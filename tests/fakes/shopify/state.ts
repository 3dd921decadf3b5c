/**
 * The fake Shopify's own state: shops with products (variants, images), customers and orders
 * (fulfillments with tracking). Plain objects, numeric ids; GraphQL ids are `gid://shopify/<Type>/<n>`.
 * Everything generated is deterministic (a seeded PRNG), so tests can rely on titles and counts.
 */

export interface FakeImage {
  id: number;
  url: string;
  altText: string | null;
  width: number;
  height: number;
}

export interface FakeVariant {
  id: number;
  title: string;
  price: string;
  compareAtPrice: string | null;
  sku: string;
  barcode: string | null;
  availableForSale: boolean;
  inventoryQuantity: number;
  selectedOptions: { name: string; value: string }[];
  imageId: number | null;
  createdAt: string;
  updatedAt: string;
}

export type ProductStatus = 'ACTIVE' | 'DRAFT' | 'ARCHIVED';

export interface FakeProduct {
  id: number;
  title: string;
  handle: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  status: ProductStatus;
  /** false: not published to the Online Store channel (onlineStoreUrl is null). */
  publishedOnline: boolean;
  createdAt: string;
  updatedAt: string;
  options: { name: string; values: string[] }[];
  variants: FakeVariant[];
  images: FakeImage[];
}

export interface FakeCustomer {
  id: number;
  email: string;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeTracking {
  number: string | null;
  url: string | null;
  company: string | null;
}

export type FulfillmentStatusName = 'SUCCESS' | 'CANCELLED' | 'ERROR' | 'FAILURE' | 'OPEN' | 'PENDING';

export interface FakeFulfillment {
  id: number;
  status: FulfillmentStatusName;
  displayStatus: string | null;
  createdAt: string;
  updatedAt: string;
  trackingInfo: FakeTracking[];
  /** Line item ids this fulfillment covers (all when empty). */
  lineItemIds: number[];
}

export interface FakeLineItem {
  id: number;
  title: string;
  variantTitle: string | null;
  quantity: number;
  sku: string | null;
  price: string;
  productId: number | null;
  variantId: number | null;
}

export type FinancialStatus =
  | 'PENDING'
  | 'AUTHORIZED'
  | 'PARTIALLY_PAID'
  | 'PAID'
  | 'PARTIALLY_REFUNDED'
  | 'REFUNDED'
  | 'VOIDED'
  | 'EXPIRED';

export interface FakeOrder {
  id: number;
  /** Order number, e.g. 1001; `name` is `#1001`. */
  number: number;
  name: string;
  email: string | null;
  phone: string | null;
  customerId: number | null;
  financialStatus: FinancialStatus;
  cancelledAt: string | null;
  closedAt: string | null;
  currencyCode: string;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  lineItems: FakeLineItem[];
  fulfillments: FakeFulfillment[];
}

export interface ProductInput {
  title: string;
  descriptionHtml?: string;
  handle?: string;
  vendor?: string;
  productType?: string;
  tags?: string[];
  status?: ProductStatus;
  publishedOnline?: boolean;
  createdAt?: string;
  updatedAt?: string;
  /** Defaults to one "Default Title" variant priced 10.00. */
  variants?: Partial<Omit<FakeVariant, 'id'>>[];
  /** Image URLs (or full image objects without id). */
  images?: (string | Partial<Omit<FakeImage, 'id'>>)[];
  options?: { name: string; values: string[] }[];
}

export interface CustomerInput {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  tags?: string[];
  createdAt?: string;
}

export interface OrderInput {
  email?: string | null;
  customerId?: number | null;
  phone?: string | null;
  financialStatus?: FinancialStatus;
  currencyCode?: string;
  createdAt?: string;
  /** Line items; `productId` fills title/price/sku from that product's first variant. */
  lineItems?: (Partial<Omit<FakeLineItem, 'id'>> & { productId?: number | null })[];
  /** Fulfillments with tracking, e.g. `[{ trackingInfo: [{ number: '1Z…', company: 'UPS', url: '…' }] }]`. */
  fulfillments?: (Partial<Omit<FakeFulfillment, 'id' | 'trackingInfo'>> & { trackingInfo?: Partial<FakeTracking>[] })[];
  cancelledAt?: string | null;
}

/** Ids shared by all shops of one fake (Shopify ids are global). */
export class IdSequence {
  private next: number;
  constructor(start: number) {
    this.next = start;
  }
  take(): number {
    return this.next++;
  }
}

export function gid(type: string, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

/** `gid://shopify/Product/12` → { type: 'Product', id: 12 }; also accepts a bare number. */
export function parseGid(value: string | number): { type: string | null; id: number } | null {
  if (typeof value === 'number') return { type: null, id: value };
  const m = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/.exec(value);
  if (m) return { type: m[1]!, id: Number(m[2]) };
  if (/^\d+$/.test(value)) return { type: null, id: Number(value) };
  return null;
}

export function handleize(title: string): string {
  return title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Plain text of a description, as Shopify's `description` field gives it. */
export function stripHtml(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+/g, ' ')
    .replace(/\n+/g, '\n')
    .trim();
}

/** mulberry32: small deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJECTIVES = [
  'Classic', 'Organic', 'Vintage', 'Lightweight', 'Handmade', 'Waterproof', 'Everyday', 'Premium',
  'Recycled', 'Slim', 'Cozy', 'Rugged', 'Minimal', 'Heritage', 'Travel', 'Studio', 'Alpine', 'Coastal',
  'Urban', 'Merino',
];
const MATERIALS = [
  'Linen', 'Cotton', 'Leather', 'Wool', 'Canvas', 'Bamboo', 'Ceramic', 'Oak', 'Walnut', 'Copper',
  'Denim', 'Cashmere', 'Stoneware', 'Hemp', 'Suede', 'Brass', 'Felt', 'Cork',
];
const NOUNS: { noun: string; type: string; options: { name: string; values: string[] }[] }[] = [
  { noun: 'T-Shirt', type: 'Shirts', options: [{ name: 'Size', values: ['S', 'M', 'L', 'XL'] }, { name: 'Color', values: ['Black', 'White', 'Sage'] }] },
  { noun: 'Hoodie', type: 'Sweaters', options: [{ name: 'Size', values: ['S', 'M', 'L'] }, { name: 'Color', values: ['Navy', 'Grey'] }] },
  { noun: 'Backpack', type: 'Bags', options: [{ name: 'Color', values: ['Olive', 'Black', 'Sand'] }] },
  { noun: 'Tote Bag', type: 'Bags', options: [{ name: 'Color', values: ['Natural', 'Indigo'] }] },
  { noun: 'Sneakers', type: 'Shoes', options: [{ name: 'Size', values: ['38', '39', '40', '41', '42', '43', '44'] }] },
  { noun: 'Boots', type: 'Shoes', options: [{ name: 'Size', values: ['39', '40', '41', '42', '43'] }] },
  { noun: 'Coffee Mug', type: 'Kitchen', options: [] },
  { noun: 'Teapot', type: 'Kitchen', options: [] },
  { noun: 'Cutting Board', type: 'Kitchen', options: [{ name: 'Size', values: ['Small', 'Large'] }] },
  { noun: 'Desk Lamp', type: 'Lighting', options: [{ name: 'Finish', values: ['Matte', 'Polished'] }] },
  { noun: 'Throw Blanket', type: 'Home', options: [{ name: 'Color', values: ['Rust', 'Oat', 'Forest'] }] },
  { noun: 'Scarf', type: 'Accessories', options: [{ name: 'Color', values: ['Camel', 'Charcoal'] }] },
  { noun: 'Beanie', type: 'Accessories', options: [{ name: 'Color', values: ['Mustard', 'Black', 'Teal'] }] },
  { noun: 'Wallet', type: 'Accessories', options: [] },
  { noun: 'Notebook', type: 'Stationery', options: [{ name: 'Paper', values: ['Lined', 'Dotted', 'Blank'] }] },
  { noun: 'Water Bottle', type: 'Outdoor', options: [{ name: 'Capacity', values: ['500 ml', '750 ml'] }] },
  { noun: 'Yoga Mat', type: 'Fitness', options: [] },
  { noun: 'Plant Pot', type: 'Garden', options: [{ name: 'Size', values: ['S', 'M', 'L'] }] },
  { noun: 'Candle', type: 'Home', options: [{ name: 'Scent', values: ['Cedar', 'Fig', 'Sea Salt'] }] },
  { noun: 'Watch Strap', type: 'Accessories', options: [{ name: 'Width', values: ['20 mm', '22 mm'] }] },
];
const FEATURES = [
  'double-stitched seams', 'a hidden inner pocket', 'a water-repellent finish', 'reinforced corners',
  'a magnetic closure', 'breathable mesh lining', 'hand-glazed edges', 'an ergonomic grip',
  'adjustable straps', 'a brushed interior', 'dishwasher-safe glaze', 'naturally dyed fibres',
  'a padded laptop sleeve', 'anti-slip texture', 'a soft-touch coating', 'fair-trade certified cotton',
];
const USES = [
  'weekend hikes', 'the daily commute', 'slow Sunday mornings', 'long-haul travel', 'the home office',
  'camping trips', 'gifting', 'the beach', 'city walks', 'cold winter evenings', 'the gym', 'picnics',
];
const VENDORS = ['Northwind Goods', 'Fjord & Pine', 'Atelier Mora', 'Kestrel Supply', 'Bluebird Works', 'Saltmarsh Co.'];
const TAG_POOL = ['new', 'bestseller', 'sale', 'eco', 'gift', 'limited', 'unisex', 'summer', 'winter', 'handmade'];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** Deterministic, varied product inputs: the i-th product of a seed is always the same. */
export function generateProducts(n: number, opts: { seed?: number; offset?: number; baseDate?: string } = {}): ProductInput[] {
  const out: ProductInput[] = [];
  const base = Date.parse(opts.baseDate ?? '2025-06-01T09:00:00Z');
  for (let k = 0; k < n; k++) {
    const i = (opts.offset ?? 0) + k;
    const rand = prng((opts.seed ?? 1) * 100_003 + i);
    const adjective = pick(rand, ADJECTIVES);
    const material = pick(rand, MATERIALS);
    const kind = pick(rand, NOUNS);
    // The index keeps titles (and so handles) unique across thousands of products.
    const title = `${adjective} ${material} ${kind.noun} No. ${i + 1}`;
    const feature = pick(rand, FEATURES);
    const use = pick(rand, USES);
    const vendor = pick(rand, VENDORS);
    const basePrice = 8 + Math.floor(rand() * 180) + (rand() < 0.5 ? 0.99 : 0.5);
    const descriptionHtml =
      `<p>Our ${adjective.toLowerCase()} ${kind.noun.toLowerCase()} is made from ${material.toLowerCase()} with ${feature}.</p>` +
      `<p>Made for ${use}. Designed by ${vendor}.</p>`;
    const tags = [...new Set([pick(rand, TAG_POOL), pick(rand, TAG_POOL), material.toLowerCase()])].sort();
    const options = kind.options.length > 0 ? kind.options.map((o) => ({ name: o.name, values: o.values.slice(0, 1 + Math.floor(rand() * o.values.length)) })) : [];
    const combos: { name: string; value: string }[][] =
      options.length === 0
        ? [[{ name: 'Title', value: 'Default Title' }]]
        : options.reduce<{ name: string; value: string }[][]>(
            (acc, o) => acc.flatMap((c) => o.values.map((v) => [...c, { name: o.name, value: v }])),
            [[]],
          );
    const skuBase = `${material.slice(0, 3)}-${kind.noun.replace(/[^A-Za-z]/g, '').slice(0, 4)}-${i + 1}`.toUpperCase();
    const created = new Date(base + i * 3_600_000).toISOString();
    const variants = combos.slice(0, 12).map((combo, vi) => ({
      title: combo.map((c) => c.value).join(' / '),
      price: (basePrice + (combo.length > 1 ? vi : 0)).toFixed(2),
      compareAtPrice: rand() < 0.2 ? (basePrice * 1.25).toFixed(2) : null,
      sku: `${skuBase}-${vi + 1}`,
      availableForSale: rand() > 0.1,
      inventoryQuantity: Math.floor(rand() * 60),
      selectedOptions: combo,
    }));
    const imageCount = 1 + Math.floor(rand() * 3);
    const handle = handleize(title);
    const images = Array.from({ length: imageCount }, (_, ii) => ({
      url: `https://cdn.shopify.com/s/files/1/0000/0001/files/${handle}-${ii + 1}.jpg`,
      altText: ii === 0 ? title : `${title} — view ${ii + 1}`,
      width: 1200,
      height: 1200,
    }));
    out.push({
      title,
      handle,
      descriptionHtml,
      vendor,
      productType: kind.type,
      tags,
      status: rand() < 0.05 ? 'DRAFT' : 'ACTIVE',
      publishedOnline: true,
      createdAt: created,
      updatedAt: created,
      options: options.length > 0 ? options : [{ name: 'Title', values: ['Default Title'] }],
      variants,
      images,
    });
  }
  return out;
}

export interface ShopInit {
  /** `acme` → `acme.myshopify.com` (a full `*.myshopify.com` domain is accepted too). */
  name: string;
  /** Display name; defaults to a title-cased `name`. */
  title?: string;
  email?: string;
  currencyCode?: string;
  /** Custom primary domain host (e.g. `www.acme.test`); defaults to the myshopify domain. */
  primaryDomain?: string;
  ianaTimezone?: string;
}

export class FakeShop {
  readonly id: number;
  readonly domain: string;
  name: string;
  email: string;
  currencyCode: string;
  primaryDomainHost: string;
  ianaTimezone: string;
  readonly products = new Map<number, FakeProduct>();
  readonly customers = new Map<number, FakeCustomer>();
  readonly orders = new Map<number, FakeOrder>();
  private nextOrderNumber = 1001;

  constructor(
    init: ShopInit,
    private readonly ids: IdSequence,
    private readonly clock: () => number,
  ) {
    this.id = ids.take();
    const handle = init.name.replace(/\.myshopify\.com$/, '');
    this.domain = `${handle}.myshopify.com`;
    this.name = init.title ?? handle.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => (sep ? ' ' : '') + c.toUpperCase());
    this.email = init.email ?? `owner@${handle}.example`;
    this.currencyCode = init.currencyCode ?? 'EUR';
    this.primaryDomainHost = init.primaryDomain ?? this.domain;
    this.ianaTimezone = init.ianaTimezone ?? 'Europe/Berlin';
  }

  private nowIso(): string {
    return new Date(this.clock()).toISOString();
  }

  /** Products in id order (the default sort key of `products`). */
  productList(): FakeProduct[] {
    return [...this.products.values()].sort((a, b) => a.id - b.id);
  }

  addProduct(input: ProductInput): FakeProduct {
    const now = input.createdAt ?? this.nowIso();
    const id = this.ids.take();
    const images: FakeImage[] = (input.images ?? []).map((img) => {
      const o = typeof img === 'string' ? { url: img } : img;
      return { id: this.ids.take(), url: o.url ?? `https://cdn.shopify.com/s/files/1/0000/0001/files/${id}.jpg`, altText: o.altText ?? null, width: o.width ?? 1024, height: o.height ?? 1024 };
    });
    const variantInputs = input.variants && input.variants.length > 0 ? input.variants : [{}];
    const variants: FakeVariant[] = variantInputs.map((v, i) => ({
      id: this.ids.take(),
      title: v.title ?? 'Default Title',
      price: v.price ?? '10.00',
      compareAtPrice: v.compareAtPrice ?? null,
      sku: v.sku ?? `SKU-${id}-${i + 1}`,
      barcode: v.barcode ?? null,
      availableForSale: v.availableForSale ?? true,
      inventoryQuantity: v.inventoryQuantity ?? 10,
      selectedOptions: v.selectedOptions ?? [{ name: 'Title', value: v.title ?? 'Default Title' }],
      imageId: v.imageId ?? null,
      createdAt: now,
      updatedAt: input.updatedAt ?? now,
    }));
    const product: FakeProduct = {
      id,
      title: input.title,
      handle: this.uniqueHandle(input.handle ?? handleize(input.title)),
      descriptionHtml: input.descriptionHtml ?? '',
      vendor: input.vendor ?? this.name,
      productType: input.productType ?? '',
      tags: input.tags ?? [],
      status: input.status ?? 'ACTIVE',
      publishedOnline: input.publishedOnline ?? true,
      createdAt: now,
      updatedAt: input.updatedAt ?? now,
      options: input.options ?? [{ name: 'Title', values: ['Default Title'] }],
      variants,
      images,
    };
    this.products.set(id, product);
    return product;
  }

  private uniqueHandle(handle: string): string {
    const taken = (h: string) => {
      for (const p of this.products.values()) if (p.handle === h) return true;
      return false;
    };
    // Seeded handles carry the product number, so the first probe almost always answers.
    if (!this.handleSeen.has(handle) || !taken(handle)) {
      this.handleSeen.add(handle);
      return handle;
    }
    for (let i = 1; ; i++) {
      const h = `${handle}-${i}`;
      if (!this.handleSeen.has(h) || !taken(h)) {
        this.handleSeen.add(h);
        return h;
      }
    }
  }
  /** Handles ever given out (a superset of the current ones; checked against products on a hit). */
  private readonly handleSeen = new Set<string>();

  /** Changes fields of a product and moves `updatedAt` to now (or the given `updatedAt`). */
  updateProduct(id: number, patch: Partial<Omit<FakeProduct, 'id'>>): FakeProduct {
    const p = this.products.get(id);
    if (!p) throw new Error(`fake shopify: no product ${id} in ${this.domain}`);
    Object.assign(p, patch, { updatedAt: patch.updatedAt ?? this.nowIso() });
    return p;
  }

  deleteProduct(id: number): boolean {
    return this.products.delete(id);
  }

  addCustomer(input: CustomerInput): FakeCustomer {
    const now = input.createdAt ?? this.nowIso();
    const c: FakeCustomer = {
      id: this.ids.take(),
      email: input.email,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      phone: input.phone ?? null,
      tags: input.tags ?? [],
      createdAt: now,
      updatedAt: now,
    };
    this.customers.set(c.id, c);
    return c;
  }

  customerByEmail(email: string): FakeCustomer | undefined {
    const e = email.toLowerCase();
    return [...this.customers.values()].find((c) => c.email.toLowerCase() === e);
  }

  /** Adds an order numbered 1001, 1002, … (`name` `#1001`). */
  addOrder(input: OrderInput = {}): FakeOrder {
    const now = input.createdAt ?? this.nowIso();
    const customer = input.customerId != null ? this.customers.get(input.customerId) : undefined;
    const number = this.nextOrderNumber++;
    const lineItems: FakeLineItem[] = (input.lineItems ?? []).map((li) => {
      const product = li.productId != null ? this.products.get(li.productId) : undefined;
      const variant = li.variantId != null ? product?.variants.find((v) => v.id === li.variantId) : product?.variants[0];
      return {
        id: this.ids.take(),
        title: li.title ?? product?.title ?? 'Custom item',
        variantTitle: li.variantTitle ?? (variant && variant.title !== 'Default Title' ? variant.title : null),
        quantity: li.quantity ?? 1,
        sku: li.sku ?? variant?.sku ?? null,
        price: li.price ?? variant?.price ?? '10.00',
        productId: product?.id ?? null,
        variantId: variant?.id ?? null,
      };
    });
    const fulfillments: FakeFulfillment[] = (input.fulfillments ?? []).map((f) => ({
      id: this.ids.take(),
      status: f.status ?? 'SUCCESS',
      displayStatus: f.displayStatus ?? 'FULFILLED',
      createdAt: f.createdAt ?? now,
      updatedAt: f.updatedAt ?? now,
      trackingInfo: (f.trackingInfo ?? []).map((t) => ({ number: t.number ?? null, url: t.url ?? null, company: t.company ?? null })),
      lineItemIds: f.lineItemIds ?? [],
    }));
    const order: FakeOrder = {
      id: this.ids.take(),
      number,
      name: `#${number}`,
      email: input.email !== undefined ? input.email : (customer?.email ?? null),
      phone: input.phone ?? null,
      customerId: customer?.id ?? null,
      financialStatus: input.financialStatus ?? 'PAID',
      cancelledAt: input.cancelledAt ?? null,
      closedAt: null,
      currencyCode: input.currencyCode ?? this.currencyCode,
      createdAt: now,
      updatedAt: now,
      processedAt: now,
      lineItems,
      fulfillments,
    };
    this.orders.set(order.id, order);
    return order;
  }

  /** Adds a fulfillment (with tracking) to an order, as a merchant shipping it would. */
  fulfillOrder(orderId: number, trackingInfo: Partial<FakeTracking>[] = [], lineItemIds: number[] = []): FakeFulfillment {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`fake shopify: no order ${orderId} in ${this.domain}`);
    const now = this.nowIso();
    const f: FakeFulfillment = {
      id: this.ids.take(),
      status: 'SUCCESS',
      displayStatus: 'FULFILLED',
      createdAt: now,
      updatedAt: now,
      trackingInfo: trackingInfo.map((t) => ({ number: t.number ?? null, url: t.url ?? null, company: t.company ?? null })),
      lineItemIds,
    };
    order.fulfillments.push(f);
    order.updatedAt = now;
    return f;
  }

  orderByName(name: string): FakeOrder | undefined {
    const n = name.replace(/^#/, '');
    return [...this.orders.values()].find((o) => String(o.number) === n);
  }

  /** Shopify's display fulfillment status, derived from the fulfillments. */
  static fulfillmentStatus(order: FakeOrder): 'FULFILLED' | 'PARTIALLY_FULFILLED' | 'UNFULFILLED' {
    const done = order.fulfillments.filter((f) => f.status === 'SUCCESS');
    if (done.length === 0) return 'UNFULFILLED';
    if (order.lineItems.length === 0 || done.some((f) => f.lineItemIds.length === 0)) return 'FULFILLED';
    const covered = new Set(done.flatMap((f) => f.lineItemIds));
    return order.lineItems.every((li) => covered.has(li.id)) ? 'FULFILLED' : 'PARTIALLY_FULFILLED';
  }
}
