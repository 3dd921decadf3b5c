import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCapabilities, scaffold, validateId } from '../../scripts/new-plugin.ts';

/**
 * Issue 17: `npm run new:plugin -- <id>` output passes lint, types, the dependency rules and its own
 * contract test as created. It scaffolds into a temporary copy of the repo's configuration and SDK
 * (never into this repo's plugins/, which the host discovers), with the repo's node_modules linked.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const bin = (p: string) => path.join(ROOT, 'node_modules', p);

async function sh(args: string[], cwd: string, what: string, file = process.execPath): Promise<string> {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'NODE_OPTIONS') delete env[key];
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 20 * 1024 * 1024, timeout: 180_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${what} failed on the scaffolded files:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: error });
  }
}

describe('npm run new:plugin', () => {
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses a bad id, an existing folder and an unknown capability', () => {
    expect(() => validateId(undefined, ROOT)).toThrow(/usage/);
    expect(() => validateId('Shop', ROOT)).toThrow(/lower-case/);
    expect(() => validateId('9shop', ROOT)).toThrow(/lower-case/);
    expect(() => validateId('my_shop', ROOT)).toThrow(/lower-case/);
    expect(() => validateId('script-tag', ROOT)).toThrow(/already exists/);
    expect(() => validateId('sdk', ROOT)).toThrow(/reserved|already exists/);
    expect(validateId('big-commerce2', ROOT)).toBe('big-commerce2');
    expect(() => parseCapabilities('webhooks,payments')).toThrow(/unknown capability "payments"/);
    expect(parseCapabilities('orders,webhooks')).toEqual(['webhooks', 'orders']);
    expect(parseCapabilities(undefined)).toEqual(['webhooks', 'catalog', 'orders']);
  });

  it('scaffolds plugins that pass lint, the type check, the dependency rules and their contract tests', async () => {
    work = await mkdtemp(path.join(tmpdir(), 'new-plugin-'));
    for (const file of ['tsconfig.json', 'eslint.config.js', '.dependency-cruiser.cjs', 'package.json']) await cp(path.join(ROOT, file), path.join(work, file));
    await cp(path.join(ROOT, 'plugins/sdk'), path.join(work, 'plugins/sdk'), { recursive: true, filter: (src) => !src.includes(`${path.sep}dist`) });
    await symlink(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    await mkdir(path.join(work, 'tests'), { recursive: true });

    // Through the npm script, as an author runs it; a second plugin with one capability through the function.
    const created = await sh(['run', '--silent', 'new:plugin', '--', 'zz-full', '--with', 'webhooks,catalog,orders', '--root', work], ROOT, 'npm run new:plugin', 'npm');
    expect(created).toMatch(/plugins\/zz-full\/index\.ts/);
    await scaffold(work, 'zz-hooks', ['webhooks']);
    await expect(scaffold(work, 'zz-hooks', ['webhooks'])).rejects.toThrow(/already exists/);
    for (const file of ['plugins/zz-full/index.ts', 'tests/fakes/zz-full/server.ts', 'tests/contract/zz-full.contract.test.ts', 'plugins/zz-hooks/index.ts']) {
      expect(existsSync(path.join(work, file)), file).toBe(true);
    }

    const generated = ['plugins/zz-full', 'plugins/zz-hooks', 'tests'];
    await sh([bin('eslint/bin/eslint.js'), '--max-warnings', '0', ...generated], work, 'eslint');
    await writeFile(path.join(work, 'tsconfig.check.json'), JSON.stringify({ extends: './tsconfig.json', include: [...generated, 'plugins/sdk'] }));
    await sh([bin('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.check.json'], work, 'tsc --noEmit');
    const deps = await sh([bin('dependency-cruiser/bin/dependency-cruise.mjs'), 'plugins', 'tests', '--config', '.dependency-cruiser.cjs'], work, 'depcruise');
    expect(deps).toMatch(/no dependency violations/);

    await writeFile(
      path.join(work, 'vitest.config.ts'),
      `import { defineConfig } from 'vitest/config';\nexport default defineConfig({ resolve: { tsconfigPaths: true }, test: { include: ['tests/contract/*.contract.test.ts'], pool: 'forks', maxWorkers: 1 } });\n`,
    );
    const tests = await sh([bin('vitest/vitest.mjs'), 'run', '--root', work], work, 'the scaffolded contract tests');
    expect(tests).toMatch(/Test Files\s+.*2 passed/);
    expect(tests).not.toMatch(/skipped|failed/);
  }, 240_000);
});
