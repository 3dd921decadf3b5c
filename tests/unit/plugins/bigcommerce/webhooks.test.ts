import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreEventSchema, isPluginError, type WebhookRequest } from '@concierge/plugin-sdk';
import plugin, { SECRET_HEADER, WEBHOOK_SCOPES } from '../../../../plugins/bigcommerce/index.ts';
import { startFakeBigCommerce, type BcStore, type FakeBigCommerce } from '../../../fakes/bigcommerce/server.ts';
import { seedStore } from '../../../fakes/bigcommerce/seed.ts';
import { contextFor } from './helpers.ts';

// What the contract kit checks for webhooks, for a platform whose deliveries are not signed: the
// shared secret BigCommerce sends back in our custom header is the proof; the body carries only ids.
let fake: FakeBigCommerce;
let store: BcStore;
let token: string;
const SECRET = 'hook-secret-0123456789';
beforeAll(async () => {
  fake = await startFakeBigCommerce();
  store = seedStore(fake, 'hooks1', 8);
  token = fake.issueToken(store.hash);
});
afterAll(() => fake.close());

const hooks = plugin.webhooks!;
const ctx = () => contextFor(fake, store, { accessToken: token, webhookSecret: SECRET });
const delivery = (scope: string, id: number | string, options: { secret?: string | null; createdAt?: number } = {}): WebhookRequest => ({
  rawBody: Buffer.from(fake.payload(store, scope, id, options.createdAt ?? 1_780_000_000)),
  headers: { 'content-type': 'application/json', ...(options.secret === null ? {} : { [SECRET_HEADER]: options.secret ?? SECRET }) },
});
const firstProduct = () => [...store.products.values()].find((p) => p.is_visible)!;
const firstOrder = () => [...store.orders.values()][0]!;

describe('BigCommerce webhooks', () => {
  it('declares the scopes it registers', () => {
    expect(hooks.topics).toEqual([...WEBHOOK_SCOPES]);
    expect(SECRET_HEADER).toBe('x-concierge-webhook-secret');
  });

  it('identifies the store (producer), the scope and the delivery (hash): a retry has the same id, another event another', () => {
    const one = hooks.identify(delivery('store/product/updated', 5));
    expect(one).toEqual({ externalId: store.hash, topic: 'store/product/updated', deliveryId: JSON.parse(delivery('store/product/updated', 5).rawBody.toString()).hash });
    expect(one!.deliveryId).toMatch(/^[0-9a-f]{40}$/);
    expect(hooks.identify(delivery('store/product/updated', 5))).toEqual(one);
    expect(hooks.identify(delivery('store/product/updated', 5, { createdAt: 1_780_000_001 }))!.deliveryId).not.toBe(one!.deliveryId);
  });

  it('cannot identify what is not a BigCommerce delivery', () => {
    const body = JSON.parse(fake.payload(store, 'store/product/updated', 5)) as Record<string, unknown>;
    const req = (value: unknown): WebhookRequest => ({ rawBody: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), headers: {} });
    expect(hooks.identify(req('{}'))).toBeUndefined();
    expect(hooks.identify(req('not json'))).toBeUndefined();
    expect(hooks.identify(req('null'))).toBeUndefined();
    expect(hooks.identify(req({ ...body, scope: 5 }))).toBeUndefined();
    expect(hooks.identify(req({ ...body, hash: '' }))).toBeUndefined();
    expect(hooks.identify(req({ ...body, hash: 7 }))).toBeUndefined();
    expect(hooks.identify(req({ ...body, producer: 9 }))).toBeUndefined();
    expect(hooks.identify(req({ ...body, producer: 'stores/' }))).toBeUndefined();
    expect(hooks.identify(req({ ...body, producer: 'x-stores/abc' }))).toBeUndefined();
    expect(hooks.identify(req({ ...body, producer: 'stores/abc/1' }))).toBeUndefined();
  });

  it('verifies the shared secret only: right header yes; another secret, none, or no secret stored no', async () => {
    expect(await hooks.verify(ctx(), delivery('store/product/updated', 5))).toBe(true);
    expect(await hooks.verify(ctx(), delivery('store/product/updated', 5, { secret: 'another-secret' }))).toBe(false);
    expect(await hooks.verify(ctx(), delivery('store/product/updated', 5, { secret: `${SECRET}x` }))).toBe(false);
    expect(await hooks.verify(ctx(), delivery('store/product/updated', 5, { secret: null }))).toBe(false);
    expect(await hooks.verify(contextFor(fake, store, { accessToken: token }), delivery('store/product/updated', 5))).toBe(false);
    expect(await hooks.verify(contextFor(fake, store, { accessToken: token, webhookSecret: '' }), delivery('store/product/updated', 5, { secret: '' }))).toBe(false);
  });

  it('reads a created/updated product from the API as it is now, with the delivery time', async () => {
    const product = firstProduct();
    for (const scope of ['store/product/created', 'store/product/updated']) {
      const request = delivery(scope, product.id);
      const events = await hooks.normalize(ctx(), request, hooks.identify(request)!);
      expect(events).toEqual([{ type: 'product.upserted', occurredAt: new Date(1_780_000_000_000).toISOString(), product: expect.objectContaining({ externalId: String(product.id), title: product.name }) }]);
      expect(coreEventSchema.safeParse(events[0]).success).toBe(true);
    }
  });

  it('a product hidden or gone by now is a deletion', async () => {
    const hidden = [...store.products.values()].find((p) => !p.is_visible)!;
    for (const id of [hidden.id, 999_999]) {
      const request = delivery('store/product/updated', id);
      expect(await hooks.normalize(ctx(), request, hooks.identify(request)!)).toEqual([{ type: 'product.deleted', externalId: String(id), occurredAt: new Date(1_780_000_000_000).toISOString() }]);
    }
    const deleted = delivery('store/product/deleted', 42);
    expect(await hooks.normalize(ctx(), deleted, hooks.identify(deleted)!)).toEqual([{ type: 'product.deleted', externalId: '42', occurredAt: new Date(1_780_000_000_000).toISOString() }]);
  });

  it('leaves out occurredAt when BigCommerce gave no created_at', async () => {
    const body = JSON.parse(fake.payload(store, 'store/product/deleted', 42)) as Record<string, unknown>;
    delete body.created_at;
    const request = { rawBody: Buffer.from(JSON.stringify(body)), headers: {} };
    expect(await hooks.normalize(ctx(), request, hooks.identify(request)!)).toEqual([{ type: 'product.deleted', externalId: '42' }]);
  });

  it('reads a created/updated order with its items; an order gone is nothing', async () => {
    const order = firstOrder();
    for (const scope of ['store/order/created', 'store/order/updated']) {
      const request = delivery(scope, order.id);
      const events = await hooks.normalize(ctx(), request, hooks.identify(request)!);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'order.upserted', order: { externalId: String(order.id), email: order.billing_address.email, items: order.products.map((i) => ({ title: i.name, quantity: i.quantity })) } });
      expect(coreEventSchema.safeParse(events[0]).success).toBe(true);
    }
    const gone = delivery('store/order/updated', 999_999);
    expect(await hooks.normalize(ctx(), gone, hooks.identify(gone)!)).toEqual([]);
  });

  it('maps store/app/uninstalled to app.uninstalled, ignores scopes it did not ask for, refuses a delivery without id', async () => {
    const uninstalled = delivery('store/app/uninstalled', store.hash);
    expect(await hooks.normalize(ctx(), uninstalled, hooks.identify(uninstalled)!)).toEqual([{ type: 'app.uninstalled' }]);
    const other = delivery('store/cart/created', 5);
    expect(await hooks.normalize(ctx(), other, hooks.identify(other)!)).toEqual([]);
    const body = JSON.parse(fake.payload(store, 'store/product/updated', 5)) as { data: Record<string, unknown> };
    body.data = { type: 'product' };
    const noId = { rawBody: Buffer.from(JSON.stringify(body)), headers: {} };
    const error = await Promise.resolve(hooks.normalize(ctx(), noId, hooks.identify(noId)!)).catch((e: unknown) => e);
    expect(isPluginError(error, 'WEBHOOK_PAYLOAD_INVALID')).toBe(true);
    const noData = { rawBody: Buffer.from(JSON.stringify({ ...body, data: undefined })), headers: {} };
    const error2 = await Promise.resolve(hooks.normalize(ctx(), noData, hooks.identify(noData)!)).catch((e: unknown) => e);
    expect(isPluginError(error2, 'WEBHOOK_PAYLOAD_INVALID')).toBe(true);
  });

  it('the fake delivers to registered hooks with their custom header, and the plugin accepts exactly those', async () => {
    const { createServer } = await import('node:http');
    const received: WebhookRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ rawBody: Buffer.concat(chunks), headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const publicUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const live = contextFor(fake, store, { accessToken: token }, { publicUrl }) as { secrets: { webhookSecret?: string } };
    await plugin.install!.afterInstall!(live as never);
    const product = firstProduct();
    const sent = await fake.fire(store, 'store/product/updated', product.id);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(sent.map((d) => d.status)).toEqual([200]);
    expect(received).toHaveLength(1);
    expect(await hooks.verify(live as never, received[0]!)).toBe(true);
    expect(await hooks.verify(ctx(), received[0]!)).toBe(false);
    expect(hooks.identify(received[0]!)).toMatchObject({ externalId: store.hash, topic: 'store/product/updated' });
  });
});
