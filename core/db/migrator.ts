import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
const MIGRATION_FILE = /^\d{8}T\d{4}_[a-z0-9_]+\.ts$/;

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
  config?: { transaction?: boolean };
}

/**
 * Loads migrations/*.ts through the running module loader (tsx or vitest), so knex never has
 * to load TypeScript itself. Files are ordered by their timestamp prefix.
 */
export class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<string[]> {
    const files = await readdir(this.dir);
    return files.filter((file) => MIGRATION_FILE.test(file)).sort();
  }

  getMigrationName(migration: string): string {
    return migration;
  }

  async getMigration(migration: string): Promise<MigrationModule> {
    return (await import(pathToFileURL(path.join(this.dir, migration)).href)) as MigrationModule;
  }
}

const migrationConfig = (): Knex.MigratorConfig => ({ migrationSource: new FolderMigrationSource(), tableName: 'knex_migrations' });

/** Brings the schema up to date; knex's lock table keeps concurrent instances from racing. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationConfig())) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(knex: Knex): Promise<string[]> {
  const [, rolledBack] = (await knex.migrate.rollback(migrationConfig(), true)) as [number, string[]];
  return rolledBack;
}

export async function migrationStatus(knex: Knex): Promise<{ applied: string[]; pending: string[] }> {
  const [applied, pending] = (await knex.migrate.list(migrationConfig())) as [{ name: string }[], { file: string }[]];
  return { applied: applied.map((m) => m.name), pending: pending.map((m) => m.file) };
}
