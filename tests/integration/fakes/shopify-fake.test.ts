/**
 * The fake Shopify, driven through the real `shopify-api-node` client (graphql()) and plain
 * HTTP the way a plugin's OAuth and webhook code would, asserting on the fake's own state.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Shopify from 'shopify-api-node';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeShopify,
  payloads,
  appProxySignature,
  queryHmac,
  webhookHmac,
  TOKEN_EXCHANGE_GRANT,
  ID_TOKEN_TYPE,
  OFFLINE_TOKEN_TYPE,
  type FakeShop,
  type FakeShopify,
} from '../../fakes/shopify/index.ts';

let fake: FakeShopify;
let shop: FakeShop;

beforeAll(async () => {
  fake = await startFakeShopify({ bulkCompletionMs: 1500 });
  shop = fake.shops.create({ name: 'acme', email: 'owner@acme.test' });
  fake.seedProducts(shop, 120);
});
afterAll(async () => {
  await fake?.close();
});

function client(accessToken: string, shopName = shop.domain): Shopify {
  return new Shopify({ shopName, accessToken, apiVersion: fake.apiVersion, agent: { https: fake.agent() } });
}

/** POST to the fake the way a plugin does with PLUGIN_SHOPIFY_UPSTREAM: origin = fake, Host = shop. */
function post(path: string, body: Record<string, string>, host = shop.domain): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const u = new URL(fake.url);
    const req = http.request(
      { host: u.hostname, port: u.port, path, method: 'POST', headers: { Host: host, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function get(path: string, host = shop.domain): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(fake.url);
    http
      .get({ host: u.hostname, port: u.port, path, headers: { Host: host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      })
      .on('error', reject);
  });
}

const PRODUCTS = `query Products($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query) {
    edges { cursor node { id title handle description descriptionHtml onlineStoreUrl status tags updatedAt
      featuredImage { url altText }
      variants(first: 3) { edges { node { id title price sku availableForSale selectedOptions { name value } } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('OAuth', () => {
  it('authorize redirects with a Shopify-signed query; the code is exchanged once for an expiring offline token', async () => {
    const res = await get(`/admin/oauth/authorize?client_id=${fake.apiKey}&scope=read_products,read_orders&redirect_uri=${encodeURIComponent('https://app.test/plugins/shopify/auth/callback')}&state=nonce-1`);
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.location!);
    expect(loc.origin + loc.pathname).toBe('https://app.test/plugins/shopify/auth/callback');
    const q = Object.fromEntries(loc.searchParams);
    expect(q).toMatchObject({ shop: 'acme.myshopify.com', state: 'nonce-1' });
    expect(q.code).toMatch(/^[a-f0-9]{32}$/);
    // The app's check: hex HMAC over the sorted query without hmac, joined by '&'.
    const { hmac, ...rest } = q;
    const message = Object.keys(rest).sort().map((k) => `${k}=${rest[k]}`).join('&');
    expect(hmac).toBe(crypto.createHmac('sha256', fake.apiSecret).update(message).digest('hex'));
    expect(fake.authorizeRequests.at(-1)).toMatchObject({ scope: 'read_products,read_orders', state: 'nonce-1' });

    const tok = await post('/admin/oauth/access_token', { client_id: fake.apiKey, client_secret: fake.apiSecret, code: q.code!, expiring: '1' });
    expect(tok.status).toBe(200);
    expect(tok.body).toMatchObject({ scope: 'read_products,read_orders', expires_in: 3600, refresh_token_expires_in: 7_776_000 });
    expect(tok.body.access_token).toMatch(/^shpat_/);
    expect(tok.body.refresh_token).toMatch(/^shprt_/);
    expect(fake.installations.get('acme.myshopify.com')).toMatchObject({ scopes: ['read_products', 'read_orders'], uninstalledAt: null });

    const again = await post('/admin/oauth/access_token', { client_id: fake.apiKey, client_secret: fake.apiSecret, code: q.code! });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const wrongSecret = await post('/admin/oauth/access_token', { client_id: fake.apiKey, client_secret: 'nope', code: 'x' });
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('approveInstall follows an app\'s authorize redirect; a wrong client_id or unknown shop is refused', async () => {
    const authorize = `https://acme.myshopify.com/admin/oauth/authorize?client_id=${fake.apiKey}&scope=read_products&redirect_uri=${encodeURIComponent('https://app.test/cb')}&state=s2`;
    const callback = new URL(await fake.approveInstall(authorize));
    expect(callback.searchParams.get('state')).toBe('s2');
    expect(queryHmac(fake.apiSecret, callback.searchParams)).toBe(callback.searchParams.get('hmac'));
    await expect(fake.approveInstall(authorize.replace(fake.apiKey, 'other-key'))).rejects.toThrow(/client_id is invalid/);
    await expect(fake.approveInstall(authorize.replace('acme.myshopify.com', 'ghost.myshopify.com'))).rejects.toThrow(/404/);
  });

  it('token exchange turns a session token into an offline token; a forged or expired one is refused', async () => {
    const sessionToken = fake.mintSessionToken(shop, { userId: 42 });
    const claims = jwt.verify(sessionToken, fake.apiSecret, { algorithms: ['HS256'], audience: fake.apiKey }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ iss: 'https://acme.myshopify.com/admin', dest: 'https://acme.myshopify.com', sub: '42' });
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(claims.jti).toBeTruthy();
    expect(claims.sid).toBeTruthy();
    const exchange = (subject_token: string) =>
      post('/admin/oauth/access_token', {
        client_id: fake.apiKey,
        client_secret: fake.apiSecret,
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token,
        subject_token_type: ID_TOKEN_TYPE,
        requested_token_type: OFFLINE_TOKEN_TYPE,
        expiring: '1',
      });
    const ok = await exchange(sessionToken);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ expires_in: 3600 });
    expect(ok.body.refresh_token).toMatch(/^shprt_/);
    expect(fake.tokens.at(-1)).toMatchObject({ token: ok.body.access_token, grant: 'token_exchange', mode: 'offline' });

    const forged = await exchange(fake.mintSessionToken(shop, { secret: 'not-the-secret' }));
    expect(forged).toMatchObject({ status: 400, body: { error: 'invalid_subject_token' } });
    const stale = await exchange(fake.mintSessionToken(shop, { issuedAt: Math.floor(Date.now() / 1000) - 600 }));
    expect(stale).toMatchObject({ status: 400, body: { error: 'invalid_subject_token' } });
  });

  it('an expired token gets 401; the refresh token rotates (the old one is refused after use)', async () => {
    const issued = fake.issueToken(shop, { expiring: true });
    const api = client(issued.accessToken);
    const before = await api.graphql('{ shop { name } }');
    expect(before.shop.name).toBe('Acme');

    expect(fake.expireTokens(shop)).toBeGreaterThan(0);
    const err = await api.graphql('{ shop { name } }').catch((e: any) => e);
    expect(err.response.statusCode).toBe(401);
    expect(err.response.body).toEqual({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });

    const refreshesBefore = fake.counters.tokenRefreshes;
    const refreshed = await post('/admin/oauth/access_token', { client_id: fake.apiKey, client_secret: fake.apiSecret, grant_type: 'refresh_token', refresh_token: issued.refreshToken! });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(issued.refreshToken);
    expect(fake.counters.tokenRefreshes).toBe(refreshesBefore + 1);
    const after = await client(refreshed.body.access_token).graphql('{ shop { myshopifyDomain } }');
    expect(after.shop.myshopifyDomain).toBe('acme.myshopify.com');

    const reused = await post('/admin/oauth/access_token', { client_id: fake.apiKey, client_secret: fake.apiSecret, grant_type: 'refresh_token', refresh_token: issued.refreshToken! });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const next = await post('/admin/oauth/access_token', { client_id: fake.apiKey, client_secret: fake.apiSecret, grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token });
    expect(next.status).toBe(200);
  });
});

describe('Admin GraphQL through shopify-api-node', () => {
  it('pages products with cursors, variants and images, and reports the cost', async () => {
    fake.refillBucket(shop);
    const { accessToken } = fake.issueToken(shop);
    const api = client(accessToken);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: any = await api.graphql(PRODUCTS, { first: 50, after });
      pages++;
      for (const e of page.products.edges) seen.push(e.node.id);
      after = page.products.pageInfo.hasNextPage ? page.products.pageInfo.endCursor : null;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect(seen).toEqual(shop.productList().map((p) => `gid://shopify/Product/${p.id}`));

    const first: any = await api.graphql(PRODUCTS, { first: 1 });
    const node = first.products.edges[0].node;
    const p = shop.productList()[0]!;
    expect(node).toMatchObject({ title: p.title, handle: p.handle, descriptionHtml: p.descriptionHtml, tags: p.tags, updatedAt: p.updatedAt });
    expect(node.description).not.toContain('<p>');
    expect(node.onlineStoreUrl).toBe(p.status === 'ACTIVE' ? `https://acme.myshopify.com/products/${p.handle}` : null);
    expect(node.featuredImage.url).toBe(p.images[0]!.url);
    expect(node.variants.edges[0].node).toMatchObject({ id: `gid://shopify/ProductVariant/${p.variants[0]!.id}`, price: p.variants[0]!.price, sku: p.variants[0]!.sku });
    // 2 + 1 × (1 product + variants (2 + 3 × 1 variant)); scalars and non-Node objects are free.
    expect(api.callGraphqlLimits.requestedQueryCost).toBe(8);
    expect(api.callGraphqlLimits.actualQueryCost).toBe(2 + 1 + 2 + Math.min(3, p.variants.length));
    expect(api.callGraphqlLimits.max).toBe(1000);
  });

  it('searches products by a word of the description and by updated_at', async () => {
    const special = shop.addProduct({ title: 'Ferry Lantern', descriptionHtml: '<p>A lantern with a <b>quokka</b> etched on the glass.</p>', updatedAt: '2030-01-01T00:00:00Z' });
    const api = client(fake.issueToken(shop).accessToken);
    const byWord: any = await api.graphql(PRODUCTS, { first: 10, query: 'quokka' });
    expect(byWord.products.edges.map((e: any) => e.node.title)).toEqual(['Ferry Lantern']);
    const recent: any = await api.graphql(PRODUCTS, { first: 10, query: "updated_at:>'2029-12-31T00:00:00Z'" });
    expect(recent.products.edges.map((e: any) => e.node.id)).toEqual([`gid://shopify/Product/${special.id}`]);
    shop.deleteProduct(special.id);
  });

  it('answers THROTTLED (HTTP 200) when the bucket is low, and restores at restoreRate', async () => {
    const api = client(fake.issueToken(shop).accessToken);
    const throttledBefore = fake.counters.throttled;
    fake.drainBucket(shop, 10);
    const err = await api.graphql(PRODUCTS, { first: 50 }).catch((e: any) => e);
    expect(err.message).toBe('Throttled');
    expect(err.extensions).toMatchObject({ code: 'THROTTLED' });
    expect(fake.counters.throttled).toBe(throttledBefore + 1);
    expect(fake.graphqlLog.at(-1)).toMatchObject({ throttled: true, requestedCost: 2 + 50 * 6 });
    // Cheap queries still pass; the status says how little is left (10 points + 50/s since).
    await api.graphql('{ shop { name } }');
    expect(api.callGraphqlLimits.remaining).toBeLessThan(500);
    expect(api.callGraphqlLimits.restoreRate).toBe(50);
    fake.refillBucket(shop);
  });

  it('refuses a query above the single-query cost limit', async () => {
    const api = client(fake.issueToken(shop).accessToken);
    const err = await api.graphql('{ products(first: 250) { edges { node { id variants(first: 250) { edges { node { id } } } } } } }').catch((e: any) => e);
    expect(err.extensions).toMatchObject({ code: 'MAX_COST_EXCEEDED' });
  });

  it('reads orders with fulfillments and tracking, filtered by name and email, and checks scopes', async () => {
    const customer = shop.addCustomer({ email: 'jo@example.com', firstName: 'Jo' });
    const product = shop.productList()[3]!;
    const order = shop.addOrder({ customerId: customer.id, lineItems: [{ productId: product.id, quantity: 2 }] });
    shop.fulfillOrder(order.id, [{ number: '1Z999', company: 'UPS', url: 'https://ups.example/1Z999' }]);
    const api = client(fake.issueToken(shop).accessToken);
    const q = `query($q: String) { orders(first: 5, query: $q) { nodes { id name email displayFinancialStatus displayFulfillmentStatus createdAt
      customer { id email } lineItems(first: 5) { nodes { title quantity } }
      fulfillments { trackingInfo { number url company } } } } }`;
    const found: any = await api.graphql(q, { q: `name:${order.name} email:jo@example.com` });
    expect(found.orders.nodes).toHaveLength(1);
    expect(found.orders.nodes[0]).toMatchObject({
      name: order.name,
      email: 'jo@example.com',
      displayFinancialStatus: 'PAID',
      displayFulfillmentStatus: 'FULFILLED',
      customer: { id: `gid://shopify/Customer/${customer.id}`, email: 'jo@example.com' },
      lineItems: { nodes: [{ title: product.title, quantity: 2 }] },
      fulfillments: [{ trackingInfo: [{ number: '1Z999', url: 'https://ups.example/1Z999', company: 'UPS' }] }],
    });
    const wrong: any = await api.graphql(q, { q: `name:${order.name} email:someone@else.com` });
    expect(wrong.orders.nodes).toEqual([]);
    const viaCustomer: any = await api.graphql(`{ customer(id: "gid://shopify/Customer/${customer.id}") { email orders(first: 5) { nodes { name } } } }`);
    expect(viaCustomer.customer.orders.nodes).toEqual([{ name: order.name }]);

    const productsOnly = client(fake.issueToken(shop, { scopes: ['read_products'] }).accessToken);
    const denied = await productsOnly.graphql(q, { q: '' }).catch((e: any) => e);
    expect(denied.extensions).toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('runs a bulk query and serves JSONL with __parentId lines for nested variants', async () => {
    const api = client(fake.issueToken(shop).accessToken);
    const started: any = await api.graphql(`mutation { bulkOperationRunQuery(query: """
      { products { edges { node { id title variants { edges { node { id sku } } } } } } }
    """) { bulkOperation { id status } userErrors { field message } } }`);
    expect(started.bulkOperationRunQuery.userErrors).toEqual([]);
    expect(started.bulkOperationRunQuery.bulkOperation.status).toBe('RUNNING');
    const busy: any = await api.graphql(`mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { bulkOperation { id } userErrors { message } } }`);
    expect(busy.bulkOperationRunQuery.userErrors[0].message).toMatch(/already in progress/);

    let op: any;
    for (let i = 0; i < 300; i++) {
      op = (await api.graphql('{ currentBulkOperation { id status objectCount rootObjectCount url } }')).currentBulkOperation;
      if (op.status === 'COMPLETED') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(op.status).toBe('COMPLETED');
    expect(op.id).toBe(started.bulkOperationRunQuery.bulkOperation.id);
    const variants = shop.productList().reduce((n, p) => n + p.variants.length, 0);
    expect(op.rootObjectCount).toBe(String(shop.products.size));
    expect(op.objectCount).toBe(String(shop.products.size + variants));

    const url = new URL(op.url);
    const file = await get(url.pathname + url.search, url.host);
    expect(file.status).toBe(200);
    const lines = file.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(shop.products.size + variants);
    const p0 = shop.productList()[0]!;
    expect(lines[0]).toEqual({ id: `gid://shopify/Product/${p0.id}`, title: p0.title });
    expect(lines[1]).toEqual({ id: `gid://shopify/ProductVariant/${p0.variants[0]!.id}`, sku: p0.variants[0]!.sku, __parentId: `gid://shopify/Product/${p0.id}` });
    expect(fake.counters.bulkDownloads).toBe(1);
    const viaNode: any = await api.graphql(`{ node(id: "${op.id}") { ... on BulkOperation { status } } }`);
    expect(viaNode.node.status).toBe('COMPLETED');
  });

  it('refuses bulk queries Shopify refuses: no top connection, or a nested connection whose parent lacks id', async () => {
    const api = client(fake.issueToken(shop).accessToken);
    const run = async (q: string) => ((await api.graphql(`mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { message } } }`, { q })) as any).bulkOperationRunQuery;
    const noId = await run('{ products { edges { node { title variants { edges { node { id } } } } } } }');
    expect(noId.bulkOperation).toBeNull();
    expect(noId.userErrors[0].message).toMatch(/must select the 'id' field.*variants/);
    const notConnection = await run('{ shop { name } }');
    expect(notConnection.userErrors[0].message).toMatch(/exactly one top-level field/);
    const started = fake.counters.bulkOperationsStarted;
    const cancelled = await run('{ orders { edges { node { id name } } } }');
    expect(fake.counters.bulkOperationsStarted).toBe(started + 1);
    const c: any = await api.graphql(`mutation { bulkOperationCancel(id: "${cancelled.bulkOperation.id}") { bulkOperation { status } userErrors { message } } }`);
    expect(c.bulkOperationCancel).toEqual({ bulkOperation: { status: 'CANCELED' }, userErrors: [] });
  });

  it('creates webhook subscriptions', async () => {
    const api = client(fake.issueToken(shop).accessToken);
    const res: any = await api.graphql(`mutation { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: { uri: "https://app.test/webhooks/shopify", format: JSON }) { webhookSubscription { id topic uri } userErrors { message } } }`);
    expect(res.webhookSubscriptionCreate.webhookSubscription).toMatchObject({ topic: 'PRODUCTS_UPDATE', uri: 'https://app.test/webhooks/shopify' });
    expect(fake.webhookSubscriptions).toHaveLength(1);
  });

  it('answers 401 to an unknown token and 404 to an unknown shop', async () => {
    const err = await client('shpat_nope').graphql('{ shop { name } }').catch((e: any) => e);
    expect(err.response.statusCode).toBe(401);
    const other = await client('shpat_nope', 'nowhere.myshopify.com').graphql('{ shop { name } }').catch((e: any) => e);
    expect(other.response.statusCode).toBe(404);
  });
});

describe('webhooks, app proxy and install query', () => {
  let receiver: http.Server;
  let receiverUrl: string;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let failFirst = 0;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        const ok = String(req.headers['x-shopify-hmac-sha256']) === webhookHmac(fake.apiSecret, Buffer.concat(chunks));
        if (failFirst > 0) {
          failFirst--;
          res.writeHead(500).end();
          return;
        }
        res.writeHead(ok ? 200 : 401).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/shopify`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  it('signs deliveries with the app secret and sends Shopify headers', async () => {
    const product = shop.productList()[0]!;
    const [d] = await fake.deliverWebhook(shop, 'products/update', payloads.productPayload(shop, product), { to: receiverUrl });
    expect(d!.delivered).toBe(true);
    const got = received.at(-1)!;
    expect(got.headers['x-shopify-hmac-sha256']).toBe(crypto.createHmac('sha256', fake.apiSecret).update(got.body).digest('base64'));
    expect(got.headers).toMatchObject({ 'x-shopify-topic': 'products/update', 'x-shopify-shop-domain': 'acme.myshopify.com', 'x-shopify-api-version': '2025-10' });
    expect(got.headers['x-shopify-event-id']).toBe(d!.eventId);
    expect(got.headers['x-shopify-webhook-id']).toBe(d!.webhookId);
    expect(Date.parse(String(got.headers['x-shopify-triggered-at']))).not.toBeNaN();
    expect(JSON.parse(got.body)).toMatchObject({ id: product.id, title: product.title, admin_graphql_api_id: `gid://shopify/Product/${product.id}` });
  });

  it('notify delivers the current state of a changed product with Triggered-At = its updatedAt, to its subscriptions', async () => {
    const product = shop.productList()[5]!;
    shop.updateProduct(product.id, { title: 'Renamed Lamp', updatedAt: '2031-02-03T04:05:06.000Z' });
    fake.webhookSubscriptions.splice(0); // only local receivers: nothing may reach the internet
    fake.webhookSubscriptions.push({ id: 1, shop: shop.domain, topic: 'PRODUCTS_UPDATE', uri: receiverUrl, format: 'JSON', includeFields: [], createdAt: new Date().toISOString() });
    const [d] = await fake.notify(shop, 'products/update', product.id);
    expect(d!.to).toBe(receiverUrl);
    expect(d!.delivered).toBe(true);
    expect(d!.headers['X-Shopify-Triggered-At']).toBe('2031-02-03T04:05:06.000Z');
    expect(JSON.parse(received.at(-1)!.body)).toMatchObject({ id: product.id, title: 'Renamed Lamp', updated_at: '2031-02-03T04:05:06.000Z' });
    const [del] = await fake.notify(shop, 'products/delete', product.id, { to: receiverUrl });
    expect(JSON.parse(del!.body)).toEqual({ id: product.id });
  });

  it('retries a non-2xx answer with the same event id, and a wrong secret is rejected by the receiver', async () => {
    failFirst = 2;
    const n = received.length;
    const [d] = await fake.deliverWebhook(shop, 'customers/redact', payloads.customersRedactPayload(shop, { id: 1, email: 'jo@example.com' }), { to: receiverUrl, retries: 3 });
    expect(d!.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(new Set(received.slice(n).map((r) => r.headers['x-shopify-event-id']))).toEqual(new Set([d!.eventId]));

    const [remote] = await fake.deliverWebhook(shop, 'shop/redact', payloads.shopRedactPayload(shop), { to: 'https://app.test/webhooks/shopify', retries: 0 });
    expect(remote!.attempts).toEqual([expect.objectContaining({ status: null, error: expect.stringMatching(/not a loopback/) })]);

    const [bad] = await fake.deliverWebhook(shop, 'shop/redact', payloads.shopRedactPayload(shop), { to: receiverUrl, secret: 'wrong', retries: 1 });
    expect(bad!.delivered).toBe(false);
    expect(bad!.attempts.map((a) => a.status)).toEqual([401, 401]);
  });

  it('signs app proxy queries and install queries as Shopify documents', () => {
    const signed = fake.signAppProxy(shop, '/session', { logged_in_customer_id: '123', extra: ['1', '2'] });
    const q = new URLSearchParams(signed.query);
    expect(q.get('path_prefix')).toBe('/apps/concierge');
    expect(q.get('shop')).toBe('acme.myshopify.com');
    // Recompute independently: sorted key=value (multi-values joined by ','), no separator.
    const message = ['extra=1,2', `logged_in_customer_id=123`, 'path_prefix=/apps/concierge', 'shop=acme.myshopify.com', `timestamp=${q.get('timestamp')}`].join('');
    expect(q.get('signature')).toBe(crypto.createHmac('sha256', fake.apiSecret).update(message).digest('hex'));
    expect(appProxySignature(fake.apiSecret, q)).toBe(q.get('signature'));

    const install = fake.signInstallQuery(shop);
    const iq = new URLSearchParams(install.query);
    expect(iq.get('shop')).toBe('acme.myshopify.com');
    expect(queryHmac(fake.apiSecret, iq)).toBe(iq.get('hmac'));
    expect(queryHmac('other', iq)).not.toBe(iq.get('hmac'));
  });

  it('uninstall revokes tokens and delivers app/uninstalled', async () => {
    const other = fake.shops.create({ name: 'beta-store' });
    const { accessToken } = fake.issueToken(other);
    const [d] = await fake.uninstall(other, { to: receiverUrl });
    expect(d!.topic).toBe('app/uninstalled');
    expect(JSON.parse(d!.body)).toMatchObject({ myshopify_domain: 'beta-store.myshopify.com' });
    expect(fake.installations.get('beta-store.myshopify.com')!.uninstalledAt).not.toBeNull();
    const err = await client(accessToken, other.domain).graphql('{ shop { name } }').catch((e: any) => e);
    expect(err.response.statusCode).toBe(401);
  });
});
