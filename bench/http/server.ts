// The application under test for bench/http/request-path.bench.ts, in a process of its own so the
// load generator's CPU does not count as the server's. Talks to the parent over IPC: `ready`, then
// `cpu` (CPU time used so far), `profile:start`, `profile:stop` (a CPU profile of one phase) and
// `stop` on request.
import pino from 'pino';
import { createApplication } from '../../core/bootstrap.ts';
import { loadConfig } from '../../core/config.ts';
import { PhaseProfiler } from '../cpu-profiler.ts';
import { benchSettings, openScratchDatabase } from '../scratch-database.ts';

const send = (message: unknown) => process.send?.(message);
const ORIGIN = 'https://bench.example';
const NOW = new Date('2027-03-01T05:00:00Z');

async function main() {
  const scratch = await openScratchDatabase();

  const config = loadConfig(benchSettings(scratch));
  const app = await createApplication(config, {
    logger: pino({ level: 'silent' }),
    clock: () => NOW,
    booking: { worker: { enabled: false } },
    chat: { limits: { messagesPerVisitorPerMinute: 1e9, messagesPerIpPerMinute: 1e9, sessionsPerIpPerMinute: 1e9 } },
  });
  const { url } = await app.listen();
  const { tenancy, accounts } = app.repositories;
  const tenant = await tenancy.createTenant({ name: 'Bench Store', timeZone: 'UTC' });
  const bot = await tenancy.createBot(tenant.id, { name: 'Bench', allowedOrigins: [ORIGIN] });
  const user = await accounts.createMember(tenant.id, { email: 'bench@store.example', passwordHash: 'x', role: 'owner' });
  const { accessToken } = await app.accounts.issueSession(tenant.id, user.id);
  const post = async (route: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, any>;
  };
  const merchant = { authorization: `Bearer ${accessToken}` };
  const allDay = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '23:45' }]]));
  const service = await post('/api/v1/services', { name: 'Consultation', durationMinutes: 15, minNoticeMinutes: 0, maxAdvanceDays: 365 }, merchant);
  for (let i = 0; i < 3; i++) await post('/api/v1/resources', { name: `Staff ${i}`, serviceIds: [service.id], timeZone: 'UTC', weeklyHours: allDay }, merchant);
  const session = await post('/widget/v1/sessions', { botKey: bot.public_key }, { origin: ORIGIN });
  send({ type: 'ready', url, accessToken, botKey: bot.public_key, origin: ORIGIN, visitorToken: session.visitorToken, serviceId: service.id, dbUrl: scratch.url });

  const profiler = new PhaseProfiler();
  process.on('message', async (message: { type: string; dir?: string; name?: string }) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', micros: user + system });
      return;
    }
    if (message.type === 'profile:start') {
      await profiler.start();
      send({ type: 'profile:start' });
      return;
    }
    if (message.type === 'profile:stop') {
      send({ type: 'profile:stop', file: await profiler.stop(message.dir!, message.name ?? 'server') });
      return;
    }
    if (message.type !== 'stop') return;
    await app.stop();
    await scratch.drop();
    process.exit(0);
  });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
