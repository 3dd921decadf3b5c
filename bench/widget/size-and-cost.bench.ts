/**
 * Widget cost: gzip sizes of the loader and the panel against their budgets (design.md §13), then,
 * in Chromium, what the widget adds to a host page's main thread: script time and long tasks on
 * the same page without the widget (baseline), with it (launcher only), and after opening it.
 *
 *   npx tsx bench/widget/size-and-cost.bench.ts [runs=12]
 *
 * Script/task time come from Chromium's own counters (CDP Performance.getMetrics), long tasks
 * from a buffered PerformanceObserver('longtask'). Figures are medians over alternating runs.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { buildWidgetForTest, hostPage, launchChromium } from '../../tests/e2e/widget/harness.ts';
import { startWidgetFake } from '../../tests/fakes/widget-api.ts';
import { report } from '../report.ts';

const RUNS = Number(process.argv[2] ?? 12);
const LOADER_BUDGET = 6_000;
const PANEL_BUDGET = 35_000;

// A host page with some weight of its own, so the baseline is not an empty document.
const catalog = Array.from(
  { length: 200 },
  (_, i) => `<article><h2>Bike ${i}</h2><p>Aluminium frame, ${20 + (i % 10)} gears.</p><a href="#p${i}">View</a></article>`,
).join('');
const withoutWidget = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Velo Shop</h1>${catalog}</body></html>`;

interface Sample {
  scriptMs: number;
  taskMs: number;
  longTasks: number;
  longTaskMs: number;
  loadMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function measure(browser: Browser, url: string, mode: 'baseline' | 'launcher' | 'open'): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  // No Playwright locators while measuring: their injected scripts run on the page's main thread
  // and would be counted. Fixed waits and raw input events keep every mode comparable.
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(600);
  if (mode === 'open') {
    await page.mouse.click(1280 - 20 - 28, 800 - 20 - 28); // the launcher's centre
    await page.waitForTimeout(1000);
  }
  const { metrics } = await cdp.send('Performance.getMetrics');
  const state = await page.evaluate(() => {
    const root = document.querySelector('concierge-widget')?.shadowRoot;
    return { launcher: Boolean(root?.querySelector('.cc-launcher')), panel: Boolean(root?.querySelector('#cc-input')) };
  });
  if (mode !== 'baseline' && !state.launcher) throw new Error('launcher did not render');
  if (mode === 'open' && !state.panel) throw new Error('panel did not open');
  const metric = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  const { long, loadMs } = await page.evaluate(() => ({
    long: (window as unknown as { __long: number[] }).__long,
    loadMs: performance.getEntriesByType('navigation')[0] ? (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd : 0,
  }));
  await context.close();
  return {
    scriptMs: metric('ScriptDuration'),
    taskMs: metric('TaskDuration'),
    longTasks: long.length,
    longTaskMs: long.reduce((a, b) => a + b, 0),
    loadMs,
  };
}

async function main() {
  const build = await buildWidgetForTest();
  const sizes: Record<string, number> = {};
  for (const name of await readdir(build.outDir)) {
    if (name.endsWith('.js')) sizes[name] = gzipSync(await readFile(join(build.outDir, name))).length;
  }
  const loader = sizes['widget.js']!;
  const panel = Object.entries(sizes)
    .filter(([n]) => n !== 'widget.js')
    .reduce((s, [, v]) => s + v, 0);
  console.log('widget bundle sizes (gzip, zlib default level)');
  console.log(`  loader widget.js   ${String(loader).padStart(6)} B   budget ${LOADER_BUDGET} B   ${((loader / LOADER_BUDGET) * 100).toFixed(0)}%`);
  console.log(`  panel (all chunks) ${String(panel).padStart(6)} B   budget ${PANEL_BUDGET} B   ${((panel / PANEL_BUDGET) * 100).toFixed(0)}%`);

  const fake = await startWidgetFake({ widgetDir: build.outDir });
  fake.setPage('/without', { html: withoutWidget });
  fake.setPage('/with', { html: hostPage({ botKey: fake.botKey, body: catalog }) });
  const browser = await launchChromium();
  try {
    const samples: Record<'baseline' | 'launcher' | 'open', Sample[]> = { baseline: [], launcher: [], open: [] };
    await measure(browser, `${fake.url}/with`, 'launcher'); // warm-up (disk cache, JIT)
    for (let i = 0; i < RUNS; i++) {
      samples.baseline.push(await measure(browser, `${fake.url}/without`, 'baseline'));
      samples.launcher.push(await measure(browser, `${fake.url}/with`, 'launcher'));
      samples.open.push(await measure(browser, `${fake.url}/with`, 'open'));
    }
    const row = (label: string, xs: Sample[]) => {
      const m = (k: keyof Sample) => median(xs.map((x) => x[k]));
      return `  ${label.padEnd(26)} script ${m('scriptMs').toFixed(1).padStart(6)} ms   tasks ${m('taskMs').toFixed(1).padStart(6)} ms   long tasks ${String(m('longTasks')).padStart(3)} (${m('longTaskMs').toFixed(0)} ms)   load ${m('loadMs').toFixed(0).padStart(4)} ms`;
    };
    console.log(`\nmain thread in Chromium, median of ${RUNS} runs (host page: 200 product cards)`);
    console.log(row('without widget', samples.baseline));
    console.log(row('with widget (launcher)', samples.launcher));
    console.log(row('with widget, panel opened', samples.open));
    const med = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
    const { baseline, launcher: withLauncher, open } = samples;
    console.log('\n  added by the loader (launcher only):');
    console.log(`    script ${(med(withLauncher, 'scriptMs') - med(baseline, 'scriptMs')).toFixed(1)} ms, main-thread tasks ${(med(withLauncher, 'taskMs') - med(baseline, 'taskMs')).toFixed(1)} ms (${(med(withLauncher, 'taskMs') / med(baseline, 'taskMs')).toFixed(2)}× the page alone)`);
    // Long tasks are counted whole: the page alone sometimes has one the loaded page does not (its own
    // load on a busy machine), and a negative count means nothing, so the added count floors at 0.
    const longTasks = Math.max(0, med(withLauncher, 'longTasks') - med(baseline, 'longTasks'));
    console.log(`    long tasks ${longTasks} (median ${med(withLauncher, 'longTasks')} with the loader, ${med(baseline, 'longTasks')} on the page alone; budget: no long task)`);
    report('widget', [
      { budget: 'widget loader ≤ 6 KB gzip', measured: loader / 1024, unit: 'KB', within: loader <= LOADER_BUDGET },
      { budget: 'widget panel incl. booking UI ≤ 35 KB gzip', measured: panel / 1024, unit: 'KB', within: panel <= PANEL_BUDGET },
      { budget: 'widget loader adds no long task', measured: longTasks, unit: 'long tasks', baseline: med(baseline, 'taskMs'), baselineName: 'page alone, main-thread ms', ratio: med(withLauncher, 'taskMs') / med(baseline, 'taskMs'), within: longTasks <= 0 },
    ]);
    console.log('  added by opening the panel (download, first render, session, history, stream):');
    console.log(`    script ${(med(open, 'scriptMs') - med(withLauncher, 'scriptMs')).toFixed(1)} ms, main-thread tasks ${(med(open, 'taskMs') - med(withLauncher, 'taskMs')).toFixed(1)} ms, long tasks ${Math.max(0, med(open, 'longTasks') - med(withLauncher, 'longTasks'))}`);
    console.log('    (on this headless Linux box most of the open cost is first text paint/font fallback, not script)');
  } finally {
    await browser.close();
    await fake.close();
    await build.cleanup();
  }
}

await main();
