import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant } from '../../helpers/merchant.ts';
import { createStore } from './helpers.ts';

/** Issue #18: after adding an allowed origin it took ~30 s (the bot cache) until the widget worked there. */
describe('allowed-origin change', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, { database: a.database });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  const session = (app: TestApp, botKey: string, origin: string) =>
    fetch(`${app.url}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ botKey }) });

  it('applies within a second on every instance (NOTIFY drops the cached bot), adding and removing', async () => {
    const store = await createStore(a.application);
    const owner = await createMerchant(a.application, { tenantId: store.tenantId });
    const site = 'https://new-site.example';
    // Both instances have the bot cached, without the new origin.
    for (const app of [a, b]) expect((await session(app, store.botKey, site)).status).toBe(403);

    const patch = (allowedOrigins: string[]) =>
      fetch(`${a.url}/api/v1/bots/${store.botId}`, { method: 'PATCH', headers: owner.headers, body: JSON.stringify({ allowedOrigins }) });
    expect((await patch(['https://shop.example', site])).status).toBe(200);
    const waitFor = async (app: TestApp, status: number) => {
      const started = Date.now();
      for (;;) {
        // Timed by when the request was sent: a slow answer on a loaded machine is not the cache.
        const sentAfter = Date.now() - started;
        const res = await session(app, store.botKey, site);
        if (res.status === status) return sentAfter;
        if (sentAfter > 1_000) throw new Error(`still ${res.status} for a request sent ${sentAfter} ms after the change`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const took = [await waitFor(a, 201), await waitFor(b, 201)];
    expect((await patch(['https://shop.example'])).status).toBe(200);
    took.push(await waitFor(b, 403));
    console.info(`allowed-origin change visible after ${took.join(' / ')} ms (instance A, B, removal on B)`);
  });
});
