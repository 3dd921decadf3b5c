/**
 * Dashboard figures (design.md §13), against the real server in Chromium:
 *  1. the JS a merchant downloads before the inbox is usable (every script response up to the
 *     first rendered inbox row, gzip -9 of each body; budget ≤ 120 KB), and what the analytics
 *     route adds (uPlot, budget: only there);
 *  2. shopper message → visible in the open inbox: the time from sending POST /widget/v1/…/messages
 *     to the row's preview showing the text (MutationObserver in the page, same clock), p50/p95
 *     over N messages (budget p95 ≤ 300 ms). The offline model answers every message meanwhile.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/dashboard/dashboard.bench.ts [messages=100]
 */
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { createApplication } from '../../core/bootstrap.ts';
import { loadConfig } from '../../core/config.ts';
import { ensureServedDashboard } from '../../tests/e2e/dashboard/harness.ts';
import { ensureServedWidget, launchChromium } from '../../tests/e2e/widget/harness.ts';
import { benchSettings, openScratchDatabase } from '../scratch-database.ts';

const MESSAGES = Number(process.argv[2] ?? 100);
const VISITORS = 10;
const JS_BUDGET = 120_000;
const P95_BUDGET = 300;

await ensureServedDashboard();
await ensureServedWidget();
const scratch = await openScratchDatabase();

// The product's default pool (10), as a merchant's single instance runs.
const config = loadConfig(benchSettings(scratch, { DB_POOL_MAX: '10' }));
// The shopper rate limits (60 messages per IP and minute) would stop one client's 100 messages.
const app = await createApplication(config, {
  logger: pino({ level: 'silent' }),
  firstOwner: false,
  chat: { limits: { messagesPerVisitorPerMinute: 10_000, messagesPerIpPerMinute: 10_000 } },
});
const { url } = await app.listen();
const browser = await launchChromium();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;

try {
  const { tenancy, accounts } = app.repositories;
  const tenant = await tenancy.createTenant({ name: 'Bench Store', timeZone: 'Europe/Berlin' });
  const bot = await tenancy.createBot(tenant.id, { name: 'Bench', allowedOrigins: [url] });
  const user = await accounts.createMember(tenant.id, { email: 'bench@store.example', passwordHash: 'x', role: 'owner' });
  const { accessToken } = await app.accounts.issueSession(tenant.id, user.id);

  // Shoppers with a first message each (their rows exist before measuring).
  const shoppers: { token: string; conversationId: string }[] = [];
  for (let i = 0; i < VISITORS; i++) {
    const res = await fetch(`${url}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ botKey: bot.public_key }) });
    if (res.status !== 201) throw new Error(`session: HTTP ${res.status} ${await res.text()}`);
    const s = (await res.json()) as { visitorToken: string; conversationId: string };
    shoppers.push({ token: s.visitorToken, conversationId: s.conversationId });
  }
  const send = (s: (typeof shoppers)[number], text: string) =>
    fetch(`${url}/widget/v1/conversations/${s.conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url, authorization: `Bearer ${s.token}` },
      body: JSON.stringify({ text }),
    });
  for (const s of shoppers) {
    const res = await send(s, 'Hello there');
    if (res.status !== 202) throw new Error(`first message: HTTP ${res.status} ${await res.text()}`);
  }

  // 1. JS before the inbox is usable (cold cache).
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ name: 'concierge_session', value: accessToken, url, httpOnly: true, sameSite: 'Strict' }]);
  const page = await context.newPage();
  const scripts = new Map<string, number>();
  let counting = true;
  page.on('response', async (res) => {
    if (res.request().resourceType() !== 'script' || !counting) return;
    const body = await res.body().catch(() => Buffer.alloc(0));
    scripts.set(new URL(res.url()).pathname, gzipSync(body, { level: 9 }).length);
  });
  await page.goto(`${url}/admin/inbox`);
  await page
    .locator('.conversations li')
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(async (error: unknown) => {
      throw new Error(`inbox not shown at ${page.url()}: ${(await page.locator('body').textContent())?.slice(0, 300)}`, { cause: error });
    });
  await page.waitForTimeout(300);
  counting = false;
  const inboxJs = [...scripts.values()].reduce((a, b) => a + b, 0);
  console.log('JS before the inbox is usable (gzip -9):');
  for (const [file, size] of scripts) console.log(`  ${file.padEnd(48)} ${kb(size)}`);
  console.log(`  total ${kb(inboxJs)}  (budget ≤ ${kb(JS_BUDGET)}: ${inboxJs <= JS_BUDGET ? 'OK' : 'OVER'})`);

  // 2. Message → visible in the open inbox.
  await page.evaluate(() => {
    // Baseline in the same page: when the raw tenant event stream delivers the message.
    const raw: Record<string, number> = {};
    (window as unknown as { __raw: Record<string, number> }).__raw = raw;
    new EventSource('/api/v1/conversations/events').addEventListener('message.created', (e) => {
      const m = /bench-(\d+)/.exec((e as MessageEvent<string>).data);
      if (m && !(m[1]! in raw)) raw[m[1]!] = Date.now();
    });
    const seen: Record<string, number> = {};
    (window as unknown as { __seen: Record<string, number> }).__seen = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('.conversations .preview')) {
        const m = /bench-(\d+)/.exec(el.textContent ?? '');
        if (m && !(m[1]! in seen)) seen[m[1]!] = Date.now();
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.waitForTimeout(500);
  const latencies: number[] = [];
  const streamOnly: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const shopper = shoppers[i % VISITORS]!;
    const sentAt = Date.now();
    const res = await send(shopper, `Question bench-${i} about sizes`);
    if (res.status !== 202) throw new Error(`message ${i}: HTTP ${res.status} ${await res.text()}`);
    const shownAt = await page
      .waitForFunction((n) => (window as unknown as { __seen: Record<string, number> }).__seen[n], String(i), { timeout: 10_000, polling: 'raf' })
      .then((h) => h.jsonValue() as Promise<number>);
    latencies.push(shownAt - sentAt);
    const rawAt = await page.evaluate((n) => (window as unknown as { __raw: Record<string, number> }).__raw[n], String(i));
    if (rawAt) streamOnly.push(rawAt - sentAt);
  }
  const p50 = pct(latencies, 50);
  const p95 = pct(latencies, 95);
  console.log(`\nshopper message → visible in the open inbox, ${MESSAGES} messages over ${VISITORS} conversations:`);
  console.log(`  p50 ${p50} ms  p95 ${p95} ms  max ${Math.max(...latencies)} ms  (budget p95 ≤ ${P95_BUDGET} ms: ${p95 <= P95_BUDGET ? 'OK' : 'OVER'})`);
  console.log(`  baseline, the raw event stream in the same page (server + SSE only): p50 ${pct(streamOnly, 50)} ms  p95 ${pct(streamOnly, 95)} ms (${streamOnly.length} samples)`);

  // What the analytics route adds (charts only there).
  scripts.clear();
  counting = true;
  await page.getByRole('link', { name: 'Analytics' }).click();
  await page.locator('.uplot canvas').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(300);
  const analyticsJs = [...scripts.values()].reduce((a, b) => a + b, 0);
  console.log(`\nanalytics route adds ${kb(analyticsJs)} JS (gzip -9): ${[...scripts.keys()].join(', ')}`);
  console.log(`machine load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await context.close();
} finally {
  await browser.close();
  await app.stop();
  await scratch.drop();
}
