import { PluginError, type CatalogProduct, type CoreEvent, type WebhookIdentity, type WebhookRequest } from '@concierge/plugin-sdk';
import { normalizeAmount } from './queries.ts';
import { isShopDomain, verifyWebhookBody } from './signatures.ts';

/** Webhook topics the app subscribes to (shopify.app.toml), the compliance ones included. */
export const TOPICS = [
  'products/create',
  'products/update',
  'products/delete',
  'app/uninstalled',
  'customers/data_request',
  'customers/redact',
  'shop/redact',
] as const;

export function identify(request: WebhookRequest): WebhookIdentity | undefined {
  const shop = request.headers['x-shopify-shop-domain']?.trim().toLowerCase();
  const topic = request.headers['x-shopify-topic']?.trim();
  // Event-Id is the same across retries of one event; Webhook-Id is the older per-delivery name.
  const deliveryId = (request.headers['x-shopify-event-id'] ?? request.headers['x-shopify-webhook-id'])?.trim();
  if (!isShopDomain(shop) || !topic || !deliveryId || deliveryId.length > 200) return undefined;
  return { externalId: shop, deliveryId, topic };
}

export function verify(apiSecret: string, request: WebhookRequest): boolean {
  return verifyWebhookBody(apiSecret, request.rawBody, request.headers['x-shopify-hmac-sha256']);
}

const gid = (type: string, id: unknown): string | undefined => {
  if (typeof id === 'string' && id.startsWith(`gid://shopify/${type}/`)) return id;
  if ((typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && /^\d+$/.test(id))) return `gid://shopify/${type}/${id}`;
  return undefined;
};

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** body_html → plain text: the catalog holds text, never markup a shopper's browser would run. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    // Block boundaries separate words; inline tags (<b>, <a>) do not, as in Shopify's `description`.
    .replace(/<(br|hr)\s*\/?>|<\/?(p|div|li|ul|ol|h[1-6]|tr|td|th|table|section|article|blockquote)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, name: string) => ENTITIES[name] ?? ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

interface RestProduct {
  id?: unknown;
  admin_graphql_api_id?: unknown;
  title?: unknown;
  handle?: unknown;
  body_html?: unknown;
  status?: unknown;
  tags?: unknown;
  image?: { src?: unknown } | null;
  images?: { src?: unknown }[];
  variants?: { id?: unknown; admin_graphql_api_id?: unknown; title?: unknown; sku?: unknown; price?: unknown; inventory_quantity?: unknown; inventory_policy?: unknown; inventory_management?: unknown }[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** A REST-shaped product webhook payload → the SDK's product (currency comes from the shop). */
export function productFromPayload(payload: RestProduct, shop: string, currency: string): CatalogProduct | undefined {
  const id = gid('Product', payload.admin_graphql_api_id ?? payload.id);
  const title = str(payload.title);
  const handle = str(payload.handle);
  if (!id || !title || !handle) return undefined;
  const variants = (payload.variants ?? []).flatMap((v) => {
    const variantId = gid('ProductVariant', v.admin_graphql_api_id ?? v.id);
    if (!variantId) return [];
    const tracked = v.inventory_management === 'shopify' && v.inventory_policy !== 'continue';
    return [
      {
        externalId: variantId,
        title: str(v.title) ?? title,
        ...(str(v.sku) ? { sku: str(v.sku)! } : {}),
        price: { amount: normalizeAmount(typeof v.price === 'number' || typeof v.price === 'string' ? v.price : '0.00'), currency },
        available: !tracked || Number(v.inventory_quantity ?? 0) > 0,
      },
    ];
  });
  const prices = variants.map((v) => v.price.amount).sort((a, b) => Number(a) - Number(b));
  const image = str(payload.image?.src) ?? str(payload.images?.[0]?.src);
  const tags = typeof payload.tags === 'string' ? payload.tags.split(',').map((t) => t.trim()).filter(Boolean) : Array.isArray(payload.tags) ? payload.tags.filter((t): t is string => typeof t === 'string') : [];
  return {
    externalId: id,
    handle,
    title,
    description: typeof payload.body_html === 'string' ? htmlToText(payload.body_html) : '',
    price: { amount: prices[0] ?? '0.00', currency },
    url: `https://${shop}/products/${encodeURIComponent(handle)}`,
    ...(image && /^https?:\/\//.test(image) ? { imageUrl: image } : {}),
    tags,
    variants,
  };
}

function parseJson(request: WebhookRequest): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(request.rawBody.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new PluginError('WEBHOOK_PAYLOAD_INVALID', 'the delivery body is not a JSON object');
}

const customerOf = (body: Record<string, unknown>) => {
  const customer = (body.customer ?? {}) as { id?: unknown; email?: unknown };
  const customerId = gid('Customer', customer.id);
  const email = str(customer.email);
  return { ...(customerId ? { customerId } : {}), ...(email ? { email } : {}) };
};

/** When Shopify says the change happened; the host ignores a product event older than what it stored. */
function occurredAt(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const idList = (type: string, value: unknown): string[] =>
  Array.isArray(value) ? value.map((id) => gid(type, id)).filter((id): id is string => id !== undefined) : [];

const orders = (value: unknown) => {
  const ids = idList('Order', value);
  return ids.length > 0 ? { orderIds: ids } : {};
};

const requestId = (body: Record<string, unknown>) => {
  const id = (body.data_request as { id?: unknown } | undefined)?.id;
  return typeof id === 'number' || (typeof id === 'string' && id.length > 0) ? { requestId: String(id) } : {};
};

export function normalize(input: { request: WebhookRequest; identity: WebhookIdentity; currency: string }): CoreEvent[] {
  const { request, identity } = input;
  const body = parseJson(request);
  const at = occurredAt(request.headers['x-shopify-triggered-at']);
  const when = at ? { occurredAt: at } : {};
  switch (identity.topic) {
    case 'products/create':
    case 'products/update': {
      const product = productFromPayload(body as RestProduct, identity.externalId, input.currency);
      if (!product) throw new PluginError('WEBHOOK_PAYLOAD_INVALID', 'product delivery without id, title or handle');
      return [{ type: 'product.upserted', product, ...when }];
    }
    case 'products/delete': {
      const id = gid('Product', body.admin_graphql_api_id ?? body.id);
      if (!id) throw new PluginError('WEBHOOK_PAYLOAD_INVALID', 'product deletion without id');
      return [{ type: 'product.deleted', externalId: id, ...when }];
    }
    case 'app/uninstalled':
      return [{ type: 'app.uninstalled' }];
    case 'customers/data_request':
      return [{ type: 'customer.data_request', ...customerOf(body), ...orders(body.orders_requested), ...requestId(body) }];
    case 'customers/redact':
      return [{ type: 'customer.redact', ...customerOf(body), ...orders(body.orders_to_redact) }];
    case 'shop/redact':
      return [{ type: 'shop.redact' }];
    default:
      // A topic we never subscribed to: accepted (Shopify would retry otherwise) and ignored.
      return [];
  }
}
