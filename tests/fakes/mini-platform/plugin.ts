import { definePlugin, hmacSha256, PluginError, verifyHmacSha256, type CatalogProduct, type CoreEvent, type PluginContext, type WebhookRequest } from '@concierge/plugin-sdk';
import { z } from 'zod';

/**
 * A small plugin on the public SDK only, for the host's own tests (so they do not depend on the
 * Shopify plugin): OAuth-like install, expiring tokens refreshed with `ctx.rotateSecrets`, catalog
 * list/search/get, orders, webhooks signed with the app secret, customer tokens for the widget.
 * `makeMiniPlugin({ broken })` builds deliberately broken variants for the contract kit's own tests.
 */

const settings = z.object({ appSecret: z.string().min(8), upstream: z.string().url().optional() });
const secrets = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresAt: z.number() });
type Settings = z.output<typeof settings>;
type Secrets = z.output<typeof secrets>;
type Ctx = PluginContext<unknown, Secrets, Settings>;

export interface MiniPluginOptions {
  id?: string;
  /** Deliberate defects, to prove the contract kit catches them. */
  broken?: 'verify-ignores-secret' | 'normalize-returns-nothing' | 'orders-ignore-email' | 'identify-random-id' | 'list-skips-last-page';
  /** A topic whose processing throws (dead-letter tests). */
  explodeOn?: (body: Record<string, unknown>) => boolean;
}

const TOPICS = ['products/update', 'products/delete', 'orders/updated', 'customers/redact', 'customers/data_request', 'shop/redact', 'app/uninstalled'];

export function makeMiniPlugin(options: MiniPluginOptions = {}) {
  const id = options.id ?? 'mini';
  const upstreamOf = (ctx: { settings: Settings }) => {
    if (!ctx.settings.upstream) throw new PluginError('PLUGIN_CONFIG_INVALID', 'upstream not set');
    return ctx.settings.upstream;
  };

  async function call(ctx: Ctx, path: string, init: RequestInit = {}, retried = false): Promise<Response> {
    const token = await freshToken(ctx);
    const res = await ctx.http.fetch(`${upstreamOf(ctx)}${path}`, { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    if (res.status === 401) {
      if (!retried) {
        // Our token may have been refreshed elsewhere or expired early: refresh once (under the lock) and retry.
        await ctx.rotateSecrets(async (current) => (current.accessToken === token ? refresh(ctx, current) : undefined));
        return call(ctx, path, init, true);
      }
      throw new PluginError('UPSTREAM_AUTH', 'the platform refused our token');
    }
    if (res.status >= 500) throw new PluginError('UPSTREAM_RETRYABLE', `platform answered ${res.status}`, { retryAfterSeconds: 0 });
    return res;
  }

  async function refresh(ctx: { settings: Settings; http: Ctx['http'] }, current: Secrets): Promise<Secrets> {
    const res = await ctx.http.fetch(`${upstreamOf(ctx)}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: current.refreshToken, client_secret: ctx.settings.appSecret }),
    });
    if (!res.ok) throw new PluginError('UPSTREAM_AUTH', `refresh refused (${res.status})`);
    const t = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
    return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: Date.now() + t.expires_in * 1000 };
  }

  async function freshToken(ctx: Ctx): Promise<string> {
    if (ctx.secrets.expiresAt - Date.now() > 60_000) return ctx.secrets.accessToken;
    const next = await ctx.rotateSecrets(async (current) => (current.expiresAt - Date.now() > 60_000 ? undefined : refresh(ctx, current)));
    return next.accessToken;
  }

  const toProduct = (p: { id: string; handle: string; title: string; body: string; price: string; currency: string }): CatalogProduct => ({
    externalId: p.id,
    handle: p.handle,
    title: p.title,
    description: p.body,
    price: { amount: p.price, currency: p.currency },
    tags: [],
    variants: [],
  });

  const headerOf = (req: WebhookRequest, name: string) => req.headers[name];

  return definePlugin({
    manifest: { id, name: 'Mini platform (tests)', version: '1.0.0', coreRange: '^0.1.0', settings, secrets },
    setup(ctx) {
      if (ctx.settings.upstream?.startsWith('http://') && ctx.environment === 'production') throw new PluginError('PLUGIN_CONFIG_INVALID', 'a plain-http upstream is for development only');
    },
    install: {
      async begin(ctx, input) {
        const account = input.params.account;
        if (!account || !/^[a-z0-9.-]+$/.test(account)) throw new PluginError('INSTALL_REQUEST_INVALID', 'account missing or malformed');
        if (input.origin === 'platform' && !verifyHmacSha256({ secret: ctx.settings.appSecret, data: `account=${account}`, signature: input.params.hmac, encoding: 'hex' })) {
          throw new PluginError('INSTALL_REQUEST_INVALID', 'the install link is not signed by the platform');
        }
        const url = new URL(`${upstreamOf(ctx)}/authorize`);
        url.search = new URLSearchParams({ account, state: input.state, redirect_uri: input.callbackUrl }).toString();
        return { kind: 'redirect', url: url.toString(), remember: { account } };
      },
      verifyCallback(ctx, input) {
        const q = input.request.query;
        const signed = Object.keys(q)
          .filter((k) => k !== 'hmac')
          .sort()
          .map((k) => `${k}=${q[k]}`)
          .join('&');
        if (!verifyHmacSha256({ secret: ctx.settings.appSecret, data: signed, signature: q.hmac, encoding: 'hex' })) throw new PluginError('INSTALL_REQUEST_INVALID', 'callback signature invalid');
        if (q.account !== input.remembered.account) throw new PluginError('INSTALL_REQUEST_INVALID', 'callback for another account');
      },
      async complete(ctx, input) {
        const res = await ctx.http.fetch(`${upstreamOf(ctx)}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: input.request.query.code, client_secret: ctx.settings.appSecret }),
        });
        if (!res.ok) throw new PluginError('INSTALL_REQUEST_INVALID', `code refused (${res.status})`);
        const t = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
        const accountRes = await ctx.http.fetch(`${upstreamOf(ctx)}/account`, { headers: { authorization: `Bearer ${t.access_token}` } });
        const a = (await accountRes.json()) as { id: string; email: string; name: string; domains: string[]; currency: string; timeZone: string; locale: string };
        return {
          externalId: a.id,
          secrets: { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: Date.now() + t.expires_in * 1000 },
          account: { email: a.email, storeName: a.name, domains: a.domains, currency: a.currency, timeZone: a.timeZone, locale: a.locale },
        };
      },
      async uninstall(ctx, { reason }) {
        if (reason === 'merchant') await call(ctx as Ctx, '/revoke', { method: 'POST' });
      },
    },
    webhooks: {
      topics: TOPICS,
      identify: (req) => {
        const account = headerOf(req, 'x-mini-account');
        const delivery = headerOf(req, 'x-mini-delivery');
        const topic = headerOf(req, 'x-mini-topic');
        if (!account || !delivery || !topic) return undefined;
        return { externalId: account, deliveryId: options.broken === 'identify-random-id' ? `${delivery}-${Math.random()}` : delivery, topic };
      },
      verify: (ctx, req) =>
        options.broken === 'verify-ignores-secret'
          ? Boolean(req.headers['x-mini-signature'])
          : verifyHmacSha256({ secret: ctx.settings.appSecret, data: req.rawBody, signature: req.headers['x-mini-signature'], encoding: 'base64' }),
      normalize: (_ctx, req, identity): CoreEvent[] => {
        if (options.broken === 'normalize-returns-nothing') return [];
        const body = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>;
        if (options.explodeOn?.(body)) throw new Error('processing exploded');
        const occurredAt = req.headers['x-mini-triggered-at'];
        switch (identity.topic) {
          case 'products/update':
            return [{ type: 'product.upserted', product: toProduct(body as never), ...(occurredAt ? { occurredAt } : {}) }];
          case 'products/delete':
            return [{ type: 'product.deleted', externalId: String(body.id), ...(occurredAt ? { occurredAt } : {}) }];
          case 'orders/updated':
            return [
              {
                type: 'order.upserted',
                order: { externalId: String(body.id), number: String(body.number), email: String(body.email), status: String(body.status), placedAt: String(body.placedAt), total: { amount: String(body.total), currency: 'EUR' }, items: [], tracking: [] },
              },
            ];
          case 'customers/redact':
            return [{ type: 'customer.redact', customerId: body.customerId as string | undefined, email: body.email as string | undefined, orderIds: body.orderIds as string[] | undefined }];
          case 'customers/data_request':
            return [{ type: 'customer.data_request', customerId: body.customerId as string | undefined, email: body.email as string | undefined, requestId: body.requestId as string | undefined }];
          case 'shop/redact':
            return [{ type: 'shop.redact' }];
          case 'app/uninstalled':
            return [{ type: 'app.uninstalled' }];
          default:
            return [];
        }
      },
    },
    catalog: {
      async search(ctx, { query, limit }) {
        const res = await call(ctx, `/products?${new URLSearchParams({ q: query, limit: String(limit) })}`);
        return ((await res.json()) as { items: never[] }).items.map(toProduct);
      },
      async get(ctx, externalId) {
        const res = await call(ctx, `/products/${encodeURIComponent(externalId)}`);
        if (res.status === 404) return undefined;
        return toProduct((await res.json()) as never);
      },
      async list(ctx, { cursor, limit }) {
        const res = await call(ctx, `/products?${new URLSearchParams({ cursor: cursor ?? '0', limit: String(limit) })}`);
        const page = (await res.json()) as { items: never[]; next: string | null; total: number };
        const next = options.broken === 'list-skips-last-page' && page.next !== null && Number(page.next) + limit >= page.total ? null : page.next;
        return { items: page.items.map(toProduct), nextCursor: next, total: page.total };
      },
    },
    orders: {
      async findByNumber(ctx, { number, email }) {
        const res = await call(ctx, `/orders?${new URLSearchParams({ number })}`);
        const orders = ((await res.json()) as { items: { id: string; number: string; email: string; customerId: string; status: string; placedAt: string; total: string }[] }).items;
        const order = orders.find((o) => options.broken === 'orders-ignore-email' || (email.trim() !== '' && o.email.toLowerCase() === email.trim().toLowerCase()));
        return order
          ? { externalId: order.id, number: order.number, email: order.email, customerId: order.customerId, status: order.status, placedAt: order.placedAt, total: { amount: order.total, currency: 'EUR' }, items: [], tracking: [] }
          : undefined;
      },
    },
    storefront: {
      embed: (_ctx, { widgetUrl }) => ({ kind: 'instructions', instructions: `Load ${widgetUrl} with your bot key.` }),
      async verifyCustomer(ctx, { token }) {
        const [customerId, mac] = token.split('.');
        if (!customerId || !mac) return undefined;
        return verifyHmacSha256({ secret: ctx.settings.appSecret, data: `${ctx.externalId}\n${customerId}`, signature: mac, encoding: 'base64url' }) ? { customerId } : undefined;
      },
    },
  });
}

/** What the platform side (e.g. an app proxy) would mint for a logged-in customer. */
export const miniCustomerToken = (appSecret: string, account: string, customerId: string) => `${customerId}.${hmacSha256(appSecret, `${account}\n${customerId}`, 'base64url')}`;

/** A webhook as the mini platform sends it. */
export function miniWebhook(appSecret: string, input: { account: string; topic: string; deliveryId: string; body: unknown; triggeredAt?: string }): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(input.body));
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'x-mini-account': input.account,
      'x-mini-topic': input.topic,
      'x-mini-delivery': input.deliveryId,
      'x-mini-signature': hmacSha256(appSecret, rawBody, 'base64'),
      ...(input.triggeredAt ? { 'x-mini-triggered-at': input.triggeredAt } : {}),
    },
  };
}

export default makeMiniPlugin();
