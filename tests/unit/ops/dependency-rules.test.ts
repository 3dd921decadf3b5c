import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantedTree, type PlantedTree } from '../../helpers/depcruise-tree.ts';

/**
 * `npm run check:deps` (part of `npm test`) must fail when runtime code imports a devDependency:
 * `npm ci --omit=dev` would crash on it. The rules run here on a planted tree that mirrors ours
 * (same package.json with cookie-parser moved to devDependencies).
 */
let tree: PlantedTree;
const plant = (files: Record<string, string>) => tree.plant(files);
const cruise = (...targets: string[]) => tree.cruise(...targets);

beforeAll(async () => {
  tree = await plantedTree((pkg) => {
    pkg.devDependencies!['cookie-parser'] = pkg.dependencies!['cookie-parser']!;
    delete pkg.dependencies!['cookie-parser'];
  });
});

afterAll(() => tree.remove());

describe('dependency rules: no devDependency at runtime', () => {
  it('fails on a devDependency imported by core/, adapters/ or plugins/, naming the rule and the file', async () => {
    await plant({
      'core/http/app.ts': "import cookieParser from 'cookie-parser';\nexport const cookies = cookieParser;\n",
      'adapters/thing/build.ts': "import { build } from 'vite';\nexport const b = build;\n",
      'plugins/shop/index.ts': "import { chromium } from 'playwright-core';\nexport const c = chromium;\n",
    });
    const result = cruise('core', 'adapters', 'plugins');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/no-dev-dependency-at-runtime: core\/http\/app\.ts → \S*node_modules\/cookie-parser/);
    expect(result.output).toMatch(/no-dev-dependency-at-runtime: adapters\/thing\/build\.ts → \S*node_modules\/vite/);
    expect(result.output).toMatch(/no-dev-dependency-at-runtime: plugins\/shop\/index\.ts → \S*node_modules\/playwright-core/);
  });

  it('fails on a package that package.json does not declare', async () => {
    await plant({ 'core/undeclared.ts': "import pad from 'left-pad-that-is-not-here';\nexport const p = pad;\n" });
    const result = cruise('core/undeclared.ts');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/runtime-dependency-declared: core\/undeclared\.ts → left-pad-that-is-not-here/);
  });

  it('allows a plugin test kit, type-only imports and runtime dependencies', async () => {
    await plant({
      'plugins/sdk/testkit/index.ts': "import { expect } from 'vitest';\nexport const e = expect;\n",
      'core/typed.ts': "import type { UserConfig } from 'vite';\nimport helmet from 'helmet';\nexport type C = UserConfig;\nexport const h = helmet;\n",
    });
    const result = cruise('plugins/sdk', 'core/typed.ts');
    expect(result.output).not.toMatch(/error/);
    expect(result.status).toBe(0);
  });
});

describe('dependency rules: domain code never imports core/http (issue 16)', () => {
  it('fails on a service, repository or *.errors.ts that imports core/http, and allows a routes file', async () => {
    const problem = "export class HttpProblem extends Error {}\n";
    await plant({
      'core/http/problem.ts': problem,
      'core/shop/shop.service.ts': "import { HttpProblem } from '../http/problem.ts';\nexport const s = new HttpProblem();\n",
      'core/shop/shop.repository.ts': "import type { HttpProblem } from '../http/problem.ts';\nexport type R = HttpProblem;\n",
      'core/shop/shop.errors.ts': "import { HttpProblem } from '../http/problem.ts';\nexport const e = HttpProblem;\n",
      'core/shop/shop.routes.ts': "import { HttpProblem } from '../http/problem.ts';\nexport const r = HttpProblem;\n",
    });
    const result = cruise('core/shop', 'core/http');
    expect(result.status).not.toBe(0);
    for (const file of ['shop.service', 'shop.repository', 'shop.errors']) {
      expect(result.output).toMatch(new RegExp(`domain-not-to-http: core/shop/${file}\\.ts → core/http/problem\\.ts`));
    }
    expect(result.output).not.toMatch(/shop\.routes\.ts/);
  });
});
