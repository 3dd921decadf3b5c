/**
 * Shared setup of the widget browser tests: build the widget once per test file, start the fake
 * server (tests/fakes/widget-api.ts), drive Debian's Chromium with playwright-core.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildWidget, type WidgetBuildInfo } from '../../../widget/vite.config.ts';
import { startWidgetFake, type WidgetFake, type WidgetFakeOptions } from '../../fakes/widget-api.ts';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium; fails with the install command. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `Chromium not found (looked at ${candidates.join(', ')}). Install it with: apt-get install -y chromium  (or set CHROMIUM_PATH)`,
    );
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS, headless: true });
}

export interface WidgetBuild extends WidgetBuildInfo {
  outDir: string;
  cleanup(): Promise<void>;
}

/** Builds the widget into a private temp dir (parallel test files never share an output). */
export async function buildWidgetForTest(): Promise<WidgetBuild> {
  const outDir = await mkdtemp(join(tmpdir(), 'concierge-widget-'));
  const info = await buildWidget({ outDir, logLevel: 'silent' });
  return { ...info, cleanup: () => rm(outDir, { recursive: true, force: true }) };
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Where the real server serves the widget from (core/bootstrap.ts: `<repo>/dist/widget`). */
export const SERVED_WIDGET_DIR = join(REPO_ROOT, 'dist', 'widget');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * Makes `<repo>/dist/widget` (what the real server serves) current with widget/src, for tests
 * against the real app. Built into a temp dir and moved in file by file (rename is atomic), never
 * emptying the served dir: test files running in parallel may be loading the panel meanwhile.
 * Panel names are content hashes, so a concurrent identical build writes identical files.
 */
export async function ensureServedWidget(): Promise<WidgetBuildInfo> {
  const infoFile = join(SERVED_WIDGET_DIR, 'build-info.json');
  const sources = Math.max(newestMtime(join(REPO_ROOT, 'widget', 'src')), statSync(join(REPO_ROOT, 'widget', 'vite.config.ts')).mtimeMs);
  if (existsSync(infoFile) && statSync(infoFile).mtimeMs >= sources) {
    const info = JSON.parse(await readFile(infoFile, 'utf8')) as WidgetBuildInfo;
    if ([info.loader, ...info.files].every((f) => existsSync(join(SERVED_WIDGET_DIR, f)))) return info;
  }
  const build = await buildWidgetForTest();
  try {
    await mkdir(SERVED_WIDGET_DIR, { recursive: true });
    // Chunks first, the loader that names them next, build-info.json (the freshness mark) last.
    for (const file of [...build.files.filter((f) => f !== build.loader), build.loader, 'build-info.json']) {
      const staged = join(SERVED_WIDGET_DIR, `.${file}.${process.pid}.tmp`);
      await copyFile(join(build.outDir, file), staged);
      await rename(staged, join(SERVED_WIDGET_DIR, file));
    }
    return { loader: build.loader, panel: build.panel, files: build.files };
  } finally {
    await build.cleanup();
  }
}

export const STRICT_CSP = "default-src 'self'; style-src 'self'; script-src 'self'";

export interface HostPageOptions {
  lang?: string;
  botKey: string;
  /** Extra markup in <head> (stylesheet links; no inline scripts: the strict-CSP page forbids them). */
  head?: string;
  body?: string;
  /** Script tags placed before the loader (e.g. a same-origin file that queues early calls). */
  before?: string;
}

export function hostPage(o: HostPageOptions): string {
  return `<!doctype html>
<html lang="${o.lang ?? 'en'}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title>${o.head ?? ''}</head>
<body>
<h1>Velo Shop</h1>
${o.body ?? '<p>Bikes and parts.</p>'}
${o.before ?? ''}
<script async src="/widget.js" data-bot="${o.botKey}"></script>
</body>
</html>`;
}

export interface Rig {
  build: WidgetBuild;
  fake: WidgetFake;
  browser: Browser;
  close(): Promise<void>;
}

export async function startRig(options: Omit<WidgetFakeOptions, 'widgetDir'> = {}): Promise<Rig> {
  const build = await buildWidgetForTest();
  const fake = await startWidgetFake({ ...options, widgetDir: build.outDir });
  const browser = await launchChromium();
  return {
    build,
    fake,
    browser,
    async close() {
      await browser.close();
      await fake.close();
      await build.cleanup();
    },
  };
}

/** Records CSP violations (including those inside shadow roots: the event is composed) and page errors. */
export async function watchPage(page: Page) {
  const violations: string[] = [];
  const errors: string[] = [];
  await page.exposeFunction('__recordViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => (window as unknown as { __recordViolation(v: string): void }).__recordViolation(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`),
      true,
    );
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { violations, errors };
}

export async function newPage(rig: Pick<Rig, 'browser'>, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await rig.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  // Fail a stuck step with its selector well before the test's own timeout.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page };
}

/** Playwright's CSS engine pierces open shadow roots, so these reach inside the widget. */
export const sel = {
  launcher: 'concierge-widget .cc-launcher',
  panel: 'concierge-widget #cc-panel',
  input: 'concierge-widget #cc-input',
  badge: 'concierge-widget .cc-badge',
};

/** The element focused inside the widget's shadow root, described for assertions. */
export function focusedInWidget(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const host = document.querySelector('concierge-widget');
    if (document.activeElement !== host) return null;
    const el = host?.shadowRoot?.activeElement as HTMLElement | null | undefined;
    if (!el) return null;
    return el.id ? `#${el.id}` : `.${[...el.classList].join('.')}`;
  });
}
