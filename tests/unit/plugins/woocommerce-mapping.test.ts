// plugins/woocommerce/mapping.ts, field by field: what WooCommerce REST v3 sends → the SDK's normalized
// product and order (exact outputs, edge cases included, so mutants of the mapping do not survive).
import { describe, expect, it } from 'vitest';
import { upstreamError } from '../../../plugins/woocommerce/client.ts';
import { amount, gmtIso, isPublished, plainText, toCatalogProduct, toOrderSummary } from '../../../plugins/woocommerce/mapping.ts';

describe('plainText', () => {
  it('keeps only the text of WooCommerce HTML', () => {
    expect(plainText('<p>Warm <b>merino</b></p>\n\n<script>alert(1)</script><style>p{}</style>wool')).toBe('Warm merino wool');
    expect(plainText('Tom &amp; Jerry&#8217;s &lt;best&gt; &quot;coat&quot; &#039;x&#39; &apos;y&apos;&nbsp;z &#8211; a &#8212; b')).toBe('Tom & Jerry’s <best> "coat" \'x\' \'y\' z – a — b');
    expect(plainText('&AMP; &unknown; &#1234;')).toBe('& &unknown; &#1234;');
    expect(plainText('<SCRIPT type="x">hidden</SCRIPT>shown')).toBe('shown');
    expect(plainText(undefined)).toBe('');
    expect(plainText('  a\t\n b  ')).toBe('a b');
    // Block ends and removed scripts separate words; they never glue two words together.
    expect(plainText('<p>Warm</p><p>coat</p>')).toBe('Warm coat');
    expect(plainText('Warm<script>x</script>coat<br>now')).toBe('Warm coat now');
  });
});

describe('amount', () => {
  it('passes decimal strings through and falls back to 0.00', () => {
    expect(amount('12.50')).toBe('12.50');
    expect(amount(' 7 ')).toBe('7');
    expect(amount('-3.5')).toBe('-3.5');
    expect(amount('')).toBe('0.00');
    expect(amount(undefined)).toBe('0.00');
    expect(amount('12,50')).toBe('0.00');
    expect(amount('1.')).toBe('0.00');
    expect(amount('x12.50')).toBe('0.00');
    expect(amount('12.50x')).toBe('0.00');
  });
});

describe('gmtIso', () => {
  it('reads zone-less *_gmt dates as UTC and keeps explicit zones', () => {
    expect(gmtIso('2026-03-01T10:00:00')).toBe('2026-03-01T10:00:00.000Z');
    expect(gmtIso('2026-03-01T10:00:00Z')).toBe('2026-03-01T10:00:00.000Z');
    expect(gmtIso('2026-03-01T10:00:00z')).toBe('2026-03-01T10:00:00.000Z');
    expect(gmtIso('2026-03-01T10:00:00+02:00')).toBe('2026-03-01T08:00:00.000Z');
    expect(gmtIso('2026-03-01T10:00:00-0130')).toBe('2026-03-01T11:30:00.000Z');
    expect(gmtIso('not a date')).toBeUndefined();
    expect(gmtIso('')).toBeUndefined();
    expect(gmtIso(null)).toBeUndefined();
    expect(gmtIso(undefined)).toBeUndefined();
  });
});

describe('toCatalogProduct', () => {
  it('maps every field', () => {
    expect(
      toCatalogProduct(
        {
          id: 17,
          name: 'Storm Jacket',
          slug: 'storm-jacket',
          permalink: 'https://shop.example/product/storm-jacket/',
          short_description: '<p>Short &amp; dry</p>',
          description: '<p>Long</p>',
          sku: 'SJ-1',
          price: '99.00',
          regular_price: '120.00',
          stock_status: 'instock',
          images: [{ src: 'https://shop.example/a.jpg' }, { src: 'https://shop.example/b.jpg' }],
          tags: [{ name: 'coat' }, {}, { name: '' }, { name: 'rain' }],
        },
        'EUR',
      ),
    ).toEqual({
      externalId: '17',
      handle: 'storm-jacket',
      title: 'Storm Jacket',
      description: 'Short & dry',
      price: { amount: '99.00', currency: 'EUR' },
      url: 'https://shop.example/product/storm-jacket/',
      imageUrl: 'https://shop.example/a.jpg',
      tags: ['coat', 'rain'],
      variants: [{ externalId: '17', title: 'Storm Jacket', sku: 'SJ-1', price: { amount: '99.00', currency: 'EUR' }, available: true }],
    });
  });

  it('falls back where WooCommerce leaves fields out', () => {
    expect(toCatalogProduct({ id: 5, name: '', description: '<p>Only long</p>', regular_price: '10.00', stock_status: 'outofstock', permalink: 'javascript:alert(1)', images: [{ src: 'not a url' }] }, 'USD')).toEqual({
      externalId: '5',
      handle: '5',
      title: '#5',
      description: 'Only long',
      price: { amount: '10.00', currency: 'USD' },
      tags: [],
      variants: [{ externalId: '5', title: 'Default', price: { amount: '10.00', currency: 'USD' }, available: false }],
    });
    const bare = toCatalogProduct({ id: 6, name: 'Plain', permalink: 'http://127.0.0.1:8080/?p=6', images: [] }, 'GBP');
    expect(bare.url).toBe('http://127.0.0.1:8080/?p=6');
    expect(bare.imageUrl).toBeUndefined();
    expect(bare.price).toEqual({ amount: '0.00', currency: 'GBP' });
    expect(bare.variants[0]!.available).toBe(true);
    expect('sku' in bare.variants[0]!).toBe(false);
    expect(toCatalogProduct({ id: 7, name: 'On backorder', stock_status: 'onbackorder' }, 'EUR').variants[0]!.available).toBe(true);
  });

  it('shows only published products', () => {
    expect(isPublished({ id: 1, name: 'a' })).toBe(true);
    expect(isPublished({ id: 1, name: 'a', status: 'publish' })).toBe(true);
    expect(isPublished({ id: 1, name: 'a', status: 'draft' })).toBe(false);
    expect(isPublished({ id: 1, name: 'a', status: 'private' })).toBe(false);
  });
});

describe('toOrderSummary', () => {
  it('maps every field, tracking from Shipment Tracking meta', () => {
    expect(
      toOrderSummary(
        {
          id: 1201,
          number: 'A-1201',
          status: 'completed',
          currency: 'EUR',
          date_created: '2026-02-01T11:00:00',
          date_created_gmt: '2026-02-01T10:00:00',
          total: '59.90',
          customer_id: 42,
          billing: { email: ' Kim@Customer.Example ' },
          line_items: [{ name: 'Scarf', quantity: 2.7 }, { name: '', quantity: 1 }, { name: 'Gone', quantity: 0 }, { name: 'None' }],
          meta_data: [
            { key: 'other', value: [{ tracking_number: 'X' }] },
            { key: '_wc_shipment_tracking_items', value: 'not a list' },
            { key: '_wc_shipment_tracking_items', value: [{ tracking_provider: 'DHL', tracking_number: '00340', custom_tracking_link: 'https://dhl.example/00340' }, { tracking_number: '77' }] },
          ],
        },
        'USD',
      ),
    ).toEqual({
      externalId: '1201',
      number: 'A-1201',
      email: 'kim@customer.example',
      customerId: '42',
      status: 'completed',
      placedAt: '2026-02-01T10:00:00.000Z',
      total: { amount: '59.90', currency: 'EUR' },
      items: [
        { title: 'Scarf', quantity: 2 },
        { title: 'Item', quantity: 1 },
      ],
      tracking: [{ company: 'DHL', number: '00340', url: 'https://dhl.example/00340' }, { number: '77' }],
    });
  });

  it('falls back for a guest order with little data', () => {
    expect(toOrderSummary({ id: 9, status: 'pending', customer_id: 0, billing: { email: '  ' }, date_created: '2026-02-01T11:00:00' }, 'USD')).toEqual({
      externalId: '9',
      number: '9',
      status: 'pending',
      placedAt: '2026-02-01T11:00:00.000Z',
      total: { amount: '0.00', currency: 'USD' },
      items: [],
      tracking: [],
    });
    expect(toOrderSummary({ id: 10, status: 'failed' }, 'EUR').placedAt).toBe('1970-01-01T00:00:00.000Z');
    // A billing address without an email (an order typed in by the shop, a phone order).
    expect(toOrderSummary({ id: 11, status: 'processing', billing: { first_name: 'Ada' } as never }, 'EUR')).not.toHaveProperty('email');
  });
});

describe('upstreamError (client.ts): WooCommerce failures as coded plugin errors', () => {
  const fail = (status: number | undefined, extra: { code?: string; headers?: Record<string, string>; netCode?: string } = {}) =>
    upstreamError(status === undefined ? { code: extra.netCode } : { response: { status, data: extra.code ? { code: extra.code } : {}, headers: extra.headers ?? {} } }, 'GET products');

  it('maps each status class', () => {
    expect(fail(404)).toBeUndefined();
    for (const status of [401, 403]) {
      const e = fail(status, { code: 'woocommerce_rest_cannot_view' })!;
      expect({ code: e.code, message: e.message }).toEqual({ code: 'UPSTREAM_AUTH', message: `WooCommerce refused the API key (${status} woocommerce_rest_cannot_view) during GET products` });
    }
    expect(fail(401)!.message).toBe('WooCommerce refused the API key (401 ) during GET products');
    const busy = fail(429, { headers: { 'retry-after': '30' } })!;
    expect({ code: busy.code, message: busy.message, details: busy.details }).toEqual({ code: 'UPSTREAM_RETRYABLE', message: 'WooCommerce unreachable or busy during GET products (429)', details: { retryAfterSeconds: 30 } });
    for (const header of ['0', '-5', 'soon']) expect(fail(503, { headers: { 'retry-after': header } })!.details).toEqual({});
    expect(fail(500)!.code).toBe('UPSTREAM_RETRYABLE');
    expect(fail(499)!.code).toBe('UPSTREAM_FAILED');
    expect(fail(undefined, { netCode: 'ECONNREFUSED' })!.message).toBe('WooCommerce unreachable or busy during GET products (ECONNREFUSED)');
    expect(fail(undefined)!.message).toBe('WooCommerce unreachable or busy during GET products (network error)');
    expect(upstreamError(undefined, 'x')!.code).toBe('UPSTREAM_RETRYABLE');
    const bad = fail(400, { code: 'rest_invalid_param' })!;
    expect({ code: bad.code, message: bad.message }).toEqual({ code: 'UPSTREAM_FAILED', message: 'WooCommerce answered 400 rest_invalid_param during GET products' });
    expect(fail(400)!.message).toBe('WooCommerce answered 400  during GET products'); // (sic: no code leaves two spaces)
  });
});
