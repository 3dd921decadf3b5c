import { afterAll, describe, expect, it } from 'vitest';
import type { WebhookRequest } from '@concierge/plugin-sdk';
import { runPluginContract } from '@concierge/plugin-sdk/testkit';
import plugin, { SECRET_HEADER } from '../../plugins/bigcommerce/index.ts';
import { startFakeBigCommerce, type BcStore } from '../fakes/bigcommerce/server.ts';
import { seedStore } from '../fakes/bigcommerce/seed.ts';

// The BigCommerce plugin against the shared contract kit, with the fake's own state as the oracle.
// Webhooks: BigCommerce does not sign deliveries; the per-installation secret comes back in our
// custom header (`header-secret`). Install: the auth callback finishes in `begin` (`installed`).
const fake = await startFakeBigCommerce();
const store = seedStore(fake, 'k3x9q2');
const token = fake.issueToken(store.hash);
// Another store with the app installed, whose secret this installation must refuse.
const otherStore = seedStore(fake, 'o7t2r5', 3);
const otherToken = fake.issueToken(otherStore.hash);
// The install runs on a store of its own: uninstall deletes that store's hooks.
const installStore = seedStore(fake, 'n4w8i1', 2);
afterAll(() => fake.close());

const settings = { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.apiUrl, loginUrl: fake.loginUrl };
const configOf = (s: BcStore) => ({ storeHash: s.hash, currency: s.currency, domain: s.domain });
const SECRET = 'contract-secret-0123456789';
const OTHER_SECRET = 'other-store-secret-9876543210';
/** The kit's setup context has publicUrl http://localhost:3000: the Auth Callback URL the code is bound to. */
const AUTH_CALLBACK_URL = 'http://localhost:3000/plugins/bigcommerce/install';

/** The resource a delivery of `scope` names: a product, an order or the store that exists. */
function resourceOf(s: BcStore, scope: string): number | string {
  if (scope.startsWith('store/product/')) return [...s.products.values()].find((p) => p.is_visible)!.id;
  if (scope.startsWith('store/order/')) return [...s.orders.values()][0]!.id;
  return s.hash;
}
/** BigCommerce's delivery id is the payload's hash (it covers created_at): one created_at per kit delivery id. */
const createdAtOf = (deliveryId: string) => 1_780_000_000 + [...deliveryId].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 1_000_000, 0);
const delivery = (s: BcStore, scope: string, secret: string, deliveryId = `kit-${scope}`): WebhookRequest => ({
  rawBody: Buffer.from(fake.payload(s, scope, resourceOf(s, scope), createdAtOf(deliveryId))),
  headers: { 'content-type': 'application/json', [SECRET_HEADER]: secret },
});

runPluginContract({ describe, it, expect: expect as never }, {
  plugin: plugin as never,
  context: () => ({ settings, externalId: store.hash, config: configOf(store), secrets: { accessToken: token, webhookSecret: SECRET } }),
  fakePlatform: { products: async () => fake.products(store.hash), orders: async () => fake.orders(store.hash) },
  fixtures: {
    catalogQuery: 'merino',
    catalogPageSize: 7,
    install: {
      // The control panel opens the Auth Callback URL (our /install) with a fresh one-time code.
      origin: 'platform',
      params: () => fake.authorize(installStore.hash, AUTH_CALLBACK_URL),
      forgedParams: () => ({ code: 'made-up-code', scope: 'store_v2_products_read_only', context: `stores/${installStore.hash}` }),
      isUninstalled: () => installStore.hooks.size === 0,
    },
    webhooks: {
      authentication: { kind: 'header-secret', header: SECRET_HEADER },
      signed: (topic, options) => delivery(store, topic, SECRET, options?.deliveryId),
      signedWithWrongSecret: (topic) => delivery(store, topic, 'not-the-installation-secret'),
      otherInstallation: {
        context: () => ({ settings, externalId: otherStore.hash, config: configOf(otherStore), secrets: { accessToken: otherToken, webhookSecret: OTHER_SECRET } }),
        signed: (topic) => delivery(otherStore, topic, OTHER_SECRET),
      },
    },
    errorContexts: {
      revoked: () => ({ settings, config: configOf(store), secrets: { accessToken: 'revoked-token' } }),
      unreachable: () => ({ settings: { ...settings, apiUrl: 'http://127.0.0.1:9' }, config: configOf(store), secrets: { accessToken: token } }),
    },
  },
});
