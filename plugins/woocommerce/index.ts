import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { PluginError, definePlugin, verifyHmacSha256, type CoreEvent, type PluginContext, type PluginSetupContext, type WebhookRequest } from '@concierge/plugin-sdk';
import { WooClient, type Permalinks } from './client.ts';
import { isPublished, toCatalogProduct, toOrderSummary, gmtIso, type WooOrder, type WooProduct } from './mapping.ts';

/**
 * WooCommerce (REST v3 through @woocommerce/woocommerce-rest-api). Connect: wc-auth app
 * authorization, the keys arrive as an unsigned JSON POST bound to our one-time state (`user_id`)
 * and are checked against the store before they are kept; then webhooks with a fresh secret per
 * installation. Catalog: paged GET /products + product webhooks. Orders: number + billing email, or
 * a verified customer's recent orders.
 */

export const WEBHOOK_TOPICS = ['product.created', 'product.updated', 'product.deleted', 'order.created', 'order.updated'] as const;
const PAGE_LIMIT = 100; // WooCommerce's per_page maximum

const settingsSchema = z.object({
  /** PLUGIN_WOOCOMMERCE_ALLOW_HTTP=true: a store on http://127.0.0.1 / localhost may connect (tests, local development). */
  allowHttp: z
    .union([z.boolean(), z.string()])
    .optional()
    .transform((v) => v === true || v === 'true' || v === '1'),
});
const configSchema = z.object({
  siteUrl: z.string().url(),
  currency: z.string().length(3).default('USD'),
  /** How the store's REST API is addressed: `/wp-json/` (pretty permalinks) or `index.php?rest_route=` (plain). */
  permalinks: z.enum(['pretty', 'plain']).default('pretty'),
});
const secretsSchema = z.object({
  consumerKey: z.string().min(1),
  consumerSecret: z.string().min(1),
  keyId: z.union([z.string(), z.number()]).optional(),
  /** Our per-installation webhook secret (set by afterInstall). */
  webhookSecret: z.string().optional(),
});
type Settings = z.output<typeof settingsSchema>;
type Config = z.output<typeof configSchema>;
type Secrets = z.output<typeof secretsSchema>;
type Ctx = PluginContext<Config, Secrets, Settings>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The store's canonical URL (the installation's externalId): origin + path, no trailing slash, no query. */
export function normalizeSiteUrl(raw: string | undefined, settings: Settings, environment: PluginSetupContext['environment']): string {
  let url: URL;
  try {
    url = new URL(String(raw ?? '').trim());
  } catch {
    throw new PluginError('INSTALL_REQUEST_INVALID', 'site must be the store URL, e.g. https://shop.example');
  }
  const httpAllowed = settings.allowHttp && environment !== 'production' && LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpAllowed)) {
    throw new PluginError('INSTALL_REQUEST_INVALID', 'the store must be served over https');
  }
  if (url.username || url.password) throw new PluginError('INSTALL_REQUEST_INVALID', 'site must not carry credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function client(ctx: Pick<Ctx, 'config' | 'secrets'>): WooClient {
  return new WooClient({ siteUrl: ctx.config.siteUrl, consumerKey: ctx.secrets.consumerKey, consumerSecret: ctx.secrets.consumerSecret, permalinks: ctx.config.permalinks });
}

function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name];
  return value && value.trim() ? value.trim() : undefined;
}

function deliveryUrl(ctx: PluginSetupContext<Settings>): string {
  return `${ctx.publicUrl.replace(/\/+$/, '')}/webhooks/woocommerce`;
}

/** Our webhooks on the store (matched by delivery URL), so a re-install or an uninstall removes them. */
async function ourWebhooks(ctx: Ctx, woo: WooClient): Promise<{ id: number; topic: string }[]> {
  const mine: { id: number; topic: string }[] = [];
  for (let page = 1; page <= 20; page++) {
    const res = await woo.get<{ id: number; topic: string; delivery_url: string }[]>('webhooks', { per_page: PAGE_LIMIT, page, status: 'all' });
    if (!res) break;
    mine.push(...res.data.filter((w) => w.delivery_url === deliveryUrl(ctx)).map((w) => ({ id: w.id, topic: w.topic })));
    if (page >= Number(res.headers['x-wp-totalpages'] ?? 1)) break;
  }
  return mine;
}

const callbackBodySchema = z.object({
  key_id: z.union([z.number(), z.string()]).optional(),
  user_id: z.union([z.string(), z.number()]),
  consumer_key: z.string().regex(/^ck_[A-Za-z0-9]{20,64}$/),
  consumer_secret: z.string().regex(/^cs_[A-Za-z0-9]{20,64}$/),
  key_permissions: z.literal('read_write'),
});

export default definePlugin({
  manifest: {
    id: 'woocommerce',
    name: 'WooCommerce',
    version: '0.1.0',
    coreRange: '^0.1.0',
    description: 'Connects a WooCommerce store: catalog sync, order lookups, webhooks.',
    scopes: ['read_write'],
    settings: settingsSchema,
    config: configSchema,
    secrets: secretsSchema,
  },

  setup(ctx) {
    if (ctx.settings.allowHttp && ctx.environment === 'production') {
      throw new PluginError('PLUGIN_CONFIG_INVALID', 'PLUGIN_WOOCOMMERCE_ALLOW_HTTP is for tests and local development; it is refused when NODE_ENV=production');
    }
  },

  install: {
    async begin(ctx, { origin, state, callbackUrl, params }) {
      if (origin !== 'tenant') throw new PluginError('INSTALL_REQUEST_INVALID', 'connect a WooCommerce store from your Concierge account (GET /plugins/woocommerce/connect?site=…)');
      const site = normalizeSiteUrl(params.site, ctx.settings, ctx.environment);
      // Back to where the merchant clicked Connect (the WordPress settings page) when it is on that site.
      let returnUrl = `${ctx.publicUrl.replace(/\/+$/, '')}/admin/`;
      if (params.return) {
        try {
          const back = new URL(params.return);
          if (back.origin === new URL(site).origin) returnUrl = back.toString();
        } catch {
          // ignore a malformed return address
        }
      }
      // WooCommerce answers /wc-auth/v1/authorize through a rewrite rule, which a site with plain
      // permalinks does not have; its query form works there (WC_Auth reads the two from $_GET).
      const plain = params.permalinks === 'plain';
      const url = new URL(plain ? `${site}/` : `${site}/wc-auth/v1/authorize`);
      if (plain) {
        url.searchParams.set('wc-auth-version', '1');
        url.searchParams.set('wc-auth-route', 'authorize');
      }
      url.searchParams.set('app_name', 'Concierge');
      url.searchParams.set('scope', 'read_write');
      url.searchParams.set('user_id', state);
      url.searchParams.set('return_url', returnUrl);
      url.searchParams.set('callback_url', callbackUrl);
      return { kind: 'redirect', url: url.toString(), remember: { site, permalinks: plain ? 'plain' : 'pretty' } };
    },

    stateFrom(request) {
      const body = request.body as { user_id?: unknown } | undefined;
      return typeof body?.user_id === 'string' || typeof body?.user_id === 'number' ? String(body.user_id) : undefined;
    },

    verifyCallback(_ctx, { request, remembered }) {
      if (request.method !== 'POST') throw new PluginError('INSTALL_REQUEST_INVALID', 'WooCommerce posts the keys');
      if (!callbackBodySchema.safeParse(request.body).success) throw new PluginError('INSTALL_REQUEST_INVALID', 'the callback does not carry read_write WooCommerce keys');
      if (!remembered.site) throw new PluginError('INSTALL_STATE_INVALID', 'no store was being connected with this state');
    },

    async complete(ctx, { request, remembered }) {
      const body = callbackBodySchema.parse(request.body);
      const siteUrl = normalizeSiteUrl(remembered.site, ctx.settings, ctx.environment);
      const secrets: Secrets = { consumerKey: body.consumer_key, consumerSecret: body.consumer_secret, ...(body.key_id !== undefined ? { keyId: body.key_id } : {}) };
      // The POST is unsigned: keep the keys only if the store itself accepts them. The REST API is
      // looked for where the Connect link said the permalinks are, then the other way (a 404 there).
      const order: Permalinks[] = remembered.permalinks === 'plain' ? ['plain', 'pretty'] : ['pretty', 'plain'];
      let found: { permalinks: Permalinks; currency?: string } | undefined;
      for (const permalinks of order) {
        try {
          const res = await new WooClient({ siteUrl, ...secrets, permalinks }).get<{ value?: string }>('settings/general/woocommerce_currency');
          if (res) {
            found = { permalinks, currency: res.data?.value };
            break;
          }
        } catch (error) {
          if (error instanceof PluginError && error.code === 'UPSTREAM_AUTH') throw new PluginError('INSTALL_REQUEST_INVALID', 'the store does not accept these keys');
          throw error;
        }
      }
      const currency = /^[A-Z]{3}$/.test(found?.currency ?? '') ? found!.currency! : 'USD';
      return { externalId: siteUrl, config: { siteUrl, currency, permalinks: found?.permalinks ?? order[0]! }, secrets };
    },

    async afterInstall(ctx) {
      const woo = client(ctx);
      for (const old of await ourWebhooks(ctx, woo)) await woo.delete(`webhooks/${old.id}`);
      const webhookSecret = randomBytes(32).toString('base64url');
      // Stored before the webhooks exist, so the first delivery already verifies.
      await ctx.rotateSecrets(async (current) => ({ ...current, webhookSecret }));
      for (const topic of WEBHOOK_TOPICS) {
        await woo.post('webhooks', { name: `Concierge ${topic}`, topic, delivery_url: deliveryUrl(ctx), secret: webhookSecret, status: 'active' });
      }
    },

    async uninstall(ctx) {
      const woo = client(ctx);
      for (const hook of await ourWebhooks(ctx, woo)) await woo.delete(`webhooks/${hook.id}`);
    },
  },

  webhooks: {
    topics: [...WEBHOOK_TOPICS],

    isPing(request) {
      // WC_Webhook::deliver_ping: form-encoded `webhook_id=N`, no topic, no signature.
      return header(request, 'x-wc-webhook-topic') === undefined && /^webhook_id=\d+$/.test(request.rawBody.toString('utf8').trim());
    },

    identify(request) {
      const topic = header(request, 'x-wc-webhook-topic');
      const source = header(request, 'x-wc-webhook-source');
      const delivery = header(request, 'x-wc-webhook-delivery-id');
      if (!topic || !source || !delivery) return undefined;
      let externalId: string;
      try {
        const url = new URL(source);
        externalId = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
      } catch {
        return undefined;
      }
      // WooCommerce's delivery id is wp_hash(webhook id . unix second): two events of one webhook in
      // one second share it. With the body's hash, a byte-identical redelivery dedupes and they do not.
      const bodyHash = createHash('sha256').update(request.rawBody).digest('hex').slice(0, 16);
      return { externalId, deliveryId: `${delivery}:${bodyHash}`, topic };
    },

    verify(ctx, request) {
      return verifyHmacSha256({ secret: ctx.secrets.webhookSecret, data: request.rawBody, signature: header(request, 'x-wc-webhook-signature'), encoding: 'base64' });
    },

    normalize(ctx, request, identity): CoreEvent[] {
      let body: unknown;
      try {
        body = JSON.parse(request.rawBody.toString('utf8'));
      } catch {
        throw new PluginError('WEBHOOK_PAYLOAD_INVALID', 'the delivery is not JSON');
      }
      const resource = body as { id?: unknown };
      if (typeof resource?.id !== 'number' && typeof resource?.id !== 'string') throw new PluginError('WEBHOOK_PAYLOAD_INVALID', 'the delivery has no id');
      switch (identity.topic) {
        case 'product.deleted':
          return [{ type: 'product.deleted', externalId: String(resource.id) }];
        case 'product.created':
        case 'product.updated': {
          const product = body as WooProduct;
          const occurredAt = gmtIso(product.date_modified_gmt);
          if (!isPublished(product)) return [{ type: 'product.deleted', externalId: String(product.id), ...(occurredAt ? { occurredAt } : {}) }];
          return [{ type: 'product.upserted', product: toCatalogProduct(product, ctx.config.currency), ...(occurredAt ? { occurredAt } : {}) }];
        }
        case 'order.created':
        case 'order.updated':
          return [{ type: 'order.upserted', order: toOrderSummary(body as WooOrder, ctx.config.currency) }];
        default:
          return [];
      }
    },
  },

  catalog: {
    async search(ctx, { query, limit }) {
      const res = await client(ctx).get<WooProduct[]>('products', { search: query, per_page: Math.max(1, Math.min(limit, PAGE_LIMIT)), status: 'publish' });
      return (res?.data ?? []).filter(isPublished).map((p) => toCatalogProduct(p, ctx.config.currency));
    },

    async get(ctx, externalId) {
      if (!/^\d+$/.test(externalId)) return undefined;
      const res = await client(ctx).get<WooProduct>(`products/${externalId}`);
      return res && isPublished(res.data) ? toCatalogProduct(res.data, ctx.config.currency) : undefined;
    },

    async list(ctx, { cursor, limit }) {
      const page = cursor && /^\d+$/.test(cursor) ? Number(cursor) : 1;
      // Oldest first by id: a product created during the sync lands on a later page instead of shifting earlier ones.
      const res = await client(ctx).get<WooProduct[]>('products', { page, per_page: Math.max(1, Math.min(limit, PAGE_LIMIT)), status: 'publish', orderby: 'id', order: 'asc' });
      const totalPages = Number(res?.headers['x-wp-totalpages'] ?? 0);
      const total = Number(res?.headers['x-wp-total']);
      return {
        items: (res?.data ?? []).filter(isPublished).map((p) => toCatalogProduct(p, ctx.config.currency)),
        nextCursor: page < totalPages ? String(page + 1) : null,
        ...(Number.isFinite(total) ? { total } : {}),
      };
    },
  },

  orders: {
    async findByNumber(ctx, { number, email }) {
      const wanted = email.trim().toLowerCase();
      const num = number.trim().replace(/^#/, '');
      if (!wanted || !num) return undefined;
      const woo = client(ctx);
      const res = await woo.get<WooOrder[]>('orders', { search: num, per_page: 20 });
      let match = (res?.data ?? []).find((o) => (o.number || String(o.id)) === num);
      if (!match && /^\d+$/.test(num)) {
        const direct = await woo.get<WooOrder>(`orders/${num}`);
        if (direct && (direct.data.number || String(direct.data.id)) === num) match = direct.data;
      }
      if (!match || (match.billing?.email ?? '').trim().toLowerCase() !== wanted) return undefined;
      return toOrderSummary(match, ctx.config.currency);
    },

    async findForCustomer(ctx, { customerId, limit }) {
      if (!/^[1-9]\d*$/.test(customerId)) return [];
      const res = await client(ctx).get<WooOrder[]>('orders', { customer: customerId, per_page: Math.max(1, Math.min(limit, PAGE_LIMIT)), orderby: 'date', order: 'desc' });
      return (res?.data ?? []).filter((o) => String(o.customer_id) === customerId).map((o) => toOrderSummary(o, ctx.config.currency));
    },
  },

  storefront: {
    embed(_ctx, { botKey, widgetUrl }) {
      const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      return {
        kind: 'instructions',
        html: `<script async src="${attr(widgetUrl)}" data-bot="${attr(botKey)}"></script>`,
        instructions: 'Install the Concierge plugin in WordPress (Plugins → Add New → Upload, the "concierge" folder), open Settings → Concierge, enter this server\'s URL and the bot key. The plugin adds the widget to every storefront page and signs logged-in customers.',
      };
    },
  },
});

export type { Config as WooConfig, Secrets as WooSecrets, Settings as WooSettings };
