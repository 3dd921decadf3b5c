// Build output: size budgets of design.md §13 and code that a strict CSP accepts.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWidgetForTest, type WidgetBuild } from '../../e2e/widget/harness.ts';

/** Budgets in bytes of gzip (zlib default level, as servers compress), 1 KB = 1000 B to stay on the safe side. */
const LOADER_BUDGET = 6_000;
const PANEL_BUDGET = 35_000;

let build: WidgetBuild;
const files = new Map<string, string>();
beforeAll(async () => {
  build = await buildWidgetForTest();
  for (const name of await readdir(build.outDir)) {
    if (name.endsWith('.js')) files.set(name, await readFile(join(build.outDir, name), 'utf8'));
  }
}, 120_000);
afterAll(() => build?.cleanup());

const gz = (text: string) => gzipSync(text).length;

describe('widget bundle', () => {
  it(`keeps the loader within ${LOADER_BUDGET} B gzip`, () => {
    const loader = gz(files.get('widget.js')!);
    expect(loader, `loader is ${loader} B gzip, budget ${LOADER_BUDGET} B`).toBeLessThanOrEqual(LOADER_BUDGET);
  });

  it(`keeps the panel (every chunk but the loader) within ${PANEL_BUDGET} B gzip`, () => {
    const chunks = [...files].filter(([name]) => name !== 'widget.js');
    expect(chunks.map(([name]) => name)).toContain(build.panel);
    const panel = chunks.reduce((sum, [, text]) => sum + gz(text), 0);
    expect(panel, `panel is ${panel} B gzip over ${chunks.length} file(s), budget ${PANEL_BUDGET} B`).toBeLessThanOrEqual(PANEL_BUDGET);
  });

  it('writes build-info.json naming the loader and the panel the loader imports', async () => {
    const info = JSON.parse(await readFile(join(build.outDir, 'build-info.json'), 'utf8'));
    expect(info).toEqual({ loader: 'widget.js', panel: build.panel, files: expect.arrayContaining([build.panel]) });
    expect(build.panel).toMatch(/^panel-[\w-]+\.js$/);
    expect(files.get('widget.js')).toContain(build.panel);
  });

  it('ships no eval, no Function constructor, no static style attributes and no zod', () => {
    for (const [name, text] of files) {
      expect(text, name).not.toMatch(/\beval\(|new Function\b|\bFunction\(/);
      expect(text, name).not.toMatch(/style=/); // a style attribute in Solid's templates would break a strict CSP
      expect(text, name).not.toMatch(/ZodError|\$ZodType/);
      expect(text, name).not.toMatch(/<style/);
    }
  });
});

describe('widget sources', () => {
  it('never build HTML from strings (innerHTML and friends)', async () => {
    const root = join(import.meta.dirname, '../../../widget/src');
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (/\.(ts|tsx)$/.test(entry.name)) {
          // Comments may name what the code avoids; only code counts.
          const text = (await readFile(path, 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
          if (/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/.test(text)) offenders.push(relative(root, path));
        }
      }
    };
    await walk(root);
    expect(offenders).toEqual([]);
  });
});
