import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../adapters/db/embedded-postgres.ts';
import { Database } from '../../core/db/database.ts';
import { migrateLatest } from '../../core/db/migrator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dbAdminUrl: string;
    dbTemplate: string;
  }
}

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set (CI, dev machines), otherwise an
 * embedded server in a temp dir. The schema is migrated once into a template database; each
 * test file then clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  if (!adminUrl) {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'concierge-test-pg-'));
    const embedded = await startEmbeddedPostgres({ dataDir: tmp, database: 'postgres', ephemeral: true });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }

  const template = `concierge_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();

  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  const db = Database.connect(templateUrl.toString(), { poolMax: 2 });
  await migrateLatest(db.knex);
  await db.close();

  project.provide('dbAdminUrl', adminUrl);
  project.provide('dbTemplate', template);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await client.end();
    await stopEmbedded?.();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
}
