import { definePlugin, type PluginContext } from '@concierge/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { PluginCandidate } from '../../../core/plugin-host/host.ts';
import { fakeTurn, startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { completed, createStore, WidgetClient, type TestStore } from './helpers.ts';

/** Tools and order lookups contributed by a plugin: only for stores that installed it, run with that store's context. */
describe('plugin tools and orders in the chat', () => {
  let fake: FakeOpenAI;
  let app: TestApp;
  let installed: TestStore;
  let other: TestStore;
  const calls: { tenantId: string; args: unknown; shop: unknown }[] = [];
  const lookups: { tenantId: string; number: string; email: string }[] = [];

  const giftWrap = definePlugin({
    manifest: { id: 'giftwrap', name: 'Gift wrap', version: '1.0.0', coreRange: '^0.1.0', config: z.object({ shop: z.string() }) },
    tools: [
      {
        name: 'wrap_options',
        description: 'Gift wrap papers the store offers.',
        parameters: z.object({ occasion: z.string() }),
        run: async (ctx: PluginContext<{ shop: string }>, args: unknown) => {
          calls.push({ tenantId: ctx.tenantId, args, shop: ctx.config.shop });
          return { papers: ['gold', 'kraft'] };
        },
      },
    ],
    webhooks: {
      topics: ['orders/updated'],
      identify: (request) => ({ externalId: 'shop-1', deliveryId: String(request.headers['x-delivery-id']), topic: 'orders/updated' }),
      verify: (_ctx, request) => request.headers['x-signature'] === 'ok',
      normalize: (_ctx, request) => [{ type: 'order.upserted', order: JSON.parse(request.rawBody.toString('utf8')) }],
    },
    orders: {
      findByNumber: async (ctx, input) => {
        lookups.push({ tenantId: ctx.tenantId, ...input });
        return input.number === '7007'
          ? { externalId: 'ext-7007', number: '7007', email: 'gift@example.com', status: 'completed', placedAt: '2026-11-01T10:00:00Z', total: { amount: '12.00', currency: 'EUR' }, items: [{ title: 'Gift box', quantity: 1 }], tracking: [] }
          : undefined;
      },
    },
  });
  const candidates: PluginCandidate[] = [{ id: 'giftwrap', load: async () => ({ default: giftWrap }) }];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    app = await startTestApp({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url }, { pluginCandidates: candidates });
    installed = await createStore(app.application);
    other = await createStore(app.application);
    await app.application.repositories.pluginState.upsertInstallation(installed.tenantId, { pluginId: 'giftwrap', externalId: 'shop-1', config: { shop: 'shop-1' }, secretsEncrypted: null });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('offers `<pluginId>__<name>` only to stores with an active installation and runs it with that store’s context', async () => {
    fake.script(fakeTurn.toolCalls([{ name: 'giftwrap__wrap_options', arguments: { occasion: 'birthday' } }]), fakeTurn.text('Gold or kraft paper.'));
    const widget = new WidgetClient(app.url);
    await widget.start(installed.botKey);
    const stream = widget.stream();
    await widget.send('Can you gift wrap?');
    await stream.until((es) => completed(es).length === 1);
    await stream.close();
    const [first, second] = fake.chatRequests();
    const tool = first!.body.tools.find((t: any) => t.function.name === 'giftwrap__wrap_options');
    expect(tool.function.parameters).toMatchObject({ type: 'object', properties: { occasion: { type: 'string' } } });
    expect(calls).toEqual([{ tenantId: installed.tenantId, args: { occasion: 'birthday' }, shop: 'shop-1' }]);
    expect(JSON.parse(second!.body.messages.at(-1).content)).toEqual({ papers: ['gold', 'kraft'] });

    fake.reset();
    fake.script(fakeTurn.text('No gift wrap here.'));
    const elsewhere = new WidgetClient(app.url);
    await elsewhere.start(other.botKey);
    const s2 = elsewhere.stream();
    await elsewhere.send('Can you gift wrap?');
    await s2.until((es) => completed(es).length === 1);
    await s2.close();
    expect(fake.chatRequests()[0]!.body.tools.map((t: any) => t.function.name)).not.toContain('giftwrap__wrap_options');
  });

  it('asks the installed plugin for an order the cache does not know, and only for that store', async () => {
    fake.reset();
    fake.script(fakeTurn.toolCalls([{ name: 'lookup_order', arguments: { orderNumber: '7007', email: 'GIFT@example.com' } }]), fakeTurn.text('Found it.'));
    const widget = new WidgetClient(app.url);
    await widget.start(installed.botKey);
    const stream = widget.stream();
    await widget.send('order 7007, gift@example.com');
    await stream.until((es) => completed(es).length === 1);
    await stream.close();
    expect(JSON.parse(fake.chatRequests()[1]!.body.messages.at(-1).content)).toMatchObject({ status: 'found', order: { number: '7007', status: 'completed' } });
    expect(lookups).toEqual([{ tenantId: installed.tenantId, number: '7007', email: 'GIFT@example.com' }]);

    fake.reset();
    fake.script(fakeTurn.toolCalls([{ name: 'lookup_order', arguments: { orderNumber: '7007', email: 'gift@example.com' } }]), fakeTurn.text('Not found.'));
    const elsewhere = new WidgetClient(app.url);
    await elsewhere.start(other.botKey);
    const s2 = elsewhere.stream();
    await elsewhere.send('order 7007, gift@example.com');
    await s2.until((es) => completed(es).length === 1);
    await s2.close();
    expect(JSON.parse(fake.chatRequests()[1]!.body.messages.at(-1).content)).toEqual({ status: 'not_found' });
    expect(lookups).toHaveLength(1);
  });

  it('caches orders that a plugin emits (order.upserted from its webhook) for the lookup', async () => {
    const order = {
      externalId: 'ext-1',
      number: '#8008',
      email: 'emitted@example.com',
      status: 'processing',
      placedAt: '2026-11-02T10:00:00Z',
      total: { amount: '5.00', currency: 'EUR' },
      items: [{ title: 'Ribbon', quantity: 2 }],
    };
    const res = await fetch(`${app.url}/webhooks/giftwrap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': 'ok', 'x-delivery-id': 'd-1' },
      body: JSON.stringify(order),
    });
    expect(res.status).toBe(200);
    let found;
    for (let i = 0; i < 100 && found?.status !== 'found'; i++) {
      found = await app.application.orders.lookup(installed.tenantId, { orderNumber: '8008', email: 'emitted@example.com', timeZone: 'UTC' });
      if (found.status !== 'found') await new Promise((r) => setTimeout(r, 50));
    }
    expect(found).toMatchObject({ status: 'found', order: { number: '8008', status: 'processing', items: [{ title: 'Ribbon', quantity: 2 }] } });
    expect(await app.application.orders.lookup(other.tenantId, { orderNumber: '8008', email: 'emitted@example.com', timeZone: 'UTC' })).toEqual({ status: 'not_found' });
  });
});
