// The application under test for bench/plugins/shopify-webhooks.bench.ts, in a process of its own
// (with the fake Shopify it installs from), so the load generator's CPU does not count as the
// server's. Talks to the parent over IPC: `ready` once a shop is installed and synced, then
// `cpu` (the process's CPU time so far), `counts`, `profile:start`, `profile:stop` and `stop` on request.
import pino from 'pino';
import { createApplication } from '../../core/bootstrap.ts';
import { loadConfig } from '../../core/config.ts';
import { payloads, startFakeShopify } from '../../tests/fakes/shopify/index.ts';
import { PhaseProfiler } from '../cpu-profiler.ts';
import { benchSettings, openScratchDatabase } from '../scratch-database.ts';

const send = (message: unknown) => process.send?.(message);
const PUBLIC_URL = 'https://concierge.bench';

async function main() {
  const scratch = await openScratchDatabase();
  const fake = await startFakeShopify({ throttle: { maximumAvailable: 2000, restoreRate: 1000 } });
  const shop = fake.shops.create({ name: 'bench-hooks', email: 'owner@bench-hooks.test' });
  fake.seedProducts(shop, 50);

  const config = loadConfig(
    benchSettings(scratch, { PUBLIC_URL, PLUGIN_SHOPIFY_API_KEY: fake.apiKey, PLUGIN_SHOPIFY_API_SECRET: fake.apiSecret, PLUGIN_SHOPIFY_UPSTREAM: fake.url }),
  );
  const app = await createApplication(config, { logger: pino({ level: 'silent' }), firstOwner: false });
  const { url } = await app.listen();

  // Install as a merchant would: app URL (signed) → authorize on the fake → callback.
  const begin = await fetch(`${url}/plugins/shopify/install?${fake.signInstallQuery(shop).query}`, { redirect: 'manual' });
  const authorize = new URL(begin.headers.get('location')!);
  const approved = await fetch(`${fake.url}${authorize.pathname}${authorize.search}`, { redirect: 'manual', headers: { 'x-shopify-shop-domain': shop.domain } });
  const back = new URL(approved.headers.get('location')!);
  const done = await fetch(`${url}${back.pathname}${back.search}`, { redirect: 'manual' });
  if (done.status >= 400) throw new Error(`install failed: ${done.status} ${await done.text()}`);
  await new Promise((r) => setTimeout(r, 2000)); // let the 50-product sync finish

  const bodies = shop.productList().map((p) => JSON.stringify(payloads.productPayload(shop, p)));
  send({ type: 'ready', url, secret: fake.apiSecret, shopDomain: shop.domain, bodies });

  const profiler = new PhaseProfiler();

  process.on('message', async (message: { type: string; dir?: string }) => {
    try {
      if (message.type === 'cpu') {
        const { user, system } = process.cpuUsage();
        send({ type: 'cpu', micros: user + system });
      } else if (message.type === 'counts') {
        const row = await app.db.system((trx) =>
          trx('webhook_deliveries').select(trx.raw(`count(*) FILTER (WHERE status = 'processed')::int AS processed, count(*)::int AS total`)).first(),
        );
        send({ type: 'counts', processed: row.processed, total: row.total });
      } else if (message.type === 'profile:start') {
        await profiler.start();
        send({ type: 'profile:start' });
      } else if (message.type === 'profile:stop') {
        send({ type: 'profile:stop', file: await profiler.stop(message.dir!, 'webhooks') });
      } else if (message.type === 'stop') {
        await app.stop();
        await fake.close();
        await scratch.drop();
        send({ type: 'stopped' });
        process.exit(0);
      }
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
    }
  });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
