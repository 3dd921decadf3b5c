// The widget says plainly, in the browser console, why the server refused its session: an origin
// the bot does not allow, an unknown bot key, or a rate limit. The refusals come from the real
// server (problem+json with a `reason`, readable through CORS), seen by Debian's Chromium.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopperPage, startDemoRig, w, type DemoRig } from './rig.ts';

let rig: DemoRig;
let strangerSite: http.Server;
let strangerUrl: string;

beforeAll(async () => {
  rig = await startDemoRig({ app: { chat: { limits: { sessionsPerIpPerMinute: 1 } } } });
  // A site on an origin the demo bot does not allow.
  strangerSite = http.createServer((req, res) => {
    const botKey = req.url === '/unknown-bot' ? `pk_${'A'.repeat(38)}` : rig.demo.botKey;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stranger</title></head><body><h1>Shop</h1><script async src="${rig.url}/widget.js" data-bot="${botKey}"></script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => strangerSite.listen(0, '127.0.0.1', resolve));
  strangerUrl = `http://127.0.0.1:${(strangerSite.address() as AddressInfo).port}`;
});

afterAll(async () => {
  strangerSite?.closeAllConnections();
  await new Promise<void>((resolve) => (strangerSite ? strangerSite.close(() => resolve()) : resolve()));
  await rig?.close();
});

/** Opens the widget on `url` and returns the first `[Concierge]` console message. */
async function refusalOn(url: string): Promise<{ type: string; text: string }> {
  const { context, page } = await shopperPage(rig);
  try {
    const message = waitForConcierge(page);
    await page.goto(url);
    await page.locator(w('.cc-launcher')).click();
    return await message;
  } finally {
    await context.close();
  }
}

function waitForConcierge(page: Page): Promise<{ type: string; text: string }> {
  return new Promise((resolve) => {
    page.on('console', (m) => {
      if (m.text().startsWith('[Concierge]')) resolve({ type: m.type(), text: m.text() });
    });
  });
}

describe('the widget explains a refused session in the console', () => {
  it('names the origin the bot does not allow, and what to do', async () => {
    const message = await refusalOn(`${strangerUrl}/`);
    expect(message.type).toBe('error');
    expect(message.text).toContain(`this site (${strangerUrl}) is not an allowed origin`);
    expect(message.text).toContain(rig.demo.botKey);
    expect(message.text).not.toMatch(/not reachable/);
  });

  it('names an unknown bot key', async () => {
    const message = await refusalOn(`${strangerUrl}/unknown-bot`);
    expect(message.type).toBe('error');
    expect(message.text).toContain(`no assistant has the key "pk_${'A'.repeat(38)}"`);
  });

  it('says it is rate limited (and will try again) rather than unreachable', async () => {
    // One session per minute from this address: take it, then let the browser ask.
    const first = await fetch(`${rig.url}/widget/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: rig.url },
      body: JSON.stringify({ botKey: rig.demo.botKey }),
    });
    expect(first.status).toBe(201);
    const message = await refusalOn(`${rig.url}/`);
    expect(message.type).toBe('warning');
    expect(message.text).toMatch(/rate limited: too many new sessions from this address/);
  });
});
