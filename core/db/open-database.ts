import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Lifecycle } from '../lifecycle/lifecycle.ts';
import { Database } from './database.ts';

/** Starts a PostgreSQL of its own under the data dir (adapters/db: the embedded server) and gives its URL. */
export type StartEmbeddedDatabase = (options: { dataDir: string; log: (message: string) => void }) => Promise<{ url: string; stop(): Promise<void> }>;

/**
 * The configured PostgreSQL, or — when DATABASE_URL is unset — the embedded one the entry point
 * passes in; both closed through the lifecycle. Used by the application and by `npm run migrate`.
 */
export async function openDatabase(config: Config, logger: Logger, lifecycle: Lifecycle, startEmbedded: StartEmbeddedDatabase): Promise<Database> {
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
    const embedded = await startEmbedded({ dataDir: config.dataDir, log: (m) => logger.debug({ component: 'embedded-postgres' }, m) });
    lifecycle.onShutdown('embedded-postgres', () => embedded.stop());
    databaseUrl = embedded.url;
  }
  const db = Database.connect(databaseUrl, { poolMax: config.dbPoolMax });
  lifecycle.onShutdown('database', () => db.close());
  return db;
}
