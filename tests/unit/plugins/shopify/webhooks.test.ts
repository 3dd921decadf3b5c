import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { coreEventSchema, type WebhookRequest } from '@concierge/plugin-sdk';
import { htmlToText, identify, normalize, productFromPayload, TOPICS, verify } from '../../../../plugins/shopify/webhooks.ts';

const SECRET = 'app-secret';
function delivery(topic: string, body: unknown, headers: Record<string, string> = {}): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(body));
  return {
    rawBody,
    headers: {
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': 'a.myshopify.com',
      'x-shopify-event-id': 'evt-1',
      'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(rawBody).digest('base64'),
      'x-shopify-triggered-at': '2026-12-04T06:00:00.123456789Z',
      ...headers,
    },
  };
}
const run = (request: WebhookRequest) => normalize({ request, identity: identify(request)!, currency: 'EUR' });

const restProduct = {
  id: 101,
  admin_graphql_api_id: 'gid://shopify/Product/101',
  title: 'Wool hat',
  handle: 'wool-hat',
  body_html: '<p>Warm <b>merino</b> &amp; soft</p><script>alert(1)</script>',
  status: 'active',
  tags: 'winter, wool',
  image: { src: 'https://cdn.shopify.com/hat.jpg' },
  variants: [
    { id: 201, title: 'Red', sku: 'H-R', price: '25.00', inventory_management: 'shopify', inventory_policy: 'deny', inventory_quantity: 0 },
    { admin_graphql_api_id: 'gid://shopify/ProductVariant/202', title: 'Blue', price: '19.50', inventory_management: null, inventory_quantity: 0 },
    { title: 'no id', price: '1.00' },
  ],
};

describe('shopify webhooks', () => {
  it('identifies shop, event id (the same across retries) and topic from the headers', () => {
    expect(identify(delivery('products/update', {}))).toEqual({ externalId: 'a.myshopify.com', deliveryId: 'evt-1', topic: 'products/update' });
    expect(identify(delivery('products/update', {}, { 'x-shopify-shop-domain': ' A.myshopify.com ' }))?.externalId).toBe('a.myshopify.com');
    const older = delivery('shop/redact', {});
    delete older.headers['x-shopify-event-id'];
    older.headers['x-shopify-webhook-id'] = 'wh-9';
    expect(identify(older)?.deliveryId).toBe('wh-9');
    expect(identify(delivery('products/update', {}, { 'x-shopify-shop-domain': 'evil.com' }))).toBeUndefined();
    expect(identify(delivery('', {}))).toBeUndefined();
    expect(identify(delivery('x', {}, { 'x-shopify-event-id': 'e'.repeat(201) }))).toBeUndefined();
    expect(identify({ rawBody: Buffer.alloc(0), headers: {} })).toBeUndefined();
  });

  it('verifies the HMAC over the raw body with the app secret', () => {
    const request = delivery('customers/redact', { customer: { id: 1 } });
    expect(verify(SECRET, request)).toBe(true);
    expect(verify('other-secret', request)).toBe(false);
    expect(verify(SECRET, { ...request, rawBody: Buffer.from(request.rawBody.toString() + ' ') })).toBe(false);
  });

  it('normalizes products/create|update to a product with its occurrence time, text description and shop currency', () => {
    for (const topic of ['products/create', 'products/update']) {
      const events = run(delivery(topic, restProduct));
      expect(events).toHaveLength(1);
      expect(coreEventSchema.safeParse(events[0]).success).toBe(true);
      expect(events[0]).toEqual({
        type: 'product.upserted',
        occurredAt: '2026-12-04T06:00:00.123Z',
        product: {
          externalId: 'gid://shopify/Product/101',
          handle: 'wool-hat',
          title: 'Wool hat',
          description: 'Warm merino & soft',
          price: { amount: '19.50', currency: 'EUR' },
          url: 'https://a.myshopify.com/products/wool-hat',
          imageUrl: 'https://cdn.shopify.com/hat.jpg',
          tags: ['winter', 'wool'],
          variants: [
            { externalId: 'gid://shopify/ProductVariant/201', title: 'Red', sku: 'H-R', price: { amount: '25.00', currency: 'EUR' }, available: false },
            { externalId: 'gid://shopify/ProductVariant/202', title: 'Blue', price: { amount: '19.50', currency: 'EUR' }, available: true },
          ],
        },
      });
    }
  });

  it('reads numeric ids, tag arrays, images lists and missing parts', () => {
    const p = productFromPayload({ id: 5, title: 'T', handle: 'h', tags: ['a', 1], images: [{ src: 'https://i/x.png' }], variants: [{ id: '6', price: 2 }] }, 'a.myshopify.com', 'USD')!;
    expect(p.externalId).toBe('gid://shopify/Product/5');
    expect(p.tags).toEqual(['a']);
    expect(p.imageUrl).toBe('https://i/x.png');
    expect(p.variants[0]).toEqual({ externalId: 'gid://shopify/ProductVariant/6', title: 'T', price: { amount: '2.00', currency: 'USD' }, available: true });
    expect(p.description).toBe('');
    expect(productFromPayload({ id: 5, title: 'T', handle: 'h', image: { src: 'data:x' } }, 'a.myshopify.com', 'USD')!.imageUrl).toBeUndefined();
    expect(productFromPayload({ id: 5, title: 'T', handle: 'h' }, 'a.myshopify.com', 'USD')!.price.amount).toBe('0.00');
    expect(productFromPayload({ id: 'abc', title: 'T', handle: 'h' }, 'a.myshopify.com', 'USD')).toBeUndefined();
    expect(productFromPayload({ id: 5, title: '', handle: 'h' }, 'a.myshopify.com', 'USD')).toBeUndefined();
    expect(productFromPayload({ id: 5, title: 'T' }, 'a.myshopify.com', 'USD')).toBeUndefined();
  });

  it('normalizes deletions, uninstall and the compliance topics with every identifier Shopify sends', () => {
    expect(run(delivery('products/delete', { id: 101 }))).toEqual([{ type: 'product.deleted', externalId: 'gid://shopify/Product/101', occurredAt: '2026-12-04T06:00:00.123Z' }]);
    expect(run(delivery('app/uninstalled', { id: 1, domain: 'a.myshopify.com' }))).toEqual([{ type: 'app.uninstalled' }]);
    expect(run(delivery('shop/redact', { shop_id: 1, shop_domain: 'a.myshopify.com' }))).toEqual([{ type: 'shop.redact' }]);
    expect(run(delivery('customers/redact', { shop_id: 1, customer: { id: 7, email: 'ann@example.com' }, orders_to_redact: [31, 'x', 32] }))).toEqual([
      { type: 'customer.redact', customerId: 'gid://shopify/Customer/7', email: 'ann@example.com', orderIds: ['gid://shopify/Order/31', 'gid://shopify/Order/32'] },
    ]);
    expect(run(delivery('customers/data_request', { customer: { id: 7, email: 'ann@example.com' }, orders_requested: [31], data_request: { id: 9999 } }))).toEqual([
      { type: 'customer.data_request', customerId: 'gid://shopify/Customer/7', email: 'ann@example.com', orderIds: ['gid://shopify/Order/31'], requestId: '9999' },
    ]);
    expect(run(delivery('customers/redact', { customer: {}, orders_to_redact: [] }))).toEqual([{ type: 'customer.redact' }]);
    expect(run(delivery('orders/paid', { id: 1 }))).toEqual([]);
    const noTime = delivery('products/delete', { id: 101 }, { 'x-shopify-triggered-at': 'yesterday' });
    expect(run(noTime)).toEqual([{ type: 'product.deleted', externalId: 'gid://shopify/Product/101' }]);
    for (const topic of TOPICS.filter((t) => t !== 'products/delete' && !t.startsWith('products/'))) {
      for (const event of run(delivery(topic, { customer: { id: 1 } }))) expect(coreEventSchema.safeParse(event).success, topic).toBe(true);
    }
  });

  it('refuses bodies that are not JSON objects or lack ids with a coded error', () => {
    expect(() => run({ ...delivery('products/update', {}), rawBody: Buffer.from('not json') })).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID' }));
    expect(() => run(delivery('products/update', [1]))).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID' }));
    expect(() => run(delivery('products/update', { id: 1 }))).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID' }));
    expect(() => run(delivery('products/delete', {}))).toThrow(expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_INVALID' }));
  });

  it('turns HTML into plain text without scripts or styles', () => {
    expect(htmlToText('<style>p{}</style><p>A&nbsp;&lt;b&gt; &quot;c&quot; &#39;d&#39; &apos;e&apos;</p>\n<br>f')).toBe('A <b> "c" \'d\' \'e\' f');
    expect(htmlToText('<p>mer<b>ino</b></p><p>wool</p><li>x</li>')).toBe('merino wool x');
  });

  it('trims the headers it reads and takes an event id of up to 200 characters', () => {
    expect(identify(delivery(' products/update ', {}, { 'x-shopify-event-id': ' evt-2 ' }))).toEqual({ externalId: 'a.myshopify.com', deliveryId: 'evt-2', topic: 'products/update' });
    expect(identify(delivery('x', {}, { 'x-shopify-event-id': 'e'.repeat(200) }))?.deliveryId).toHaveLength(200);
  });

  it('takes only whole numbers or gids as ids', () => {
    const product = (id: unknown) => productFromPayload({ id, title: 'T', handle: 'h' }, 'a.myshopify.com', 'USD')?.externalId;
    expect(product(12)).toBe('gid://shopify/Product/12');
    expect(product('12')).toBe('gid://shopify/Product/12');
    for (const bad of [1.5, 2 ** 60, '12x', 'x12', '', null, { id: 1 }]) expect(product(bad), String(bad)).toBeUndefined();
  });

  it('reads variants, stock, prices, tags and images the way Shopify sends them', () => {
    const p = productFromPayload(
      {
        id: 1,
        title: 'T',
        handle: 'h',
        tags: ' a , ,b,',
        images: [],
        variants: [
          { id: 1, title: '', sku: '', price: null, inventory_management: 'shopify', inventory_policy: 'continue', inventory_quantity: 0 },
          { id: 2, price: '5', inventory_management: 'shopify', inventory_policy: 'deny' },
          { id: 3, price: '6', inventory_management: 'shopify', inventory_policy: 'deny', inventory_quantity: 3 },
        ],
      },
      'a.myshopify.com',
      'USD',
    )!;
    expect(p.tags).toEqual(['a', 'b']);
    expect(p.imageUrl).toBeUndefined();
    expect(p.variants).toEqual([
      { externalId: 'gid://shopify/ProductVariant/1', title: 'T', price: { amount: '0.00', currency: 'USD' }, available: true },
      { externalId: 'gid://shopify/ProductVariant/2', title: 'T', price: { amount: '5.00', currency: 'USD' }, available: false },
      { externalId: 'gid://shopify/ProductVariant/3', title: 'T', price: { amount: '6.00', currency: 'USD' }, available: true },
    ]);
    const bare = productFromPayload({ id: 1, title: 'T', handle: 'h' }, 'a.myshopify.com', 'USD')!;
    expect(bare.variants).toEqual([]);
    expect(bare.tags).toEqual([]);
    expect(productFromPayload({ id: 1, title: 123, handle: 'h' }, 'a.myshopify.com', 'USD')).toBeUndefined();
    const image = (src: string) => productFromPayload({ id: 1, title: 'T', handle: 'h', image: { src } }, 'a.myshopify.com', 'USD')!.imageUrl;
    expect(image('http://cdn.example/x.png')).toBe('http://cdn.example/x.png');
    expect(image('ftp://cdn.example/x.png')).toBeUndefined();
    expect(image('see https://cdn.example/x.png')).toBeUndefined();
  });

  it('turns every block boundary into a space and drops scripts with attributes and line breaks', () => {
    expect(htmlToText('a<script type="x">\nalert(1)\n</script>b')).toBe('a b');
    expect(htmlToText('a<style media="x">p{}</style>b')).toBe('a b');
    expect(htmlToText('a<br/>b<br />c<br   >d<hr>e')).toBe('a b c d e');
    expect(htmlToText('<h2 class="t">Title</h2>text</p>more<h7>x</h7>y')).toBe('Title text morexy');
    expect(htmlToText('a<td>b</td><blockquote>c')).toBe('a b c');
  });

  it('says which delivery is refused, and reads compliance payloads field by field', () => {
    const message = (request: WebhookRequest) => {
      try {
        run(request);
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    for (const body of ['null', '5', '"text"']) expect(message({ ...delivery('products/update', {}), rawBody: Buffer.from(body) }), body).toBe('the delivery body is not a JSON object');
    expect(message(delivery('products/update', { id: 1 }))).toBe('product delivery without id, title or handle');
    expect(message(delivery('products/delete', {}))).toBe('product deletion without id');
    expect(run(delivery('customers/redact', { customer: { id: 7 }, orders_to_redact: 'all' }))).toEqual([{ type: 'customer.redact', customerId: 'gid://shopify/Customer/7' }]);
    const request = (dataRequest: unknown) => run(delivery('customers/data_request', { customer: { email: 'a@b.c' }, data_request: dataRequest }));
    expect(request({ id: 'dr-1' })).toEqual([{ type: 'customer.data_request', email: 'a@b.c', requestId: 'dr-1' }]);
    expect(request({ id: '' })).toEqual([{ type: 'customer.data_request', email: 'a@b.c' }]);
    expect(request({ id: { nested: 1 } })).toEqual([{ type: 'customer.data_request', email: 'a@b.c' }]);
    expect(request(undefined)).toEqual([{ type: 'customer.data_request', email: 'a@b.c' }]);
  });
});
