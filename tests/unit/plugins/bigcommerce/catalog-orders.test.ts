import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginError, type PluginError } from '@concierge/plugin-sdk';
import { testHttpClient } from '@concierge/plugin-sdk/testkit';
import plugin from '../../../../plugins/bigcommerce/index.ts';
import { retryAfterSeconds, storeRequest } from '../../../../plugins/bigcommerce/client.ts';
import { isoDate, money, plainText, toCatalogProduct, toOrderSummary } from '../../../../plugins/bigcommerce/mapping.ts';
import { startFakeBigCommerce, type BcStore, type FakeBigCommerce } from '../../../fakes/bigcommerce/server.ts';
import { seedStore } from '../../../fakes/bigcommerce/seed.ts';
import { contextFor } from './helpers.ts';

let fake: FakeBigCommerce;
let store: BcStore;
let token: string;
beforeAll(async () => {
  fake = await startFakeBigCommerce();
  store = seedStore(fake, 'cat001', 12);
  token = fake.issueToken(store.hash);
});
afterAll(() => fake.close());
const ctx = () => contextFor(fake, store, { accessToken: token });
async function errorOf(work: () => Promise<unknown>): Promise<PluginError | string> {
  try {
    await work();
    return 'resolved';
  } catch (error) {
    return isPluginError(error) ? error : `other: ${(error as Error).message}`;
  }
}

describe('BigCommerce catalog (v3)', () => {
  it('search: by keyword, visible products only, with variants and images, limit respected', async () => {
    const found = await plugin.catalog!.search(ctx(), { query: 'merino', limit: 50 });
    const truth = fake.products(store.hash).filter((p) => /merino/i.test(`${p.title} ${p.description}`));
    expect(found.map((p) => p.externalId).sort()).toEqual(truth.map((p) => p.externalId).sort());
    expect(found.every((p) => p.imageUrl?.endsWith('/standard.jpg') && p.variants.length > 0)).toBe(true);
    expect(await plugin.catalog!.search(ctx(), { query: 'merino', limit: 1 })).toHaveLength(1);
    expect(await plugin.catalog!.search(ctx(), { query: 'Hidden Merino Prototype', limit: 5 })).toEqual([]);
    expect(await plugin.catalog!.search(ctx(), { query: 'merino & co', limit: 5 })).toEqual([]);
    expect((await plugin.catalog!.search(ctx(), { query: 'merino', limit: 0 })).length).toBe(1);
  });

  it('get: a visible product by id; hidden, unknown or non-numeric ids are undefined', async () => {
    const [visible] = fake.products(store.hash);
    expect(await plugin.catalog!.get(ctx(), visible!.externalId)).toMatchObject({ externalId: visible!.externalId, title: visible!.title, price: visible!.price, description: visible!.description });
    const hidden = [...store.products.values()].find((p) => !p.is_visible)!;
    expect(await plugin.catalog!.get(ctx(), String(hidden.id))).toBeUndefined();
    expect(await plugin.catalog!.get(ctx(), '999999')).toBeUndefined();
    expect(await plugin.catalog!.get(ctx(), '12abc')).toBeUndefined();
    expect(await plugin.catalog!.get(ctx(), 'abc12')).toBeUndefined();
  });

  it('list: pages by meta.pagination, total is the visible count, the last page has no cursor', async () => {
    const first = await plugin.catalog!.list!(ctx(), { limit: 5 });
    expect(first).toMatchObject({ total: 12, nextCursor: '2' });
    expect(first.items).toHaveLength(5);
    const second = await plugin.catalog!.list!(ctx(), { cursor: '2', limit: 5 });
    expect(second.nextCursor).toBe('3');
    const last = await plugin.catalog!.list!(ctx(), { cursor: '3', limit: 5 });
    expect(last).toMatchObject({ nextCursor: null, total: 12 });
    expect(last.items).toHaveLength(2);
    expect(new Set([...first.items, ...second.items, ...last.items].map((p) => p.externalId)).size).toBe(12);
    expect((await plugin.catalog!.list!(ctx(), { cursor: 'x1', limit: 5 })).items.map((p) => p.externalId)).toEqual(first.items.map((p) => p.externalId));
    expect((await plugin.catalog!.list!(ctx(), { cursor: '1x', limit: 5 })).nextCursor).toBe('2');
    expect((await plugin.catalog!.list!(ctx(), { limit: 1000 })).items).toHaveLength(12);
    expect((await plugin.catalog!.list!(ctx(), { limit: 0 })).items).toHaveLength(1);
  });

  it('a throttled store (429) is retryable with BigCommerce\'s reset time; a revoked token is UPSTREAM_AUTH', async () => {
    store.throttled = 1;
    const throttled = await errorOf(() => plugin.catalog!.list!(ctx(), { limit: 5 }));
    expect(throttled).toMatchObject({ code: 'UPSTREAM_RETRYABLE', details: { retryAfterSeconds: 2 } });
    expect(await errorOf(() => plugin.catalog!.get(contextFor(fake, store, { accessToken: 'nope' }), '100'))).toMatchObject({ code: 'UPSTREAM_AUTH' });
  });
});

describe('BigCommerce orders (v2)', () => {
  const nth = (i: number) => () => [...store.orders.values()][i]!;
  const [shipped, second, guest] = [nth(0), nth(1), nth(2)];

  it('finds an order by id with the billing email (any case, #, spaces), its items and tracking', async () => {
    const o = shipped();
    const found = await plugin.orders!.findByNumber(ctx(), { number: ` #${o.id} `, email: ' ANN@harbour.test ' });
    expect(found).toEqual({
      externalId: String(o.id),
      number: String(o.id),
      email: 'ann@harbour.test',
      customerId: '7',
      status: 'Shipped',
      placedAt: new Date(o.date_created).toISOString(),
      total: { amount: '41.5000', currency: 'GBP' },
      items: [{ title: 'Merino Scarf 1', quantity: 1 }, { title: 'Linen Tote 2', quantity: 2 }],
      tracking: [{ number: '1Z999AA10123456784', company: 'ups', url: 'https://ups.example/1Z999AA10123456784' }],
    });
    const g = await plugin.orders!.findByNumber(ctx(), { number: String(guest().id), email: 'guest.buyer@example.com' });
    expect(g).toMatchObject({ number: String(guest().id), tracking: [] });
    expect(g!.customerId).toBeUndefined();
  });

  it('nothing without the matching email, for unknown or non-numeric numbers', async () => {
    const o = shipped();
    expect(await plugin.orders!.findByNumber(ctx(), { number: String(o.id), email: 'someone@else.test' })).toBeUndefined();
    expect(await plugin.orders!.findByNumber(ctx(), { number: String(o.id), email: '  ' })).toBeUndefined();
    expect(await plugin.orders!.findByNumber(ctx(), { number: '999999', email: 'ann@harbour.test' })).toBeUndefined();
    expect(await plugin.orders!.findByNumber(ctx(), { number: `${o.id}abc`, email: 'ann@harbour.test' })).toBeUndefined();
  });

  it('a verified customer gets their orders, newest first; none is an empty list (v2 answers 204)', async () => {
    const mine = await plugin.orders!.findForCustomer!(ctx(), { customerId: '7', limit: 5 });
    expect(mine.map((o) => o.number)).toEqual([String(second().id), String(shipped().id)]);
    expect(await plugin.orders!.findForCustomer!(ctx(), { customerId: '7', limit: 1 })).toHaveLength(1);
    expect(await plugin.orders!.findForCustomer!(ctx(), { customerId: '7', limit: 0 })).toHaveLength(1);
    expect(await plugin.orders!.findForCustomer!(ctx(), { customerId: '8', limit: 5 })).toEqual([]);
    for (const id of ['0', '', 'abc', '07', '7a']) expect(await plugin.orders!.findForCustomer!(ctx(), { customerId: id, limit: 5 })).toEqual([]);
  });
});

describe('BigCommerce mapping', () => {
  it('money has two decimals from v3 numbers', () => {
    expect(money(29.99, 'EUR')).toEqual({ amount: '29.99', currency: 'EUR' });
    expect(money(30, 'USD')).toEqual({ amount: '30.00', currency: 'USD' });
    expect(money(0.1 + 0.2, 'USD').amount).toBe('0.30');
  });

  it('descriptions become plain text', () => {
    expect(plainText('<p>Soft&nbsp;wool &amp; <b>silk</b></p>\n<ul><li>warm</li></ul>')).toBe('Soft wool & silk warm');
    expect(plainText(undefined)).toBe('');
  });

  it('products: sale price, URL from custom_url, thumbnail image, keywords as tags, variants with their availability', () => {
    const p = toCatalogProduct(
      {
        id: 7,
        name: 'Tote',
        description: '<p>Big</p>',
        price: 20,
        calculated_price: 15.5,
        inventory_tracking: 'variant',
        search_keywords: 'gift, , canvas ',
        custom_url: { url: '/bags/tote/' },
        images: [{ url_standard: 'https://cdn.test/a.jpg', is_thumbnail: false }, { url_standard: 'https://cdn.test/b.jpg', is_thumbnail: true }],
        variants: [
          { id: 1, sku: 'T-S', calculated_price: 15.5, option_values: [{ label: 'Small' }, { label: 'Red' }], inventory_level: 2, purchasing_disabled: false },
          { id: 2, calculated_price: null, option_values: [], inventory_level: 0, purchasing_disabled: false },
          { id: 3, inventory_level: 5, purchasing_disabled: true },
        ],
      },
      { currency: 'EUR', domain: 'shop.test' },
    );
    expect(p).toEqual({
      externalId: '7',
      handle: 'bags/tote',
      title: 'Tote',
      description: 'Big',
      price: { amount: '15.50', currency: 'EUR' },
      url: 'https://shop.test/bags/tote/',
      imageUrl: 'https://cdn.test/b.jpg',
      tags: ['gift', 'canvas'],
      variants: [
        { externalId: '1', title: 'Small / Red', sku: 'T-S', price: { amount: '15.50', currency: 'EUR' }, available: true },
        { externalId: '2', title: 'Default', price: { amount: '15.50', currency: 'EUR' }, available: false },
        { externalId: '3', title: 'Default', price: { amount: '15.50', currency: 'EUR' }, available: false },
      ],
    });
  });

  it('products without extras: price, first image, id as handle, untracked variants are available', () => {
    const p = toCatalogProduct({ id: 8, name: 'Mug', price: 12, custom_url: null, images: [{ url_standard: 'https://cdn.test/m.jpg', is_thumbnail: false }], variants: [{ id: 80 }] }, { currency: 'USD', domain: 'shop.test' });
    expect(p).toEqual({ externalId: '8', handle: '8', title: 'Mug', description: '', price: { amount: '12.00', currency: 'USD' }, imageUrl: 'https://cdn.test/m.jpg', tags: [], variants: [{ externalId: '80', title: 'Default', price: { amount: '12.00', currency: 'USD' }, available: true }] });
    expect(toCatalogProduct({ id: 9, name: 'Bare', price: 1 }, { currency: 'USD', domain: 'x' })).toEqual({ externalId: '9', handle: '9', title: 'Bare', description: '', price: { amount: '1.00', currency: 'USD' }, tags: [], variants: [] });
    expect(toCatalogProduct({ id: 10, name: 'Root', price: 1, custom_url: { url: '/' } }, { currency: 'USD', domain: 'x' }).handle).toBe('10');
  });

  it('orders: RFC 2822 dates to ISO, zero-quantity lines and untracked shipments left out', () => {
    expect(isoDate('Tue, 05 Mar 2019 21:40:09 +0000')).toBe('2019-03-05T21:40:09.000Z');
    expect(isoDate('not a date')).toBe('not a date');
    const o = toOrderSummary(
      { id: 5, customer_id: 0, date_created: 'Tue, 05 Mar 2019 21:40:09 +0000', status: 'Refunded', total_inc_tax: '0.0000', currency_code: 'USD' },
      [{ name: 'A', quantity: 0 }, { name: 'B', quantity: 1 }],
      [{ tracking_number: '' }, { tracking_number: 'T1' }],
    );
    expect(o).toEqual({ externalId: '5', number: '5', status: 'Refunded', placedAt: '2019-03-05T21:40:09.000Z', total: { amount: '0.0000', currency: 'USD' }, items: [{ title: 'B', quantity: 1 }], tracking: [{ number: 'T1' }] });
  });
});

describe('BigCommerce client', () => {
  it('maps each status to a coded outcome', async () => {
    let status = 200;
    let headers: Record<string, string> = {};
    const seen: { url: string; method: string; headers: Record<string, unknown>; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url!, method: req.method!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(status === 204 ? undefined : '{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = { http: testHttpClient(), apiUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, storeHash: 'abc', accessToken: 'tok' };
    try {
      expect(await storeRequest(api, 'v3/x?y=1')).toEqual({ ok: true });
      expect(seen[0]).toMatchObject({ url: '/stores/abc/v3/x?y=1', method: 'GET', headers: { 'x-auth-token': 'tok', accept: 'application/json' }, body: '' });
      expect(seen[0]!.headers['content-type']).toBeUndefined();
      await storeRequest(api, 'v3/hooks', { method: 'POST', body: { a: 1 } });
      expect(seen[1]).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      status = 204;
      expect(await storeRequest(api, 'v2/orders')).toEqual([]);
      status = 404;
      expect(await storeRequest(api, 'v2/orders/1')).toBeUndefined();
      for (const [s, code] of [[401, 'UPSTREAM_AUTH'], [403, 'UPSTREAM_AUTH'], [429, 'UPSTREAM_RETRYABLE'], [500, 'UPSTREAM_RETRYABLE'], [503, 'UPSTREAM_RETRYABLE'], [400, 'UPSTREAM_FAILED'], [422, 'UPSTREAM_FAILED']] as const) {
        status = s;
        expect(await errorOf(() => storeRequest(api, 'v3/x?secret=1')), String(s)).toMatchObject({ code });
      }
      status = 422;
      expect(((await errorOf(() => storeRequest(api, 'v3/x?q=1', { method: 'DELETE' }))) as PluginError).message).toBe('BigCommerce answered 422 to DELETE v3/x');
      expect(((await errorOf(() => storeRequest(api, 'v3/x'))) as PluginError).message).toBe('BigCommerce answered 422 to GET v3/x');
      status = 429;
      headers = { 'x-rate-limit-time-reset-ms': '2500' };
      expect(await errorOf(() => storeRequest(api, 'v3/x'))).toMatchObject({ details: { retryAfterSeconds: 3 } });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('retryAfterSeconds: BigCommerce\'s reset in ms, rounded up; 1 s without it', () => {
    const r = (value?: string) => new Response(null, { status: 429, headers: value === undefined ? {} : { 'x-rate-limit-time-reset-ms': value } });
    expect(retryAfterSeconds(r('1000'))).toBe(1);
    expect(retryAfterSeconds(r('1001'))).toBe(2);
    expect(retryAfterSeconds(r())).toBe(1);
    expect(retryAfterSeconds(r('0'))).toBe(1);
    expect(retryAfterSeconds(r('abc'))).toBe(1);
    expect(retryAfterSeconds(r('-5000'))).toBe(1);
  });
});

describe('BigCommerce storefront', () => {
  it('a Script Manager snippet with the widget by URL, attributes escaped', () => {
    const embed = plugin.storefront!.embed(ctx(), { botKey: 'pk_"<&>', widgetUrl: 'https://cdn.test/w.js?a=1&b=2' });
    expect(embed).toEqual({
      kind: 'snippet',
      html: '<script async src="https://cdn.test/w.js?a=1&amp;b=2" data-bot="pk_&quot;&lt;&amp;&gt;"></script>',
      instructions: expect.stringContaining('Script Manager'),
    });
  });
});
