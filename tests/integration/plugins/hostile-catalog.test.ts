import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacSha256 } from '@concierge/plugin-sdk';
import { makeMiniPlugin, miniWebhook } from '../../fakes/mini-platform/plugin.ts';
import { startMiniPlatform, type MiniPlatform } from '../../fakes/mini-platform/server.ts';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/**
 * Platform products bypass the routes' NUL/text rule: they enter through the plugin host (issue 14).
 * A fake platform whose products carry NUL, other control characters, line breaks and an unpaired
 * surrogate: the catalog sync finishes (before, PostgreSQL refused the page and the sync failed),
 * the stored text has none of them, and a product webhook gets the same treatment.
 */

let fake: MiniPlatform;
let smtp: TestSmtp;
let app: TestApp;

const ACCOUNT = 'hostile.example';
// Nothing PostgreSQL cannot store, no C0/C1 control but tab and line breaks (descriptions only).
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

beforeAll(async () => {
  fake = await startMiniPlatform();
  smtp = await startTestSmtp();
  app = await startTestApp(
    { SMTP_URL: smtp.url, PLUGIN_MINI_APP_SECRET: fake.appSecret, PLUGIN_MINI_UPSTREAM: fake.url },
    { pluginCandidates: [{ id: 'mini', load: async () => ({ default: makeMiniPlugin() }) }], pluginHost: { catalogSync: { pageSize: 50, backoffBaseMs: 60_000 } } },
  );
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
  await fake?.close();
});

describe('platform products at the plugin host boundary', () => {
  it('syncs products carrying NUL and control characters, storing them cleaned', async () => {
    fake.addAccount(ACCOUNT, 0, {
      products: [
        { id: 'p-nul\u0000', handle: 'nul\u0000-shirt', title: 'Linen\u0000 shirt\u0007', body: 'Line one\u0000\nLine two\u001b[31m red\u0085\tend', price: '49.00', currency: 'EUR' },
        { id: 'p-ctl', handle: 'ctl-shirt', title: 'Title\r\nwith break\u0001', body: 'Caf\u00e9 \ud800 lone', price: '19.00', currency: 'EUR' },
        { id: 'p-ok', handle: 'plain-shirt', title: 'Plain shirt', body: 'Nothing odd here', price: '9.00', currency: 'EUR' },
      ],
    });
    const query = `account=${ACCOUNT}`;
    const begin = await fetch(`${app.url}/plugins/mini/install?${query}&hmac=${hmacSha256(fake.appSecret, query, 'hex')}`, { redirect: 'manual' });
    expect(begin.status).toBe(302);
    const approved = await fetch(begin.headers.get('location')!, { redirect: 'manual' });
    const back = new URL(approved.headers.get('location')!);
    const done = await fetch(`${app.url}${back.pathname}${back.search}`, { redirect: 'manual' });
    expect(done.status, await done.text()).toBe(200);

    const knex = app.database.db.knex;
    const installation = await waitFor(
      () => knex('plugin_installations').where({ external_id: ACCOUNT }).first(),
      (row) => row?.sync_status === 'done' || row?.sync_status === 'failed',
      'the catalog sync',
    );
    expect(installation).toMatchObject({ sync_status: 'done', sync_done: 3, sync_last_error: null });

    const products = await knex('products').where({ tenant_id: installation.tenant_id, source: 'mini' }).orderBy('handle');
    expect(products.map((p) => p.handle)).toEqual(['ctl-shirt', 'nul-shirt', 'plain-shirt']);
    for (const p of products) {
      for (const field of ['external_id', 'handle', 'title', 'description']) expect(p[field], `${p.handle}.${field}`).not.toMatch(UNSTORABLE);
    }
    const byHandle = Object.fromEntries(products.map((p) => [p.handle, p]));
    expect(byHandle['nul-shirt']).toMatchObject({ external_id: 'p-nul', title: 'Linen shirt', description: 'Line one\nLine two[31m red\tend', price_cents: 4900 });
    // Titles are one line; descriptions keep their line breaks.
    expect(byHandle['ctl-shirt']).toMatchObject({ title: 'Title with break', description: 'Caf\u00e9 \ufffd lone' });
    expect(byHandle['plain-shirt']).toMatchObject({ title: 'Plain shirt', description: 'Nothing odd here' });
  });

  it('cleans a product webhook the same way', async () => {
    const update = miniWebhook(fake.appSecret, {
      account: ACCOUNT,
      topic: 'products/update',
      deliveryId: 'hostile-1',
      body: { id: 'p-ok', handle: 'plain-shirt', title: 'Renamed\u0000 \u0002shirt', body: 'New\u0000 text\u007f', price: '9.00', currency: 'EUR' },
    });
    const res = await fetch(`${app.url}/webhooks/mini`, { method: 'POST', headers: update.headers as Record<string, string>, body: new Uint8Array(update.rawBody) });
    expect(await res.json()).toEqual({ status: 'accepted' });
    const row = await waitFor(
      () => app.database.db.knex('products').where({ external_id: 'p-ok', source: 'mini' }).first(),
      (r) => r?.title !== 'Plain shirt',
      'the product update',
    );
    expect(row).toMatchObject({ title: 'Renamed shirt', description: 'New text' });
  });
});
