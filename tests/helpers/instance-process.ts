/**
 * One Concierge instance in a process of its own, for tests that run several and kill one with
 * SIGKILL (tests/helpers/instances.ts starts these). The real application: bootstrap, migrations,
 * plugins, HTTP, the booking outbox worker.
 *
 *   node --import tsx instance-process.ts '<json: { env, clockOffsetMs, worker }>'
 * Prints `ready <url>` on stdout once it listens; IPC `{ type: 'worker:start' }` starts its reminder worker.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApplication } from '../../core/bootstrap.ts';
import { loadConfig } from '../../core/config.ts';
import { TEST_SECRET_KEY } from './app.ts';

interface InstanceSpec {
  env: Record<string, string>;
  clockOffsetMs?: number;
  worker?: { instanceId: string; tickSeconds?: number; leaseMs?: number; batchSize?: number; enabled?: boolean };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as InstanceSpec;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'concierge-instance-'));
const config = loadConfig({
  NODE_ENV: 'test',
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  SECRET_KEY: TEST_SECRET_KEY,
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  DEMO_SEED: 'false',
  ...spec.env,
});
const offset = spec.clockOffsetMs ?? 0;
const application = await createApplication(config, {
  logger: pino({ level: config.logLevel }),
  firstOwner: false,
  clock: () => new Date(Date.now() + offset),
  ...(spec.worker ? { booking: { worker: spec.worker } } : {}),
});
const { port } = await application.listen();
process.stdout.write(`ready http://127.0.0.1:${port}\n`);
const stop = () => {
  application.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
// Control from the parent test over IPC (no test-only routes in the application).
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'worker:start') {
    application.booking.worker.start();
    process.send?.({ type: 'worker:started' });
  }
});
process.on('SIGINT', stop);
