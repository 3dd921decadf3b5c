import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { CODE_ROOT, MODULE_EXTENSION } from '../runtime-layout.ts';

const MIGRATIONS_DIR = path.join(CODE_ROOT, 'migrations');
const MIGRATION_FILE = /^(\d{8}T\d{4}_[a-z0-9_]+)\.(ts|js)$/;

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
  config?: { transaction?: boolean };
}

/**
 * Loads the migrations through the running module loader (tsx or vitest for the sources, Node for
 * the compiled tree), so knex never has to load TypeScript itself. Files are ordered by their
 * timestamp prefix. A migration is named by its source file (`….ts`) either way: knex_migrations
 * holds the names already run, and a compiled server must recognise them.
 */
export class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(
    private readonly dir = MIGRATIONS_DIR,
    private readonly extension = MODULE_EXTENSION,
  ) {}

  async getMigrations(): Promise<string[]> {
    const files = await readdir(this.dir);
    return files
      .flatMap((file) => {
        const match = MIGRATION_FILE.exec(file);
        return match && `.${match[2]}` === this.extension ? [`${match[1]}.ts`] : [];
      })
      .sort();
  }

  getMigrationName(migration: string): string {
    return migration;
  }

  async getMigration(migration: string): Promise<MigrationModule> {
    const file = `${migration.slice(0, -'.ts'.length)}${this.extension}`;
    return (await import(pathToFileURL(path.join(this.dir, file)).href)) as MigrationModule;
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
