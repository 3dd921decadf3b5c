import { describe, expect, it } from 'vitest';
import { catalogProductSchema, orderSummarySchema } from '@concierge/plugin-sdk';
import { mapOrder, mapProduct, normalizeAmount, orderNumber, parseOrderNumber, sameEmail, searchQuery, type OrderNode, type ProductNode } from '../../../../plugins/shopify/queries.ts';

const product: ProductNode = {
  id: 'gid://shopify/Product/1',
  handle: 'linen-shirt',
  title: 'Linen shirt',
  description: 'Breathable flax weave',
  status: 'ACTIVE',
  onlineStoreUrl: 'https://shop.example/products/linen-shirt',
  tags: ['summer'],
  featuredImage: { url: 'https://cdn.shopify.com/x.jpg' },
  priceRangeV2: { minVariantPrice: { amount: '49.0', currencyCode: 'EUR' } },
  variants: { nodes: [{ id: 'gid://shopify/ProductVariant/11', title: 'M', sku: 'LS-M', price: '49.0', availableForSale: true }, { id: 'gid://shopify/ProductVariant/12', title: 'L', sku: null, price: '55.00', availableForSale: false }] },
};

const order: OrderNode = {
  id: 'gid://shopify/Order/9',
  name: '#1001',
  email: 'ann@example.com',
  createdAt: '2026-12-01T10:00:00Z',
  cancelledAt: null,
  displayFinancialStatus: 'PAID',
  displayFulfillmentStatus: 'FULFILLED',
  totalPriceSet: { shopMoney: { amount: '98.00', currencyCode: 'EUR' } },
  customer: { id: 'gid://shopify/Customer/5' },
  lineItems: { nodes: [{ title: 'Linen shirt', quantity: 2 }, { title: 'Removed', quantity: 0 }] },
  fulfillments: [{ status: 'SUCCESS', trackingInfo: [{ company: 'DHL', number: '00340', url: 'https://track.example/00340' }, { company: null, number: null, url: 'javascript:alert(1)' }] }],
};

describe('shopify GraphQL mapping', () => {
  it('maps a product to the SDK shape with money as a decimal string', () => {
    const mapped = mapProduct(product, 'a.myshopify.com');
    expect(catalogProductSchema.parse(mapped)).toEqual(mapped);
    expect(mapped).toEqual({
      externalId: 'gid://shopify/Product/1',
      handle: 'linen-shirt',
      title: 'Linen shirt',
      description: 'Breathable flax weave',
      price: { amount: '49.00', currency: 'EUR' },
      url: 'https://shop.example/products/linen-shirt',
      imageUrl: 'https://cdn.shopify.com/x.jpg',
      tags: ['summer'],
      variants: [
        { externalId: 'gid://shopify/ProductVariant/11', title: 'M', sku: 'LS-M', price: { amount: '49.00', currency: 'EUR' }, available: true },
        { externalId: 'gid://shopify/ProductVariant/12', title: 'L', price: { amount: '55.00', currency: 'EUR' }, available: false },
      ],
    });
  });

  it('fills gaps: store URL from the handle, shop currency, first variant price, no image', () => {
    const mapped = mapProduct({ id: 'gid://shopify/Product/2', handle: 'a b', title: 'T', onlineStoreUrl: null, featuredImage: { url: 'ftp://x' }, variants: { nodes: [{ id: 'v', title: 'D', price: '3.50' }] } }, 'a.myshopify.com', 'CHF');
    expect(mapped.url).toBe('https://a.myshopify.com/products/a%20b');
    expect(mapped.price).toEqual({ amount: '3.50', currency: 'CHF' });
    expect(mapped.imageUrl).toBeUndefined();
    expect(mapped.description).toBe('');
    expect(mapped.tags).toEqual([]);
    expect(mapped.variants[0]!.available).toBe(true);
    expect(mapProduct({ id: 'x', handle: 'h', title: 't' }, 'a.myshopify.com').price).toEqual({ amount: '0.00', currency: 'USD' });
  });

  it('maps an order with status, fulfillment, tracking links (http only) and positive line items', () => {
    const mapped = mapOrder(order);
    expect(orderSummarySchema.parse(mapped)).toEqual(mapped);
    expect(mapped).toEqual({
      externalId: 'gid://shopify/Order/9',
      number: '1001',
      email: 'ann@example.com',
      customerId: 'gid://shopify/Customer/5',
      status: 'fulfilled',
      financialStatus: 'paid',
      fulfillmentStatus: 'fulfilled',
      placedAt: '2026-12-01T10:00:00Z',
      total: { amount: '98.00', currency: 'EUR' },
      items: [{ title: 'Linen shirt', quantity: 2 }],
      tracking: [{ company: 'DHL', number: '00340', url: 'https://track.example/00340' }, {}],
    });
    expect(mapOrder({ ...order, cancelledAt: '2026-12-02T00:00:00Z' }).status).toBe('cancelled');
    const bare = mapOrder({ ...order, displayFulfillmentStatus: 'UNFULFILLED', displayFinancialStatus: null, email: null, customer: null, fulfillments: null, lineItems: null });
    expect(bare).toMatchObject({ status: 'open', fulfillmentStatus: 'unfulfilled', items: [], tracking: [] });
    expect(bare).not.toHaveProperty('email');
    expect(bare).not.toHaveProperty('customerId');
    expect(bare).not.toHaveProperty('financialStatus');
    expect(mapOrder({ ...order, displayFulfillmentStatus: null })).not.toHaveProperty('fulfillmentStatus');
  });

  it('reads order numbers and compares emails loosely on case and spaces only', () => {
    expect(parseOrderNumber('#1001')).toBe('1001');
    expect(parseOrderNumber(' 1001 ')).toBe('1001');
    expect(parseOrderNumber('1001 OR name:*')).toBeUndefined();
    expect(parseOrderNumber('')).toBeUndefined();
    expect(parseOrderNumber('#')).toBeUndefined();
    expect(orderNumber('#1001')).toBe('1001');
    expect(orderNumber('1001')).toBe('1001');
    expect(sameEmail(' Ann@Example.com', 'ann@example.com ')).toBe(true);
    expect(sameEmail('ann@example.com', 'bob@example.com')).toBe(false);
    expect(sameEmail(undefined, 'x')).toBe(false);
    expect(sameEmail('x', '')).toBe(false);
  });

  it('turns shopper text into plain search words, no filters or operators', () => {
    expect(searchQuery('linen "shirt" title:x')).toBe('linen shirt title x');
    expect(searchQuery('shirt OR dress and not hat')).toBe('shirt dress hat');
    expect(searchQuery('Größe 42-44')).toBe('Größe 42-44');
    expect(searchQuery('  ')).toBe('');
    expect(searchQuery('a b c d e f g h i j').split(' ')).toHaveLength(8);
  });

  it('keeps amounts as decimal strings', () => {
    expect(normalizeAmount('12.50')).toBe('12.50');
    expect(normalizeAmount('49.0')).toBe('49.00');
    expect(normalizeAmount('3.505')).toBe('3.505');
    expect(normalizeAmount(7)).toBe('7.00');
    expect(normalizeAmount(' 3 ')).toBe('3.00');
    expect(normalizeAmount('-1.5')).toBe('-1.50');
    expect(normalizeAmount('abc')).toBe('0.00');
    expect(normalizeAmount('1.')).toBe('0.00');
  });

  it('anchors every pattern: order names, amounts and search operators only as whole words', () => {
    expect(parseOrderNumber(' 10#01')).toBeUndefined();
    expect(orderNumber('10#01')).toBe('10#01');
    expect(parseOrderNumber('x'.repeat(32))).toBe('x'.repeat(32));
    expect(parseOrderNumber('x'.repeat(33))).toBeUndefined();
    expect(parseOrderNumber('1001 x')).toBeUndefined();
    expect(normalizeAmount('x12.5')).toBe('0.00');
    expect(searchQuery('band ore notice android')).toBe('band ore notice android');
  });

  it('maps a product or an order Shopify sent with parts left out', () => {
    const product = mapProduct({ id: 'gid://shopify/Product/1', handle: 'h', title: 't' }, 'a.myshopify.com', 'EUR');
    expect(product.variants).toEqual([]);
    expect(product.price).toEqual({ amount: '0.00', currency: 'EUR' });
    const order = mapOrder({ id: 'gid://shopify/Order/1', name: '#1', createdAt: '2026-01-01T00:00:00Z', totalPriceSet: { shopMoney: { amount: '1.0', currencyCode: 'EUR' } } });
    expect(order).toMatchObject({ items: [], tracking: [], total: { amount: '1.00', currency: 'EUR' } });
    expect(mapOrder({ ...{ id: 'o', name: '#2', createdAt: 'x', totalPriceSet: { shopMoney: { amount: '1', currencyCode: 'EUR' } } }, fulfillments: [{ status: 'SUCCESS' }] }).tracking).toEqual([]);
  });
});
