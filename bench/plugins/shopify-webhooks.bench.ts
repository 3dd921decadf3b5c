// Webhook intake through the real application (design §13: verified, deduped, stored deliveries
// ≥ 50 % of /healthz's rate, measured in the same run). The server (bench/plugins/webhook-server.ts)
// runs in a process of its own and installs a shop from the fake Shopify (real OAuth path); then
// autocannon posts signed products/update deliveries (every 10th a redelivery of an earlier event id)
// to POST /webhooks/shopify for a fixed time, between two /healthz baselines with the same client.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/plugins/shopify-webhooks.bench.ts [connections=16] [seconds=5]
// BENCH_CPU_PROF=<dir>: a CPU profile of the server during the delivery phase alone.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { webhookHmac } from '../../tests/fakes/shopify/index.ts';
import { forkBenchChild } from '../child.ts';
import { postgresCpuMs, postgresCpuPerRequest } from '../postgres-cpu.ts';
import { report } from '../report.ts';

const CONNECTIONS = Number(process.argv[2] ?? 16);
const SECONDS = Number(process.argv[3] ?? 5);
const here = path.dirname(fileURLToPath(import.meta.url));

interface Ready { url: string; secret: string; shopDomain: string; bodies: string[] }

const { ask, ready } = await forkBenchChild<Ready>(path.join(here, 'webhook-server.ts'));

/** The rate of one phase, and the server's CPU time per request in it (less noisy than the rate on a shared machine). */
async function rate(title: string, options: Partial<autocannon.Options>): Promise<{ rps: number; non200: number; cpuMs: number }> {
  const cpuBefore = (await ask<{ micros: number }>('cpu')).micros;
  const pgBefore = postgresCpuMs();
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options } as autocannon.Options);
  const requests = Math.max(1, result.requests.total);
  const cpuMs = ((await ask<{ micros: number }>('cpu')).micros - cpuBefore) / 1000 / requests;
  const pg = postgresCpuPerRequest(pgBefore, postgresCpuMs(), requests);
  const non200 = result.non2xx + result.errors + result.timeouts;
  console.log(
    `  ${title.padEnd(64)} ${result.requests.average.toFixed(0).padStart(6)} req/s   p99 ${String(result.latency.p99).padStart(4)} ms   server CPU ${cpuMs.toFixed(3)} ms/request${pg}   failed ${non200}`,
  );
  return { rps: result.requests.average, non200, cpuMs };
}

try {
  const bodies = ready.bodies.map((b) => ({ text: b, hmac: webhookHmac(ready.secret, b) }));
  const sent: string[] = [];
  let n = 0;
  const delivery = (request: any) => {
    const i = n++;
    const body = bodies[i % bodies.length]!;
    const redelivery = i % 10 === 9 && sent.length > 0;
    const eventId = redelivery ? sent[(i * 7) % sent.length]! : randomUUID();
    if (!redelivery) sent.push(eventId);
    return {
      ...request,
      method: 'POST',
      path: '/webhooks/shopify',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'products/update',
        'x-shopify-shop-domain': ready.shopDomain,
        'x-shopify-event-id': eventId,
        'x-shopify-triggered-at': new Date().toISOString(),
        'x-shopify-hmac-sha256': body.hmac,
      },
      body: body.text,
    };
  };
  const healthz = { url: `${ready.url}/healthz` };

  console.log(`webhook intake (${CONNECTIONS} connections, ${SECONDS} s each; server in its own process), on ${os.cpus().length} cores:`);
  // Processing runs behind the answers: waits until everything stored is processed (at most 2 min).
  const drain = async () => {
    const start = performance.now();
    let counts = await ask<{ processed: number; total: number }>('counts');
    while (counts.processed < counts.total && performance.now() - start < 120_000) {
      await new Promise((r) => setTimeout(r, 50));
      counts = await ask('counts');
    }
    return { ...counts, seconds: (performance.now() - start) / 1000 };
  };

  await rate('/healthz (warm-up)', healthz);
  // The budget is about a running server: a fresh process runs the delivery path unoptimised for
  // its first seconds (the JIT has not compiled it yet), as the booking bench measured.
  await rate('POST /webhooks/shopify (warm-up)', { url: ready.url, duration: 3, requests: [{ setupRequest: delivery }] });
  await drain();
  const before = await rate('/healthz', healthz);
  if (process.env.BENCH_CPU_PROF) await ask('profile:start');
  const hooks = await rate('POST /webhooks/shopify (verified, deduped, stored; 10 % redeliveries)', { url: ready.url, requests: [{ setupRequest: delivery }] });
  if (process.env.BENCH_CPU_PROF) console.log(`  CPU profile of the delivery phase: ${(await ask<{ file: string }>('profile:stop', { dir: process.env.BENCH_CPU_PROF })).file}`);
  const drained = await drain();
  const after = await rate('/healthz', healthz);
  const baseline = (before.rps + after.rps) / 2;
  const ratio = hooks.rps / baseline;
  console.log(`  ${drained.total} deliveries stored for ${sent.length} distinct event ids sent (${n} requests made); load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  console.log(`  ratio: ${(ratio * 100).toFixed(1)} % of /healthz (baseline ${baseline.toFixed(0)} req/s; budget ≥ 50 %)`);
  console.log(`  processing: ${drained.processed} of ${drained.total} processed ${drained.seconds.toFixed(2)} s after the burst ended`);
  report('plugins/shopify-webhooks', [
    {
      budget: "webhook intake (verified, deduped, stored): ≥ 50 % of /healthz's rate",
      measured: hooks.rps,
      unit: 'deliveries/s',
      baseline,
      baselineName: '/healthz, same run',
      ratio,
      // Redeliveries store nothing new; a request cut off when the time ran out may not have arrived.
      within: hooks.non200 === 0 && drained.total <= sent.length && drained.total >= sent.length - CONNECTIONS && ratio >= 0.5,
    },
  ]);
} finally {
  await ask('stop', {}, 'stopped').catch(() => undefined);
}
