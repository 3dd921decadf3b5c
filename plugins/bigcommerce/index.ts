import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { PluginError, constantTimeEqual, definePlugin, type CoreEvent, type InstallResult, type PluginContext, type PluginSetupContext, type WebhookRequest } from '@concierge/plugin-sdk';
import { storeRequest, type StoreApi } from './client.ts';
import { toCatalogProduct, toOrderSummary, type BcOrder, type BcOrderItem, type BcProduct, type BcShipment } from './mapping.ts';
import { verifySignedPayload } from './signed-payload.ts';

/**
 * BigCommerce single-click app. Install: the control panel opens our Auth Callback URL
 * (`/plugins/bigcommerce/install?code&scope&context`), we exchange the code at
 * login.bigcommerce.com `/oauth2/token` and the install finishes without a host callback
 * (`installed`); the Load Callback URL (same route) carries a `signed_payload_jwt` we verify.
 * Catalog: v3 `/catalog/products` (include=variants,images, meta.pagination). Orders: v2 by id +
 * billing email. Webhooks: `/v3/hooks` with a per-installation secret BigCommerce sends back in a
 * custom header (its deliveries are not signed), checked in constant time.
 */

export const WEBHOOK_SCOPES = ['store/product/created', 'store/product/updated', 'store/product/deleted', 'store/order/created', 'store/order/updated', 'store/app/uninstalled'] as const;
/** The custom header our hooks carry (`headers` on POST /v3/hooks). */
export const SECRET_HEADER = 'x-concierge-webhook-secret';
const PAGE_LIMIT = 250; // BigCommerce's v3 maximum
const INCLUDE = 'include=variants,images';
const STORE_HASH = /^[a-z0-9]{1,32}$/;

const settingsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Tests and local development only (refused in production unless https): the API and login hosts. */
  apiUrl: z.string().url().default('https://api.bigcommerce.com'),
  loginUrl: z.string().url().default('https://login.bigcommerce.com'),
});
const configSchema = z.object({
  storeHash: z.string().regex(STORE_HASH),
  currency: z.string().length(3).default('USD'),
  /** The storefront's host name, for product URLs. */
  domain: z.string().min(1),
});
const secretsSchema = z.object({
  accessToken: z.string().min(1),
  /** Sent back by BigCommerce in SECRET_HEADER on every delivery (set by afterInstall). */
  webhookSecret: z.string().optional(),
});
type Settings = z.output<typeof settingsSchema>;
type Config = z.output<typeof configSchema>;
type Secrets = z.output<typeof secretsSchema>;
type Ctx = PluginContext<Config, Secrets, Settings>;

const refuse = (message: string) => new PluginError('INSTALL_REQUEST_INVALID', message);

function api(ctx: Ctx): StoreApi {
  return { http: ctx.http, apiUrl: ctx.settings.apiUrl, storeHash: ctx.config.storeHash, accessToken: ctx.secrets.accessToken };
}

/** The Auth Callback URL registered in the BigCommerce Developer Portal; the token request must repeat it. */
export function authCallbackUrl(ctx: PluginSetupContext<Settings>): string {
  return `${ctx.publicUrl.replace(/\/+$/, '')}/plugins/bigcommerce/install`;
}

function deliveryUrl(ctx: PluginSetupContext<Settings>): string {
  return `${ctx.publicUrl.replace(/\/+$/, '')}/webhooks/bigcommerce`;
}

interface TokenResponse {
  access_token: string;
  context: string;
  user?: { email?: string };
  owner?: { email?: string };
}
interface StoreInfo {
  name: string;
  domain: string;
  secure_url?: string;
  admin_email?: string;
  currency?: string;
  language?: string;
  timezone?: { name?: string };
}

async function exchangeCode(ctx: PluginSetupContext<Settings>, params: { code: string; scope: string; context: string }): Promise<TokenResponse> {
  const response = await ctx.http.fetch(`${ctx.settings.loginUrl.replace(/\/+$/, '')}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_id: ctx.settings.clientId,
      client_secret: ctx.settings.clientSecret,
      code: params.code,
      scope: params.scope,
      grant_type: 'authorization_code',
      redirect_uri: authCallbackUrl(ctx),
      context: params.context,
    }),
  });
  if (response.status >= 500 || response.status === 429) throw new PluginError('UPSTREAM_RETRYABLE', `BigCommerce's token endpoint answered ${response.status}`);
  if (!response.ok) throw refuse(`BigCommerce refused the authorization code (${response.status})`);
  const token = (await response.json()) as TokenResponse;
  if (typeof token.access_token !== 'string' || !token.access_token || token.context !== params.context) throw refuse('BigCommerce answered a token for another store');
  return token;
}

async function installResult(ctx: PluginSetupContext<Settings>, storeHash: string, token: TokenResponse): Promise<InstallResult> {
  const store = await storeRequest<StoreInfo>({ http: ctx.http, apiUrl: ctx.settings.apiUrl, storeHash, accessToken: token.access_token }, 'v2/store');
  if (!store?.domain) throw new PluginError('UPSTREAM_FAILED', 'BigCommerce did not describe the store');
  const currency = /^[A-Z]{3}$/.test(store.currency ?? '') ? store.currency! : 'USD';
  const secureHost = store.secure_url ? new URL(store.secure_url).hostname : undefined;
  const email = token.owner?.email ?? token.user?.email ?? store.admin_email ?? '';
  return {
    externalId: storeHash,
    config: { storeHash, currency, domain: store.domain },
    secrets: { accessToken: token.access_token },
    account: {
      email,
      storeName: store.name,
      domains: [...new Set([store.domain, ...(secureHost ? [secureHost] : [])])],
      currency,
      ...(store.language ? { locale: store.language } : {}),
      ...(store.timezone?.name ? { timeZone: store.timezone.name } : {}),
    },
    redirectUrl: `${ctx.publicUrl.replace(/\/+$/, '')}/admin/`,
  };
}

interface Hook {
  id: number;
  scope: string;
  destination: string;
}

async function ourHooks(ctx: Ctx): Promise<Hook[]> {
  const res = await storeRequest<{ data: Hook[] }>(api(ctx), 'v3/hooks');
  return (res?.data ?? []).filter((h) => h.destination === deliveryUrl(ctx));
}

async function fetchProduct(ctx: Ctx, id: string): Promise<BcProduct | undefined> {
  if (!/^\d+$/.test(id)) return undefined;
  const res = await storeRequest<{ data: BcProduct }>(api(ctx), `v3/catalog/products/${id}?${INCLUDE}`);
  return res?.data;
}

async function fetchOrder(ctx: Ctx, id: string): Promise<BcOrder | undefined> {
  if (!/^\d+$/.test(id)) return undefined;
  return storeRequest<BcOrder>(api(ctx), `v2/orders/${id}`);
}

async function orderSummary(ctx: Ctx, order: BcOrder) {
  const items = (await storeRequest<BcOrderItem[]>(api(ctx), `v2/orders/${order.id}/products`)) ?? [];
  const shipments = (await storeRequest<BcShipment[]>(api(ctx), `v2/orders/${order.id}/shipments`)) ?? [];
  return toOrderSummary(order, items, shipments);
}

const store = (ctx: Ctx) => ({ currency: ctx.config.currency, domain: ctx.config.domain });

interface Delivery {
  scope: string;
  hash: string;
  created_at?: number;
  producer: string;
  data: { type?: string; id?: number | string };
}

function parseDelivery(request: WebhookRequest): Delivery | undefined {
  try {
    const body = JSON.parse(request.rawBody.toString('utf8')) as Partial<Delivery>;
    if (typeof body?.scope !== 'string' || typeof body.hash !== 'string' || !body.hash || typeof body.producer !== 'string') return undefined;
    return { scope: body.scope, hash: body.hash, producer: body.producer, created_at: body.created_at, data: body.data ?? {} };
  } catch {
    return undefined;
  }
}

export default definePlugin({
  manifest: {
    id: 'bigcommerce',
    name: 'BigCommerce',
    version: '0.1.0',
    // The SDK (contract) versions this plugin works with; the host checks it before anything runs.
    coreRange: '^0.1.0',
    description: 'Connects a BigCommerce store: catalog sync, order lookups, webhooks.',
    scopes: ['store_v2_products_read_only', 'store_v2_orders_read_only', 'store_v2_information_read_only'],
    settings: settingsSchema,
    config: configSchema,
    secrets: secretsSchema,
  },

  setup(ctx) {
    if (ctx.environment === 'production' && [ctx.settings.apiUrl, ctx.settings.loginUrl].some((u) => !u.startsWith('https://'))) {
      throw new PluginError('PLUGIN_CONFIG_INVALID', 'PLUGIN_BIGCOMMERCE_API_URL and PLUGIN_BIGCOMMERCE_LOGIN_URL must be https in production');
    }
  },

  install: {
    async begin(ctx, { params }) {
      // Load Callback URL: BigCommerce opens the installed app with a signed payload.
      if (params.signed_payload_jwt !== undefined) {
        const payload = verifySignedPayload(params.signed_payload_jwt, ctx.settings);
        if (!payload) throw refuse('the signed_payload_jwt is not signed by BigCommerce for this app, or it expired');
        return { kind: 'redirect', url: `${ctx.publicUrl.replace(/\/+$/, '')}/admin/` };
      }
      // Auth Callback URL: the merchant approved the app in the control panel. There is no OAuth
      // `state` in BigCommerce's flow: the one-time code, bound to our client secret, is the proof.
      const { code, scope, context } = params;
      const storeHash = /^stores\/([a-z0-9]{1,32})$/.exec(context ?? '')?.[1];
      if (!code || !scope || !storeHash) throw refuse('install Concierge from the BigCommerce control panel (Apps → Marketplace); the request carries no code, scope and store context');
      const token = await exchangeCode(ctx, { code, scope, context: context! });
      return { kind: 'installed', result: await installResult(ctx, storeHash, token) };
    },

    async afterInstall(ctx) {
      for (const old of await ourHooks(ctx)) await storeRequest(api(ctx), `v3/hooks/${old.id}`, { method: 'DELETE' });
      const webhookSecret = randomBytes(32).toString('base64url');
      // Stored before the hooks exist, so the first delivery already verifies.
      await ctx.rotateSecrets(async (current) => ({ ...current, webhookSecret }));
      for (const scope of WEBHOOK_SCOPES) {
        await storeRequest(api(ctx), 'v3/hooks', { method: 'POST', body: { scope, destination: deliveryUrl(ctx), is_active: true, headers: { [SECRET_HEADER]: webhookSecret } } });
      }
    },

    async uninstall(ctx) {
      for (const hook of await ourHooks(ctx)) await storeRequest(api(ctx), `v3/hooks/${hook.id}`, { method: 'DELETE' });
    },
  },

  webhooks: {
    topics: [...WEBHOOK_SCOPES],

    identify(request) {
      const delivery = parseDelivery(request);
      const storeHash = /^stores\/([a-z0-9]{1,32})$/.exec(delivery?.producer ?? '')?.[1];
      if (!delivery || !storeHash) return undefined;
      // `hash` is BigCommerce's sha1 of the payload (incl. created_at): a retry repeats it, another event does not.
      return { externalId: storeHash, deliveryId: delivery.hash, topic: delivery.scope };
    },

    verify(ctx, request) {
      const secret = ctx.secrets.webhookSecret;
      return secret ? constantTimeEqual(secret, request.headers[SECRET_HEADER]) : false;
    },

    async normalize(ctx, request, identity): Promise<CoreEvent[]> {
      const delivery = parseDelivery(request);
      const id = delivery?.data.id;
      if (identity.topic === 'store/app/uninstalled') return [{ type: 'app.uninstalled' }];
      if (typeof id !== 'number' && typeof id !== 'string') throw new PluginError('WEBHOOK_PAYLOAD_INVALID', 'the delivery names no resource id');
      const occurredAt = typeof delivery!.created_at === 'number' ? { occurredAt: new Date(delivery!.created_at * 1000).toISOString() } : {};
      switch (identity.topic) {
        case 'store/product/deleted':
          return [{ type: 'product.deleted', externalId: String(id), ...occurredAt }];
        case 'store/product/created':
        case 'store/product/updated': {
          // Deliveries carry only the id: the product is read from the API, as it is now.
          const product = await fetchProduct(ctx, String(id));
          if (!product || product.is_visible === false) return [{ type: 'product.deleted', externalId: String(id), ...occurredAt }];
          return [{ type: 'product.upserted', product: toCatalogProduct(product, store(ctx)), ...occurredAt }];
        }
        case 'store/order/created':
        case 'store/order/updated': {
          const order = await fetchOrder(ctx, String(id));
          return order ? [{ type: 'order.upserted', order: await orderSummary(ctx, order) }] : [];
        }
        default:
          return [];
      }
    },
  },

  catalog: {
    async search(ctx, { query, limit }) {
      const size = Math.max(1, Math.min(limit, PAGE_LIMIT));
      const res = await storeRequest<{ data: BcProduct[] }>(api(ctx), `v3/catalog/products?keyword=${encodeURIComponent(query)}&is_visible=true&limit=${size}&${INCLUDE}`);
      return (res?.data ?? []).slice(0, size).map((p) => toCatalogProduct(p, store(ctx)));
    },

    async get(ctx, externalId) {
      const product = await fetchProduct(ctx, externalId);
      return product && product.is_visible !== false ? toCatalogProduct(product, store(ctx)) : undefined;
    },

    async list(ctx, { cursor, limit }) {
      const page = cursor && /^\d+$/.test(cursor) ? Number(cursor) : 1;
      const size = Math.max(1, Math.min(limit, PAGE_LIMIT));
      const res = await storeRequest<{ data: BcProduct[]; meta: { pagination: { total: number; current_page: number; total_pages: number } } }>(
        api(ctx),
        `v3/catalog/products?is_visible=true&page=${page}&limit=${size}&${INCLUDE}`,
      );
      const pagination = res?.meta.pagination;
      return {
        items: (res?.data ?? []).map((p) => toCatalogProduct(p, store(ctx))),
        nextCursor: pagination && pagination.current_page < pagination.total_pages ? String(pagination.current_page + 1) : null,
        ...(pagination ? { total: pagination.total } : {}),
      };
    },
  },

  orders: {
    async findByNumber(ctx, { number, email }) {
      const wanted = email.trim().toLowerCase();
      const id = number.trim().replace(/^#/, '');
      if (!wanted) return undefined;
      const order = await fetchOrder(ctx, id);
      // Only the billing email unlocks an order.
      if (!order || (order.billing_address?.email ?? '').trim().toLowerCase() !== wanted) return undefined;
      return orderSummary(ctx, order);
    },

    async findForCustomer(ctx, { customerId, limit }) {
      if (!/^[1-9]\d*$/.test(customerId)) return [];
      const size = Math.max(1, Math.min(limit, 50));
      const orders = (await storeRequest<BcOrder[]>(api(ctx), `v2/orders?customer_id=${customerId}&sort=date_created:desc&limit=${size}`)) ?? [];
      const mine = orders.filter((o) => String(o.customer_id) === customerId);
      return Promise.all(mine.map((o) => orderSummary(ctx, o)));
    },
  },

  storefront: {
    embed(_ctx, { botKey, widgetUrl }) {
      const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      return {
        kind: 'snippet',
        html: `<script async src="${attr(widgetUrl)}" data-bot="${attr(botKey)}"></script>`,
        instructions: 'In the BigCommerce control panel open Storefront → Script Manager → Create a Script: location Footer, pages All pages, category Essential, type Script, and paste this tag.',
      };
    },
  },
});

export type { Config as BigCommerceConfig, Secrets as BigCommerceSecrets, Settings as BigCommerceSettings };
