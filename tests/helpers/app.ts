import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import pino from 'pino';
import { createApplication, type Application, type ApplicationOptions } from '../../core/bootstrap.ts';
import { loadConfig } from '../../core/config.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestApp {
  application: Application;
  url: string;
  database: TestDatabase;
  dataDir: string;
  /** The port of the METRICS_LISTEN listener, when the test configured one. */
  metricsPort?: number;
  stop(): Promise<void>;
}

export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789abcdef';

/** The real application (bootstrap, migrations, plugins, HTTP) on a database of its own, port 0. */
export async function startTestApp(env: Record<string, string> = {}, options: ApplicationOptions & { database?: TestDatabase } = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'concierge-app-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DEMO_SEED: 'false',
    ...env,
  });
  // No first owner unless a test asks for it (`firstOwner: true`): it costs a bcrypt hash per app.
  const application = await createApplication(config, { logger: pino({ level: config.logLevel }), firstOwner: false, ...options });
  const { port, metricsPort } = await application.listen();
  return {
    application,
    url: `http://127.0.0.1:${port}`,
    database,
    dataDir,
    metricsPort,
    async stop() {
      await application.stop();
      if (!options.database) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
