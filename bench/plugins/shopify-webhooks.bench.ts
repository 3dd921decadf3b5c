// Webhook intake through the real application (design §13: verified, deduped, stored deliveries
// ≥ 50 % of /healthz's rate, measured in the same run). A shop is installed from the fake Shopify
// (real OAuth path), then N clients post signed products/update deliveries (10 % redeliveries of an
// earlier event id) to POST /webhooks/shopify for a fixed time, between two /healthz baselines.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/plugins/shopify-webhooks.bench.ts [clients=16] [seconds=5]
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import inspector from 'node:inspector';
import path from 'node:path';
import os from 'node:os';
import pino from 'pino';
import { createApplication } from '../../core/bootstrap.ts';
import { loadConfig } from '../../core/config.ts';
import { payloads, startFakeShopify, webhookHmac } from '../../tests/fakes/shopify/index.ts';
import { report } from '../report.ts';
import { openScratchDatabase } from '../scratch-database.ts';

const CLIENTS = Number(process.argv[2] ?? 16);
const SECONDS = Number(process.argv[3] ?? 5);
const PUBLIC_URL = 'https://concierge.bench';

const scratch = await openScratchDatabase();

const fake = await startFakeShopify({ throttle: { maximumAvailable: 2000, restoreRate: 1000 } });
const shop = fake.shops.create({ name: 'bench-hooks', email: 'owner@bench-hooks.test' });
fake.seedProducts(shop, 50);

const config = loadConfig({
  NODE_ENV: 'test',
  PORT: '0',
  HOST: '127.0.0.1',
  PUBLIC_URL,
  DATABASE_URL: scratch.url,
  DATA_DIR: scratch.dataDir,
  SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789abcdef',
  LOG_LEVEL: 'silent',
  DEMO_SEED: 'false',
  DB_POOL_MAX: '20',
  PLUGIN_SHOPIFY_API_KEY: fake.apiKey,
  PLUGIN_SHOPIFY_API_SECRET: fake.apiSecret,
  PLUGIN_SHOPIFY_UPSTREAM: fake.url,
});
const app = await createApplication(config, { logger: pino({ level: 'silent' }), firstOwner: false });
const { url } = await app.listen();

const post = (session: inspector.Session, method: string) =>
  new Promise<unknown>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));

/** Runs `clients` loops of `once` for `seconds`; returns completed calls per second. */
async function rate(once: (worker: number, i: number) => Promise<boolean>): Promise<{ perSecond: number; failed: number }> {
  const end = performance.now() + SECONDS * 1000;
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, worker) => {
      for (let i = 0; performance.now() < end; i++) {
        if (await once(worker, i)) ok += 1;
        else failed += 1;
      }
    }),
  );
  return { perSecond: ok / SECONDS, failed };
}

try {
  // Install as a merchant would: app URL (signed) → authorize on the fake → callback.
  const begin = await fetch(`${url}/plugins/shopify/install?${fake.signInstallQuery(shop).query}`, { redirect: 'manual' });
  const authorize = new URL(begin.headers.get('location')!);
  const approved = await fetch(`${fake.url}${authorize.pathname}${authorize.search}`, { redirect: 'manual', headers: { 'x-shopify-shop-domain': shop.domain } });
  const back = new URL(approved.headers.get('location')!);
  const done = await fetch(`${url}${back.pathname}${back.search}`, { redirect: 'manual' });
  if (done.status >= 400) throw new Error(`install failed: ${done.status} ${await done.text()}`);
  await new Promise((r) => setTimeout(r, 2000)); // let the 50-product sync finish

  const products = shop.productList();
  const bodies = products.map((p) => Buffer.from(JSON.stringify(payloads.productPayload(shop, p))));
  const sent: string[] = [];
  const deliver = async (worker: number, i: number) => {
    const body = bodies[(worker * 7 + i) % bodies.length]!;
    const redelivery = i % 10 === 9 && sent.length > 0;
    const eventId = redelivery ? sent[(worker + i) % sent.length]! : randomUUID();
    if (!redelivery) sent.push(eventId);
    const res = await fetch(`${url}/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'products/update',
        'x-shopify-shop-domain': shop.domain,
        'x-shopify-event-id': eventId,
        'x-shopify-triggered-at': new Date().toISOString(),
        'x-shopify-hmac-sha256': webhookHmac(fake.apiSecret, body),
      },
      body,
    });
    await res.arrayBuffer();
    return res.status === 200;
  };
  const healthz = async () => {
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    return res.status === 200;
  };

  await rate(healthz); // warm-up
  const before = await rate(healthz);
  // BENCH_CPU_PROF=<dir>: a CPU profile of the delivery phase alone (this process: client and server).
  const profiler = process.env.BENCH_CPU_PROF ? new inspector.Session() : undefined;
  if (profiler) {
    profiler.connect();
    await post(profiler, 'Profiler.enable');
    await post(profiler, 'Profiler.start');
  }
  const hooks = await rate(deliver);
  if (profiler) {
    const { profile } = (await post(profiler, 'Profiler.stop')) as { profile: unknown };
    await mkdir(process.env.BENCH_CPU_PROF!, { recursive: true });
    const file = path.join(process.env.BENCH_CPU_PROF!, `webhooks-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    console.log(`  CPU profile of the delivery phase: ${file}`);
    profiler.disconnect();
  }
  // Processing runs behind the answers (a bounded queue): how long until the burst is processed.
  const drainStart = performance.now();
  const counts = () => app.db.system((trx) => trx('webhook_deliveries').select(trx.raw(`count(*) FILTER (WHERE status = 'processed')::int AS processed, count(*)::int AS total`)).first());
  let drained = await counts();
  while (drained.processed < drained.total && performance.now() - drainStart < 120_000) {
    await new Promise((r) => setTimeout(r, 50));
    drained = await counts();
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const after = await rate(healthz);
  const baseline = (before.perSecond + after.perSecond) / 2;
  const stored = await app.db.system((trx) => trx('webhook_deliveries').count({ n: '*' }).first());
  console.log(`webhook intake (${CLIENTS} clients, ${SECONDS} s each), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')} on ${os.cpus().length} cores:`);
  console.log(`  /healthz: ${before.perSecond.toFixed(0)} then ${after.perSecond.toFixed(0)} req/s (baseline ${baseline.toFixed(0)})`);
  console.log(`  POST /webhooks/shopify (verified, deduped, stored; 10 % redeliveries): ${hooks.perSecond.toFixed(0)} deliveries/s, ${hooks.failed} not 200; ${stored?.n} deliveries stored for ${sent.length} distinct event ids sent`);
  console.log(`  ratio: ${((hooks.perSecond / baseline) * 100).toFixed(1)} % of /healthz (budget ≥ 50 %)`);
  console.log(
    `  processing: ${drained.processed} of ${drained.total} processed ${drainSeconds.toFixed(2)} s after the burst ended (${(drained.processed / (SECONDS + drainSeconds)).toFixed(0)} deliveries/s from the burst's start)`,
  );
  report('plugins/shopify-webhooks', [
    {
      budget: "webhook intake (verified, deduped, stored): ≥ 50 % of /healthz's rate",
      measured: hooks.perSecond,
      unit: 'deliveries/s',
      baseline,
      baselineName: '/healthz, same run',
      ratio: hooks.perSecond / baseline,
      within: hooks.failed === 0 && hooks.perSecond / baseline >= 0.5,
    },
  ]);
} finally {
  await app.stop();
  await fake.close();
  await scratch.drop();
}
