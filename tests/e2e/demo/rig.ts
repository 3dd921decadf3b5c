/**
 * The real Concierge (core/bootstrap.ts) with the demo store, driven through Debian's Chromium:
 * the app on a port reserved up front (the demo seed allows `http://127.0.0.1:<PORT>`, exactly as
 * `npm start` on a fixed PORT does), the widget served from `<repo>/dist/widget`, optionally a real
 * SMTP server for the booking mails and a "merchant site" on another origin for host pages.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { expect } from 'vitest';
import { createApplication, type Application, type ApplicationOptions } from '../../../core/bootstrap.ts';
import { loadConfig } from '../../../core/config.ts';
import { widgetEventSchemas } from '../../../core/wire/widget.ts';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { TEST_SECRET_KEY } from '../../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { ensureServedWidget, launchChromium, newPage } from '../widget/harness.ts';

export interface MerchantSite {
  /** `http://127.0.0.1:<port>`: another origin than the app, like a real shop. */
  url: string;
  setPage(path: string, page: { body: string; type?: string; headers?: Record<string, string> }): void;
  close(): Promise<void>;
}

export interface DemoRig {
  application: Application;
  /** The app's origin, `http://127.0.0.1:<PORT>`; the demo store page is at `${url}/`. */
  url: string;
  demo: { tenantId: string; botKey: string; botId: string };
  /** An owner of the demo tenant, for the merchant API. */
  owner: TestMerchant;
  browser: Browser;
  smtp: TestSmtp | undefined;
  site: MerchantSite | undefined;
  close(): Promise<void>;
}

export interface DemoRigOptions {
  /** Start a real SMTP server and give the app its SMTP_URL. */
  smtp?: boolean;
  /** Serve host pages from another origin, added to the demo bot's allowed origins through the merchant API. */
  site?: boolean;
  app?: ApplicationOptions;
}

async function reservePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The app on a fixed port (its demo seed then allows the demo page's origin); retried if the port was taken meanwhile. */
async function startDemoApp(env: Record<string, string>, options: ApplicationOptions) {
  for (let attempt = 1; ; attempt++) {
    const port = await reservePort();
    const database: TestDatabase = await createTestDatabase();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'concierge-demo-'));
    const url = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      SECRET_KEY: TEST_SECRET_KEY,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DEMO_SEED: 'true',
      ...env,
    });
    const application = await createApplication(config, { logger: pino({ level: config.logLevel }), ...options });
    const cleanup = async () => {
      await application.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    };
    try {
      await application.listen();
      return { application, url, stop: cleanup };
    } catch (error) {
      await cleanup();
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

async function startMerchantSite(): Promise<MerchantSite> {
  const pages = new Map<string, { body: string; type?: string; headers?: Record<string, string> }>();
  const server = http.createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': page.type ?? 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...page.headers }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setPage: (p, page) => void pages.set(p, page),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startDemoRig(options: DemoRigOptions = {}): Promise<DemoRig> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    await ensureServedWidget();
    let smtp: TestSmtp | undefined;
    if (options.smtp) {
      smtp = await startTestSmtp();
      closers.push(() => smtp!.close());
    }
    const env: Record<string, string> = smtp ? { SMTP_URL: smtp.url, MAIL_FROM: 'Demo Store <bookings@demo-store.example>' } : {};
    const app = await startDemoApp(env, options.app ?? {});
    closers.push(() => app.stop());
    const seeded = app.application.demo;
    if (!seeded) throw new Error('the demo store was not seeded');
    const owner = await createMerchant(app.application, { tenantId: seeded.tenantId });
    const bots = (await (await fetch(`${app.url}/api/v1/bots`, { headers: owner.headers })).json()) as { items: { id: string; publicKey: string; allowedOrigins: string[] }[] };
    const bot = bots.items.find((b) => b.publicKey === seeded.botKey)!;
    // What the seed allowed: the app's own origin, so the demo page at `/` works.
    expect(bot.allowedOrigins).toContain(app.url);

    let site: MerchantSite | undefined;
    if (options.site) {
      site = await startMerchantSite();
      closers.push(() => site!.close());
      // A merchant adds their shop's origin to the bot, as the docs tell them to.
      const res = await fetch(`${app.url}/api/v1/bots/${bot.id}`, {
        method: 'PATCH',
        headers: owner.headers,
        body: JSON.stringify({ allowedOrigins: [...bot.allowedOrigins, site.url] }),
      });
      expect(res.status).toBe(200);
    }

    const browser = await launchChromium();
    closers.push(() => browser.close());
    return { application: app.application, url: app.url, demo: { tenantId: seeded.tenantId, botKey: seeded.botKey, botId: bot.id }, owner, browser, smtp, site, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A fresh context and page (shopper), with `Europe/Berlin` and English unless told otherwise. */
export function shopperPage(rig: DemoRig, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  return newPage(rig, { timezoneId: 'Europe/Berlin', locale: 'en-GB', ...options });
}

/** One event as the browser's EventSource received it (read through the DevTools protocol). */
export interface ReceivedEvent {
  id: string;
  event: string;
  data: any;
  at: number;
}

export interface StreamRecording {
  events: ReceivedEvent[];
  /** URLs of the EventSource requests, in order. */
  connections: string[];
  /** The conversation id of the latest EventSource. */
  conversationId(): string;
  /** The same, waiting for the widget to open its stream first. */
  conversation(): Promise<string>;
  cdp: CDPSession;
}

/** Records every event the page's EventSources receive, and the event-stream requests it makes. */
export async function recordStream(page: Page): Promise<StreamRecording> {
  const events: ReceivedEvent[] = [];
  const connections: string[] = [];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.type === 'EventSource') connections.push(e.request.url);
  });
  cdp.on('Network.eventSourceMessageReceived', (e) => {
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      data = e.data;
    }
    events.push({ id: e.eventId, event: e.eventName, data, at: Date.now() });
  });
  const recording: StreamRecording = {
    events,
    connections,
    conversationId() {
      const url = connections.at(-1);
      const id = url && /\/conversations\/([0-9a-f-]{36})\/events/.exec(new URL(url).pathname)?.[1];
      if (!id) throw new Error(`no event stream yet (${connections.join(', ')})`);
      return id;
    },
    async conversation() {
      await expect.poll(() => connections.length, { timeout: 10_000 }).toBeGreaterThan(0);
      return recording.conversationId();
    },
    cdp,
  };
  return recording;
}

/** For assertion messages: which connections were made and what arrived when. */
export function describeStream(rec: StreamRecording): string {
  const t0 = rec.events[0]?.at ?? 0;
  return `connections: ${rec.connections.map((u) => new URL(u).search.replace(/token=[^&]+/, 'token=…')).join(' | ')}; events: ${rec.events
    .map((e) => `${e.id}:${e.event}@${e.at - t0}`)
    .join(' ')}`;
}

const WIDGET_EVENTS = new Set(Object.keys(widgetEventSchemas));

/** The conversation's event log as the server keeps it, limited to what the widget stream sends. */
export async function serverWidgetEvents(rig: DemoRig, conversationId: string) {
  const all = await rig.application.chat.repository.eventsAfter(rig.demo.tenantId, conversationId, 0);
  return all.filter((e) => WIDGET_EVENTS.has(e.type));
}

/** The widget's shadow DOM, for Playwright selectors (its CSS engine pierces open shadow roots). */
export const w = (s: string) => `concierge-widget ${s}`;
export const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

export async function say(page: Page, text: string) {
  await page.locator(w('#cc-input')).fill(text);
  await page.keyboard.press('Enter');
}

export const assistantBubbles = w('.cc-log .cc-msg.cc-assistant');

/** Every message bubble of the log as "cc-<role>: text" (the greeting, a bot setting, comes first). */
export function transcript(page: Page): Promise<string[]> {
  return page.locator(w('.cc-log .cc-msg')).evaluateAll((els) =>
    els.map((el) => {
      const role = ['cc-user', 'cc-assistant', 'cc-agent'].find((c) => el.classList.contains(c)) ?? '?';
      const body =
        el.querySelector('.cc-md')?.textContent ??
        [...el.childNodes]
          .filter((n) => n.nodeType === Node.TEXT_NODE)
          .map((n) => n.textContent)
          .join('');
      return `${role}: ${body.replace(/\s+/g, ' ').trim()}`;
    }),
  );
}

/** Markdown source vs rendered text: drop emphasis and list markers, and all whitespace (block breaks vanish in textContent). */
export const flat = (s: string) =>
  s
    .replace(/\*\*/g, '')
    .replace(/^\s*(?:[-*]|\d+\.)\s+/gm, '')
    .replace(/\s+/g, '');

export interface ServerMessage {
  role: 'user' | 'assistant' | 'agent' | 'system';
  text: string;
  status: string;
  cards: { type: string; [key: string]: unknown }[];
}

/** The conversation as the store sees it (merchant API). */
export async function serverMessages(rig: DemoRig, conversationId: string): Promise<ServerMessage[]> {
  const res = await fetch(`${rig.url}/api/v1/conversations/${conversationId}`, { headers: rig.owner.headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: ServerMessage[] }).messages;
}

/**
 * Waits until the server holds `assistantReplies` finished answers, then until the widget shows
 * exactly the server's conversation (after the greeting). Returns the server's messages.
 */
export async function settled(page: Page, rig: DemoRig, conversationId: string, assistantReplies: number): Promise<ServerMessage[]> {
  let messages: ServerMessage[] = [];
  await expect
    .poll(
      async () => {
        messages = await serverMessages(rig, conversationId);
        const replies = messages.filter((m) => m.role === 'assistant');
        return replies.length === assistantReplies && replies.every((m) => m.status === 'complete');
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  const expected = messages.map((m) => flat(`cc-${m.role}: ${m.text}`));
  await expect.poll(async () => (await transcript(page)).slice(1).map(flat), { timeout: 10_000 }).toEqual(expected);
  await expect.poll(() => page.locator(w('.cc-log .cc-dots')).count()).toBe(0);
  return messages;
}
