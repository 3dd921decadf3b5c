/**
 * Shared setup of the dashboard browser tests: `<repo>/dist/dashboard` kept current (what the real
 * server serves at /admin), the demo rig (real app, demo store, real SMTP), a merchant browser
 * context, and axe-core injected into pages.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildDashboard } from '../../../storefront-apps/dashboard/vite.config.ts';
import type { TestSmtp } from '../../fakes/smtp-server.ts';
import type { DemoRig } from '../demo/rig.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SERVED_DASHBOARD_DIR = join(REPO_ROOT, 'dist', 'dashboard');
const SOURCES = [join(REPO_ROOT, 'storefront-apps', 'dashboard'), join(REPO_ROOT, 'core', 'wire')];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * Makes `<repo>/dist/dashboard` current with its sources: built into a temp dir and moved in file by
 * file (rename is atomic; hashed names make parallel identical builds harmless), assets first and
 * the HTML pages (which name them) last.
 */
export async function ensureServedDashboard(): Promise<void> {
  const index = join(SERVED_DASHBOARD_DIR, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...SOURCES.map(newestMtime))) {
    const html = await readFile(index, 'utf8');
    const assets = [...html.matchAll(/\/admin\/(assets\/[^"]+)/g)].map((m) => m[1]!);
    if (assets.every((a) => existsSync(join(SERVED_DASHBOARD_DIR, a)))) return;
  }
  const outDir = await mkdtemp(join(tmpdir(), 'concierge-dashboard-'));
  try {
    await buildDashboard({ outDir, logLevel: 'silent' });
    const files = filesUnder(outDir).map((f) => relative(outDir, f));
    const ordered = [...files.filter((f) => !f.endsWith('.html')), ...files.filter((f) => f.endsWith('.html'))];
    for (const file of ordered) {
      const target = join(SERVED_DASHBOARD_DIR, file);
      await mkdir(dirname(target), { recursive: true });
      const staged = `${target}.${process.pid}.tmp`;
      await copyFile(join(outDir, file), staged);
      await rename(staged, target);
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** A merchant's browser: English unless told, desktop size unless told. */
export async function merchantPage(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin', ...options });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(`CSP: ${m.text()}`);
  });
  return { context, page, errors };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the page: WCAG 2.0/2.1/2.2 A and AA rules; returns the violations, described. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Through the DevTools protocol: the dashboard's CSP (rightly) refuses an inline <script>.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(await axeSource);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[]; failureSummary: string }[] }[] }> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] } });
  });
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary}`).join(' | ')}`);
}

/** The link (http(s)://…/admin/…#token=…) in the newest mail to `to` whose text matches `path`. */
export async function linkFromMail(smtp: TestSmtp, to: string, path: string): Promise<string> {
  const mail = await smtp.waitFor((m) => JSON.stringify(m.to ?? '').includes(to) && (m.text ?? '').includes(path), 15_000);
  const link = new RegExp(`https?://[^\\s"<>]+${path.replace(/\//g, '\\/')}#token=[A-Za-z0-9_-]+`).exec(mail.text ?? '');
  expect(link, `a ${path} link in the mail`).not.toBeNull();
  return link![0];
}

export const PASSWORD = 'Merchant-Pass-2026';

/**
 * A new admin of the demo store at phone size (390×844), signed in through the dashboard's cookie
 * mode: invited by the owner, the invite from the mail accepted over HTTP.
 */
export async function signedInMember(rig: DemoRig, locale: string): Promise<{ page: Page; errors: string[]; email: string; close(): Promise<void> }> {
  const { context, page, errors } = await merchantPage(rig.browser, { locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const email = `member-${locale.toLowerCase()}-${Date.now()}@demo-store.example`;
  const invite = await fetch(`${rig.url}/api/v1/team/invites`, { method: 'POST', headers: rig.owner.headers, body: JSON.stringify({ email, role: 'admin' }) });
  expect(invite.status).toBe(201);
  const token = new URL(await linkFromMail(rig.smtp!, email, '/admin/accept-invite')).hash.replace('#token=', '');
  const accepted = await page.request.post(`${rig.url}/api/v1/auth/invites/accept`, { data: { token, password: 'A11y-Check-Pass-2026', mode: 'cookie' } });
  expect(accepted.status()).toBe(200);
  return { page, errors, email, close: () => context.close() };
}
