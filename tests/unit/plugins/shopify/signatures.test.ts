import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hmacSha256,
  isFreshTimestamp,
  isShopDomain,
  safeEqual,
  signOAuthQuery,
  signProxyQuery,
  verifyOAuthQuery,
  verifyProxyQuery,
  verifyWebhookBody,
} from '../../../../plugins/shopify/signatures.ts';

const SECRET = 'hush';
const hex = (data: string) => createHmac('sha256', SECRET).update(data).digest('hex');

describe('shopify signatures', () => {
  it('accepts only <name>.myshopify.com shop domains', () => {
    for (const good of ['a.myshopify.com', 'my-shop-1.myshopify.com', '0x.myshopify.com']) expect(isShopDomain(good), good).toBe(true);
    for (const bad of ['', 'My-Shop.myshopify.com', '-x.myshopify.com', 'x.myshopify.com.evil.com', 'evil.com', 'x.myshopify.co', 'a_b.myshopify.com', 'x.myshopify.com/', 'a.b.myshopify.com', undefined, 42, `${'a'.repeat(250)}.myshopify.com`]) {
      expect(isShopDomain(bad), String(bad)).toBe(false);
    }
  });

  it('compares in constant time and treats different lengths as unequal', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(false);
  });

  it('signs the install query as Shopify does: sorted, without hmac, hex', () => {
    const query = { timestamp: '1700000000', shop: 'a.myshopify.com', code: 'abc' };
    expect(signOAuthQuery(SECRET, query)).toBe(hex('code=abc&shop=a.myshopify.com&timestamp=1700000000'));
    expect(signOAuthQuery(SECRET, { ...query, hmac: 'ignored' })).toBe(signOAuthQuery(SECRET, query));
    expect(hmacSha256(SECRET, 'x', 'base64')).toBe(createHmac('sha256', SECRET).update('x').digest('base64'));
  });

  it('verifies the install query HMAC (encoded and raw forms, upper-case hex too) and refuses anything changed', () => {
    const query: Record<string, string> = { shop: 'a.myshopify.com', timestamp: '1700000000', host: 'YWRtaW4=' };
    const encoded = hex('host=YWRtaW4%3D&shop=a.myshopify.com&timestamp=1700000000');
    const raw = hex('host=YWRtaW4=&shop=a.myshopify.com&timestamp=1700000000');
    expect(verifyOAuthQuery(SECRET, { ...query, hmac: encoded })).toBe(true);
    expect(verifyOAuthQuery(SECRET, { ...query, hmac: raw })).toBe(true);
    expect(verifyOAuthQuery(SECRET, { ...query, hmac: encoded.toUpperCase() })).toBe(true);
    expect(verifyOAuthQuery(SECRET, { ...query, shop: 'b.myshopify.com', hmac: encoded })).toBe(false);
    expect(verifyOAuthQuery('other', { ...query, hmac: encoded })).toBe(false);
    expect(verifyOAuthQuery(SECRET, query)).toBe(false);
    expect(verifyOAuthQuery(SECRET, { ...query, hmac: '' })).toBe(false);
  });

  it('verifies the app proxy signature: sorted pairs joined with nothing, repeated keys joined by commas', () => {
    const query = { shop: 'a.myshopify.com', path_prefix: '/apps/concierge', timestamp: '1700000000', logged_in_customer_id: '42', ids: ['1', '2'] };
    const expected = hex('ids=1,2logged_in_customer_id=42path_prefix=/apps/conciergeshop=a.myshopify.comtimestamp=1700000000');
    expect(signProxyQuery(SECRET, query)).toBe(expected);
    expect(verifyProxyQuery(SECRET, { ...query, signature: expected })).toBe(true);
    expect(verifyProxyQuery(SECRET, { ...query, logged_in_customer_id: '43', signature: expected })).toBe(false);
    expect(verifyProxyQuery(SECRET, { ...query })).toBe(false);
    expect(verifyProxyQuery(SECRET, { ...query, signature: '' })).toBe(false);
  });

  it('verifies a webhook body by base64 HMAC over the raw bytes', () => {
    const body = Buffer.from('{"id":1, "title":"Ünïcode"}');
    const header = createHmac('sha256', SECRET).update(body).digest('base64');
    expect(verifyWebhookBody(SECRET, body, header)).toBe(true);
    expect(verifyWebhookBody(SECRET, body, ` ${header} `)).toBe(true);
    expect(verifyWebhookBody(SECRET, Buffer.from('{"id":1,"title":"Ünïcode"}'), header)).toBe(false);
    expect(verifyWebhookBody('other', body, header)).toBe(false);
    expect(verifyWebhookBody(SECRET, body, undefined)).toBe(false);
    expect(verifyWebhookBody(SECRET, body, '')).toBe(false);
  });

  it('accepts a timestamp only within the window, either way', () => {
    const now = 1_700_000_000_000;
    expect(isFreshTimestamp('1700000000', now, 300)).toBe(true);
    expect(isFreshTimestamp('1699999700', now, 300)).toBe(true);
    expect(isFreshTimestamp('1699999699', now, 300)).toBe(false);
    expect(isFreshTimestamp('1700000300', now, 300)).toBe(true);
    expect(isFreshTimestamp('1700000301', now, 300)).toBe(false);
    for (const bad of [undefined, '', '17e8', '-1', '1700000000.5', 1700000000]) expect(isFreshTimestamp(bad, now, 300), String(bad)).toBe(false);
  });

  it('signs over every key in sorted order whatever the order given, skipping absent values; domains up to 255 characters', () => {
    const keys = 'zyxwvutsrqponmlkjihgfedcba'.split('');
    const query = Object.fromEntries(keys.map((k, i) => [k, String(i)]));
    const sorted = [...keys].sort().map((k) => `${k}=${query[k]}`);
    expect(signOAuthQuery(SECRET, query)).toBe(hex(sorted.join('&')));
    expect(signProxyQuery(SECRET, query)).toBe(hex(sorted.join('')));
    expect(signOAuthQuery(SECRET, { ...query, extra: undefined })).toBe(signOAuthQuery(SECRET, query));
    expect(isShopDomain(`${'a'.repeat(241)}.myshopify.com`)).toBe(true);
    expect(isShopDomain(`${'a'.repeat(242)}.myshopify.com`)).toBe(false);
  });
});
