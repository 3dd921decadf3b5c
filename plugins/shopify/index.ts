import { definePlugin, PluginError, type CatalogProduct, type InstallResult, type PluginContext, type PluginRouteResponse, type PluginSetupContext } from '@concierge/plugin-sdk';
import { z } from 'zod';
import { API_VERSION, createAdminClient, type AdminClient, type ShopBucket } from './admin-client.ts';
import {
  CUSTOMER_ORDERS,
  mapOrder,
  mapProduct,
  ORDERS_BY_NAME,
  orderNumber,
  parseOrderNumber,
  PRODUCT_GET,
  PRODUCT_SEARCH,
  sameEmail,
  searchQuery,
  SHOP_FACTS,
  APP_UNINSTALL,
  type OrderNode,
  type ProductNode,
  type ShopFacts,
} from './queries.ts';
import { catalogSync, listCatalog, MAX_PAGE } from './catalog.ts';
import { isFreshTimestamp, isShopDomain, verifyOAuthQuery, verifyProxyQuery } from './signatures.ts';
import {
  exchangeCode,
  exchangeSessionToken,
  mintCustomerToken,
  needsRefresh,
  readCustomerToken,
  refreshAccessToken,
  secretsSchema,
  verifySessionToken,
  type ShopifySecrets,
} from './tokens.ts';
import { createUpstream, type Upstream } from './upstream.ts';
import { identify, normalize, TOPICS, verify } from './webhooks.ts';

/**
 * Shopify (design.md §5, issue 10): OAuth and token-exchange installs with expiring offline tokens,
 * catalog and orders through Admin GraphQL (shopify-api-node's `graphql()`, API 2025-10),
 * webhooks incl. the compliance topics, verified shoppers through the app proxy, app embed.
 */

export { API_VERSION, catalogSync, MAX_PAGE };

const settingsSchema = z.object({
  apiKey: z.string().min(1),
  apiSecret: z.string().min(1),
  scopes: z.string().min(1).default('read_products,read_orders,read_customers'),
  /** Tests and local development only: every Shopify call goes to this origin (Host = the shop). */
  upstream: z.string().regex(/^https?:\/\/[^/]+\/?$/, 'must be an origin such as http://127.0.0.1:4010').optional(),
});
type Settings = z.output<typeof settingsSchema>;

const configSchema = z.object({
  currency: z.string().length(3).default('USD'),
  primaryDomain: z.string().optional(),
});
type Config = z.output<typeof configSchema>;

/** An install or callback query older than this (either way) is refused: Shopify signs it with a timestamp. */
export const TIMESTAMP_WINDOW_SECONDS = 300;

export const clock = { now: () => Date.now() };

/** Shopify's `host` parameter: base64 of the admin's host and path (`admin.shopify.com/store/<name>`). */
const HOST_PARAM = /^[A-Za-z0-9+/_-]{1,512}={0,2}$/;

/** App Bridge, from Shopify's CDN only (never bundled or self-hosted: Shopify requires the CDN copy). */
export const APP_BRIDGE_URL = 'https://cdn.shopify.com/shopifycloud/app-bridge.js';

/** The Shopify admin's origin: with the shop's own origin, the only frame ancestors of the embedded app. */
export const SHOPIFY_ADMIN_ORIGIN = 'https://admin.shopify.com';

const upstreams = new Map<string, Upstream>();
function upstreamFor(settings: Settings): Upstream {
  const key = settings.upstream ?? '';
  let upstream = upstreams.get(key);
  if (!upstream) {
    upstream = createUpstream(settings.upstream);
    upstreams.set(key, upstream);
  }
  return upstream;
}

const buckets = new Map<string, ShopBucket>();
const bucketFor = (shop: string): ShopBucket => {
  let bucket = buckets.get(shop);
  if (!bucket) buckets.set(shop, (bucket = { costs: new Map() }));
  return bucket;
};

const app = (settings: Settings) => ({ apiKey: settings.apiKey, apiSecret: settings.apiSecret });
const refuse = (message: string) => new PluginError('INSTALL_REQUEST_INVALID', message);

type Ctx = PluginContext<Config, ShopifySecrets, Settings>;

/**
 * The admin client of one installation. Its token is refreshed before expiry, and once more when
 * Shopify answers 401 (expired early, or revoked); `rotateSecrets` runs the refresh under the host's
 * row lock, so of two instances only the first calls Shopify and the second reads the new token.
 */
export function adminFor(ctx: Ctx): AdminClient {
  const settings = ctx.settings;
  const upstream = upstreamFor(settings);
  const refresh = async (current: ShopifySecrets): Promise<ShopifySecrets> => {
    if (!current.refreshToken) throw new PluginError('UPSTREAM_AUTH', `the token of ${ctx.externalId} expired and cannot be refreshed`);
    const next = await refreshAccessToken(upstream, ctx.externalId, app(settings), current.refreshToken, clock.now());
    return { ...next, refreshToken: next.refreshToken ?? current.refreshToken, refreshTokenExpiresAt: next.refreshTokenExpiresAt ?? current.refreshTokenExpiresAt };
  };
  return createAdminClient({
    shop: ctx.externalId,
    upstream,
    bucket: bucketFor(ctx.externalId),
    async token() {
      const current = secretsSchema.parse(ctx.secrets);
      if (!needsRefresh(current, clock.now())) return current.accessToken;
      const after = await ctx.rotateSecrets(async (latest) => (needsRefresh(latest, clock.now()) ? refresh(latest) : undefined));
      return after.accessToken;
    },
    async onUnauthorized(failedToken) {
      const after = await ctx.rotateSecrets(async (latest) => (latest.accessToken === failedToken ? refresh(latest) : undefined));
      if (after.accessToken === failedToken) throw new PluginError('UPSTREAM_AUTH', `Shopify refused the token of ${ctx.externalId}`);
      return after.accessToken;
    },
  });
}

async function shopFacts(upstream: Upstream, shop: string, secrets: ShopifySecrets): Promise<ShopFacts> {
  const client = createAdminClient({
    shop,
    upstream,
    bucket: bucketFor(shop),
    token: async () => secrets.accessToken,
    onUnauthorized: async () => {
      throw new PluginError('UPSTREAM_AUTH', 'Shopify refused the token it just issued');
    },
  });
  const { shop: facts } = await client.query<{ shop: ShopFacts }>(SHOP_FACTS);
  return facts;
}

function hostOf(url: string | null | undefined): string | undefined {
  try {
    return url ? new URL(url).hostname : undefined;
  } catch {
    return undefined;
  }
}

/** Installation facts from a fresh offline token: the account a platform-started install creates the store from. */
async function installResult(settings: Settings, shop: string, secrets: ShopifySecrets): Promise<InstallResult> {
  const facts = await shopFacts(upstreamFor(settings), shop, secrets);
  const primary = hostOf(facts.primaryDomain?.url);
  const domains = [...new Set([primary, shop].filter((d): d is string => !!d))];
  return {
    externalId: shop,
    config: { currency: facts.currencyCode, ...(primary ? { primaryDomain: primary } : {}) },
    secrets,
    account: {
      email: facts.email,
      storeName: facts.name,
      domains,
      currency: facts.currencyCode,
      ...(facts.ianaTimezone ? { timeZone: facts.ianaTimezone } : {}),
    },
  };
}

function checkSignedQuery(settings: Settings, params: Record<string, string>): string {
  const shop = params.shop;
  if (!isShopDomain(shop)) throw refuse('shop must be a <name>.myshopify.com domain');
  if (!verifyOAuthQuery(settings.apiSecret, params)) throw refuse('the request is not signed by Shopify (hmac)');
  if (!isFreshTimestamp(params.timestamp, clock.now(), TIMESTAMP_WINDOW_SECONDS)) throw refuse('the request is too old or from the future (timestamp)');
  return shop;
}

function authorizeUrl(ctx: PluginSetupContext<Settings>, shop: string, state: string): string {
  const url = new URL(`https://${shop}/admin/oauth/authorize`);
  url.searchParams.set('client_id', ctx.settings.apiKey);
  url.searchParams.set('scope', ctx.settings.scopes);
  url.searchParams.set('redirect_uri', `${ctx.publicUrl}/plugins/shopify/auth/callback`);
  url.searchParams.set('state', state);
  return url.toString();
}

const toGid = (type: string, id: string): string | undefined =>
  /^\d{1,20}$/.test(id) ? `gid://shopify/${type}/${id}` : new RegExp(`^gid://shopify/${type}/\\d{1,20}$`).test(id) ? id : undefined;

export default definePlugin({
  manifest: {
    id: 'shopify',
    name: 'Shopify',
    version: '0.1.0',
    coreRange: '^0.1.0',
    description: `Shopify app: install from the Shopify admin, catalog and orders in chat (Admin GraphQL ${API_VERSION}), app embed, compliance webhooks.`,
    scopes: ['read_products', 'read_orders', 'read_customers'],
    settings: settingsSchema,
    config: configSchema,
    secrets: secretsSchema,
  },

  setup(ctx) {
    if (ctx.settings.upstream && ctx.environment === 'production') {
      throw new PluginError('PLUGIN_CONFIG_INVALID', 'PLUGIN_SHOPIFY_UPSTREAM is for tests and local development; it is refused when NODE_ENV=production');
    }
    upstreamFor(ctx.settings);
  },

  teardown() {
    for (const upstream of upstreams.values()) upstream.agent.destroy();
    upstreams.clear();
    buckets.clear();
  },

  install: {
    async begin(ctx, { origin, state, params }) {
      // From Shopify (app URL, embedded admin): the query is signed. From a signed-in merchant: only `shop`.
      const shop = origin === 'platform' || params.hmac !== undefined ? checkSignedQuery(ctx.settings, params) : params.shop;
      if (!isShopDomain(shop)) throw refuse('shop must be a <name>.myshopify.com domain');
      const exchange = async (idToken: string): Promise<InstallResult> => {
        // Embedded admin: the app loads with a session token, exchanged for an expiring offline token (no redirect).
        const session = verifySessionToken(idToken, app(ctx.settings), clock.now());
        if (!session || session.shop !== shop) throw refuse('the session token is not valid for this shop');
        const secrets = await exchangeSessionToken(upstreamFor(ctx.settings), shop, app(ctx.settings), idToken, clock.now());
        return installResult(ctx.settings, shop, secrets);
      };
      if (origin === 'platform' && params.embedded === '1') {
        // Opened inside the Shopify admin (signed query): the dashboard in embedded mode; the token exchange
        // runs only when the shop has no active installation yet (Shopify-managed install, first open).
        const idToken = params.id_token;
        const host = params.host && HOST_PARAM.test(params.host) ? params.host : undefined;
        return {
          kind: 'open-admin',
          externalId: shop,
          dashboardQuery: { embedded: '1', shop, ...(host ? { host } : {}) },
          install: () => (idToken ? exchange(idToken) : Promise.reject(refuse('the app was opened without a session token (id_token) to install with'))),
        };
      }
      if (params.id_token) return { kind: 'installed', result: await exchange(params.id_token) };
      return { kind: 'redirect', url: authorizeUrl(ctx, shop, state) };
    },

    verifyCallback(ctx, { request }) {
      checkSignedQuery(ctx.settings, request.query);
      if (!request.query.code || !/^[A-Za-z0-9_-]{1,256}$/.test(request.query.code)) throw refuse('the callback carries no authorization code');
    },

    async complete(ctx, { request }) {
      const shop = checkSignedQuery(ctx.settings, request.query);
      const code = request.query.code;
      if (!code) throw refuse('the callback carries no authorization code');
      const secrets = await exchangeCode(upstreamFor(ctx.settings), shop, app(ctx.settings), code, clock.now());
      return installResult(ctx.settings, shop, secrets);
    },

    async uninstall(ctx, { reason }) {
      // Shopify already removed the app on `app/uninstalled`; a merchant's disconnect removes it there too
      // (appUninstall, Admin API 2025-07+). Best effort: the host drops the tokens either way.
      if (reason !== 'merchant') return;
      try {
        const result = await adminFor(ctx).query<{ appUninstall: { userErrors: { message: string }[] } | null }>(APP_UNINSTALL);
        const problem = result.appUninstall?.userErrors[0];
        if (problem) ctx.logger.warn({ shop: ctx.externalId }, `Shopify did not uninstall the app: ${problem.message}`);
      } catch (error) {
        ctx.logger.warn({ shop: ctx.externalId, code: (error as PluginError).code }, `could not uninstall the app at Shopify: ${(error as Error).message}`);
      }
    },
  },

  webhooks: {
    topics: [...TOPICS],
    identify,
    verify: (ctx, request) => verify(ctx.settings.apiSecret, request),
    normalize: (ctx, request, identity) => normalize({ request, identity, currency: ctx.config.currency }),
  },

  catalog: {
    // Bulk operation for large shops, cursor pages for small ones (catalog.ts, decision 0022).
    list: (ctx, input) =>
      listCatalog(
        {
          admin: adminFor(ctx),
          upstream: upstreamFor(ctx.settings),
          shop: ctx.externalId,
          currency: ctx.config.currency,
          warn: (details, message) => ctx.logger.warn(details, message),
        },
        input,
      ),
    async search(ctx, { query, limit }) {
      const words = searchQuery(query);
      if (!words) return [];
      const data = await adminFor(ctx).query<{ products: { nodes: ProductNode[] } }>(PRODUCT_SEARCH, { first: Math.max(1, Math.min(limit, 50)), query: words });
      return data.products.nodes.map((node): CatalogProduct => mapProduct(node, ctx.externalId, ctx.config.currency));
    },
    async get(ctx, externalId) {
      const id = toGid('Product', externalId);
      if (!id) return undefined;
      const data = await adminFor(ctx).query<{ product: ProductNode | null }>(PRODUCT_GET, { id });
      return data.product ? mapProduct(data.product, ctx.externalId, ctx.config.currency) : undefined;
    },
  },

  orders: {
    async findByNumber(ctx, { number, email }) {
      const name = parseOrderNumber(number);
      if (!name || !email.trim()) return undefined;
      const data = await adminFor(ctx).query<{ orders: { nodes: OrderNode[] } }>(ORDERS_BY_NAME, { query: `name:${name}` });
      // Shopify's search is fuzzy: the order must carry exactly this name and this email.
      const order = data.orders.nodes.find((node) => orderNumber(node.name) === name && sameEmail(node.email, email));
      return order ? mapOrder(order) : undefined;
    },
    async findForCustomer(ctx, { customerId, limit }) {
      const id = toGid('Customer', customerId);
      if (!id) return [];
      const data = await adminFor(ctx).query<{ customer: { orders: { nodes: OrderNode[] } } | null }>(CUSTOMER_ORDERS, { id, first: Math.max(1, Math.min(limit, 10)) });
      return (data.customer?.orders.nodes ?? []).map(mapOrder);
    },
  },

  storefront: {
    embed() {
      return {
        kind: 'app-embed',
        instructions:
          'In your Shopify admin open Online Store → Themes → Customize → App embeds, switch on "Concierge", paste your bot key and save. The assistant then appears on every page of the theme.',
      };
    },
    async verifyCustomer(ctx, { token }) {
      if (!token) return undefined;
      const customer = readCustomerToken(ctx.settings.apiSecret, token, clock.now());
      if (!customer || customer.shop !== ctx.externalId) return undefined;
      return { customerId: customer.customerId };
    },
  },

  embeddedAdmin: {
    account: (_ctx, query) => (query.embedded === '1' && isShopDomain(query.shop) ? query.shop : undefined),
    page: (ctx, shop) => ({
      frameAncestors: [`https://${shop}`, SHOPIFY_ADMIN_ORIGIN],
      scripts: [APP_BRIDGE_URL],
      meta: { 'shopify-api-key': ctx.settings.apiKey },
    }),
    verifySessionToken(ctx, token) {
      const session = verifySessionToken(token, app(ctx.settings), clock.now());
      return session ? { externalId: session.shop, ...(session.userId ? { userId: session.userId } : {}) } : undefined;
    },
  },

  routes: [
    {
      // Shopify's app proxy: https://{shop}/apps/concierge/session → here, signed with the app secret.
      method: 'GET',
      path: '/proxy/session',
      async handle(ctx, request): Promise<PluginRouteResponse> {
        // Signed over every parameter as sent (a repeated key joined with commas): read the raw query.
        const query: Record<string, string | string[]> = {};
        for (const [key, value] of new URLSearchParams(request.rawQuery)) {
          const before = query[key];
          query[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
        }
        const shop = query.shop;
        const timestamp = query.timestamp;
        if (!isShopDomain(shop) || !verifyProxyQuery(ctx.settings.apiSecret, query) || !isFreshTimestamp(timestamp, clock.now(), TIMESTAMP_WINDOW_SECONDS)) {
          return { status: 401, headers: { 'content-type': 'application/problem+json' }, body: { type: 'about:blank', title: 'Invalid app proxy signature', status: 401 } };
        }
        const customer = query.logged_in_customer_id;
        const customerToken = typeof customer === 'string' && /^\d{1,20}$/.test(customer) ? mintCustomerToken(ctx.settings.apiSecret, { shop, customerId: `gid://shopify/Customer/${customer}` }, clock.now()) : null;
        return { status: 200, headers: { 'cache-control': 'no-store' }, body: { shop, plugin: 'shopify', customerToken } };
      },
    },
  ],
});
