// plugins/woocommerce beyond the contract kit: environment rules, connect parameters, the ping,
// WooCommerce's per-second delivery ids, drafts, and webhook registration on the fake store.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginError, type WebhookRequest } from '@concierge/plugin-sdk';
import { createTestContext } from '@concierge/plugin-sdk/testkit';
import woocommerce, { normalizeSiteUrl } from '../../../plugins/woocommerce/index.ts';
import { startFakeWooCommerce, type FakeWooCommerce } from '../../fakes/woocommerce/server.ts';

let store: FakeWooCommerce;
beforeAll(async () => {
  store = await startFakeWooCommerce();
  store.seed({ products: 30, orders: 10 });
});
afterAll(() => store.close());

const setupCtx = (settings: { allowHttp: boolean }, environment: 'production' | 'development' | 'test' = 'test') => ({
  pluginId: 'woocommerce', logger: { debug() {}, info() {}, warn() {}, error() {} }, settings, http: { fetch }, publicUrl: 'https://concierge.example', environment,
});
const codeOf = async (work: () => unknown) => {
  try {
    await work();
    return 'resolved';
  } catch (error) {
    return error instanceof PluginError ? error.code : String(error);
  }
};
const delivery = (body: string, headers: Record<string, string>, secret = 's'): WebhookRequest => ({
  rawBody: Buffer.from(body),
  headers: { 'x-wc-webhook-topic': 'product.updated', 'x-wc-webhook-source': 'https://shop.example/', 'x-wc-webhook-delivery-id': 'a'.repeat(32), 'x-wc-webhook-signature': createHmac('sha256', secret).update(body).digest('base64'), ...headers },
});

describe('plugins/woocommerce', () => {
  it('refuses PLUGIN_WOOCOMMERCE_ALLOW_HTTP in production, and http stores without it (or beyond loopback)', async () => {
    expect(await codeOf(() => woocommerce.setup!(setupCtx({ allowHttp: true }, 'production') as never))).toBe('PLUGIN_CONFIG_INVALID');
    expect(await codeOf(() => woocommerce.setup!(setupCtx({ allowHttp: true }, 'test') as never))).toBe('resolved');
    expect(normalizeSiteUrl('http://127.0.0.1:8080/', { allowHttp: true }, 'test')).toBe('http://127.0.0.1:8080');
    expect(normalizeSiteUrl('https://shop.example/store/?x=1', { allowHttp: false }, 'production')).toBe('https://shop.example/store');
    expect(await codeOf(() => normalizeSiteUrl('http://127.0.0.1:8080', { allowHttp: false }, 'test'))).toBe('INSTALL_REQUEST_INVALID');
    expect(await codeOf(() => normalizeSiteUrl('http://127.0.0.1:8080', { allowHttp: true }, 'production'))).toBe('INSTALL_REQUEST_INVALID');
    expect(await codeOf(() => normalizeSiteUrl('http://shop.example', { allowHttp: true }, 'test'))).toBe('INSTALL_REQUEST_INVALID');
    expect(await codeOf(() => normalizeSiteUrl('javascript:alert(1)', { allowHttp: true }, 'test'))).toBe('INSTALL_REQUEST_INVALID');
  });

  it('begin: wc-auth with app_name, read_write, our state as user_id; return_url only on the store itself', async () => {
    const begin = (params: Record<string, string>) =>
      woocommerce.install!.begin(setupCtx({ allowHttp: false }) as never, { origin: 'tenant', tenantId: 't', state: 'st_123', callbackUrl: 'https://concierge.example/plugins/woocommerce/auth/callback', params, rawQuery: '' });
    const step = await begin({ site: 'https://shop.example/', return: 'https://shop.example/wp-admin/options-general.php?page=concierge' });
    expect(step.kind).toBe('redirect');
    if (step.kind !== 'redirect') return;
    const url = new URL(step.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://shop.example/wc-auth/v1/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      app_name: 'Concierge',
      scope: 'read_write',
      user_id: 'st_123',
      return_url: 'https://shop.example/wp-admin/options-general.php?page=concierge',
      callback_url: 'https://concierge.example/plugins/woocommerce/auth/callback',
    });
    expect(step.remember).toEqual({ site: 'https://shop.example', permalinks: 'pretty' });
    const elsewhere = await begin({ site: 'https://shop.example', return: 'https://evil.example/phish' });
    expect(elsewhere.kind === 'redirect' && new URL(elsewhere.url).searchParams.get('return_url')).toBe('https://concierge.example/admin/');
    expect(await codeOf(() => woocommerce.install!.begin(setupCtx({ allowHttp: false }) as never, { origin: 'platform', state: 's', callbackUrl: 'x', params: { site: 'https://shop.example' }, rawQuery: '' }))).toBe('INSTALL_REQUEST_INVALID');
  });

  it('begin: a site with plain permalinks gets the query form of wc-auth, and complete finds its REST API at index.php?rest_route=', async () => {
    const step = await woocommerce.install!.begin(setupCtx({ allowHttp: false }) as never, { origin: 'tenant', tenantId: 't', state: 'st_1', callbackUrl: 'https://concierge.example/cb', params: { site: 'https://shop.example/blog/', permalinks: 'plain' }, rawQuery: '' });
    if (step.kind !== 'redirect') throw new Error('expected a redirect');
    const url = new URL(step.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://shop.example/blog/');
    expect(url.searchParams.get('wc-auth-version')).toBe('1');
    expect(url.searchParams.get('wc-auth-route')).toBe('authorize');
    expect(url.searchParams.get('user_id')).toBe('st_1');
    expect(step.remember).toEqual({ site: 'https://shop.example/blog', permalinks: 'plain' });

    const plainStore = await startFakeWooCommerce({ permalinks: 'plain', currency: 'GBP' });
    try {
      const complete = async (remembered: Record<string, string>) => {
        const key = plainStore.createKey();
        const body = { key_id: key.key_id, user_id: 'st', consumer_key: key.consumer_key, consumer_secret: key.consumer_secret, key_permissions: 'read_write' };
        const request = { method: 'POST' as const, query: {}, body, rawBody: Buffer.from(JSON.stringify(body)), headers: {} };
        return woocommerce.install!.complete!(setupCtx({ allowHttp: true }) as never, { origin: 'tenant', remembered, request, callbackUrl: 'x' } as never);
      };
      // Told plain: straight to index.php?rest_route=, signed over home_url('index.php').
      const told = await complete({ site: plainStore.url, permalinks: 'plain' });
      expect(told.config).toEqual({ siteUrl: plainStore.url, currency: 'GBP', permalinks: 'plain' });
      expect(plainStore.requests.map((r) => [r.path, r.route, r.status, r.auth])).toEqual([['/index.php', '/wc/v3/settings/general/woocommerce_currency', 200, 'oauth']]);
      // Not told (a merchant who connected from the dashboard): /wp-json/ is the site's 404 page, then index.php.
      const found = await complete({ site: plainStore.url });
      expect(found.config).toMatchObject({ currency: 'GBP', permalinks: 'plain' });
      expect(plainStore.requests.slice(1).map((r) => [r.path, r.status])).toEqual([['/wp-json/wc/v3/settings/general/woocommerce_currency', 404], ['/index.php', 200]]);

      // The catalog, orders and webhooks then go through index.php?rest_route= as well.
      const ctx = createTestContext({ publicUrl: 'http://127.0.0.1:9', config: told.config, secrets: told.secrets });
      plainStore.seed({ products: 3, orders: 1 });
      const listed = await woocommerce.catalog!.list!(ctx as never, { limit: 2 });
      expect(listed).toMatchObject({ nextCursor: '2', total: 3 });
      expect(listed.items.map((p) => p.externalId)).toEqual([...plainStore.products.keys()].slice(0, 2).map(String));
      await woocommerce.install!.afterInstall!(ctx as never);
      expect(plainStore.webhooks.size).toBe(5);
      expect(plainStore.requests.slice(3).every((r) => r.path === '/index.php' && r.auth === 'oauth' && r.status < 300)).toBe(true);
    } finally {
      await plainStore.close();
    }
  });

  it('stateFrom reads user_id from the key POST; verifyCallback refuses anything but read_write keys', () => {
    const request = (body: unknown) => ({ method: 'POST' as const, query: {}, body, rawBody: Buffer.from(''), headers: {} });
    const keys = { key_id: 3, user_id: 'st_9', consumer_key: `ck_${'1'.repeat(40)}`, consumer_secret: `cs_${'2'.repeat(40)}`, key_permissions: 'read_write' };
    expect(woocommerce.install!.stateFrom!(request(keys))).toBe('st_9');
    expect(woocommerce.install!.stateFrom!(request({}))).toBeUndefined();
    const input = (body: unknown) => ({ origin: 'tenant' as const, remembered: { site: 'https://shop.example' }, request: request(body), callbackUrl: 'x' });
    expect(() => woocommerce.install!.verifyCallback!(setupCtx({ allowHttp: false }) as never, input(keys))).not.toThrow();
    expect(() => woocommerce.install!.verifyCallback!(setupCtx({ allowHttp: false }) as never, input({ ...keys, key_permissions: 'read' }))).toThrow(PluginError);
    expect(() => woocommerce.install!.verifyCallback!(setupCtx({ allowHttp: false }) as never, input({ ...keys, consumer_key: 'nope' }))).toThrow(PluginError);
  });

  it('recognises the unsigned form ping and nothing else as a ping', () => {
    const hooks = woocommerce.webhooks!;
    expect(hooks.isPing!({ rawBody: Buffer.from('webhook_id=42'), headers: { 'content-type': 'application/x-www-form-urlencoded' } })).toBe(true);
    expect(hooks.isPing!(delivery('webhook_id=42', {}))).toBe(false); // a topic header: a real delivery
    expect(hooks.isPing!({ rawBody: Buffer.from('{"id":1}'), headers: {} })).toBe(false);
  });

  it('dedupes a byte-identical redelivery but not two events that share WooCommerce\'s per-second delivery id', () => {
    const hooks = woocommerce.webhooks!;
    const a = hooks.identify(delivery('{"id":1,"name":"A"}', {}))!;
    const again = hooks.identify(delivery('{"id":1,"name":"A"}', {}))!;
    const b = hooks.identify(delivery('{"id":1,"name":"B"}', {}))!;
    expect(a).toMatchObject({ externalId: 'https://shop.example', topic: 'product.updated' });
    expect(again.deliveryId).toBe(a.deliveryId);
    expect(b.deliveryId).not.toBe(a.deliveryId);
    expect(hooks.identify(delivery('{}', { 'x-wc-webhook-source': 'not a url' }))).toBeUndefined();
  });

  it('maps a draft product webhook to a deletion and a published one to an upsert with its GMT time', async () => {
    const ctx = createTestContext({ config: { siteUrl: 'https://shop.example', currency: 'EUR' }, secrets: { consumerKey: 'ck', consumerSecret: 'cs', webhookSecret: 's' } });
    const product = { ...[...store.products.values()][0]!, date_modified_gmt: '2026-12-01T10:00:00' };
    const published = await woocommerce.webhooks!.normalize(ctx as never, delivery(JSON.stringify(product), {}), { externalId: 'x', deliveryId: 'd', topic: 'product.updated' });
    expect(published).toEqual([{ type: 'product.upserted', occurredAt: '2026-12-01T10:00:00.000Z', product: expect.objectContaining({ externalId: String(product.id), title: product.name, price: { amount: product.price, currency: 'EUR' } }) }]);
    const draft = await woocommerce.webhooks!.normalize(ctx as never, delivery(JSON.stringify({ ...product, status: 'draft' }), {}), { externalId: 'x', deliveryId: 'd', topic: 'product.updated' });
    expect(draft).toEqual([{ type: 'product.deleted', externalId: String(product.id), occurredAt: '2026-12-01T10:00:00.000Z' }]);
    expect(await codeOf(() => woocommerce.webhooks!.normalize(ctx as never, delivery('not json', {}), { externalId: 'x', deliveryId: 'd', topic: 'product.updated' }))).toBe('WEBHOOK_PAYLOAD_INVALID');
  });

  it('afterInstall registers one webhook per topic with a fresh secret it stores first; re-running replaces them', async () => {
    const key = store.createKey();
    const ctx = createTestContext({ publicUrl: 'http://127.0.0.1:9', config: { siteUrl: store.url, currency: 'EUR' }, secrets: { consumerKey: key.consumer_key, consumerSecret: key.consumer_secret } });
    await woocommerce.install!.afterInstall!(ctx as never);
    const first = (ctx.secrets as { webhookSecret: string }).webhookSecret;
    expect(first.length).toBeGreaterThanOrEqual(40);
    expect([...store.webhooks.values()].map((w) => [w.topic, w.secret, w.delivery_url])).toEqual(
      expect.arrayContaining(['product.created', 'product.updated', 'product.deleted', 'order.created', 'order.updated'].map((t) => [t, first, 'http://127.0.0.1:9/webhooks/woocommerce'])),
    );
    await woocommerce.install!.afterInstall!(ctx as never);
    const second = (ctx.secrets as { webhookSecret: string }).webhookSecret;
    expect(second).not.toBe(first);
    expect(store.webhooks.size).toBe(5);
    expect([...store.webhooks.values()].every((w) => w.secret === second)).toBe(true);
  });
});
