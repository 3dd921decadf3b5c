import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny commerce platform with its own state, for the plugin host's tests (issue #10): OAuth-like
 * authorize (auto-approves, signs the redirect with the app secret), a token endpoint with expiring
 * access tokens and rotating refresh tokens, accounts, paged products, orders, revocation, and
 * failure modes on command. The test plugin (`./plugin.ts`) talks to it over real HTTP.
 */

export interface MiniProduct {
  id: string;
  handle: string;
  title: string;
  body: string;
  price: string;
  currency: string;
}

export interface MiniOrder {
  id: string;
  number: string;
  email: string;
  customerId: string;
  status: string;
  placedAt: string;
  total: string;
}

export interface MiniAccount {
  id: string;
  email: string;
  name: string;
  domains: string[];
  products: MiniProduct[];
  orders: MiniOrder[];
}

export interface MiniPlatform {
  url: string;
  appSecret: string;
  accounts: Map<string, MiniAccount>;
  /** Access tokens currently honoured → account. */
  tokens: Map<string, { account: string; expiresAt: number }>;
  refreshTokens: Map<string, string>;
  stats: { refreshes: number; tokenExchanges: number; productPages: number; revoked: number; cursors: string[] };
  /** The next `times` requests for the product page at `cursor` answer 503. */
  failAt(cursor: string, times: number): void;
  /** The next `n` product page requests answer 503. */
  failProductPages(n: number): void;
  /** Product page requests wait (arrived, unanswered) until the returned function is called. */
  holdProductPages(): () => void;
  /** Every access token of the account expires now. */
  expireTokens(account: string): void;
  addAccount(id: string, productCount: number, extra?: Partial<MiniAccount>): MiniAccount;
  /** Tokens for an account, as after an install (for tests that skip the install). */
  issueTokens(account: string): { access_token: string; refresh_token: string; expires_in: number };
  /** HMAC the platform puts on redirects (`hmac` over the sorted query without it). */
  signQuery(params: Record<string, string>, secret?: string): string;
  close(): Promise<void>;
}

export const signQuery = (secret: string, params: Record<string, string>) =>
  createHmac('sha256', secret)
    .update(
      Object.keys(params)
        .filter((k) => k !== 'hmac')
        .sort()
        .map((k) => `${k}=${params[k]}`)
        .join('&'),
    )
    .digest('hex');

export async function startMiniPlatform(options: { appSecret?: string; tokenTtlMs?: number } = {}): Promise<MiniPlatform> {
  const appSecret = options.appSecret ?? 'mini-app-secret-0123456789';
  const accounts = new Map<string, MiniAccount>();
  const codes = new Map<string, string>();
  const tokens = new Map<string, { account: string; expiresAt: number }>();
  const refreshTokens = new Map<string, string>();
  const stats = { refreshes: 0, tokenExchanges: 0, productPages: 0, revoked: 0, cursors: [] as string[] };
  let failPages = 0;
  let held: Promise<void> | undefined;
  const failCursor = new Map<string, number>();
  const ttl = options.tokenTtlMs ?? 60 * 60_000;

  const issue = (account: string) => {
    const access = `at_${randomBytes(12).toString('hex')}`;
    const refresh = `rt_${randomBytes(12).toString('hex')}`;
    tokens.set(access, { account, expiresAt: Date.now() + ttl });
    refreshTokens.set(refresh, account);
    return { access_token: access, refresh_token: refresh, expires_in: Math.floor(ttl / 1000) };
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') : {};
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(json === undefined ? '' : JSON.stringify(json));
    };
    const bearer = () => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const entry = token ? tokens.get(token) : undefined;
      return entry && entry.expiresAt > Date.now() ? accounts.get(entry.account) : undefined;
    };

    if (url.pathname === '/authorize') {
      // The merchant approves at once; back to the app with a code, the state and our HMAC.
      const account = url.searchParams.get('account') ?? '';
      if (!accounts.has(account)) return send(404, { error: 'no such account' });
      const code = `code_${randomBytes(8).toString('hex')}`;
      codes.set(code, account);
      const params: Record<string, string> = { account, code, state: url.searchParams.get('state') ?? '', timestamp: String(Math.floor(Date.now() / 1000)) };
      params.hmac = signQuery(appSecret, params);
      return send(302, undefined, { location: `${url.searchParams.get('redirect_uri')}?${new URLSearchParams(params)}` });
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      if (body.client_secret !== appSecret) return send(401, { error: 'invalid_client' });
      if (body.grant_type === 'refresh_token') {
        const account = refreshTokens.get(body.refresh_token);
        if (!account) return send(401, { error: 'invalid_grant' });
        refreshTokens.delete(body.refresh_token); // rotating: a second refresh with it fails
        stats.refreshes++;
        return send(200, issue(account));
      }
      const account = codes.get(body.code);
      if (!account) return send(400, { error: 'invalid_grant' });
      codes.delete(body.code);
      stats.tokenExchanges++;
      return send(200, issue(account));
    }
    if (url.pathname === '/revoke' && req.method === 'POST') {
      const account = bearer();
      if (!account) return send(401, { error: 'unauthorized' });
      for (const [token, entry] of tokens) if (entry.account === account.id) tokens.delete(token);
      stats.revoked++;
      return send(200, { ok: true });
    }
    const account = bearer();
    if (!account) return send(401, { error: 'unauthorized' });
    if (url.pathname === '/account') return send(200, { id: account.id, email: account.email, name: account.name, domains: account.domains, currency: 'EUR', timeZone: 'Europe/Berlin', locale: 'de-DE' });
    if (url.pathname === '/products') {
      stats.productPages++;
      if (held) await held;
      const cursorParam = url.searchParams.get('cursor') ?? '0';
      if (!url.searchParams.get('q')) stats.cursors.push(cursorParam);
      if ((failCursor.get(cursorParam) ?? 0) > 0) {
        failCursor.set(cursorParam, failCursor.get(cursorParam)! - 1);
        return send(503, { error: 'try later' });
      }
      if (failPages > 0) {
        failPages--;
        return send(503, { error: 'try later' });
      }
      const q = url.searchParams.get('q')?.toLowerCase();
      const all = q ? account.products.filter((p) => `${p.title} ${p.body}`.toLowerCase().includes(q)) : account.products;
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const page = all.slice(start, start + limit);
      return send(200, { items: page, next: start + limit < all.length ? String(start + limit) : null, total: all.length });
    }
    const productMatch = /^\/products\/(.+)$/.exec(url.pathname);
    if (productMatch) {
      const product = account.products.find((p) => p.id === decodeURIComponent(productMatch[1]!));
      return product ? send(200, product) : send(404, { error: 'not found' });
    }
    if (url.pathname === '/orders') {
      const number = url.searchParams.get('number');
      const customer = url.searchParams.get('customer');
      return send(200, { items: account.orders.filter((o) => (number ? o.number === number : true) && (customer ? o.customerId === customer : true)) });
    }
    return send(404, { error: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    appSecret,
    accounts,
    tokens,
    refreshTokens,
    stats,
    failProductPages: (n) => void (failPages = n),
    holdProductPages() {
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = undefined;
        release();
      };
    },
    failAt: (cursor, times) => void failCursor.set(cursor, times),
    expireTokens(account) {
      for (const entry of tokens.values()) if (entry.account === account) entry.expiresAt = 0;
    },
    addAccount(id, productCount, extra = {}) {
      const products = Array.from({ length: productCount }, (_, i) => ({
        id: `${id}-p${i + 1}`,
        handle: `${id.split('.')[0]}-item-${i + 1}`,
        title: `Item ${i + 1} of ${id.split('.')[0]}`,
        body: i === productCount - 1 ? 'Hand-woven from alpaca wool' : `A fine product number ${i + 1}`,
        price: `${10 + (i % 50)}.00`,
        currency: 'EUR',
      }));
      const orders = [
        { id: `${id}-o1`, number: '1001', email: 'ada@example.com', customerId: 'c-1', status: 'fulfilled', placedAt: '2026-11-30T10:00:00Z', total: '42.00' },
        { id: `${id}-o2`, number: '1002', email: 'bob@example.com', customerId: 'c-2', status: 'paid', placedAt: '2026-12-01T10:00:00Z', total: '19.00' },
      ];
      const account: MiniAccount = { id, email: `owner@${id}`, name: `Shop ${id}`, domains: [id, `www.${id}`], products, orders, ...extra };
      accounts.set(id, account);
      return account;
    },
    signQuery: (params, secret = appSecret) => signQuery(secret, params),
    issueTokens: issue,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
