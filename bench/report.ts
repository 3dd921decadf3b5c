// One shape for every benchmark's figures, so `npm run bench` can print one table against the budgets
// of design.md §13 and keep the last run as JSON (bench/results/latest.json, ignored by git).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  /** The budget as design.md §13 states it, or "(info) …" for a figure without one. */
  budget: string;
  measured: number;
  unit: string;
  baseline?: number;
  baselineName?: string;
  ratio?: number;
  within?: boolean;
  info?: boolean;
}

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

/** Prints the rows and merges them into bench/results/latest.json under `area`. */
export function report(area: string, rows: BenchRow[]): void {
  console.log(`\n${area}: figures against design.md §13`);
  for (const r of rows) {
    const base = r.baseline === undefined ? '' : `   baseline ${fmt(r.baseline)} (${r.baselineName})   ratio ${r.ratio?.toFixed(2)}`;
    const verdict = r.info ? '' : r.within ? '   within' : '   OVER';
    console.log(`  ${r.budget}: ${fmt(r.measured)} ${r.unit}${base}${verdict}`);
  }
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'latest.json');
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first run
  }
  all[area] = { at: new Date().toISOString(), rows };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
