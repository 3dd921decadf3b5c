import type { BcStore, FakeBigCommerce } from './server.ts';

const WORDS = ['Merino', 'Linen', 'Canvas', 'Walnut', 'Copper', 'Alpaca', 'Cedar', 'Denim'];
const THINGS = ['Scarf', 'Tote', 'Beanie', 'Apron', 'Mug', 'Blanket'];

/**
 * A store with `count` visible products (some on sale, some with tracked variants), one hidden
 * product, and orders: a customer's and a guest's, one shipped with tracking.
 */
export function seedStore(fake: FakeBigCommerce, hash: string, count = 60): BcStore {
  const store = fake.addStore({ hash, name: 'Harbour Goods', domain: `${hash}.harbour.test`, currency: 'GBP', ownerEmail: `owner@${hash}.harbour.test` });
  for (let i = 0; i < count; i++) {
    const name = `${WORDS[i % WORDS.length]} ${THINGS[i % THINGS.length]} ${i + 1}`;
    fake.addProduct(store, {
      name,
      price: 10 + i + 0.5,
      ...(i % 7 === 3 ? { sale_price: 9.99 } : {}),
      description: `<p>A <b>${name.toLowerCase()}</b> &amp; more.</p>`,
      search_keywords: i % 5 === 0 ? 'gift, bestseller' : '',
      ...(i % 6 === 1
        ? {
            inventory_tracking: 'variant' as const,
            variants: [
              { id: 90_000 + i * 2, sku: `V-${i}-S`, price: null, option_values: [{ label: 'Small', option_display_name: 'Size' }], inventory_level: 4, purchasing_disabled: false },
              { id: 90_001 + i * 2, sku: `V-${i}-L`, price: 15, option_values: [{ label: 'Large', option_display_name: 'Size' }], inventory_level: 0, purchasing_disabled: false },
            ],
          }
        : {}),
    });
  }
  fake.addProduct(store, { name: 'Hidden Merino Prototype', price: 1, is_visible: false });
  fake.addOrder(store, { email: 'ann@harbour.test', customerId: 7, status: 'Shipped', total: '41.5000', items: [{ name: 'Merino Scarf 1', quantity: 1 }, { name: 'Linen Tote 2', quantity: 2 }], shipments: [{ tracking_number: '1Z999AA10123456784', shipping_provider: 'ups', tracking_link: 'https://ups.example/1Z999AA10123456784' }] });
  fake.addOrder(store, { email: 'ann@harbour.test', customerId: 7, total: '12.0000', items: [{ name: 'Canvas Beanie 3', quantity: 1 }] });
  fake.addOrder(store, { email: 'Guest.Buyer@Example.com', total: '20.5000', items: [{ name: 'Walnut Apron 4', quantity: 1 }] });
  return store;
}
