import pino from 'pino';
import { openApplicationDatabase } from '../bootstrap.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { Lifecycle } from '../lifecycle/lifecycle.ts';
import { migrateLatest, migrateRollbackAll } from './migrator.ts';

/**
 * `npm run migrate` (up to latest) and `npm run migrate -- down` (roll everything back). An entry
 * point like core/main.ts; the database (embedded when DATABASE_URL is unset) comes from the
 * composition root, core/bootstrap.ts, the one module that wires adapters.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const lifecycle = new Lifecycle();
  try {
    const db = await openApplicationDatabase(config, pino({ level: 'warn' }), lifecycle);
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
