import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEPCRUISE_CLI as CLI, plantedTree, ROOT, type PlantedTree } from '../../helpers/depcruise-tree.ts';

/**
 * The module walls of architecture.md, as `npm run check:deps` (part of `npm test`) enforces them:
 * each rule fails on a violation planted in a small tree of its own, and the allowed shape passes.
 */
let tree: PlantedTree;
let dir: string;
const plant = (files: Record<string, string>) => tree.plant(files);
const cruise = (...targets: string[]) => tree.cruise(...targets);

beforeEach(async () => {
  tree = await plantedTree();
  dir = tree.dir;
});

afterEach(() => tree.remove());

const entry = (name: string) => `export const ${name} = 1;\n`;

describe('module boundaries', () => {
  it('fails when a module reaches past another module’s index.ts', async () => {
    await plant({
      'core/catalog/index.ts': "export { CatalogRepository } from './catalog.repository.ts';\n",
      'core/catalog/catalog.repository.ts': 'export class CatalogRepository {}\n',
      'core/booking/booking.service.ts': "import { CatalogRepository } from '../catalog/catalog.repository.ts';\nexport const r = CatalogRepository;\n",
    });
    const result = cruise('core');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/module-entry-only: core\/booking\/booking\.service\.ts → core\/catalog\/catalog\.repository\.ts/);
  });

  it('allows the entry file, a module’s own files, ports and tool contracts, and the composition root', async () => {
    await plant({
      'core/catalog/index.ts': "export { CatalogRepository } from './catalog.repository.ts';\n",
      'core/catalog/catalog.repository.ts': 'export class CatalogRepository {}\n',
      'core/catalog/catalog.tools.schema.ts': entry('searchProductsTool'),
      'core/chat/llm.port.ts': entry('port'),
      'core/booking/booking.service.ts':
        "import { CatalogRepository } from '../catalog/index.ts';\nimport { searchProductsTool } from '../catalog/catalog.tools.schema.ts';\nimport { port } from '../chat/llm.port.ts';\nimport { helper } from './helper.ts';\nexport const all = [CatalogRepository, searchProductsTool, port, helper];\n",
      'core/booking/helper.ts': entry('helper'),
      'core/bootstrap.ts': "import { CatalogRepository } from './catalog/catalog.repository.ts';\nexport const r = CatalogRepository;\n",
    });
    const result = cruise('core');
    expect(result.output).not.toMatch(/error/);
    expect(result.status).toBe(0);
  });

  it('fails on a cycle between core folders', async () => {
    await plant({
      'core/orders/index.ts': "import { chat } from '../chat/index.ts';\nexport const orders = chat;\n",
      'core/chat/index.ts': "import { orders } from '../orders/index.ts';\nexport const chat = () => orders;\n",
    });
    const result = cruise('core');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/no-folder-cycles: core\/(orders|chat)\/index\.ts → /);
  });

  it('fails when domain code imports demo data', async () => {
    await plant({
      'core/demo/catalog.ts': entry('DEMO_ORDERS'),
      'core/orders/orders.service.ts': "import { DEMO_ORDERS } from '../demo/catalog.ts';\nexport const o = DEMO_ORDERS;\n",
    });
    const result = cruise('core');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/domain-not-demo: core\/orders\/orders\.service\.ts → core\/demo\/catalog\.ts/);
  });

  it('fails when an adapter reaches past the ports and tool contracts into a service', async () => {
    await plant({
      'core/catalog/catalog.service.ts': 'export class CatalogService {}\n',
      'adapters/llm/model.ts': "import { CatalogService } from '../../core/catalog/catalog.service.ts';\nexport const s = CatalogService;\n",
    });
    const result = cruise('core', 'adapters');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/adapters-only-ports: adapters\/llm\/model\.ts → core\/catalog\/catalog\.service\.ts/);
  });
});

/**
 * Folder → folders it imports at run time, from dependency-cruiser's JSON of a tree. Type-only
 * imports are left out: core/wire/merchant.ts is the dashboard's index of the modules' wire types
 * (`import type` only, erased from every bundle) and points back at the modules by design.
 */
function folderGraph(cwd: string, target: string): Map<string, Set<string>> {
  const run = spawnSync(process.execPath, [CLI, target, '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const graph = new Map<string, Set<string>>();
  const folderOf = (file: string) => (/^core\/([^/]+)\//.exec(file) ?? [])[1];
  for (const module of (JSON.parse(run.stdout) as { modules: { source: string; dependencies: { resolved: string; dependencyTypes: string[] }[] }[] }).modules) {
    const from = folderOf(module.source);
    if (!from) continue;
    for (const dep of module.dependencies) {
      if (dep.dependencyTypes.includes('type-only')) continue;
      const to = folderOf(dep.resolved);
      if (to && to !== from) graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
  }
  return graph;
}

/** Every cycle's folders, found by depth-first search (empty when the folder graph is a DAG). */
function folderCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, trail: string[]) => {
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...trail.slice(trail.indexOf(next)), node, next]);
      else if (!state.has(next)) visit(next, [...trail, node]);
    }
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node, []);
  return cycles;
}

describe('folders of core/', () => {
  it('finds a cycle between two folders even when no file-level cycle exists', async () => {
    await plant({
      'core/accounts/index.ts': "export { AccountsService } from './accounts.service.ts';\nexport { authOf } from './auth.ts';\n",
      'core/accounts/auth.ts': 'export const authOf = 1;\n',
      'core/accounts/accounts.service.ts': "import { tenants } from '../tenancy/index.ts';\nexport class AccountsService { t = tenants; }\n",
      'core/tenancy/index.ts': "export const tenants = 'tenants';\nexport { routes } from './bots.routes.ts';\n",
      'core/tenancy/bots.routes.ts': "import { authOf } from '../accounts/auth.ts';\nexport const routes = authOf;\n",
    });
    expect(folderCycles(folderGraph(dir, 'core'))).not.toEqual([]);
  });

  it('has no cycle between core folders in this repository', () => {
    expect(folderCycles(folderGraph(ROOT, 'core'))).toEqual([]);
  }, 60_000);
});
