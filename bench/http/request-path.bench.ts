// The request path (design §13): an authenticated read (`GET /api/v1/me`) against `/readyz` (one
// database round trip) and `/healthz` (no database) in the same run, and booking writes through the
// widget API against a bare one-row INSERT. Server in a process of its own (bench/http/server.ts).
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/http/request-path.bench.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { forkBenchChild } from '../child.ts';
import { postgresCpuMs, postgresCpuPerRequest } from '../postgres-cpu.ts';
import { report, type BenchRow } from '../report.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 20;

interface Ready { url: string; accessToken: string; botKey: string; origin: string; visitorToken: string; serviceId: string; dbUrl: string }

// BENCH_CPU_PROF=dir writes a V8 CPU profile of the server per measured phase (summarise with
// bench/profile-summary.ts).
const profileDir = process.env.BENCH_CPU_PROF;
const only = process.env.BENCH_ONLY; // e.g. "me" or "bookings": run one part (for profiling)
const server = await forkBenchChild<Ready>(path.join(here, 'server.ts'));
const { ready } = server;
const ask = (type: string, extra: Record<string, unknown> = {}) => server.ask<{ file?: string; micros?: number }>(type, extra);

async function rate(title: string, options: Partial<autocannon.Options> & { path?: string }): Promise<{ rps: number; p99: number; non2xx: number }> {
  const { path: route = '/', ...rest } = options;
  if (profileDir) await ask('profile:start');
  const cpuBefore = (await ask('cpu')).micros!;
  const pgBefore = postgresCpuMs();
  const result = await autocannon({ url: `${ready.url}${route}`, connections: CONNECTIONS, duration: SECONDS, ...rest } as autocannon.Options);
  // The server's own CPU per answered request: what a change to the path costs, whatever else the machine runs.
  const cpuPerRequest = ((await ask('cpu')).micros! - cpuBefore) / 1000 / Math.max(1, result.requests.total);
  const pg = postgresCpuPerRequest(pgBefore, postgresCpuMs(), result.requests.total);
  if (profileDir) {
    const name = title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
    console.log(`  CPU profile: ${(await ask('profile:stop', { dir: profileDir, name })).file}`);
  }
  const out = { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx };
  console.log(`${title.padEnd(34)} ${out.rps.toFixed(0).padStart(6)} req/s   p99 ${String(out.p99).padStart(4)} ms   non-2xx ${out.non2xx}   server CPU ${cpuPerRequest.toFixed(2)} ms/request${pg}`);
  return out;
}

/** Fresh planner statistics for `table`, as autovacuum keeps them in a store that has been running. */
async function analyze(url: string, table: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`ANALYZE ${client.escapeIdentifier(table)}`);
  } finally {
    await client.end();
  }
}

const rows: BenchRow[] = [];
try {
  if (only === 'me') {
    await rate('GET /api/v1/me (bearer)', { path: '/api/v1/me', headers: { authorization: `Bearer ${ready.accessToken}` } });
    throw new Error('BENCH_ONLY=me: done');
  }
  if (only !== 'bookings') {
    await rate('warm-up /api/v1/me', { path: '/api/v1/me', duration: 2, headers: { authorization: `Bearer ${ready.accessToken}` } });
    const healthz = await rate('GET /healthz', { path: '/healthz' });
    const readyz = await rate('GET /readyz (one DB round trip)', { path: '/readyz' });
    const me = await rate('GET /api/v1/me (bearer)', { path: '/api/v1/me', headers: { authorization: `Bearer ${ready.accessToken}` } });
    rows.push({ budget: 'authenticated read ≥ 60 % of /readyz', measured: me.rps, unit: 'req/s', baseline: readyz.rps, baselineName: '/readyz', ratio: me.rps / readyz.rps, within: me.rps / readyz.rps >= 0.6 && me.non2xx === 0 });
    rows.push({ budget: '(info) /healthz rate', measured: healthz.rps, unit: 'req/s', info: true });
  }

  // A bare one-row insert through a pool of the same size, as the floor of any write path.
  const pool = new pg.Pool({ connectionString: ready.dbUrl, max: 25 });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_bare (id bigserial primary key, at timestamptz default now(), note text)');
  let inserts = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: 25 }, async () => {
    while (Date.now() < until) { await pool.query('INSERT INTO bench_bare (note) VALUES ($1)', ['x']); inserts++; }
  }));
  await pool.end();
  const bare = inserts / SECONDS;
  console.log(`${'bare one-row INSERT, 25 clients'.padEnd(34)} ${bare.toFixed(0).padStart(6)} rows/s`);

  // Booking writes: 25 clients, distinct slots (each request books the next free start).
  let slot = 0;
  const base = Date.parse('2027-03-01T00:00:00Z');
  const book = (title: string, seconds = SECONDS) => rate(title, {
    path: '/widget/v1/bookings',
    duration: seconds,
    connections: 25,
    requests: [{
      method: 'POST',
      setupRequest: (req) => {
        const n = slot++;
        // 92 quarter hours a day from 00:00 UTC, from the next day on: every booking its own start.
        const start = new Date(base + (Math.floor(n / 92) + 1) * 86_400_000 + (n % 92) * 15 * 60_000).toISOString();
        return { ...req, headers: { ...req.headers, 'content-type': 'application/json', authorization: `Bearer ${ready.visitorToken}`, origin: ready.origin, 'idempotency-key': `bench-${n}-${process.pid}` }, body: JSON.stringify({ serviceId: ready.serviceId, start, customer: { name: 'Bench Shopper', email: `s${n}@bench.example` } }) };
      },
    }],
  });
  // The budget is about a running store, so the measured phase starts from one (as pgbench analyzes
  // after loading): a warm-up first, since a fresh process runs the booking path unoptimised (the
  // first 5 s cost 6.0 ms of server CPU per booking against 3.7 ms after), then ANALYZE, since a
  // table that grew from empty within seconds has no statistics yet and the planner reads busy time
  // through the exclusion constraint's GiST index by tenant alone, every booking of the store
  // (autovacuum would analyze it within a minute; measured: PostgreSQL CPU per booking −20 %).
  await book('warm-up bookings', 5);
  await analyze(ready.dbUrl, 'bookings');
  const bookings = await book('POST /widget/v1/bookings, 25 clients');
  rows.push({ budget: 'booking writes ≥ 300/s at 25 clients', measured: bookings.rps, unit: 'req/s', baseline: bare, baselineName: 'bare INSERT', ratio: bookings.rps / bare, within: bookings.rps >= 300 && bookings.non2xx === 0 });
} finally {
  server.process.send({ type: 'stop' }); // the server stops and exits without an answer
}
report('http', rows);
