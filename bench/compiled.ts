// The benchmarks measure the server as production runs it: compiled JavaScript, no TypeScript loader
// in the process (decision 0027; tsx alone held ~75 MB of the chat server's memory). The processes a
// benchmark forks (listed in bench/tsconfig.children.json) are compiled with the server code they
// import into dist/bench, once, and again only when a source is newer than that build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'bench');
const STAMP = path.join(OUT, '.built');
const SOURCES = ['core', 'adapters', 'plugins', 'migrations', 'bench', 'tests/fakes', 'tsconfig.json', 'tsconfig.server.json'];

function newest(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const name of readdirSync(entry)) {
    if (name === 'node_modules' || name === 'dist' || name === 'results') continue;
    latest = Math.max(latest, newest(path.join(entry, name)));
  }
  return latest;
}

let fresh = false;

/**
 * BENCH_FROM_SOURCES=1 runs the children from their TypeScript sources under tsx instead, as the
 * server ran before decision 0027 (to compare the two in one sitting).
 */
export const FROM_SOURCES = process.env.BENCH_FROM_SOURCES === '1';

/** Node flags a child needs to load `compiledChild`'s answer: tsx's loader when running the sources. */
export const CHILD_LOADER: string[] = FROM_SOURCES ? ['--import', 'tsx'] : [];

/** The compiled counterpart (dist/bench/…/x.js) of a bench child's source file, built first if stale. */
export function compiledChild(source: string): string {
  if (FROM_SOURCES) return source;
  if (!fresh) {
    const builtAt = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
    if (builtAt < Math.max(...SOURCES.map((s) => newest(path.join(ROOT, s))))) {
      rmSync(OUT, { recursive: true, force: true });
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const build = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'bench/tsconfig.children.json')], { stdio: 'inherit' });
      if (build.status !== 0) throw new Error(`compiling the benchmark's server processes failed (tsc exited with ${build.status})`);
      writeFileSync(STAMP, new Date().toISOString());
    }
    fresh = true;
  }
  const compiled = path.join(OUT, path.relative(ROOT, source)).replace(/\.ts$/, '.js');
  if (!existsSync(compiled)) throw new Error(`${path.relative(ROOT, source)} is not listed in bench/tsconfig.children.json`);
  return compiled;
}
