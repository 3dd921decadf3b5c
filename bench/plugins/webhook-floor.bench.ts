// The least any webhook intake can cost on this machine: the floor under the application's figure in
// shopify-webhooks.bench.ts (design §13: verified, deduped, stored deliveries ≥ 50 % of /healthz's rate).
//
// A server process of its own runs two things side by side: the application (its /healthz is the
// budget's baseline, as in shopify-webhooks.bench.ts), and a bare `node:http` intake with nothing
// else in it: read the raw body, HMAC-SHA256 in base64 compared in constant time, then one durable
// multi-row INSERT … ON CONFLICT DO NOTHING for every delivery that arrived while the previous
// INSERT was on its way (group commit on one connection: with 16 clients it measured 33 % of /healthz, against 31, 27 and 20 % on 2, 4 and 8; FLOOR_POOL sets it), then `200`. No tenant, no RLS, no headers
// kept, no logging, no processing: what the budget's three words require and no more. Its ratio to
// the application's /healthz is the most an implementation could reach here; a bare /healthz on the
// same bare server is printed too. autocannon is the client for every phase, with the same settings.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/plugins/webhook-floor.bench.ts [connections=16] [seconds=5]
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import pino from 'pino';
import { forkBenchChild } from '../child.ts';
import { postgresCpuMs, postgresCpuPerRequest } from '../postgres-cpu.ts';
import { report } from '../report.ts';

const CONNECTIONS = Number(process.argv[2] ?? 16);
const SECONDS = Number(process.argv[3] ?? 5);
const SECRET = 'floor-secret';

interface Ready { appUrl: string; floorUrl: string }

/** The child: the application and the bare intake, on one scratch database. */
async function serve() {
  const { createApplication } = await import('../../core/bootstrap.ts');
  const { loadConfig } = await import('../../core/config.ts');
  const { benchSettings, openScratchDatabase } = await import('../scratch-database.ts');
  const scratch = await openScratchDatabase();
  const app = await createApplication(loadConfig(benchSettings(scratch)), { logger: pino({ level: 'silent' }), firstOwner: false });
  const { url: appUrl } = await app.listen();

  const pool = new pg.Pool({ connectionString: scratch.url, max: Number(process.env.FLOOR_POOL ?? 1) });
  await pool.query(`CREATE TABLE floor_deliveries (delivery_id uuid PRIMARY KEY, topic text NOT NULL, payload bytea NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);

  // Group commit: deliveries wait while every connection is busy, then go in one statement.
  type Waiting = { id: string; topic: string; payload: Buffer; done: (error?: Error) => void };
  let queue: Waiting[] = [];
  let busy = 0;
  const flush = () => {
    if (busy >= Number(process.env.FLOOR_POOL ?? 1) || queue.length === 0) return;
    const batch = queue;
    queue = [];
    busy++;
    pool
      .query(
        'INSERT INTO floor_deliveries (delivery_id, topic, payload) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[]) ON CONFLICT DO NOTHING',
        [batch.map((w) => w.id), batch.map((w) => w.topic), batch.map((w) => w.payload)],
      )
      .then(
        () => batch.forEach((w) => w.done()),
        (error: Error) => batch.forEach((w) => w.done(error)),
      )
      .finally(() => {
        busy--;
        flush();
      });
  };

  const floor = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 15 });
      res.end('{"status":"ok"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const payload = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-shopify-hmac-sha256'] ?? ''), 'base64');
      const expected = createHmac('sha256', SECRET).update(payload).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      queue.push({
        id: String(req.headers['x-shopify-event-id']),
        topic: String(req.headers['x-shopify-topic']),
        payload,
        done: (error) => res.writeHead(error ? 500 : 200, { 'content-length': 0 }).end(),
      });
      flush();
    });
  });
  await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
  const floorUrl = `http://127.0.0.1:${(floor.address() as { port: number }).port}`;

  process.send?.({ type: 'ready', appUrl, floorUrl });
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: user + system });
    } else if (message.type === 'counts') {
      const { rows } = await pool.query('SELECT count(*)::int AS stored FROM floor_deliveries');
      process.send?.({ type: 'counts', stored: rows[0].stored });
    } else if (message.type === 'stop') {
      floor.close();
      await pool.end();
      await app.stop();
      await scratch.drop();
      process.send?.({ type: 'stopped' });
      process.exit(0);
    }
  });
}

async function measure() {
  const { ask, ready, process: child } = await forkBenchChild<Ready>(fileURLToPath(import.meta.url), { env: { ...process.env, WEBHOOK_FLOOR_SERVER: '1' } });
  const rate = async (title: string, options: Partial<autocannon.Options>) => {
    const cpuBefore = (await ask<{ micros: number }>('cpu')).micros;
    const pgBefore = postgresCpuMs();
    const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options } as autocannon.Options);
    const requests = Math.max(1, result.requests.total);
    const cpuMs = ((await ask<{ micros: number }>('cpu')).micros - cpuBefore) / 1000 / requests;
    const failed = result.non2xx + result.errors + result.timeouts;
    console.log(
      `  ${title.padEnd(52)} ${result.requests.average.toFixed(0).padStart(6)} req/s   server CPU ${cpuMs.toFixed(3)} ms/request${postgresCpuPerRequest(pgBefore, postgresCpuMs(), requests)}   failed ${failed}`,
    );
    return result.requests.average;
  };
  try {
    const body = JSON.stringify({ id: 1, title: 'A product', body_html: '<p>'.padEnd(2000, 'x'), variants: [{ id: 2, price: '19.00' }] });
    const hmac = createHmac('sha256', SECRET).update(body).digest('base64');
    let n = 0;
    const sent: string[] = [];
    const delivery = (request: any) => {
      const i = n++;
      const redelivery = i % 10 === 9 && sent.length > 0;
      const id = redelivery ? sent[(i * 7) % sent.length]! : randomUUID();
      if (!redelivery) sent.push(id);
      return {
        ...request,
        method: 'POST',
        path: '/hook',
        headers: { 'content-type': 'application/json', 'x-shopify-topic': 'products/update', 'x-shopify-event-id': id, 'x-shopify-hmac-sha256': hmac },
        body,
      };
    };
    console.log(`webhook intake floor (${CONNECTIONS} connections, ${SECONDS} s each), on ${os.cpus().length} cores:`);
    await rate('application /healthz (warm-up)', { url: `${ready.appUrl}/healthz` });
    await rate('bare intake (warm-up)', { url: ready.floorUrl, duration: 3, requests: [{ setupRequest: delivery }] });
    const appBefore = await rate('application /healthz', { url: `${ready.appUrl}/healthz` });
    const bare = await rate('bare /healthz (node:http)', { url: `${ready.floorUrl}/healthz` });
    const floor = await rate('bare intake: verified, deduped, stored', { url: ready.floorUrl, requests: [{ setupRequest: delivery }] });
    const appAfter = await rate('application /healthz', { url: `${ready.appUrl}/healthz` });
    const { stored } = await ask<{ stored: number }>('counts');
    const baseline = (appBefore + appAfter) / 2;
    console.log(`  ${stored} deliveries stored for ${sent.length} distinct ids sent (${n} requests)`);
    console.log(`  floor: ${((floor / baseline) * 100).toFixed(1)} % of the application's /healthz (${((floor / bare) * 100).toFixed(1)} % of a bare /healthz); budget ≥ 50 %`);
    report('plugins/webhook-floor', [
      { budget: "(info) floor of webhook intake: bare verified, deduped, stored deliveries vs the application's /healthz", measured: floor, unit: 'deliveries/s', baseline, baselineName: 'application /healthz, same run', ratio: floor / baseline, info: true },
    ]);
  } finally {
    await ask('stop', {}, 'stopped').catch(() => child.kill());
  }
}

if (process.env.WEBHOOK_FLOOR_SERVER) {
  serve().catch((error: unknown) => {
    process.send?.({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
    process.exit(1);
  });
} else {
  await measure();
}
