import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderMigrationSource } from '../../../core/db/migrator.ts';

// The compiled server (dist/server, decision 0027) loads `….js` migrations but must know them by the
// names the sources ran them under (`….ts`), which knex_migrations holds.
describe('FolderMigrationSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'concierge-migrations-'));
    await writeFile(path.join(dir, '20260101T0000_first.js'), "export const from = 'compiled first';\n");
    await writeFile(path.join(dir, '20260101T0100_second.js'), "export const from = 'compiled second';\n");
    await writeFile(path.join(dir, '20260101T0000_first.ts'), "export const from = 'source first';\n");
    await writeFile(path.join(dir, 'README.md'), 'not a migration\n');
    await writeFile(path.join(dir, '20260101T0200_not-a-name.js'), '\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('compiled: lists the .js files in order, each named as its .ts source', async () => {
    const source = new FolderMigrationSource(dir, '.js');
    expect(await source.getMigrations()).toEqual(['20260101T0000_first.ts', '20260101T0100_second.ts']);
    expect(source.getMigrationName('20260101T0100_second.ts')).toBe('20260101T0100_second.ts');
  });

  it('compiled: loads the .js module a .ts name stands for', async () => {
    const source = new FolderMigrationSource(dir, '.js');
    expect(((await source.getMigration('20260101T0000_first.ts')) as unknown as { from: string }).from).toBe('compiled first');
  });

  it('sources: lists and loads only the .ts files', async () => {
    const source = new FolderMigrationSource(dir, '.ts');
    expect(await source.getMigrations()).toEqual(['20260101T0000_first.ts']);
    expect(((await source.getMigration('20260101T0000_first.ts')) as unknown as { from: string }).from).toBe('source first');
  });
});
