import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * A small planted source tree for testing the dependency rules (.dependency-cruiser.cjs): the
 * repository's package.json (adjusted by `editPackage`), a tsconfig, a link to node_modules, and
 * the files a test plants. `cruise` runs dependency-cruiser on it with the repository's rules.
 */
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const DEPCRUISE_CLI = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

export interface PlantedTree {
  dir: string;
  plant(files: Record<string, string>): Promise<void>;
  cruise(...targets: string[]): { status: number | null; output: string };
  remove(): Promise<void>;
}

export async function plantedTree(editPackage: (pkg: Record<string, Record<string, string>>) => void = () => {}): Promise<PlantedTree> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'concierge-deprules-'));
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
  delete pkg.workspaces;
  editPackage(pkg);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg));
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', allowImportingTsExtensions: true, noEmit: true } }));
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return {
    dir,
    async plant(files) {
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), text);
      }
    },
    cruise(...targets) {
      const run = spawnSync(process.execPath, [DEPCRUISE_CLI, ...targets, '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd: dir, encoding: 'utf8' });
      return { status: run.status, output: `${run.stdout}${run.stderr}` };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
