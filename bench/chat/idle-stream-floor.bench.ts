// What 10,000 idle event streams cost a bare node:http server on this machine: the floor under the
// chat server's figure in first-token.bench.ts (budget: 10,000 idle streams ≤ 250 MB RSS for the
// whole server). A server process of its own holds the responses; this process opens the streams.
// Run: npx tsx bench/chat/idle-stream-floor.bench.ts [streams=10000]
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { CHILD_LOADER, compiledChild } from '../compiled.ts';
import { report } from '../report.ts';

const STREAMS = Number(process.argv[2] ?? process.env.IDLE_STREAMS ?? 10_000);

if (process.env.IDLE_FLOOR_SERVER) {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': open\n\n');
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
  process.on('message', (message) => {
    if (message !== 'memory') return;
    (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ rss, heapUsed });
  });
} else {
  // Compiled, like the chat server it is the floor for (bench/compiled.ts).
  const child = fork(compiledChild(fileURLToPath(import.meta.url)), [], { execArgv: [...CHILD_LOADER, '--expose-gc'], env: { ...process.env, IDLE_FLOOR_SERVER: '1' } });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve as (m: unknown) => void));
  const memory = () => new Promise<{ rss: number; heapUsed: number }>((resolve) => {
    child.once('message', resolve as (m: unknown) => void);
    child.send('memory');
  });
  const before = await memory();
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  let open = 0;
  await new Promise<void>((done) => {
    for (let i = 0; i < STREAMS; i++) {
      http.get({ host: '127.0.0.1', port, path: '/events', agent }, (res) => res.once('data', () => ++open === STREAMS && done()));
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await memory();
  const perStream = (after.rss - before.rss) / STREAMS / 1024;
  console.log(`bare node:http, ${STREAMS} idle event streams: RSS ${(before.rss / 1e6).toFixed(1)} → ${(after.rss / 1e6).toFixed(1)} MB (${perStream.toFixed(1)} KB per stream), heap +${((after.heapUsed - before.heapUsed) / STREAMS / 1024).toFixed(1)} KB per stream`);
  report('chat/idle-stream-floor', [
    { budget: `(info) bare node:http floor: RSS per idle event stream (${STREAMS} open)`, measured: perStream, unit: 'KB', info: true },
    { budget: `(info) bare node:http floor: whole process RSS with ${STREAMS} idle streams`, measured: after.rss / 1e6, unit: 'MB', info: true },
  ]);
  child.kill();
  process.exit(0);
}
