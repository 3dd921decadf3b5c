// The application under test for bench/chat/first-token.bench.ts, in a process of its own so the
// client's work and memory do not count as the server's. Talks to the parent over IPC.
// Run by the benchmark, compiled (bench/compiled.ts: node --expose-gc dist/bench/bench/chat/server.js), not by hand.
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import pino from 'pino';
import { createApplication } from '../../core/bootstrap.ts';
import { loadConfig } from '../../core/config.ts';
import { PhaseProfiler } from '../cpu-profiler.ts';

const send = (message: unknown) => process.send?.(message);
const gc = (globalThis as { gc?: () => void }).gc;

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'concierge-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789abcdef',
    MAIL_TRANSPORT: 'log',
    LOG_LEVEL: 'silent',
    DEMO_SEED: 'false',
    DB_POOL_MAX: process.env.DB_POOL_MAX ?? '20',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: process.env.FAKE_OPENAI_URL!,
    OPENAI_MODEL: 'fake-model',
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  });
  const application = await createApplication(config, {
    logger: pino({ level: 'silent' }),
    // Rate limits would throttle a benchmark that sends from one address.
    chat: { limits: { messagesPerVisitorPerMinute: 1e9, messagesPerIpPerMinute: 1e9, sessionsPerIpPerMinute: 1e9 } },
  });
  const { port } = await application.listen();
  const { tenancy, catalog } = application.repositories;
  const tenant = await tenancy.createTenant({ name: 'Bench Store', timeZone: 'Europe/Berlin' });
  const bot = await tenancy.createBot(tenant.id, { name: 'Bench', allowedOrigins: ['http://bench.local'], timeZone: 'Europe/Berlin' });
  await catalog.upsertProducts(tenant.id, [
    { source: 'manual', handle: 'sweater', title: 'Merino Sweater', description: 'Warm.', priceCents: 8900, currency: 'EUR', tags: [], variants: [] },
  ]);
  send({ type: 'ready', url: `http://127.0.0.1:${port}`, botKey: bot.public_key });

  const profiler = new PhaseProfiler();
  process.on('message', async (message: { type: string; dir?: string; name?: string }) => {
    if (message.type === 'profile:start') {
      await profiler.start();
      send({ type: 'profile:start' });
    } else if (message.type === 'profile:stop') {
      send({ type: 'profile:stop', file: await profiler.stop(message.dir!, message.name ?? 'server') });
    } else if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', micros: user + system });
    } else if (message.type === 'memory') {
      // Twice: the second pass collects what the first one's finalizers released.
      gc?.();
      gc?.();
      // The pages a collection frees go back to the OS a little later (V8 unmaps them on a
      // background thread): read right away, RSS counted up to ~90 MB already freed (280 vs 193 MB).
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const m = process.memoryUsage();
      send({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, streams: application.chat.sse.size, gc: Boolean(gc) });
    } else if (message.type === 'stop') {
      await application.stop();
      await rm(dataDir, { recursive: true, force: true });
      send({ type: 'stopped' });
      process.exit(0);
    }
  });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
