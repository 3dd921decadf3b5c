import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogProduct, InstallCallbackRequest, OrderSummary, WebhookRequest } from '@concierge/plugin-sdk';
import { runPluginContract } from '@concierge/plugin-sdk/testkit';
import shopify from '../../plugins/shopify/index.ts';
import { FakeShop, generateProducts, gid, payloads, queryHmac, startFakeShopify, stripHtml, webhookHmac, type FakeShopify } from '../fakes/shopify/index.ts';

/**
 * The Shopify plugin against the fake Shopify (real shopify-api-node over PLUGIN_SHOPIFY_UPSTREAM),
 * checked by the SDK's contract kit; every answer is compared with the fake's own state.
 */

let fake: FakeShopify;
let shop: FakeShop;
let secrets: { accessToken: string; refreshToken?: string; expiresAt?: string };

beforeAll(async () => {
  fake = await startFakeShopify({ throttle: { maximumAvailable: 2000, restoreRate: 1000 } });
  shop = fake.shops.create({ name: 'contract', email: 'owner@contract.test', currencyCode: 'EUR' });
  fake.seedProducts(shop, 120);
  const jo = shop.addCustomer({ email: 'jo@example.com' });
  const first = shop.productList()[0]!;
  const order = shop.addOrder({ email: 'jo@example.com', customerId: jo.id, lineItems: [{ productId: first.id, quantity: 2 }] });
  shop.fulfillOrder(order.id, [{ number: '1Z999', company: 'UPS', url: 'https://ups.example/1Z999' }]);
  shop.addOrder({ email: 'other@example.com', lineItems: [{ productId: first.id }] });
  const issued = fake.issueToken(shop, { expiring: true });
  secrets = { accessToken: issued.accessToken, refreshToken: issued.refreshToken ?? undefined, expiresAt: new Date(issued.expiresAt!).toISOString() };
});
afterAll(async () => {
  await shopify.teardown?.();
  await fake?.close();
});

const settings = () => ({ apiKey: fake.apiKey, apiSecret: fake.apiSecret, scopes: 'read_products,read_orders,read_customers', upstream: fake.url });

/** The oracle: the fake's own records in the SDK's shapes (Shopify's rules, not the plugin's code). */
function productsOracle(): CatalogProduct[] {
  return shop.productList().map((p) => {
    const min = Math.min(...p.variants.map((v) => Number(v.price)));
    return {
      externalId: gid('Product', p.id),
      handle: p.handle,
      title: p.title,
      description: stripHtml(p.descriptionHtml).replace(/\n/g, ' '),
      price: { amount: min.toFixed(2), currency: 'EUR' },
      tags: p.tags,
      variants: [],
    };
  });
}

function ordersOracle(): OrderSummary[] {
  return [...shop.orders.values()].map((o) => ({
    externalId: gid('Order', o.id),
    number: o.name.replace(/^#/, ''),
    ...(o.email ? { email: o.email } : {}),
    ...(o.customerId ? { customerId: gid('Customer', o.customerId) } : {}),
    status: o.cancelledAt ? 'cancelled' : FakeShop.fulfillmentStatus(o) === 'FULFILLED' ? 'fulfilled' : 'open',
    placedAt: o.createdAt,
    total: { amount: '0.00', currency: o.currencyCode },
    items: [],
    tracking: [],
  }));
}

function payloadFor(topic: string): unknown {
  const product = shop.productList()[1]!;
  const customer = [...shop.customers.values()][0]!;
  const orderIds = [...shop.orders.values()].filter((o) => o.customerId === customer.id).map((o) => o.id);
  switch (topic) {
    case 'products/create':
    case 'products/update':
      return payloads.productPayload(shop, product);
    case 'products/delete':
      return payloads.productDeletePayload(product.id);
    case 'app/uninstalled':
      return payloads.shopPayload(shop);
    case 'customers/data_request':
      return payloads.customersDataRequestPayload(shop, customer, orderIds);
    case 'customers/redact':
      return payloads.customersRedactPayload(shop, customer, orderIds);
    case 'shop/redact':
      return payloads.shopRedactPayload(shop);
    default:
      throw new Error(`no payload for ${topic}`);
  }
}

function signed(topic: string, secret: string, deliveryId = `evt-${Math.random().toString(36).slice(2)}`): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(payloadFor(topic)));
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': shop.domain,
      'x-shopify-event-id': deliveryId,
      'x-shopify-webhook-id': `wh-${Math.random().toString(36).slice(2)}`,
      'x-shopify-triggered-at': new Date().toISOString(),
      'x-shopify-hmac-sha256': webhookHmac(secret, rawBody),
    },
  };
}

/** Plays the merchant: opens the authorize URL on the fake (auto-approved) and follows its redirect back. */
async function authorize(step: { kind: string; url?: string }): Promise<InstallCallbackRequest> {
  const url = new URL(step.url!);
  expect(url.hostname).toBe(shop.domain);
  expect(url.pathname).toBe('/admin/oauth/authorize');
  const answer = await fetch(`${fake.url}${url.pathname}${url.search}`, { redirect: 'manual', headers: { 'x-shopify-shop-domain': shop.domain } });
  expect(answer.status).toBe(302);
  const back = new URL(answer.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe('http://localhost:3000/plugins/shopify/auth/callback');
  return { method: 'GET', query: Object.fromEntries(back.searchParams), body: undefined, rawBody: Buffer.alloc(0), headers: {} };
}

runPluginContract(
  { describe, it, expect: expect as never },
  {
    plugin: shopify as never,
    context: () => ({ settings: settings(), externalId: shop.domain, config: { currency: 'EUR' }, secrets: { ...secrets } }),
    fakePlatform: { products: async () => productsOracle(), orders: async () => ordersOracle() },
    fixtures: {
      // The fake's products are deterministic: the first one's first title word finds something.
      catalogQuery: generateProducts(1)[0]!.title.split(' ')[0]!,
      catalogPageSize: 50,
      webhooks: {
        signed: (topic, options) => signed(topic, fake.apiSecret, options?.deliveryId),
        signedWithWrongSecret: (topic) => signed(topic, 'shpss_not-the-app-secret'),
      },
      install: {
        origin: 'platform',
        params: () => fake.signInstallQuery(shop).params,
        authorize: (step) => authorize(step as { kind: string; url?: string }),
        forgedCallback: (state) => {
          const query = { code: 'forged-code', shop: shop.domain, state, timestamp: String(Math.floor(Date.now() / 1000)) };
          return { method: 'GET', query: { ...query, hmac: queryHmac('shpss_forged', query) }, body: undefined, rawBody: Buffer.alloc(0), headers: {} };
        },
      },
      errorContexts: {
        revoked: () => ({ settings: settings(), externalId: shop.domain, config: { currency: 'EUR' }, secrets: { accessToken: 'shpat_revoked' } }),
        unreachable: () => ({ settings: { ...settings(), upstream: 'http://127.0.0.1:9' }, externalId: shop.domain, config: { currency: 'EUR' }, secrets: { ...secrets } }),
      },
    },
  },
);
