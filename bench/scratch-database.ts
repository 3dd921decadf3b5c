// A database of a benchmark's own: on the PostgreSQL at DATABASE_URL, or on an embedded server in a
// temp folder when it is unset; dropped (and the server stopped) by `drop()`.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../adapters/db/embedded-postgres.ts';

export interface ScratchDatabase {
  /** The new database's URL. */
  url: string;
  /** A temp folder for DATA_DIR; removed by `drop()`. */
  dataDir: string;
  drop(): Promise<void>;
}

export async function openScratchDatabase(): Promise<ScratchDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'concierge-bench-'));
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), database: 'postgres', ephemeral: true });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const name = `concierge_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      await stopEmbedded?.();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The settings a bench's application starts from (for `loadConfig`): test mode on the scratch
 * database, silent, no demo store, a pool of 20 (or DB_POOL_MAX); `extra` adds or overrides.
 */
export function benchSettings(scratch: ScratchDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: scratch.url,
    DATA_DIR: scratch.dataDir,
    SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789abcdef',
    LOG_LEVEL: 'silent',
    DEMO_SEED: 'false',
    DB_POOL_MAX: process.env.DB_POOL_MAX ?? '20',
    ...extra,
  };
}
