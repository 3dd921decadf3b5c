// `npm run bench`: every benchmark under bench/, one after another (each in a process of its own, so
// one's load does not skew the next), then ONE table of design.md §13's budgets with the measured
// figure, the baseline measured in the same run, the ratio and within/over. The figures are also in
// bench/results/latest.json (ignored by git); the previous run's file is kept as previous.json so a
// change can be compared with it.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench [-- <filter>]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './report.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const results = path.join(here, 'results');
const latest = path.join(results, 'latest.json');
const filter = process.argv[2];

function benches(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'results' || name === 'node_modules' ? [] : benches(full);
    return name.endsWith('.bench.ts') ? [full] : [];
  });
}

if (existsSync(latest)) {
  copyFileSync(latest, path.join(results, 'previous.json'));
  rmSync(latest);
}
const files = benches(here)
  .sort()
  .filter((f) => !filter || f.includes(filter));
const failed: string[] = [];
console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
for (const file of files) {
  const rel = path.relative(path.dirname(here), file);
  console.log(`\n=== ${rel}`);
  const t0 = Date.now();
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], { stdio: 'inherit', env: process.env });
  console.log(`=== ${rel}: ${run.status === 0 ? 'done' : `FAILED (exit ${run.status ?? run.signal})`} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (run.status !== 0) failed.push(rel);
}

const all = existsSync(latest) ? (JSON.parse(readFileSync(latest, 'utf8')) as Record<string, { rows: BenchRow[] }>) : {};
const previous = existsSync(path.join(results, 'previous.json')) ? (JSON.parse(readFileSync(path.join(results, 'previous.json'), 'utf8')) as Record<string, { rows: BenchRow[] }>) : {};
const fmt = (n: number | undefined) => (n === undefined ? '' : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
const rows = Object.entries(all).flatMap(([area, { rows }]) => rows.map((r) => ({ area, ...r })));
console.log('\n| area | budget (design.md §13) | measured | baseline (same run) | ratio | previous run | verdict |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const before = previous[r.area]?.rows.find((p) => p.budget === r.budget)?.measured;
  const verdict = r.info ? 'info' : r.within ? 'within' : '**over**';
  console.log(`| ${r.area} | ${r.budget} | ${fmt(r.measured)} ${r.unit} | ${r.baseline === undefined ? '' : `${fmt(r.baseline)} (${r.baselineName})`} | ${r.ratio === undefined ? '' : r.ratio.toFixed(2)} | ${fmt(before)} | ${verdict} |`);
}
console.log(`\n${rows.filter((r) => !r.info && r.within).length} within, ${rows.filter((r) => !r.info && !r.within).length} over; figures in ${path.relative(process.cwd(), latest)}`);
if (failed.length) {
  console.log(`benchmarks that failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
