import pino from 'pino';
import { startEmbeddedPostgres } from '../../adapters/db/load-embedded.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { Lifecycle } from '../lifecycle/lifecycle.ts';
import { migrateLatest, migrateRollbackAll } from './migrator.ts';
import { openDatabase } from './open-database.ts';

/**
 * `npm run migrate` (up to latest) and `npm run migrate -- down` (roll everything back). An entry
 * point like core/main.ts: it composes what it needs (the database, the embedded server) itself.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const lifecycle = new Lifecycle();
  try {
    const db = await openDatabase(config, pino({ level: 'warn' }), lifecycle, startEmbeddedPostgres);
    const down = process.argv.includes('down');
    const names = down ? await migrateRollbackAll(db.knex) : await migrateLatest(db.knex);
    process.stdout.write(names.length ? `${down ? 'rolled back' : 'applied'}:\n${names.map((n) => `  ${n}`).join('\n')}\n` : 'nothing to do: the schema is up to date\n');
  } finally {
    await lifecycle.shutdown();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`}\n`);
  process.exit(1);
});
