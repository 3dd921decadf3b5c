/**
 * A fake Shopify (node:http on 127.0.0.1, random port) with its own state, speaking Shopify's
 * protocol closely enough for the real `shopify-api-node` client and for a plugin's OAuth,
 * token exchange, refresh, webhook and app-proxy code. Every request names its shop in the
 * `Host` header (`acme.myshopify.com`), as when `PLUGIN_SHOPIFY_UPSTREAM` points at the fake.
 * See README.md in this folder for the API and examples.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  adminSchema,
  bulkShapeError,
  operationCost,
  prepare,
  run,
  toJsonl,
  type AdminContext,
  type BulkOperationRecord,
  type WebhookSubscriptionRecord,
} from './admin-api.ts';
import { FakeShop, IdSequence, generateProducts, type FakeProduct, type ShopInit } from './state.ts';
import { appProxySignature, queryHmac, randomToken, signSessionToken, verifySessionToken, webhookHmac } from './signing.ts';
import { adminPage, APP_BRIDGE_STAND_IN } from './admin-frame.ts';
import { customerPayload, orderPayload, productDeletePayload, productPayload, shopPayload } from './payloads.ts';

export * from './state.ts';
export * as payloads from './payloads.ts';
export { appProxySignature, queryHmac, webhookHmac } from './signing.ts';

export const FAKE_SHOPIFY_API_VERSION = '2025-10';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const OFFLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:offline-access-token';
export const ONLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:online-access-token';

export const INVALID_TOKEN_BODY = { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' };

export interface ThrottleSettings {
  /** Bucket size in cost points (Shopify standard plan: 1000... shown as `maximumAvailable`). */
  maximumAvailable: number;
  /** Points restored per second. */
  restoreRate: number;
}

export interface FakeShopifyOptions {
  apiKey?: string;
  apiSecret?: string;
  /** Scopes granted when an authorize request names none. */
  defaultScopes?: string;
  throttle?: Partial<ThrottleSettings>;
  /** Clock (ms); token expiry, session tokens, buckets and bulk operations use it. */
  now?: () => number;
  /** How long a bulk operation stays RUNNING before it is COMPLETED (ms, default 30). */
  bulkCompletionMs?: number;
  /** Origin in bulk-operation `url`s (default Shopify's storage host); the fake serves the path whatever the Host. */
  bulkDownloadOrigin?: string;
  /** Redirect URIs the app allows (like `[auth] redirect_urls`); unset: any. */
  redirectUrls?: string[];
  /** App-level webhook endpoint (like `[webhooks]` in shopify.app.toml): every topic goes there when `deliverWebhook` has no `to`. */
  appWebhookUrl?: string;
  /** Lifetime of an expiring access token (s, default 3600) and its refresh token (s, default 90 days). */
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** A refresh also revokes the access token it replaces (default false: it lives until it expires). */
  revokeAccessTokenOnRefresh?: boolean;
  /** Delay between webhook delivery attempts (ms, default 20). */
  webhookRetryDelayMs?: number;
  /** The app URL (`application_url`) the admin page frames (settable later: `fake.setApplicationUrl`). */
  applicationUrl?: string;
  /** The staff user (`sub`) the admin page's session tokens name (default 1). */
  adminUserId?: number;
}

export type GrantType = 'authorization_code' | 'token_exchange' | 'refresh_token' | 'direct';

export interface AccessTokenRecord {
  token: string;
  shop: string;
  scopes: string[];
  mode: 'offline' | 'online';
  grant: GrantType;
  issuedAt: number;
  /** null: a non-expiring offline token. */
  expiresAt: number | null;
  revoked: boolean;
  refreshToken: string | null;
}

export interface RefreshTokenRecord {
  token: string;
  shop: string;
  scopes: string[];
  expiresAt: number;
  usedAt: number | null;
  revoked: boolean;
}

export interface Installation {
  shop: string;
  scopes: string[];
  installedAt: number;
  uninstalledAt: number | null;
}

export interface AuthorizeRequest {
  shop: string;
  clientId: string;
  scope: string;
  redirectUri: string;
  state: string | null;
  grantOptions: string[];
  code: string;
  at: number;
}

export interface WebhookAttempt {
  status: number | null;
  error: string | null;
  at: number;
}

export interface WebhookDelivery {
  shop: string;
  topic: string;
  to: string;
  eventId: string;
  webhookId: string;
  triggeredAt: string;
  body: string;
  headers: Record<string, string>;
  attempts: WebhookAttempt[];
  delivered: boolean;
}

export interface DeliverOptions {
  /** Target URL; default: subscriptions for the topic plus `appWebhookUrl`. */
  to?: string;
  /** Extra attempts after a non-2xx or network error (default 2; Shopify tries 8 times over 4 h). */
  retries?: number;
  retryDelayMs?: number;
  apiVersion?: string;
  eventId?: string;
  webhookId?: string;
  triggeredAt?: string | Date;
  /** Sign with this secret instead of the app's (to test rejection). */
  secret?: string;
  /** Send these exact bytes instead of JSON.stringify(payload). */
  rawBody?: string;
  /** Extra or overriding headers (e.g. remove the HMAC with `{ 'X-Shopify-Hmac-Sha256': '' }`). */
  headers?: Record<string, string>;
}

export interface GraphqlLogEntry {
  shop: string;
  query: string;
  variables: unknown;
  requestedCost: number | null;
  actualCost: number | null;
  throttled: boolean;
  status: number;
  at: number;
}

export interface FakeShopifyCounters {
  graphql: number;
  throttled: number;
  unauthorized: number;
  tokenRequests: number;
  authorizationCodeGrants: number;
  tokenExchanges: number;
  tokenRefreshes: number;
  tokenErrors: number;
  authorizeRequests: number;
  bulkOperationsStarted: number;
  bulkDownloads: number;
  webhookAttempts: number;
  /** Session tokens the admin page minted for its app frame (App Bridge's `idToken()`). */
  sessionTokensIssued: number;
}

export interface SignedQuery {
  params: Record<string, string>;
  /** `a=1&b=2…` ready to append after `?`. */
  query: string;
}

const TOPIC_ENUMS: Record<string, string> = {
  'products/create': 'PRODUCTS_CREATE',
  'products/update': 'PRODUCTS_UPDATE',
  'products/delete': 'PRODUCTS_DELETE',
  'orders/create': 'ORDERS_CREATE',
  'orders/updated': 'ORDERS_UPDATED',
  'orders/fulfilled': 'ORDERS_FULFILLED',
  'customers/create': 'CUSTOMERS_CREATE',
  'customers/update': 'CUSTOMERS_UPDATE',
  'app/uninstalled': 'APP_UNINSTALLED',
  'bulk_operations/finish': 'BULK_OPERATIONS_FINISH',
};

export type FakeShopify = Awaited<ReturnType<typeof startFakeShopify>>;

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) {
    try {
      const v = JSON.parse(raw) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

export async function startFakeShopify(options: FakeShopifyOptions = {}) {
  const apiKey = options.apiKey ?? 'fake-api-key-' + crypto.randomBytes(6).toString('hex');
  const apiSecret = options.apiSecret ?? 'shpss_' + crypto.randomBytes(16).toString('hex');
  const now = options.now ?? (() => Date.now());
  const ids = new IdSequence(7_400_000_000);
  const accessTtl = options.accessTokenTtlSeconds ?? 3600;
  const refreshTtl = options.refreshTokenTtlSeconds ?? 7_776_000;
  const webhookRetryDelayMs = options.webhookRetryDelayMs ?? 20;

  const shopMap = new Map<string, FakeShop>();
  const installations = new Map<string, Installation>();
  const tokens: AccessTokenRecord[] = [];
  const refreshTokens: RefreshTokenRecord[] = [];
  const codes = new Map<string, { shop: string; scopes: string[]; redirectUri: string; expiresAt: number; used: boolean }>();
  const authorizeRequests: AuthorizeRequest[] = [];
  const buckets = new Map<string, { available: number; at: number }>();
  const bulkOperations: BulkOperationRecord[] = [];
  /**
   * Tests: `order` writes every bulk file ungrouped whatever the query asked ('children-first': each
   * node's children before it; 'children-last': all children after all top-level nodes);
   * `ignoreRange` answers 200 with the whole file to a Range request; `failDownloads: [status, …]`
   * answers the next file requests with those statuses.
   */
  const bulkFiles: { order: 'as-asked' | 'children-first' | 'children-last'; ignoreRange: boolean; failDownloads: number[] } = { order: 'as-asked', ignoreRange: false, failDownloads: [] };
  /** Every bulk file request: which operation, and the Range asked for. */
  const bulkDownloadLog: { token: string; range: string | null }[] = [];
  const webhookSubscriptions: WebhookSubscriptionRecord[] = [];
  const webhookDeliveries: WebhookDelivery[] = [];
  const graphqlLog: GraphqlLogEntry[] = [];
  const throttle: ThrottleSettings = { maximumAvailable: options.throttle?.maximumAvailable ?? 1000, restoreRate: options.throttle?.restoreRate ?? 50 };
  const counters: FakeShopifyCounters = {
    graphql: 0,
    throttled: 0,
    unauthorized: 0,
    tokenRequests: 0,
    authorizationCodeGrants: 0,
    tokenExchanges: 0,
    tokenRefreshes: 0,
    tokenErrors: 0,
    authorizeRequests: 0,
    bulkOperationsStarted: 0,
    bulkDownloads: 0,
    webhookAttempts: 0,
    sessionTokensIssued: 0,
  };
  let applicationUrl = options.applicationUrl;
  const bulkOrigin = options.bulkDownloadOrigin ?? 'https://storage.googleapis.com';
  const sockets = new Set<net.Socket>();

  /* ------------------------------------------------------------ shops ---- */

  const shops = {
    create(init: ShopInit): FakeShop {
      const shop = new FakeShop(init, ids, now);
      if (shopMap.has(shop.domain)) throw new Error(`fake shopify: shop ${shop.domain} exists`);
      shopMap.set(shop.domain, shop);
      return shop;
    },
    get(nameOrDomain: string): FakeShop | undefined {
      const d = nameOrDomain.toLowerCase();
      return shopMap.get(d) ?? shopMap.get(`${d}.myshopify.com`);
    },
    list(): FakeShop[] {
      return [...shopMap.values()];
    },
  };

  function shopOf(s: FakeShop | string): FakeShop {
    const shop = typeof s === 'string' ? shops.get(s) : s;
    if (!shop) throw new Error(`fake shopify: unknown shop ${String(s)}`);
    return shop;
  }

  /* ----------------------------------------------------------- tokens ---- */

  function issue(shop: string, scopes: string[], grant: GrantType, expiring: boolean, mode: 'offline' | 'online' = 'offline'): { access: AccessTokenRecord; refresh: RefreshTokenRecord | null } {
    const t = now();
    const refresh: RefreshTokenRecord | null =
      expiring && mode === 'offline' ? { token: randomToken('shprt_'), shop, scopes, expiresAt: t + refreshTtl * 1000, usedAt: null, revoked: false } : null;
    const access: AccessTokenRecord = {
      token: randomToken(mode === 'online' ? 'shpua_' : 'shpat_'),
      shop,
      scopes,
      mode,
      grant,
      issuedAt: t,
      expiresAt: mode === 'online' ? t + 86_399_000 : expiring ? t + accessTtl * 1000 : null,
      revoked: false,
      refreshToken: refresh?.token ?? null,
    };
    tokens.push(access);
    if (refresh) refreshTokens.push(refresh);
    const inst = installations.get(shop);
    if (!inst || inst.uninstalledAt !== null) installations.set(shop, { shop, scopes, installedAt: t, uninstalledAt: null });
    else inst.scopes = scopes;
    return { access, refresh };
  }

  function tokenResponse(access: AccessTokenRecord, refresh: RefreshTokenRecord | null): Record<string, unknown> {
    const body: Record<string, unknown> = { access_token: access.token, scope: access.scopes.join(',') };
    if (access.expiresAt !== null) body.expires_in = Math.round((access.expiresAt - now()) / 1000);
    if (refresh) {
      body.refresh_token = refresh.token;
      body.refresh_token_expires_in = Math.round((refresh.expiresAt - now()) / 1000);
    }
    if (access.mode === 'online') {
      body.associated_user_scope = access.scopes.join(',');
      body.associated_user = { id: 1, first_name: 'Store', last_name: 'Owner', email: shopMap.get(access.shop)?.email, email_verified: true, account_owner: true, locale: 'en', collaborator: false };
    }
    return body;
  }

  function validToken(shop: string, token: string | undefined): AccessTokenRecord | null {
    if (!token) return null;
    const rec = tokens.find((t) => t.token === token);
    if (!rec || rec.shop !== shop || rec.revoked) return null;
    if (rec.expiresAt !== null && rec.expiresAt <= now()) return null;
    return rec;
  }

  /* ----------------------------------------------------------- bucket ---- */

  function bucket(shop: string): { available: number; at: number } {
    const t = now();
    let b = buckets.get(shop);
    if (!b) {
      b = { available: throttle.maximumAvailable, at: t };
      buckets.set(shop, b);
    }
    b.available = Math.min(throttle.maximumAvailable, b.available + ((t - b.at) / 1000) * throttle.restoreRate);
    b.at = t;
    return b;
  }

  function throttleStatus(shop: string) {
    const b = bucket(shop);
    return { maximumAvailable: throttle.maximumAvailable, currentlyAvailable: Math.floor(b.available), restoreRate: throttle.restoreRate };
  }

  /* ------------------------------------------------------------- bulk ---- */

  /** An ungrouped file: each top-level node's child lines come before it (any order is allowed then). */
  function childrenFirst(lines: string[]): string[] {
    const out: string[] = [];
    let group: string[] = [];
    for (const line of lines) {
      if (!line.includes('"__parentId"') && group.length > 0) {
        out.push(...group.slice(1), group[0]!);
        group = [];
      }
      group.push(line);
    }
    if (group.length > 0) out.push(...group.slice(1), group[0]!);
    return out;
  }

  /** Another ungrouped order: every top-level node first, every child line after all of them. */
  function childrenLast(lines: string[]): string[] {
    const isChild = (line: string) => line.includes('"__parentId"');
    return [...lines.filter((l) => !isChild(l)), ...lines.filter(isChild)];
  }

  /**
   * Ends a bulk operation as Shopify does when it cannot finish: FAILED with an error code (the
   * lines written so far behind `partialDataUrl` when `partial`), or CANCELED / EXPIRED.
   */
  function endBulkOperation(id: number, status: 'FAILED' | 'CANCELED' | 'EXPIRED', errorCode: BulkOperationRecord['errorCode'] = status === 'FAILED' ? 'INTERNAL_SERVER_ERROR' : null, partial = false): BulkOperationRecord {
    const op = bulkOperations.find((b) => b.id === id);
    if (!op) throw new Error(`no bulk operation ${id}`);
    op.status = status;
    op.errorCode = errorCode;
    op.completedAt = now();
    if (partial && op.jsonl) op.partialJsonl = op.jsonl.split('\n').slice(0, 3).join('\n') + '\n';
    return op;
  }

  function bulkFinish(op: BulkOperationRecord): void {
    if (op.status === 'RUNNING' && op.executed && now() >= op.completesAt) {
      op.status = 'COMPLETED';
      op.completedAt = now();
    }
  }

  function adminContext(shop: FakeShop, scopes: string[], bulk: boolean): AdminContext {
    for (const op of bulkOperations) bulkFinish(op);
    return {
      shop,
      scopes: new Set(scopes),
      bulk,
      now,
      bulkOperations,
      webhookSubscriptions,
      nextId: () => ids.take(),
      bulkUrl: (op, kind = 'final') => `${bulkOrigin}/shopify-tiers-assets-prod-us-east1/bulk-operation-outputs/${op.token}-${kind}?GoogleAccessId=fake&Expires=${Math.floor(now() / 1000) + 604800}&Signature=fake`,
      cancelBulk: (op) => {
        op.status = 'CANCELED';
        op.completedAt = now();
      },
      startBulk: (s, query, groupObjects) => startBulk(s, scopes, query, groupObjects),
    };
  }

  /** Validates like Shopify at creation, then runs the query in the background (RUNNING → COMPLETED). */
  function startBulk(shop: FakeShop, scopes: string[], query: string, groupObjects: boolean): { op?: BulkOperationRecord; error?: string } {
    for (const b of bulkOperations) bulkFinish(b);
    const running = bulkOperations.find((b) => b.shop === shop.domain && b.type === 'QUERY' && (b.status === 'RUNNING' || b.status === 'CREATED'));
    if (running) return { error: `A bulk query operation for this app and shop is already in progress: gid://shopify/BulkOperation/${running.id}.` };
    const prepared = prepare(query, {}, undefined);
    if ('errors' in prepared) return { error: `Invalid bulk query: ${prepared.errors[0]?.message ?? 'invalid'}` };
    if (prepared.op.operation !== 'query') return { error: 'Bulk queries must be query operations.' };
    const shapeError = bulkShapeError(prepared.op);
    if (shapeError) return { error: shapeError };
    const t = now();
    const op: BulkOperationRecord = {
      id: ids.take(),
      shop: shop.domain,
      status: 'RUNNING',
      type: 'QUERY',
      query,
      createdAt: t,
      completesAt: t + (options.bulkCompletionMs ?? 30),
      completedAt: null,
      jsonl: '',
      objectCount: 0,
      rootObjectCount: 0,
      token: crypto.randomBytes(12).toString('hex'),
      executed: false,
      errorCode: null,
    };
    bulkOperations.push(op);
    counters.bulkOperationsStarted++;
    // Built off the request path, 250 top-level objects at a time with a pause between windows.
    const fail = (code: 'ACCESS_DENIED' | 'INTERNAL_SERVER_ERROR') => {
      if (op.status === 'RUNNING') op.status = 'FAILED';
      op.errorCode = code;
      op.completedAt = now();
    };
    void (async () => {
      const lines: string[] = [];
      let roots = 0;
      const window = { offset: 0, limit: 250, total: 0 };
      try {
        for (;;) {
          await new Promise((r) => setImmediate(r));
          if (op.status !== 'RUNNING') return;
          const ctx = adminContext(shop, scopes, true);
          ctx.bulkRoot = window;
          const result = await run(prepared, ctx);
          if (result.errors && result.errors.length > 0) {
            return fail(result.errors.some((e) => (e as { extensions?: { code?: string } }).extensions?.code === 'ACCESS_DENIED') ? 'ACCESS_DENIED' : 'INTERNAL_SERVER_ERROR');
          }
          const part = toJsonl((result.data ?? {}) as Record<string, unknown>);
          if (part.error) return fail('INTERNAL_SERVER_ERROR');
          lines.push(...part.lines);
          roots += part.roots;
          window.offset += window.limit;
          if (window.offset >= window.total) break;
        }
        // groupObjects: false promises no order; the fake then writes each node's children before it.
        const ordered = groupObjects && bulkFiles.order === 'as-asked' ? lines : bulkFiles.order === 'children-last' ? childrenLast(lines) : childrenFirst(lines);
        op.jsonl = ordered.map((l) => l + '\n').join('');
        op.objectCount = lines.length;
        op.rootObjectCount = roots;
        op.executed = true;
      } catch {
        fail('INTERNAL_SERVER_ERROR');
      }
    })();
    return { op };
  }

  /* ------------------------------------------------------------ HTTP ---- */

  function shopFromRequest(req: http.IncomingMessage, url: URL): FakeShop | undefined {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (host.endsWith('.myshopify.com')) return shopMap.get(host);
    // Direct calls to 127.0.0.1 may name the shop in a header or the query instead.
    const alt = str(req.headers['x-shopify-shop-domain']) ?? url.searchParams.get('shop') ?? undefined;
    return alt ? shops.get(alt) : undefined;
  }

  async function handleAuthorize(req: http.IncomingMessage, res: http.ServerResponse, url: URL, shop: FakeShop): Promise<void> {
    counters.authorizeRequests++;
    const q = url.searchParams;
    const clientId = q.get('client_id') ?? '';
    const redirectUri = q.get('redirect_uri') ?? '';
    if (clientId !== apiKey) return json(res, 400, { error: 'invalid_request', error_description: 'Oauth error invalid_request: The client_id is invalid' });
    if (!redirectUri || (options.redirectUrls && !options.redirectUrls.includes(redirectUri.split('?')[0]!))) {
      return json(res, 400, { error: 'invalid_request', error_description: 'Oauth error invalid_request: The redirect_uri is not whitelisted' });
    }
    const scope = q.get('scope') ?? options.defaultScopes ?? 'read_products';
    const code = crypto.randomBytes(16).toString('hex');
    const scopes = scope.split(',').map((s) => s.trim()).filter(Boolean);
    codes.set(code, { shop: shop.domain, scopes, redirectUri, expiresAt: now() + 600_000, used: false });
    authorizeRequests.push({ shop: shop.domain, clientId, scope, redirectUri, state: q.get('state'), grantOptions: q.getAll('grant_options[]'), code, at: now() });
    const params: Record<string, string> = {
      code,
      host: Buffer.from(`admin.shopify.com/store/${shop.domain.replace(/\.myshopify\.com$/, '')}`).toString('base64url'),
      shop: shop.domain,
      timestamp: String(Math.floor(now() / 1000)),
    };
    const state = q.get('state');
    if (state !== null) params.state = state;
    params.hmac = queryHmac(apiSecret, params);
    const target = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    res.writeHead(302, { Location: target.toString(), 'Content-Length': '0' });
    res.end();
  }

  function tokenError(res: http.ServerResponse, status: number, error: string, description: string): void {
    counters.tokenErrors++;
    json(res, status, { error, error_description: description });
  }

  async function handleAccessToken(req: http.IncomingMessage, res: http.ServerResponse, raw: string, shop: FakeShop): Promise<void> {
    counters.tokenRequests++;
    const body = parseBody(raw, req.headers['content-type']);
    const clientId = str(body.client_id);
    const clientSecret = str(body.client_secret);
    if (clientId !== apiKey || !clientSecret || !crypto.timingSafeEqual(Buffer.from(crypto.createHash('sha256').update(clientSecret).digest()), Buffer.from(crypto.createHash('sha256').update(apiSecret).digest()))) {
      return tokenError(res, 401, 'invalid_client', 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.');
    }
    const expiring = str(body.expiring) === '1';
    const grantType = str(body.grant_type);
    if (grantType === 'refresh_token') {
      counters.tokenRefreshes++;
      const rt = str(body.refresh_token);
      const rec = refreshTokens.find((r) => r.token === rt);
      if (!rec || rec.shop !== shop.domain || rec.revoked || rec.usedAt !== null || rec.expiresAt <= now()) {
        return tokenError(res, 400, 'invalid_grant', 'The refresh token is invalid, expired, revoked, or was already used.');
      }
      rec.usedAt = now();
      if (options.revokeAccessTokenOnRefresh) for (const t of tokens) if (t.refreshToken === rec.token) t.revoked = true;
      const { access, refresh } = issue(shop.domain, rec.scopes, 'refresh_token', true);
      return json(res, 200, tokenResponse(access, refresh));
    }
    if (grantType === TOKEN_EXCHANGE_GRANT) {
      counters.tokenExchanges++;
      const subject = str(body.subject_token);
      if (!subject) return tokenError(res, 400, 'invalid_request', 'Missing subject_token.');
      if (str(body.subject_token_type) !== ID_TOKEN_TYPE) return tokenError(res, 400, 'invalid_request', 'Unsupported subject_token_type.');
      const requested = str(body.requested_token_type) ?? OFFLINE_TOKEN_TYPE;
      if (requested !== OFFLINE_TOKEN_TYPE && requested !== ONLINE_TOKEN_TYPE) return tokenError(res, 400, 'invalid_request', 'Unsupported requested_token_type.');
      let claims;
      try {
        claims = verifySessionToken(apiSecret, subject, apiKey, Math.floor(now() / 1000));
      } catch {
        return tokenError(res, 400, 'invalid_subject_token', 'The subject token is invalid or expired.');
      }
      if (claims.dest !== `https://${shop.domain}`) return tokenError(res, 400, 'invalid_subject_token', 'The subject token was issued for another shop.');
      const scopes = (options.defaultScopes ?? 'read_products,read_orders,read_customers').split(',');
      const mode = requested === ONLINE_TOKEN_TYPE ? 'online' : 'offline';
      const { access, refresh } = issue(shop.domain, scopes, 'token_exchange', expiring, mode);
      return json(res, 200, tokenResponse(access, refresh));
    }
    if (grantType !== undefined && grantType !== 'authorization_code') return tokenError(res, 400, 'unsupported_grant_type', `The grant type ${grantType} is not supported.`);
    counters.authorizationCodeGrants++;
    const code = str(body.code);
    const rec = code ? codes.get(code) : undefined;
    if (!rec || rec.used || rec.shop !== shop.domain || rec.expiresAt <= now()) {
      return tokenError(res, 400, 'invalid_request', 'The authorization code was not found or was already used');
    }
    rec.used = true;
    const { access, refresh } = issue(shop.domain, rec.scopes, 'authorization_code', expiring);
    return json(res, 200, tokenResponse(access, refresh));
  }

  async function handleGraphql(req: http.IncomingMessage, res: http.ServerResponse, raw: string, shop: FakeShop, version: string): Promise<void> {
    counters.graphql++;
    const headers = { 'X-Shopify-API-Version': version };
    const token = validToken(shop.domain, str(req.headers['x-shopify-access-token']));
    const log: GraphqlLogEntry = { shop: shop.domain, query: '', variables: null, requestedCost: null, actualCost: null, throttled: false, status: 200, at: now() };
    graphqlLog.push(log);
    if (!token) {
      counters.unauthorized++;
      log.status = 401;
      return json(res, 401, INVALID_TOKEN_BODY, headers);
    }
    let body: Record<string, unknown>;
    if (req.headers['content-type']?.includes('application/graphql')) body = { query: raw };
    else {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        log.status = 400;
        return json(res, 400, { errors: { query: 'Required parameter missing or invalid' } }, headers);
      }
    }
    log.query = String(body.query ?? '');
    log.variables = body.variables ?? null;
    const prepared = prepare(body.query, body.variables, body.operationName);
    if ('errors' in prepared) return json(res, 200, { errors: prepared.errors }, headers);
    const requested = operationCost(adminSchema, prepared.doc, prepared.op, prepared.variables);
    log.requestedCost = requested;
    if (requested > throttle.maximumAvailable) {
      return json(
        res,
        200,
        {
          errors: [
            {
              message: `Query cost is ${requested}, which exceeds the single query max cost limit (${throttle.maximumAvailable}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n`,
              extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: throttle.maximumAvailable },
            },
          ],
          extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus(shop.domain) } },
        },
        headers,
      );
    }
    const b = bucket(shop.domain);
    if (b.available < requested) {
      counters.throttled++;
      log.throttled = true;
      return json(
        res,
        200,
        {
          errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
          extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus(shop.domain) } },
        },
        headers,
      );
    }
    const ctx = adminContext(shop, token.scopes, false);
    const result = await run(prepared, ctx);
    const actual = prepared.op.operation === 'mutation' ? requested : operationCost(adminSchema, prepared.doc, prepared.op, prepared.variables, result.data ?? null);
    log.actualCost = actual;
    b.available = Math.max(0, b.available - actual);
    const out: Record<string, unknown> = {};
    if (result.errors && result.errors.length > 0) out.errors = result.errors;
    out.data = result.data ?? null;
    out.extensions = { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus(shop.domain) } };
    return json(res, 200, out, headers);
  }

  /** Google Cloud Storage behind the signed URL: the whole file, or a `Range: bytes=N-` of it (206; 416 past the end). */
  function handleBulkDownload(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const m = /\/bulk-operation-outputs\/([a-f0-9]+)-(final|partial)$/.exec(url.pathname);
    const op = m ? bulkOperations.find((b) => b.token === m[1]) : undefined;
    const file = !op ? undefined : m![2] === 'final' ? (op.status === 'COMPLETED' ? op.jsonl : undefined) : op.status === 'FAILED' ? op.partialJsonl : undefined;
    if (file === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      return;
    }
    counters.bulkDownloads++;
    const bytes = Buffer.from(file);
    bulkDownloadLog.push({ token: m![1]!, range: req.headers.range ?? null });
    const failure = bulkFiles.failDownloads.shift();
    if (failure !== undefined) {
      res.writeHead(failure, { 'Content-Type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failure === 403 ? 'AccessDenied' : 'InternalError'}</Code></Error>`);
      return;
    }
    const range = bulkFiles.ignoreRange ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const from = Number(range[1]);
      if (from >= bytes.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
        res.end();
        return;
      }
      res.writeHead(206, { 'Content-Type': 'application/jsonl', 'Content-Range': `bytes ${from}-${bytes.length - 1}/${bytes.length}`, 'Content-Length': String(bytes.length - from) });
      res.end(bytes.subarray(from));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/jsonl', 'Content-Length': String(bytes.length), 'Accept-Ranges': 'bytes' });
    res.end(bytes);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake.invalid');
      void (async () => {
        try {
          if (req.method === 'GET' && url.pathname.includes('/bulk-operation-outputs/')) return handleBulkDownload(req, res, url);
          if (req.method === 'GET' && url.pathname === '/shopifycloud/app-bridge.js') {
            res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
            return res.end(APP_BRIDGE_STAND_IN);
          }
          const admin = /^\/store\/([a-z0-9][a-z0-9-]*)\/(?:apps\/([a-z0-9-]+)|(id-token))$/.exec(url.pathname);
          if (admin) {
            const adminShop = shops.get(admin[1]!);
            if (!adminShop) return json(res, 404, { errors: 'Not Found' });
            if (req.method === 'POST' && admin[3]) {
              counters.sessionTokensIssued++;
              return json(res, 200, { token: mintSessionToken(adminShop, { userId: options.adminUserId ?? 1 }) });
            }
            if (req.method === 'GET' && admin[2]) {
              if (!applicationUrl) return json(res, 404, { errors: 'No application_url set for this app' });
              const signed = signInstallQuery(adminShop, { embedded: '1', id_token: mintSessionToken(adminShop, { userId: options.adminUserId ?? 1 }), locale: 'en', session: crypto.randomBytes(16).toString('hex') });
              res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
              return res.end(adminPage({ shopTitle: adminShop.name, frameSrc: `${applicationUrl}?${signed.query}`, tokenPath: `/store/${admin[1]}/id-token` }));
            }
          }
          const shop = shopFromRequest(req, url);
          if (!shop) return json(res, 404, { errors: 'Not Found' });
          if (req.method === 'GET' && url.pathname === '/admin/oauth/authorize') return await handleAuthorize(req, res, url, shop);
          if (req.method === 'POST' && url.pathname === '/admin/oauth/access_token') return await handleAccessToken(req, res, raw, shop);
          const gm = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/.exec(url.pathname);
          if (req.method === 'POST' && gm) return await handleGraphql(req, res, raw, shop, gm[1]!);
          return json(res, 404, { errors: 'Not Found' });
        } catch (e) {
          if (!res.headersSent) json(res, 500, { errors: 'Internal Server Error', detail: String(e) });
        }
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  /* ------------------------------------------------------- webhooks ---- */

  async function attempt(d: WebhookDelivery): Promise<boolean> {
    counters.webhookAttempts++;
    const at = now();
    const host = new URL(d.to).hostname;
    if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
      // Tests never reach the internet: a subscription to a real host is recorded, not sent.
      d.attempts.push({ status: null, error: `not sent: ${host} is not a loopback address`, at });
      return false;
    }
    try {
      const r = await fetch(d.to, { method: 'POST', headers: d.headers, body: d.body, redirect: 'manual', signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer().catch(() => undefined);
      d.attempts.push({ status: r.status, error: null, at });
      return r.status >= 200 && r.status < 300;
    } catch (e) {
      d.attempts.push({ status: null, error: String((e as Error).message ?? e), at });
      return false;
    }
  }

  /**
   * POSTs a signed delivery (same event id on every retry, as Shopify does) and retries on a
   * non-2xx or a network error. Resolves when delivered or out of retries.
   */
  async function deliverWebhook(s: FakeShop | string, topic: string, payload: unknown, opts: DeliverOptions = {}): Promise<WebhookDelivery[]> {
    const shop = shopOf(s);
    const targets = opts.to
      ? [opts.to]
      : [
          ...webhookSubscriptions.filter((w) => w.shop === shop.domain && w.topic === TOPIC_ENUMS[topic]).map((w) => w.uri),
          ...(options.appWebhookUrl ? [options.appWebhookUrl] : []),
        ];
    if (targets.length === 0) throw new Error(`fake shopify: nowhere to deliver ${topic} for ${shop.domain} (pass { to })`);
    const body = opts.rawBody ?? JSON.stringify(payload);
    const triggeredAt = opts.triggeredAt instanceof Date ? opts.triggeredAt.toISOString() : (opts.triggeredAt ?? new Date(now()).toISOString());
    const out: WebhookDelivery[] = [];
    for (const to of [...new Set(targets)]) {
      const eventId = opts.eventId ?? crypto.randomUUID();
      const webhookId = opts.webhookId ?? crypto.randomUUID();
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': 'Shopify-Captain-Hook',
        'X-Shopify-Topic': topic,
        'X-Shopify-Hmac-Sha256': webhookHmac(opts.secret ?? apiSecret, body),
        'X-Shopify-Shop-Domain': shop.domain,
        'X-Shopify-API-Version': opts.apiVersion ?? FAKE_SHOPIFY_API_VERSION,
        'X-Shopify-Webhook-Id': webhookId,
        'X-Shopify-Event-Id': eventId,
        'X-Shopify-Triggered-At': triggeredAt,
      };
      for (const [k, v] of Object.entries(opts.headers ?? {})) {
        const existing = Object.keys(headers).find((h) => h.toLowerCase() === k.toLowerCase());
        if (existing) delete headers[existing];
        if (v !== '') headers[k] = v;
      }
      const d: WebhookDelivery = { shop: shop.domain, topic, to, eventId, webhookId, triggeredAt, body, headers, attempts: [], delivered: false };
      webhookDeliveries.push(d);
      const retries = opts.retries ?? 2;
      for (let i = 0; i <= retries; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? webhookRetryDelayMs));
        if (await attempt(d)) {
          d.delivered = true;
          break;
        }
      }
      out.push(d);
    }
    return out;
  }

  /* --------------------------------------------------------- signing ---- */

  function mintSessionToken(s: FakeShop | string, opts: { userId?: number | string; ttlSeconds?: number; issuedAt?: number; secret?: string; audience?: string } = {}): string {
    const shop = shopOf(s);
    const iat = opts.issuedAt ?? Math.floor(now() / 1000);
    return signSessionToken(opts.secret ?? apiSecret, {
      iss: `https://${shop.domain}/admin`,
      dest: `https://${shop.domain}`,
      aud: opts.audience ?? apiKey,
      sub: String(opts.userId ?? 1),
      exp: iat + (opts.ttlSeconds ?? 60),
      nbf: iat,
      iat,
      jti: crypto.randomUUID(),
      sid: crypto.randomBytes(16).toString('hex'),
    });
  }

  /**
   * The query Shopify appends when it forwards `https://{shop}/apps/concierge{path}` to the
   * app proxy URL. `params` may hold `logged_in_customer_id` (empty when nobody is logged in)
   * and any shopper query (arrays for repeated keys).
   */
  function signAppProxy(
    s: FakeShop | string,
    path = '/',
    params: Record<string, string | string[]> = {},
    opts: { pathPrefix?: string; timestamp?: number; secret?: string } = {},
  ): SignedQuery & { path: string; pathAndQuery: string; signature: string } {
    const shop = shopOf(s);
    const all: Record<string, string | string[]> = {
      logged_in_customer_id: '',
      path_prefix: opts.pathPrefix ?? '/apps/concierge',
      shop: shop.domain,
      timestamp: String(opts.timestamp ?? Math.floor(now() / 1000)),
      ...params,
    };
    const signature = appProxySignature(opts.secret ?? apiSecret, all);
    const usp = new URLSearchParams();
    for (const [k, v] of Object.entries(all)) for (const x of Array.isArray(v) ? v : [v]) usp.append(k, x);
    usp.append('signature', signature);
    const flat = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    return { params: { ...flat, signature }, query: usp.toString(), signature, path, pathAndQuery: `${path}?${usp.toString()}` };
  }

  /** The query Shopify sends to the app URL when a merchant installs or opens the app. */
  function signInstallQuery(s: FakeShop | string, extra: Record<string, string> = {}, opts: { timestamp?: number; secret?: string } = {}): SignedQuery & { hmac: string } {
    const shop = shopOf(s);
    const params: Record<string, string> = {
      host: Buffer.from(`admin.shopify.com/store/${shop.domain.replace(/\.myshopify\.com$/, '')}`).toString('base64url'),
      shop: shop.domain,
      timestamp: String(opts.timestamp ?? Math.floor(now() / 1000)),
      ...extra,
    };
    const hmac = queryHmac(opts.secret ?? apiSecret, params);
    const all = { ...params, hmac };
    return { params: all, query: new URLSearchParams(all).toString(), hmac };
  }

  return {
    /** `http://127.0.0.1:PORT` — the value for `PLUGIN_SHOPIFY_UPSTREAM`. */
    url: origin,
    /** Where the admin page (`/store/{name}/apps/{handle}`) frames the app: its `application_url`. */
    setApplicationUrl(url: string) {
      applicationUrl = url;
    },
    port,
    apiKey,
    apiSecret,
    apiVersion: FAKE_SHOPIFY_API_VERSION,
    shops,
    /** Shop domain → installation (ended ones keep `uninstalledAt`). */
    installations,
    /** Every access token issued, newest last. */
    tokens,
    refreshTokens,
    authorizeRequests,
    bulkOperations,
    bulkDownloadLog,
    bulkFiles,
    endBulkOperation,
    webhookSubscriptions,
    webhookDeliveries,
    graphqlLog,
    counters,
    /** Live settings: change `maximumAvailable` / `restoreRate` at any time. */
    throttle,
    /** Adds `n` deterministic products (titles/descriptions varied; the i-th is always the same). */
    seedProducts(s: FakeShop | string, n: number, opts: { seed?: number } = {}): FakeProduct[] {
      const shop = shopOf(s);
      return generateProducts(n, { seed: opts.seed, offset: shop.products.size }).map((p) => shop.addProduct(p));
    },
    /** Issues a token without OAuth (an installed app), e.g. for tests that start after install. */
    issueToken(s: FakeShop | string, opts: { scopes?: string[]; expiring?: boolean } = {}) {
      const shop = shopOf(s);
      const { access, refresh } = issue(shop.domain, opts.scopes ?? ['read_products', 'read_orders', 'read_customers'], 'direct', opts.expiring ?? true);
      return { accessToken: access.token, refreshToken: refresh?.token ?? null, expiresAt: access.expiresAt, refreshTokenExpiresAt: refresh?.expiresAt ?? null };
    },
    /** Every access token of the shop stops working now (as if its 60 minutes were over). */
    expireTokens(s: FakeShop | string): number {
      const shop = shopOf(s);
      let n = 0;
      for (const t of tokens) {
        if (t.shop === shop.domain && !t.revoked && (t.expiresAt === null || t.expiresAt > now())) {
          t.expiresAt = now() - 1;
          n++;
        }
      }
      return n;
    },
    /** The merchant removes the app: tokens revoked, installation ended; `to` also delivers app/uninstalled. */
    async uninstall(s: FakeShop | string, opts: DeliverOptions = {}): Promise<WebhookDelivery[]> {
      const shop = shopOf(s);
      for (const t of tokens) if (t.shop === shop.domain) t.revoked = true;
      for (const r of refreshTokens) if (r.shop === shop.domain) r.revoked = true;
      const inst = installations.get(shop.domain);
      if (inst) inst.uninstalledAt = now();
      if (!opts.to && !options.appWebhookUrl && !webhookSubscriptions.some((w) => w.shop === shop.domain && w.topic === 'APP_UNINSTALLED')) return [];
      return deliverWebhook(shop, 'app/uninstalled', shopPayload(shop), opts);
    },
    /** Access tokens of a shop that still work now. */
    activeTokens(s: FakeShop | string): AccessTokenRecord[] {
      const shop = shopOf(s);
      return tokens.filter((t) => validToken(shop.domain, t.token));
    },
    /** Current throttle status of a shop's bucket (as `extensions.cost.throttleStatus`). */
    throttleStatus: (s: FakeShop | string) => throttleStatus(shopOf(s).domain),
    /** Empties a shop's bucket (to `available` points), so the next costly query is THROTTLED. */
    drainBucket(s: FakeShop | string, available = 0): void {
      const b = bucket(shopOf(s).domain);
      b.available = available;
    },
    /**
     * The merchant approves the app: takes the `https://{shop}/admin/oauth/authorize?…` URL an app
     * redirected to and returns the callback URL Shopify sends the browser to (code, hmac, state…).
     * Throws with Shopify's error body when the request is refused (wrong client_id, redirect_uri).
     */
    async approveInstall(authorizeUrl: string): Promise<string> {
      const u = new URL(authorizeUrl);
      const res = await new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: u.pathname + u.search, headers: { Host: u.host } }, (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, location: r.headers.location, body: Buffer.concat(chunks).toString() }));
          })
          .on('error', reject);
      });
      if (res.status !== 302 || !res.location) throw new Error(`fake shopify refused the authorize request (${res.status}): ${res.body}`);
      return res.location;
    },
    /** Fills a shop's bucket to `maximumAvailable` again. */
    refillBucket(s: FakeShop | string): void {
      bucket(shopOf(s).domain).available = throttle.maximumAvailable;
    },
    deliverWebhook,
    /**
     * Delivers what Shopify sends after a change in the shop's state: `products/create|update`
     * (the product as it is now), `products/delete` (`{ id }`), `orders/create|updated|fulfilled`,
     * `customers/create|update`. `X-Shopify-Triggered-At` defaults to the resource's `updatedAt`.
     * Goes to `to`, else the topic's subscriptions and `appWebhookUrl`.
     */
    async notify(s: FakeShop | string, topic: string, id: number, opts: DeliverOptions = {}): Promise<WebhookDelivery[]> {
      const shop = shopOf(s);
      let payload: unknown;
      let updatedAt: string | undefined;
      if (topic === 'products/delete') payload = productDeletePayload(id);
      else if (topic.startsWith('products/')) {
        const p = shop.products.get(id);
        if (!p) throw new Error(`fake shopify: no product ${id} in ${shop.domain}`);
        payload = productPayload(shop, p);
        updatedAt = p.updatedAt;
      } else if (topic.startsWith('orders/')) {
        const o = shop.orders.get(id);
        if (!o) throw new Error(`fake shopify: no order ${id} in ${shop.domain}`);
        payload = orderPayload(shop, o);
        updatedAt = o.updatedAt;
      } else if (topic.startsWith('customers/')) {
        const c = shop.customers.get(id);
        if (!c) throw new Error(`fake shopify: no customer ${id} in ${shop.domain}`);
        payload = customerPayload(c);
        updatedAt = c.updatedAt;
      } else throw new Error(`fake shopify: notify does not build ${topic}; use deliverWebhook with a payload`);
      return deliverWebhook(shop, topic, payload, { triggeredAt: updatedAt, ...opts });
    },
    mintSessionToken,
    signAppProxy,
    signInstallQuery,
    /** An http.Agent for shopify-api-node (`agent: { https: fake.agent() }`): see README. */
    agent: () => shopifyUpstreamAgent(origin),
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An agent for `https://{shop}.myshopify.com/...` requests that opens plain TCP connections to
 * `upstream` instead (the Host header keeps the shop's domain). shopify-api-node always builds
 * `https:` URLs and hands `agent` to got, which wants `agent: { https: agent }`; an https.Agent
 * whose createConnection returns a plain socket makes Node speak HTTP/1.1 without TLS to it.
 */
export function shopifyUpstreamAgent(upstream: string): https.Agent {
  const u = new URL(upstream);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  class UpstreamAgent extends https.Agent {
    // Node calls createConnection(options, oncreate) and uses a returned socket directly.
    override createConnection(): net.Socket {
      return net.createConnection({ host: u.hostname, port });
    }
  }
  return new UpstreamAgent({ keepAlive: true });
}
