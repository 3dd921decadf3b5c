// The WooCommerce plugin against the shared contract kit, with the fake store's own state as the oracle.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogProduct, InstallCallbackRequest, InstallStep, OrderSummary, WebhookRequest } from '@concierge/plugin-sdk';
import { runPluginContract } from '@concierge/plugin-sdk/testkit';
import woocommerce from '../../plugins/woocommerce/index.ts';
import { startFakeWooCommerce, type FakeWooCommerce, type WooApiKey } from '../fakes/woocommerce/server.ts';

const WEBHOOK_SECRET = 'contract-webhook-secret-0123456789';

interface Rig {
  store: FakeWooCommerce;
  key: WooApiKey;
  revoked: WooApiKey;
  receiver: { url: string; server: Server; bodies: { headers: Record<string, string | string[] | undefined>; body: string }[] };
}

let rigPromise: Promise<Rig> | undefined;
function rig(): Promise<Rig> {
  rigPromise ??= (async () => {
    const store = await startFakeWooCommerce({ allowHttpCallback: true });
    store.seed({ products: 250, orders: 60 });
    store.addProduct({ name: 'Hidden Draft Merino', status: 'draft', regular_price: '5.00' });
    const key = store.createKey();
    const revoked = store.createKey();
    store.revokeKey(revoked.consumer_key);
    // Plays the Concierge server's public URL: takes webhook pings and the wc-auth key POST (answers 200).
    const bodies: Rig['receiver']['bodies'] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"installed"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { store, key, revoked, receiver: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, bodies } };
  })();
  return rigPromise;
}

afterAll(async () => {
  if (!rigPromise) return;
  const r = await rigPromise;
  await r.store.close();
  await new Promise((resolve) => r.receiver.server.close(resolve));
});

const baseContext = async () => {
  const { store, key, receiver } = await rig();
  return {
    settings: { allowHttp: true },
    publicUrl: receiver.url,
    externalId: store.url,
    config: { siteUrl: store.url, currency: 'EUR' },
    secrets: { consumerKey: key.consumer_key, consumerSecret: key.consumer_secret, webhookSecret: WEBHOOK_SECRET },
  };
};

/** A delivery as WC_Webhook::deliver sends it, for a resource of the fake store. */
async function delivery(topic: string, secret: string, deliveryId?: string): Promise<WebhookRequest> {
  const { store } = await rig();
  const [resource, event] = topic.split('.') as [string, string];
  const payload =
    resource === 'product'
      ? event === 'deleted'
        ? { id: [...store.products.keys()][0] }
        : [...store.products.values()].find((p) => p.status === 'publish')
      : [...store.orders.values()][0];
  const rawBody = Buffer.from(JSON.stringify(payload));
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'x-wc-webhook-source': `${store.url}/`,
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-resource': resource,
      'x-wc-webhook-event': event,
      'x-wc-webhook-id': '17',
      'x-wc-webhook-delivery-id': deliveryId ?? randomBytes(16).toString('hex'),
      'x-wc-webhook-signature': createHmac('sha256', secret).update(rawBody).digest('base64'),
    },
  };
}

const plain = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

runPluginContract(
  { describe, it, expect: expect as never },
  {
    plugin: woocommerce as never,
    context: baseContext,
    fakePlatform: {
      async products(): Promise<CatalogProduct[]> {
        const { store } = await rig();
        return [...store.products.values()]
          .filter((p) => p.status === 'publish')
          .map((p) => ({ externalId: String(p.id), handle: p.slug, title: p.name, description: plain(p.short_description || p.description), price: { amount: p.price, currency: 'EUR' }, tags: [], variants: [] }));
      },
      async orders(): Promise<OrderSummary[]> {
        const { store } = await rig();
        return [...store.orders.values()].map((o) => ({
          externalId: String(o.id),
          number: o.number,
          email: o.billing.email,
          ...(o.customer_id ? { customerId: String(o.customer_id) } : {}),
          status: o.status,
          placedAt: `${o.date_created_gmt}Z`,
          total: { amount: o.total, currency: o.currency },
          items: o.line_items.map((li) => ({ title: li.name, quantity: li.quantity })),
          tracking: [],
        }));
      },
    },
    fixtures: {
      catalogQuery: 'merino',
      catalogPageSize: 100,
      webhooks: {
        signed: (topic, options) => delivery(topic, WEBHOOK_SECRET, options?.deliveryId),
        signedWithWrongSecret: (topic) => delivery(topic, 'another-secret-entirely'),
      },
      install: {
        params: async () => ({ site: (await rig()).store.url }),
        async authorize(step: InstallStep, state: string): Promise<InstallCallbackRequest> {
          const { store, receiver } = await rig();
          if (step.kind !== 'redirect') throw new Error(`expected a redirect, got ${step.kind}`);
          const url = new URL(step.url);
          expect(`${url.origin}${url.pathname}`).toBe(`${store.url}/wc-auth/v1/authorize`);
          expect(url.searchParams.get('user_id')).toBe(state);
          expect(url.searchParams.get('scope')).toBe('read_write');
          // The merchant approves on the store; WooCommerce posts the keys to the callback (our receiver here).
          url.searchParams.set('callback_url', `${receiver.url}/plugins/woocommerce/auth/callback`);
          const before = receiver.bodies.length;
          const res = await fetch(`${store.url}/wc-auth/v1/access_granted/`, { method: 'POST', body: url.searchParams, redirect: 'manual' });
          expect(res.status).toBe(302);
          const posted = receiver.bodies[before]!;
          return { method: 'POST', query: {}, body: JSON.parse(posted.body), rawBody: Buffer.from(posted.body), headers: { 'content-type': 'application/json' } };
        },
        forgedCallback: (state) => {
          const body = { key_id: 99, user_id: state, consumer_key: `ck_${randomBytes(20).toString('hex')}`, consumer_secret: `cs_${randomBytes(20).toString('hex')}`, key_permissions: 'read_write' };
          return { method: 'POST', query: {}, body, rawBody: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } };
        },
        async isUninstalled() {
          const { store, receiver } = await rig();
          return ![...store.webhooks.values()].some((w) => w.delivery_url === `${receiver.url}/webhooks/woocommerce`);
        },
      },
      errorContexts: {
        revoked: async () => {
          const { revoked } = await rig();
          return { secrets: { consumerKey: revoked.consumer_key, consumerSecret: revoked.consumer_secret } };
        },
        unreachable: async () => ({ config: { siteUrl: 'http://127.0.0.1:1', currency: 'EUR' } }),
      },
    },
  },
);
