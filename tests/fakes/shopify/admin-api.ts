/**
 * The Admin GraphQL endpoint of the fake: graphql-js executes the schema subset in
 * schema.graphql.ts against a shop's state; query cost is computed the way Shopify documents it
 * (scalar 0, object 1, connection 2 + first × node cost, mutation 10; objects that are not
 * `Node`s — SelectedOption, MoneyV2, Image… — count 0 here) and charged to a per-shop
 * leaky bucket; bulk query operations run the same resolvers without page limits and produce a
 * JSONL file (nested connection rows carry `__parentId`).
 */
import {
  GraphQLError,
  buildSchema,
  execute,
  getArgumentValues,
  getNamedType,
  isLeafType,
  isInterfaceType,
  isObjectType,
  isListType,
  getNullableType,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { adminSchemaSdl } from './schema.graphql.ts';
import { FakeShop, gid, parseGid, stripHtml, type FakeCustomer, type FakeOrder, type FakeProduct, type FakeVariant } from './state.ts';
import { applySearch } from './search.ts';

export interface BulkOperationRecord {
  id: number;
  shop: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'CANCELED' | 'FAILED' | 'CANCELING' | 'EXPIRED';
  type: 'QUERY' | 'MUTATION';
  query: string;
  createdAt: number;
  completesAt: number;
  completedAt: number | null;
  jsonl: string;
  objectCount: number;
  rootObjectCount: number;
  token: string;
  /** The background run finished (the file is ready once `completesAt` has passed too). */
  executed: boolean;
  errorCode: 'ACCESS_DENIED' | 'INTERNAL_SERVER_ERROR' | 'TIMEOUT' | null;
  /** What a FAILED operation had written before it failed (served at `partialDataUrl`). */
  partialJsonl?: string;
}

export interface WebhookSubscriptionRecord {
  id: number;
  shop: string;
  topic: string;
  uri: string;
  format: 'JSON' | 'XML';
  includeFields: string[];
  createdAt: string;
}

/** What the resolvers need from the fake around them. */
export interface AdminContext {
  shop: FakeShop;
  scopes: Set<string>;
  bulk: boolean;
  /** Bulk runs go through the top connection in windows (so the event loop is not held for seconds). */
  bulkRoot?: { offset: number; limit: number; total: number };
  now: () => number;
  bulkOperations: BulkOperationRecord[];
  webhookSubscriptions: WebhookSubscriptionRecord[];
  startBulk(shop: FakeShop, query: string, groupObjects: boolean): { op?: BulkOperationRecord; error?: string };
  cancelBulk(op: BulkOperationRecord): void;
  bulkUrl(op: BulkOperationRecord, kind?: 'final' | 'partial'): string;
  nextId(): number;
}

interface Src<T = unknown> {
  __typename: string;
  data: T;
}

const wrap = <T>(__typename: string, data: T): Src<T> => ({ __typename, data });

export const adminSchema: GraphQLSchema = buildSchema(adminSchemaSdl);
(adminSchema.getType('Node') as GraphQLInterfaceType).resolveType = (value: Src) => value.__typename;

const MAX_PAGE = 250;

interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

function encodeCursor(key: string | number, id: number): string {
  return Buffer.from(JSON.stringify({ last_id: id, last_value: key })).toString('base64');
}

function decodeCursor(cursor: string, field: string): { id: number; value: string | number } {
  try {
    const o = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { last_id: number; last_value: string | number };
    if (typeof o.last_id !== 'number') throw new Error('bad cursor');
    return { id: o.last_id, value: o.last_value };
  } catch {
    throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: 'BAD_REQUEST', argumentName: field } });
  }
}

/** Cursor pagination over items already sorted by (key, id). */
export function paginate<T>(items: T[], args: PageArgs, bulk: boolean, keyOf: (t: T) => string | number, idOf: (t: T) => number, wrapNode: (t: T) => unknown) {
  const cmp = (a: { value: string | number; id: number }, b: { value: string | number; id: number }) =>
    a.value < b.value ? -1 : a.value > b.value ? 1 : a.id - b.id;
  let list = args.reverse ? [...items].reverse() : items;
  const dir = args.reverse ? -1 : 1;
  if (!bulk) {
    if (args.first == null && args.last == null) throw new GraphQLError('you must provide one of first or last', { extensions: { code: 'BAD_REQUEST' } });
    for (const [name, v] of [['first', args.first], ['last', args.last]] as const) {
      if (v != null && (v < 0 || v > MAX_PAGE)) throw new GraphQLError(`The value of the argument \`${name}\` must be between 0 and ${MAX_PAGE}.`, { extensions: { code: 'BAD_REQUEST' } });
    }
  }
  if (args.after) {
    const c = decodeCursor(args.after, 'after');
    list = list.filter((t) => cmp({ value: keyOf(t), id: idOf(t) }, c) * dir > 0);
  }
  if (args.before) {
    const c = decodeCursor(args.before, 'before');
    list = list.filter((t) => cmp({ value: keyOf(t), id: idOf(t) }, c) * dir < 0);
  }
  const total = list.length;
  let page = list;
  let hasNextPage = false;
  let hasPreviousPage = Boolean(args.after);
  if (!bulk && args.first != null) {
    page = list.slice(0, args.first);
    hasNextPage = total > args.first;
  } else if (!bulk && args.last != null) {
    page = list.slice(Math.max(0, total - args.last));
    hasPreviousPage = total > args.last;
    hasNextPage = Boolean(args.before);
  }
  const edges = page.map((t) => ({ cursor: encodeCursor(keyOf(t), idOf(t)), node: wrapNode(t) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: { hasNextPage, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

function rootWindow<T>(ctx: AdminContext, items: T[]): T[] {
  if (!ctx.bulk || !ctx.bulkRoot) return items;
  ctx.bulkRoot.total = items.length;
  return items.slice(ctx.bulkRoot.offset, ctx.bulkRoot.offset + ctx.bulkRoot.limit);
}

function requireScope(ctx: AdminContext, scope: string, field: string): void {
  const write = scope.replace(/^read_/, 'write_');
  if (ctx.scopes.has(scope) || ctx.scopes.has(write)) return;
  throw new GraphQLError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    extensions: { code: 'ACCESS_DENIED', documentation: 'https://shopify.dev/api/usage/access-scopes', requiredAccess: `\`${scope}\` access scope.` },
  });
}

const money = (amount: string | number, currencyCode: string) => ({ amount: Number(amount).toFixed(2).replace(/\.00$/, '.0'), currencyCode });
const moneyBag = (amount: string | number, currencyCode: string) => ({ shopMoney: money(amount, currencyCode), presentmentMoney: money(amount, currencyCode) });
const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

function findProductOfVariant(shop: FakeShop, variantId: number): { product: FakeProduct; variant: FakeVariant } | null {
  for (const product of shop.products.values()) {
    const variant = product.variants.find((v) => v.id === variantId);
    if (variant) return { product, variant };
  }
  return null;
}

function productKey(sortKey: string): (p: FakeProduct) => string | number {
  switch (sortKey) {
    case 'TITLE':
      return (p) => p.title.toLowerCase();
    case 'CREATED_AT':
      return (p) => p.createdAt;
    case 'UPDATED_AT':
      return (p) => p.updatedAt;
    case 'PRODUCT_TYPE':
      return (p) => p.productType;
    case 'VENDOR':
      return (p) => p.vendor;
    default:
      return (p) => p.id;
  }
}

function orderKey(sortKey: string): (o: FakeOrder) => string | number {
  switch (sortKey) {
    case 'CREATED_AT':
      return (o) => o.createdAt;
    case 'UPDATED_AT':
      return (o) => o.updatedAt;
    case 'PROCESSED_AT':
      return (o) => o.processedAt;
    case 'ORDER_NUMBER':
      return (o) => o.number;
    default:
      return (o) => o.id;
  }
}

function searchProducts(shop: FakeShop, query: string | null | undefined): FakeProduct[] {
  return applySearch(
    shop.productList(),
    query,
    {
      title: { get: (p) => p.title, kind: 'text' },
      handle: { get: (p) => p.handle, kind: 'exact' },
      status: { get: (p) => p.status.toLowerCase(), kind: 'exact' },
      vendor: { get: (p) => p.vendor, kind: 'exact' },
      product_type: { get: (p) => p.productType, kind: 'exact' },
      tag: { get: (p) => p.tags, kind: 'exact' },
      tag_not: { get: (p) => p.tags, kind: 'exact' },
      sku: { get: (p) => p.variants.map((v) => v.sku), kind: 'exact' },
      id: { get: (p) => p.id, kind: 'number' },
      created_at: { get: (p) => p.createdAt, kind: 'date' },
      updated_at: { get: (p) => p.updatedAt, kind: 'date' },
    },
    (p) => [p.title, stripHtml(p.descriptionHtml), p.vendor, p.productType, ...p.tags, ...p.variants.map((v) => v.sku)].join(' '),
  );
}

function searchOrders(shop: FakeShop, orders: FakeOrder[], query: string | null | undefined): FakeOrder[] {
  return applySearch(
    orders,
    query,
    {
      name: { get: (o) => [o.name, String(o.number)], kind: 'exact' },
      email: { get: (o) => o.email, kind: 'exact' },
      customer_id: { get: (o) => o.customerId, kind: 'number' },
      id: { get: (o) => o.id, kind: 'number' },
      financial_status: { get: (o) => o.financialStatus.toLowerCase(), kind: 'exact' },
      fulfillment_status: { get: (o) => FakeShop.fulfillmentStatus(o).toLowerCase().replace('unfulfilled', 'unshipped').replace('fulfilled', 'shipped'), kind: 'exact' },
      status: { get: (o) => (o.cancelledAt ? ['cancelled', 'any'] : o.closedAt ? ['closed', 'any'] : ['open', 'any']), kind: 'exact' },
      created_at: { get: (o) => o.createdAt, kind: 'date' },
      updated_at: { get: (o) => o.updatedAt, kind: 'date' },
    },
    (o) => [o.name, o.email ?? '', ...o.lineItems.map((li) => li.title)].join(' '),
  );
}

function nodeById(ctx: AdminContext, id: string): Src | null {
  const g = parseGid(id);
  if (!g || !g.type) return null;
  const shop = ctx.shop;
  switch (g.type) {
    case 'Product': {
      requireScope(ctx, 'read_products', 'node');
      const p = shop.products.get(g.id);
      return p ? wrap('Product', p) : null;
    }
    case 'ProductVariant': {
      requireScope(ctx, 'read_products', 'node');
      const f = findProductOfVariant(shop, g.id);
      return f ? wrap('ProductVariant', f) : null;
    }
    case 'Order': {
      requireScope(ctx, 'read_orders', 'node');
      const o = shop.orders.get(g.id);
      return o ? wrap('Order', o) : null;
    }
    case 'Customer': {
      requireScope(ctx, 'read_customers', 'node');
      const c = shop.customers.get(g.id);
      return c ? wrap('Customer', c) : null;
    }
    case 'BulkOperation': {
      const op = ctx.bulkOperations.find((b) => b.id === g.id && b.shop === shop.domain);
      return op ? wrap('BulkOperation', op) : null;
    }
    case 'WebhookSubscription': {
      const s = ctx.webhookSubscriptions.find((w) => w.id === g.id && w.shop === shop.domain);
      return s ? wrap('WebhookSubscription', s) : null;
    }
    default:
      return null;
  }
}

type Resolver = (src: Src & Record<string, unknown>, args: Record<string, unknown>, ctx: AdminContext) => unknown;
type P = { data: FakeProduct };
type V = { data: { product: FakeProduct; variant: FakeVariant } };
type O = { data: FakeOrder };
type C = { data: FakeCustomer };

const resolvers: Record<string, Record<string, Resolver>> = {
  QueryRoot: {
    shop: (_s, _a, ctx) => wrap('Shop', ctx.shop),
    node: (_s, a, ctx) => nodeById(ctx, a.id as string),
    nodes: (_s, a, ctx) => (a.ids as string[]).map((id) => nodeById(ctx, id)),
    currentAppInstallation: (_s, _a, ctx) => ({ id: gid('AppInstallation', ctx.shop.id), accessScopes: [...ctx.scopes].sort().map((handle) => ({ handle, description: handle })) }),
    product: (_s, a, ctx) => {
      requireScope(ctx, 'read_products', 'product');
      const g = parseGid(a.id as string);
      const p = g && (g.type === null || g.type === 'Product') ? ctx.shop.products.get(g.id) : undefined;
      return p ? wrap('Product', p) : null;
    },
    productByIdentifier: (_s, a, ctx) => {
      requireScope(ctx, 'read_products', 'productByIdentifier');
      const ident = a.identifier as { id?: string; handle?: string };
      const g = ident.id ? parseGid(ident.id) : null;
      const p = g ? ctx.shop.products.get(g.id) : ctx.shop.productList().find((x) => x.handle === ident.handle);
      return p ? wrap('Product', p) : null;
    },
    products: (_s, a, ctx) => {
      requireScope(ctx, 'read_products', 'products');
      const key = productKey(a.sortKey as string);
      const items = searchProducts(ctx.shop, a.query as string | null).sort((x, y) => {
        const kx = key(x);
        const ky = key(y);
        return kx < ky ? -1 : kx > ky ? 1 : x.id - y.id;
      });
      return paginate(rootWindow(ctx, items), a as PageArgs, ctx.bulk, key, (p) => p.id, (p) => wrap('Product', p));
    },
    productsCount: (_s, a, ctx) => {
      requireScope(ctx, 'read_products', 'productsCount');
      const n = searchProducts(ctx.shop, a.query as string | null).length;
      // Shopify counts up to `limit` (10,000 when left out); an explicit `limit: null` counts everything.
      const limit = a.limit === undefined ? 10_000 : a.limit === null ? Infinity : (a.limit as number);
      return { count: Math.min(n, limit), precision: n > limit ? 'AT_LEAST' : 'EXACT' };
    },
    productVariant: (_s, a, ctx) => {
      requireScope(ctx, 'read_products', 'productVariant');
      const g = parseGid(a.id as string);
      const f = g ? findProductOfVariant(ctx.shop, g.id) : null;
      return f ? wrap('ProductVariant', f) : null;
    },
    order: (_s, a, ctx) => {
      requireScope(ctx, 'read_orders', 'order');
      const g = parseGid(a.id as string);
      const o = g ? ctx.shop.orders.get(g.id) : undefined;
      return o ? wrap('Order', o) : null;
    },
    orders: (_s, a, ctx) => {
      requireScope(ctx, 'read_orders', 'orders');
      const key = orderKey(a.sortKey as string);
      const items = searchOrders(ctx.shop, [...ctx.shop.orders.values()], a.query as string | null).sort((x, y) => {
        const kx = key(x);
        const ky = key(y);
        return kx < ky ? -1 : kx > ky ? 1 : x.id - y.id;
      });
      return paginate(rootWindow(ctx, items), a as PageArgs, ctx.bulk, key, (o) => o.id, (o) => wrap('Order', o));
    },
    customer: (_s, a, ctx) => {
      requireScope(ctx, 'read_customers', 'customer');
      const g = parseGid(a.id as string);
      const c = g ? ctx.shop.customers.get(g.id) : undefined;
      return c ? wrap('Customer', c) : null;
    },
    customers: (_s, a, ctx) => {
      requireScope(ctx, 'read_customers', 'customers');
      const items = applySearch(
        [...ctx.shop.customers.values()].sort((x, y) => x.id - y.id),
        a.query as string | null,
        { email: { get: (c) => c.email, kind: 'exact' }, id: { get: (c) => c.id, kind: 'number' }, updated_at: { get: (c) => c.updatedAt, kind: 'date' } },
        (c) => [c.email, c.firstName ?? '', c.lastName ?? ''].join(' '),
      );
      return paginate(rootWindow(ctx, items), a as PageArgs, ctx.bulk, (c) => c.id, (c) => c.id, (c) => wrap('Customer', c));
    },
    currentBulkOperation: (_s, a, ctx) => {
      const op = ctx.bulkOperations.filter((b) => b.shop === ctx.shop.domain && b.type === (a.type ?? 'QUERY')).at(-1);
      return op ? wrap('BulkOperation', op) : null;
    },
    bulkOperation: (_s, a, ctx) => {
      const g = parseGid(a.id as string);
      const op = g ? ctx.bulkOperations.find((b) => b.id === g.id && b.shop === ctx.shop.domain) : undefined;
      return op ? wrap('BulkOperation', op) : null;
    },
    webhookSubscriptions: (_s, a, ctx) => {
      const topics = a.topics as string[] | null;
      const items = ctx.webhookSubscriptions.filter((w) => w.shop === ctx.shop.domain && (!topics || topics.includes(w.topic)));
      return paginate(items, a as PageArgs, ctx.bulk, (w) => w.id, (w) => w.id, (w) => wrap('WebhookSubscription', w));
    },
  },
  Mutation: {
    bulkOperationRunQuery: (_s, a, ctx) => {
      const { op, error } = ctx.startBulk(ctx.shop, a.query as string, a.groupObjects !== false);
      if (!op) return { bulkOperation: null, userErrors: [{ field: ['query'], message: error, code: error?.includes('already in progress') ? 'OPERATION_IN_PROGRESS' : 'INVALID' }] };
      return { bulkOperation: wrap('BulkOperation', op), userErrors: [] };
    },
    bulkOperationCancel: (_s, a, ctx) => {
      const g = parseGid(a.id as string);
      const op = g ? ctx.bulkOperations.find((b) => b.id === g.id && b.shop === ctx.shop.domain) : undefined;
      if (!op) return { bulkOperation: null, userErrors: [{ field: ['id'], message: 'Bulk operation does not exist' }] };
      if (op.status !== 'CREATED' && op.status !== 'RUNNING') {
        return { bulkOperation: wrap('BulkOperation', op), userErrors: [{ field: null, message: `A bulk operation cannot be canceled when it is ${op.status.toLowerCase()}` }] };
      }
      ctx.cancelBulk(op);
      return { bulkOperation: wrap('BulkOperation', op), userErrors: [] };
    },
    webhookSubscriptionCreate: (_s, a, ctx) => {
      const input = a.webhookSubscription as { uri?: string; callbackUrl?: string; format?: 'JSON' | 'XML'; includeFields?: string[] };
      const uri = input.uri ?? input.callbackUrl;
      if (!uri || !/^(https:\/\/|pubsub:\/\/|arn:aws:events:)/.test(uri)) {
        return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address is invalid' }] };
      }
      const dup = ctx.webhookSubscriptions.find((w) => w.shop === ctx.shop.domain && w.topic === a.topic && w.uri === uri);
      if (dup) return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address for this topic has already been taken' }] };
      const rec: WebhookSubscriptionRecord = {
        id: ctx.nextId(),
        shop: ctx.shop.domain,
        topic: a.topic as string,
        uri,
        format: input.format ?? 'JSON',
        includeFields: input.includeFields ?? [],
        createdAt: new Date(ctx.now()).toISOString(),
      };
      ctx.webhookSubscriptions.push(rec);
      return { webhookSubscription: wrap('WebhookSubscription', rec), userErrors: [] };
    },
    webhookSubscriptionDelete: (_s, a, ctx) => {
      const g = parseGid(a.id as string);
      const i = g ? ctx.webhookSubscriptions.findIndex((w) => w.id === g.id && w.shop === ctx.shop.domain) : -1;
      if (i < 0) return { deletedWebhookSubscriptionId: null, userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }] };
      ctx.webhookSubscriptions.splice(i, 1);
      return { deletedWebhookSubscriptionId: a.id, userErrors: [] };
    },
  },
  Shop: {
    id: (s) => gid('Shop', (s.data as FakeShop).id),
    contactEmail: (s) => (s.data as FakeShop).email,
    myshopifyDomain: (s) => (s.data as FakeShop).domain,
    primaryDomain: (s) => {
      const shop = s.data as FakeShop;
      return { id: gid('Domain', shop.id), host: shop.primaryDomainHost, url: `https://${shop.primaryDomainHost}`, sslEnabled: true };
    },
    url: (s) => `https://${(s.data as FakeShop).primaryDomainHost}`,
    plan: () => ({ displayName: 'Basic', partnerDevelopment: false, shopifyPlus: false }),
  },
  Product: {
    id: (s) => gid('Product', (s as unknown as P).data.id),
    legacyResourceId: (s) => String((s as unknown as P).data.id),
    description: (s, a) => {
      const text = stripHtml((s as unknown as P).data.descriptionHtml).replace(/\n/g, ' ');
      const n = a.truncateAt as number | null;
      return n != null && text.length > n ? `${text.slice(0, Math.max(0, n - 3))}...` : text;
    },
    publishedAt: (s) => ((s as unknown as P).data.publishedOnline ? (s as unknown as P).data.createdAt : null),
    onlineStoreUrl: (s, _a, ctx) => {
      const p = (s as unknown as P).data;
      return p.publishedOnline && p.status === 'ACTIVE' ? `https://${ctx.shop.primaryDomainHost}/products/${p.handle}` : null;
    },
    onlineStorePreviewUrl: (s, _a, ctx) => `https://${ctx.shop.primaryDomainHost}/products/${(s as unknown as P).data.handle}`,
    totalInventory: (s) => (s as unknown as P).data.variants.reduce((n, v) => n + v.inventoryQuantity, 0),
    tracksInventory: () => true,
    hasOnlyDefaultVariant: (s) => (s as unknown as P).data.variants.length === 1 && (s as unknown as P).data.variants[0]!.title === 'Default Title',
    options: (s, a) => {
      const p = (s as unknown as P).data;
      return p.options.slice(0, (a.first as number | null) ?? undefined).map((o, i) => ({ id: gid('ProductOption', p.id * 10 + i), name: o.name, position: i + 1, values: o.values }));
    },
    priceRangeV2: (s, _a, ctx) => {
      const prices = (s as unknown as P).data.variants.map((v) => Number(v.price));
      return { minVariantPrice: money(Math.min(...prices), ctx.shop.currencyCode), maxVariantPrice: money(Math.max(...prices), ctx.shop.currencyCode) };
    },
    featuredImage: (s) => (s as unknown as P).data.images[0] ?? null,
    images: (s, a, ctx) => paginate((s as unknown as P).data.images, a as PageArgs, ctx.bulk, (i) => i.id, (i) => i.id, (i) => i),
    variants: (s, a, ctx) => {
      const product = (s as unknown as P).data;
      return paginate(product.variants, a as PageArgs, ctx.bulk, (_v) => 0, (v) => v.id, (variant) => wrap('ProductVariant', { product, variant }));
    },
    variantsCount: (s) => ({ count: (s as unknown as P).data.variants.length, precision: 'EXACT' }),
  },
  Image: {
    id: (s) => (s.id == null ? null : gid('ProductImage', s.id as number)),
    url: (s) => s.url,
  },
  ProductVariant: {
    id: (s) => gid('ProductVariant', (s as unknown as V).data.variant.id),
    legacyResourceId: (s) => String((s as unknown as V).data.variant.id),
    displayName: (s) => `${(s as unknown as V).data.product.title} - ${(s as unknown as V).data.variant.title}`,
    position: (s) => (s as unknown as V).data.product.variants.indexOf((s as unknown as V).data.variant) + 1,
    image: (s) => {
      const { product, variant } = (s as unknown as V).data;
      return product.images.find((i) => i.id === variant.imageId) ?? null;
    },
    product: (s) => wrap('Product', (s as unknown as V).data.product),
  },
  Customer: {
    id: (s) => gid('Customer', (s as unknown as C).data.id),
    legacyResourceId: (s) => String((s as unknown as C).data.id),
    defaultEmailAddress: (s) => ({ emailAddress: (s as unknown as C).data.email }),
    displayName: (s) => {
      const c = (s as unknown as C).data;
      return [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email;
    },
    numberOfOrders: (s, _a, ctx) => String([...ctx.shop.orders.values()].filter((o) => o.customerId === (s as unknown as C).data.id).length),
    orders: (s, a, ctx) => {
      const key = orderKey(a.sortKey as string);
      const mine = [...ctx.shop.orders.values()].filter((o) => o.customerId === (s as unknown as C).data.id);
      const items = searchOrders(ctx.shop, mine, a.query as string | null).sort((x, y) => {
        const kx = key(x);
        const ky = key(y);
        return kx < ky ? -1 : kx > ky ? 1 : x.id - y.id;
      });
      return paginate(items, a as PageArgs, ctx.bulk, key, (o) => o.id, (o) => wrap('Order', o));
    },
  },
  Order: {
    id: (s) => gid('Order', (s as unknown as O).data.id),
    legacyResourceId: (s) => String((s as unknown as O).data.id),
    closed: (s) => (s as unknown as O).data.closedAt != null,
    confirmed: () => true,
    displayFinancialStatus: (s) => (s as unknown as O).data.financialStatus,
    displayFulfillmentStatus: (s) => FakeShop.fulfillmentStatus((s as unknown as O).data),
    totalPriceSet: (s) => {
      const o = (s as unknown as O).data;
      return moneyBag(o.lineItems.reduce((n, li) => n + Number(li.price) * li.quantity, 0), o.currencyCode);
    },
    subtotalPriceSet: (s) => {
      const o = (s as unknown as O).data;
      return moneyBag(o.lineItems.reduce((n, li) => n + Number(li.price) * li.quantity, 0), o.currencyCode);
    },
    customer: (s, _a, ctx) => {
      const id = (s as unknown as O).data.customerId;
      const c = id != null ? ctx.shop.customers.get(id) : undefined;
      return c ? wrap('Customer', c) : null;
    },
    lineItems: (s, a, ctx) => {
      const o = (s as unknown as O).data;
      return paginate(o.lineItems, a as PageArgs, ctx.bulk, (li) => li.id, (li) => li.id, (li) => wrap('LineItem', { order: o, li }));
    },
    fulfillments: (s, a) => {
      const o = (s as unknown as O).data;
      return o.fulfillments.slice(0, (a.first as number | null) ?? undefined).map((f, i) => wrap('Fulfillment', { f, name: `${o.name}-F${i + 1}` }));
    },
    statusPageUrl: (s, _a, ctx) => `https://${ctx.shop.primaryDomainHost}/${ctx.shop.id}/orders/${(s as unknown as O).data.id}/authenticate?key=fake`,
  },
  Fulfillment: {
    id: (s) => gid('Fulfillment', (s.data as { f: { id: number } }).f.id),
    name: (s) => (s.data as { name: string }).name,
    status: (s) => (s.data as { f: { status: string } }).f.status,
    displayStatus: (s) => (s.data as { f: { displayStatus: string | null } }).f.displayStatus,
    createdAt: (s) => (s.data as { f: { createdAt: string } }).f.createdAt,
    updatedAt: (s) => (s.data as { f: { updatedAt: string } }).f.updatedAt,
    trackingInfo: (s, a) => (s.data as { f: { trackingInfo: unknown[] } }).f.trackingInfo.slice(0, (a.first as number | null) ?? undefined),
  },
  LineItem: {
    id: (s) => gid('LineItem', (s.data as { li: { id: number } }).li.id),
    title: (s) => (s.data as { li: { title: string } }).li.title,
    name: (s) => {
      const li = (s.data as { li: { title: string; variantTitle: string | null } }).li;
      return li.variantTitle ? `${li.title} - ${li.variantTitle}` : li.title;
    },
    quantity: (s) => (s.data as { li: { quantity: number } }).li.quantity,
    sku: (s) => (s.data as { li: { sku: string | null } }).li.sku,
    variantTitle: (s) => (s.data as { li: { variantTitle: string | null } }).li.variantTitle,
    variant: (s, _a, ctx) => {
      const id = (s.data as { li: { variantId: number | null } }).li.variantId;
      const f = id != null ? findProductOfVariant(ctx.shop, id) : null;
      return f ? wrap('ProductVariant', f) : null;
    },
    product: (s, _a, ctx) => {
      const id = (s.data as { li: { productId: number | null } }).li.productId;
      const p = id != null ? ctx.shop.products.get(id) : undefined;
      return p ? wrap('Product', p) : null;
    },
    originalUnitPriceSet: (s) => {
      const { order, li } = s.data as { order: FakeOrder; li: { price: string } };
      return moneyBag(li.price, order.currencyCode);
    },
  },
  BulkOperation: {
    id: (s) => gid('BulkOperation', (s.data as BulkOperationRecord).id),
    createdAt: (s) => iso((s.data as BulkOperationRecord).createdAt),
    completedAt: (s) => iso((s.data as BulkOperationRecord).completedAt),
    objectCount: (s) => String((s.data as BulkOperationRecord).status === 'COMPLETED' ? (s.data as BulkOperationRecord).objectCount : 0),
    rootObjectCount: (s) => String((s.data as BulkOperationRecord).status === 'COMPLETED' ? (s.data as BulkOperationRecord).rootObjectCount : 0),
    fileSize: (s) => {
      const op = s.data as BulkOperationRecord;
      return op.status === 'COMPLETED' && op.objectCount > 0 ? String(Buffer.byteLength(op.jsonl)) : null;
    },
    url: (s, _a, ctx) => {
      const op = s.data as BulkOperationRecord;
      // Shopify gives no file (url null) for a completed operation that found nothing.
      return op.status === 'COMPLETED' && op.objectCount > 0 ? ctx.bulkUrl(op) : null;
    },
    partialDataUrl: (s, _a, ctx) => {
      const op = s.data as BulkOperationRecord;
      return op.status === 'FAILED' && op.partialJsonl ? ctx.bulkUrl(op, 'partial') : null;
    },
    errorCode: (s) => (s.data as BulkOperationRecord).errorCode,
  },
  WebhookSubscription: {
    id: (s) => gid('WebhookSubscription', (s.data as WebhookSubscriptionRecord).id),
    updatedAt: (s) => (s.data as WebhookSubscriptionRecord).createdAt,
  },
};

const fieldResolver: GraphQLFieldResolver<unknown, AdminContext> = (source, args, ctx, info) => {
  const fn = resolvers[info.parentType.name]?.[info.fieldName];
  if (fn) return fn(source as Src & Record<string, unknown>, args, ctx);
  const s = source as Record<string, unknown> | null;
  if (s && typeof s === 'object' && '__typename' in s && 'data' in s) {
    const data = (s.__typename === 'ProductVariant' ? (s.data as { variant: unknown }).variant : s.data) as Record<string, unknown>;
    return data[info.fieldName];
  }
  return s?.[info.fieldName];
};

/* ---------------------------------------------------------------- cost ---- */

interface CostInput {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function isConnection(t: GraphQLOutputType): boolean {
  return getNamedType(t).name.endsWith('Connection');
}

function typeCondition(input: CostInput, name: string | undefined, current: GraphQLObjectType | GraphQLInterfaceType): GraphQLObjectType | GraphQLInterfaceType {
  if (!name) return current;
  const t = input.schema.getType(name);
  return t && (isObjectType(t) || isInterfaceType(t)) ? t : current;
}

/**
 * Shopify's documented cost model. With `data` (the executed result for this selection) it
 * gives the actual cost (connections charged for the nodes returned); without, the requested cost.
 */
function selectionCost(input: CostInput, set: SelectionSetNode, type: GraphQLObjectType | GraphQLInterfaceType, data: unknown, actual: boolean): number {
  let total = 0;
  const fragmentCosts: number[] = [];
  for (const sel of set.selections) {
    if (sel.kind === 'InlineFragment') {
      fragmentCosts.push(selectionCost(input, sel.selectionSet, typeCondition(input, sel.typeCondition?.name.value, type), data, actual));
      continue;
    }
    if (sel.kind === 'FragmentSpread') {
      const frag = input.fragments[sel.name.value];
      if (frag) fragmentCosts.push(selectionCost(input, frag.selectionSet, typeCondition(input, frag.typeCondition.name.value, type), data, actual));
      continue;
    }
    total += fieldCost(input, sel, type, data, actual);
  }
  // Fragments on different types of an interface: only one applies to an object.
  return total + (fragmentCosts.length > 0 ? Math.max(...fragmentCosts) : 0);
}

function fieldCost(input: CostInput, field: FieldNode, parent: GraphQLObjectType | GraphQLInterfaceType, parentData: unknown, actual: boolean): number {
  if (field.name.value.startsWith('__')) return 0;
  const def = parent.getFields()[field.name.value];
  if (!def || !field.selectionSet) return 0;
  const named = getNamedType(def.type);
  if (isLeafType(named)) return 0;
  const key = field.alias?.value ?? field.name.value;
  const value = actual && parentData && typeof parentData === 'object' ? (parentData as Record<string, unknown>)[key] : undefined;
  if (actual && (value === null || value === undefined)) return actual && value === null ? 1 : 0;
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(def, field, input.variables);
  } catch {
    args = {};
  }
  if (isConnection(def.type)) {
    const connType = named as GraphQLObjectType;
    let perNodeSets: { set: SelectionSetNode; nodeType: GraphQLObjectType | GraphQLInterfaceType; key: string; viaEdges: boolean }[] = [];
    for (const s of field.selectionSet.selections) {
      if (s.kind !== 'Field') continue;
      if (s.name.value === 'edges' && s.selectionSet) {
        const edgeType = getNamedType(connType.getFields().edges!.type) as GraphQLObjectType;
        for (const e of s.selectionSet.selections) {
          if (e.kind === 'Field' && e.name.value === 'node' && e.selectionSet) {
            perNodeSets.push({ set: e.selectionSet, nodeType: getNamedType(edgeType.getFields().node!.type) as GraphQLObjectType, key: `${s.alias?.value ?? 'edges'}.${e.alias?.value ?? 'node'}`, viaEdges: true });
          }
        }
      } else if (s.name.value === 'nodes' && s.selectionSet) {
        perNodeSets.push({ set: s.selectionSet, nodeType: getNamedType(connType.getFields().nodes!.type) as GraphQLObjectType, key: s.alias?.value ?? 'nodes', viaEdges: false });
      }
    }
    perNodeSets = perNodeSets.slice(0, 1);
    const nodeSel = perNodeSets[0];
    if (actual) {
      const v = value as Record<string, unknown>;
      let nodes: unknown[];
      if (nodeSel) {
        const [a, b] = nodeSel.key.split('.');
        const list = (v[a!] as unknown[] | undefined) ?? [];
        nodes = nodeSel.viaEdges ? list.map((e) => (e as Record<string, unknown>)[b!]) : list;
      } else {
        const edges = (v.edges as unknown[] | undefined) ?? (v.nodes as unknown[] | undefined) ?? [];
        nodes = edges;
      }
      return 2 + nodes.reduce<number>((n, node) => n + 1 + (nodeSel ? selectionCost(input, nodeSel.set, nodeSel.nodeType, node, true) : 0), 0);
    }
    const size = Number(args.first ?? args.last ?? 0);
    const perNode = 1 + (nodeSel ? selectionCost(input, nodeSel.set, nodeSel.nodeType, undefined, false) : 0);
    return 2 + size * perNode;
  }
  const objType = named as GraphQLObjectType | GraphQLInterfaceType;
  const own = isInterfaceType(objType) || objType.getInterfaces().some((i) => i.name === 'Node') ? 1 : 0;
  if (isListType(getNullableType(def.type))) {
    if (actual) {
      const list = (value as unknown[]) ?? [];
      return list.reduce<number>((n, item) => n + own + selectionCost(input, field.selectionSet!, objType, item, true), 0);
    }
    const size = Number(args.first ?? 1);
    return size * (own + selectionCost(input, field.selectionSet, objType, undefined, false));
  }
  return own + selectionCost(input, field.selectionSet, objType, value, actual);
}

export function operationCost(schema: GraphQLSchema, doc: DocumentNode, op: OperationDefinitionNode, variables: Record<string, unknown>, data?: unknown): number {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of doc.definitions) if (d.kind === 'FragmentDefinition') fragments[d.name.value] = d;
  const input: CostInput = { schema, fragments, variables };
  const root = op.operation === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  if (op.operation === 'mutation') {
    // Shopify: each mutation costs 10 (plus what its payload selects, which is small).
    return op.selectionSet.selections.filter((s) => s.kind === 'Field' && !s.name.value.startsWith('__')).length * 10;
  }
  return selectionCost(input, op.selectionSet, root, data, data !== undefined);
}

/* ------------------------------------------------------------- execute ---- */

export interface PreparedQuery {
  doc: DocumentNode;
  op: OperationDefinitionNode;
  variables: Record<string, unknown>;
}

/** Parses and validates; errors come back as Shopify shapes them (200 with `errors`). */
export function prepare(query: unknown, variables: unknown, operationName: unknown): PreparedQuery | { errors: { message: string; locations?: unknown; extensions?: Record<string, unknown> }[] } {
  if (typeof query !== 'string' || query.trim() === '') return { errors: [{ message: 'No query string was present' }] };
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (e) {
    const err = e as GraphQLError;
    return { errors: [{ message: err.message, locations: err.locations, extensions: { code: 'PARSE_ERROR' } }] };
  }
  const errors = validate(adminSchema, doc);
  if (errors.length > 0) return { errors: errors.map((e) => ({ message: e.message, locations: e.locations, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) };
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const op = typeof operationName === 'string' ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  if (!op) return { errors: [{ message: typeof operationName === 'string' ? `Unknown operation named "${operationName}".` : 'An operation name is required' }] };
  if (op.operation === 'subscription') return { errors: [{ message: 'Subscriptions are not supported' }] };
  return { doc, op, variables: (variables && typeof variables === 'object' ? variables : {}) as Record<string, unknown> };
}

export async function run(prepared: PreparedQuery, ctx: AdminContext): Promise<{ data?: unknown; errors?: unknown[] }> {
  const result = await execute({
    schema: adminSchema,
    document: prepared.doc,
    variableValues: prepared.variables,
    operationName: prepared.op.name?.value,
    contextValue: ctx,
    rootValue: {},
    fieldResolver,
  });
  return {
    data: result.data ?? undefined,
    errors: result.errors?.map((e) => ({ message: e.message, locations: e.locations, path: e.path, extensions: e.extensions && Object.keys(e.extensions).length > 0 ? e.extensions : undefined })),
  };
}

/* ---------------------------------------------------------------- bulk ---- */

const BULK_SHAPE = 'Bulk queries must contain exactly one top-level field, and it must be a connection.';

/** Shopify's creation-time checks of a bulk query: one top connection; a parent of a nested connection selects `id`. */
export function bulkShapeError(op: OperationDefinitionNode): string | null {
  const roots = op.selectionSet.selections.filter((s): s is FieldNode => s.kind === 'Field' && !s.name.value.startsWith('__'));
  if (roots.length !== 1 || roots.length !== op.selectionSet.selections.length) return BULK_SHAPE;
  const def = adminSchema.getQueryType()!.getFields()[roots[0]!.name.value];
  if (!def || !isConnection(def.type)) return BULK_SHAPE;
  return nestedIdError(roots[0]!, def.type);
}

function nestedIdError(field: FieldNode, type: GraphQLOutputType): string | null {
  const conn = getNamedType(type) as GraphQLObjectType;
  const nodeSets: { set: SelectionSetNode; nodeType: GraphQLObjectType }[] = [];
  for (const s of field.selectionSet?.selections ?? []) {
    if (s.kind !== 'Field' || !s.selectionSet) continue;
    if (s.name.value === 'nodes') nodeSets.push({ set: s.selectionSet, nodeType: getNamedType(conn.getFields().nodes!.type) as GraphQLObjectType });
    if (s.name.value === 'edges') {
      const edgeType = getNamedType(conn.getFields().edges!.type) as GraphQLObjectType;
      for (const e of s.selectionSet.selections) {
        if (e.kind === 'Field' && e.name.value === 'node' && e.selectionSet) nodeSets.push({ set: e.selectionSet, nodeType: getNamedType(edgeType.getFields().node!.type) as GraphQLObjectType });
      }
    }
  }
  for (const { set, nodeType } of nodeSets) {
    const fields = set.selections.filter((x): x is FieldNode => x.kind === 'Field');
    const nested = fields.filter((f) => {
      const d = nodeType.getFields()[f.name.value];
      return d !== undefined && isConnection(d.type);
    });
    if (nested.length === 0) continue;
    if (!fields.some((f) => f.name.value === 'id' && !f.alias)) {
      return `The parent 'node' field for a nested connection must select the 'id' field. Connection fields without 'id': ${nested.map((f) => f.name.value).join(', ')}.`;
    }
    for (const f of nested) {
      const err = nestedIdError(f, nodeType.getFields()[f.name.value]!.type);
      if (err) return err;
    }
  }
  return null;
}

function isConnectionValue(v: unknown): v is { edges?: { node: unknown }[]; nodes?: unknown[] } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k === 'edges' || k === 'nodes' || k === 'pageInfo') && (Array.isArray((v as { edges?: unknown }).edges) || Array.isArray((v as { nodes?: unknown }).nodes));
}

function connectionNodes(v: { edges?: { node: unknown }[]; nodes?: unknown[] }): Record<string, unknown>[] {
  return (v.edges ? v.edges.map((e) => e.node) : (v.nodes ?? [])) as Record<string, unknown>[];
}

/**
 * Turns a bulk query's result into Shopify's JSONL: one line per node of the top connection,
 * each nested connection's nodes on their own lines after their parent with `__parentId`.
 */
export function toJsonl(data: Record<string, unknown>): { lines: string[]; roots: number; error?: string } {
  const lines: string[] = [];
  let roots = 0;
  const emit = (node: Record<string, unknown>, parentId: string | null): string | undefined => {
    const own: Record<string, unknown> = {};
    const children: [string, Record<string, unknown>[]][] = [];
    for (const [k, v] of Object.entries(node)) {
      if (isConnectionValue(v)) children.push([k, connectionNodes(v)]);
      else own[k] = v;
    }
    if (parentId) own.__parentId = parentId;
    if (children.length > 0 && typeof own.id !== 'string') return "The parent 'node' field for a nested connection must select the 'id' field. Connection fields without 'id': " + children.map(([k]) => k).join(', ') + '.';
    lines.push(JSON.stringify(own));
    for (const [, nodes] of children) {
      for (const child of nodes) {
        const err = emit(child, own.id as string);
        if (err) return err;
      }
    }
    return undefined;
  };
  const rootEntries = Object.entries(data);
  if (rootEntries.length !== 1 || !isConnectionValue(rootEntries[0]![1])) {
    return { lines: [], roots: 0, error: 'Bulk queries must contain exactly one top-level field, and it must be a connection.' };
  }
  for (const node of connectionNodes(rootEntries[0]![1] as { edges?: { node: unknown }[] })) {
    roots++;
    const err = emit(node, null);
    if (err) return { lines: [], roots: 0, error: err };
  }
  return { lines, roots };
}
