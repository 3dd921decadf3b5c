// WooCommerce catalog sync (design §13 "catalog sync"): products/s of plugins/woocommerce's full
// `catalog.list` walk (100 per page, OAuth 1.0a over http through @woocommerce/woocommerce-rest-api)
// against the fake store, vs. the same pages fetched with the bare client in the same run (the rate
// the store itself allows), so the ratio shows what the plugin adds. The fake has no throttle:
// WooCommerce core has none either (a host's rate limiter would be the ceiling).
// Prints figures only. Run: npx tsx bench/plugins/woocommerce-sync.bench.ts [products=10000]
import os from 'node:os';
import { createTestContext } from '../../plugins/sdk/testkit/index.ts';
import woocommerce from '../../plugins/woocommerce/index.ts';
import { WooCommerceRestApi } from '../../plugins/woocommerce/client.ts';
import { startFakeWooCommerce } from '../../tests/fakes/woocommerce/server.ts';
import { report } from '../report.ts';

const PRODUCTS = Number(process.argv[2] ?? 10_000);
const PAGE = 100;
const ROUNDS = 5;

const store = await startFakeWooCommerce();
store.seed({ products: PRODUCTS, orders: 0, customers: 0 });
const key = store.createKey();

async function bare(): Promise<number> {
  const api = new WooCommerceRestApi({ url: store.url, consumerKey: key.consumer_key, consumerSecret: key.consumer_secret, version: 'wc/v3' });
  let n = 0;
  for (let page = 1; ; page++) {
    const res = await api.get('products', { page: String(page), per_page: String(PAGE), status: 'publish', orderby: 'id', order: 'asc' });
    n += (res.data as unknown[]).length;
    if (page >= Number(res.headers['x-wp-totalpages'])) return n;
  }
}

async function plugin(): Promise<number> {
  const ctx = createTestContext({ config: { siteUrl: store.url, currency: 'EUR' }, secrets: { consumerKey: key.consumer_key, consumerSecret: key.consumer_secret } });
  let n = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await woocommerce.catalog!.list!(ctx as never, { cursor, limit: PAGE });
    n += page.items.length;
    if (page.nextCursor === null) return n;
    cursor = page.nextCursor;
  }
}

async function measure(name: string, walk: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    const n = await walk();
    if (n !== PRODUCTS) throw new Error(`${name}: walked ${n} of ${PRODUCTS}`);
    rates.push(n / ((performance.now() - t) / 1000));
  }
  const best = Math.max(...rates);
  console.log(`${name.padEnd(34)} ${best.toFixed(0).padStart(7)} products/s (best of ${ROUNDS}: ${rates.map((x) => x.toFixed(0)).join(', ')})`);
  return best;
}

console.log(`WooCommerce catalog sync, ${PRODUCTS} products, ${PAGE}/page, load ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`);
const baseline = await measure('bare client (store rate)', bare);
const ours = await measure('plugins/woocommerce catalog.list', plugin);
console.log(`plugin / store rate: ${((ours / baseline) * 100).toFixed(0)} % (budget: ≥ 90 % of what the platform allows)`);
// Into `npm run bench`'s table, beside Shopify's catalog sync.
report('plugins/woocommerce', [
  {
    budget: `WooCommerce catalog sync, ${PRODUCTS} products against the fake store: ≥ 90 % of the rate the platform allows`,
    measured: ours,
    unit: 'products/s',
    baseline,
    baselineName: 'bare client, same pages',
    ratio: ours / baseline,
    within: ours / baseline >= 0.9,
  },
]);
await store.close();
