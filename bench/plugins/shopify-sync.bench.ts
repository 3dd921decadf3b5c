// Shopify catalog sync against the throttled fake Shopify (design §13: ≥ 90 % of the rate the
// platform's throttle allows). The plugin's catalog.list walks 10,000 products through
// shopify-api-node with the fake's leaky bucket. Paged, the floor is what the bucket allows for the
// cost the fake actually charged: (Σ actual cost − bucket size) / restore rate seconds. From 1,000
// products the plugin syncs through a bulk operation (decision 0022), whose file costs no points:
// the baseline is then the throttle floor paging would have had, from one ProductsPage's real cost.
// Run: npx tsx bench/plugins/shopify-sync.bench.ts [products=10000] [restoreRate=1000] [bucket=2000]
import os from 'node:os';
import { createTestContext } from '@concierge/plugin-sdk/testkit';
import shopify, { MAX_PAGE } from '../../plugins/shopify/index.ts';
import { startFakeShopify } from '../../tests/fakes/shopify/index.ts';
import { report } from '../report.ts';

const PRODUCTS = Number(process.argv[2] ?? 10_000);
const RESTORE = Number(process.argv[3] ?? 1_000);
const BUCKET = Number(process.argv[4] ?? 2_000);

const fake = await startFakeShopify({ throttle: { maximumAvailable: BUCKET, restoreRate: RESTORE } });
try {
  const shop = fake.shops.create({ name: 'bench', email: 'owner@bench.test' });
  fake.seedProducts(shop, PRODUCTS);
  const issued = fake.issueToken(shop, { expiring: true });
  const ctx = createTestContext({
    pluginId: 'shopify',
    settings: { apiKey: fake.apiKey, apiSecret: fake.apiSecret, scopes: 'read_products', upstream: fake.url },
    externalId: shop.domain,
    config: { currency: 'USD' },
    secrets: { accessToken: issued.accessToken, refreshToken: issued.refreshToken ?? undefined, expiresAt: new Date(issued.expiresAt!).toISOString() },
  });
  await shopify.setup?.(ctx as never);

  const logStart = fake.graphqlLog.length;
  const started = performance.now();
  let cursor: string | undefined;
  let synced = 0;
  let pages = 0;
  for (;;) {
    const page = await shopify.catalog!.list!(ctx as never, { cursor, limit: MAX_PAGE });
    synced += page.items.length;
    pages += 1;
    if (page.retryAfterMs) await new Promise((r) => setTimeout(r, page.retryAfterMs));
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  const seconds = (performance.now() - started) / 1000;
  const log = fake.graphqlLog.slice(logStart);
  const charged = log.reduce((sum, entry) => sum + (entry.actualCost ?? 0), 0);
  const bulk = fake.bulkOperations.some((op) => op.shop === shop.domain);
  // Paged: the floor of this very run. Bulk: the floor paging would have had (one real page's cost per product).
  let pagedCostPerProduct = charged / synced;
  if (bulk) {
    await new Promise((r) => setTimeout(r, (BUCKET / RESTORE) * 1000));
    const before = fake.graphqlLog.length;
    const probe = await shopify.catalog!.list!(ctx as never, { cursor: 'page:', limit: MAX_PAGE });
    pagedCostPerProduct = fake.graphqlLog.slice(before).reduce((sum, entry) => sum + (entry.actualCost ?? 0), 0) / probe.items.length;
  }
  const floorSeconds = Math.max(0, synced * pagedCostPerProduct - BUCKET) / RESTORE;
  const allowedRate = floorSeconds > 0 ? synced / floorSeconds : Infinity;
  const rate = synced / seconds;
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')} on ${os.cpus().length} cores`);
  console.log(`shopify catalog sync (${bulk ? 'bulk operation' : 'pages'}): ${synced} products in ${pages} list calls, ${seconds.toFixed(1)} s → ${rate.toFixed(1)} products/s`);
  console.log(`  fake throttle: bucket ${BUCKET}, restore ${RESTORE}/s; charged ${charged} points (${(charged / synced).toFixed(3)}/product), ${log.filter((e) => e.throttled).length} THROTTLED answers`);
  console.log(`  ${bulk ? 'paged ' : ''}throttle floor: ${floorSeconds.toFixed(1)} s (${pagedCostPerProduct.toFixed(2)} points/product paged) → at most ${allowedRate.toFixed(1)} products/s; achieved ${((rate / allowedRate) * 100).toFixed(1)} % of it (budget ≥ 90 %)`);
  if (synced !== PRODUCTS) throw new Error(`synced ${synced} of ${PRODUCTS} products`);
  report('plugins/shopify-sync', [
    {
      budget: `catalog sync, ${PRODUCTS.toLocaleString('en')} products against a throttled fake platform: ≥ 90 % of the rate the platform's throttle allows`,
      measured: rate,
      unit: 'products/s',
      baseline: allowedRate,
      baselineName: bulk
        ? `fake's throttle floor for paging (${pagedCostPerProduct.toFixed(2)} points/product at ${RESTORE}/s); the bulk path charged ${charged} points`
        : `fake's throttle floor, ${charged} points charged at ${RESTORE}/s`,
      ratio: rate / allowedRate,
      within: rate / allowedRate >= 0.9,
    },
    { budget: `(info) ${PRODUCTS.toLocaleString('en')}-product sync wall time (${bulk ? 'bulk operation' : 'pages'})`, measured: seconds, unit: 's', info: true },
    { budget: '(info) GraphQL points charged by the sync', measured: charged, unit: 'points', info: true },
  ]);
  await shopify.teardown?.();
} finally {
  await fake.close();
}
