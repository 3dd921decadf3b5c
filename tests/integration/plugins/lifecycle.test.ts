import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacSha256 } from '@concierge/plugin-sdk';
import { Database } from '../../../core/db/database.ts';
import { createPluginContext } from '../../../core/plugin-host/plugin-context.ts';
import { PluginStateRepository } from '../../../core/plugin-host/plugin-state.repository.ts';
import { SecretBox } from '../../../core/security/secret-box.ts';
import { makeMiniPlugin, miniCustomerToken, miniWebhook } from '../../fakes/mini-platform/plugin.ts';
import { startMiniPlatform, type MiniPlatform } from '../../fakes/mini-platform/server.ts';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/**
 * The plugin host honours the whole SDK (issue #10), end to end through HTTP with the mini
 * platform fake (its own state) and a test plugin on the SDK only: install from the platform and
 * from an account, state refusals, secrets rotation across two database handles, catalog sync
 * with progress and resume, retries into a dead letter, privacy events, uninstall.
 */

let fake: MiniPlatform;
let smtp: TestSmtp;
let app: TestApp;
let shiftMs = 0;
const clock = () => new Date(Date.now() + shiftMs);

const api = async (path: string, init: { token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
  const res = await fetch(`${app.url}${path}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, location: res.headers.get('location'), body, text };
};

/** Follows begin → the platform's authorize → back to our callback; returns the callback's path. */
async function authorizeAt(beginLocation: string): Promise<string> {
  const approved = await fetch(beginLocation, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const back = new URL(approved.headers.get('location')!);
  return back.pathname + back.search;
}

const installLink = (account: string) => `/plugins/mini/install?account=${account}&hmac=${hmacSha256(fake.appSecret, `account=${account}`, 'hex')}`;

async function installFromPlatform(account: string) {
  const begin = await api(installLink(account));
  expect(begin.status, begin.text).toBe(302);
  return api(await authorizeAt(begin.location!));
}

async function connect(merchant: TestMerchant, account: string) {
  const begin = await api(`/plugins/mini/connect?account=${account}`, { token: merchant.token });
  expect(begin.status, begin.text).toBe(302);
  return api(await authorizeAt(begin.location!));
}

const count = (table: string) => app.database.db.knex(table).count<{ count: string }[]>('* as count').then((r) => Number(r[0]!.count));
const installationOf = (account: string) => app.database.db.knex('plugin_installations').where({ external_id: account }).first();
const deliver = (request: { rawBody: Buffer; headers: Record<string, string | undefined> }) =>
  fetch(`${app.url}/webhooks/mini`, { method: 'POST', headers: request.headers as Record<string, string>, body: new Uint8Array(request.rawBody) });

beforeAll(async () => {
  fake = await startMiniPlatform();
  smtp = await startTestSmtp();
  app = await startTestApp(
    { SMTP_URL: smtp.url, PLUGIN_MINI_APP_SECRET: fake.appSecret, PLUGIN_MINI_UPSTREAM: fake.url },
    {
      pluginCandidates: [{ id: 'mini', load: async () => ({ default: makeMiniPlugin({ explodeOn: (body) => body.explode === true }) }) }],
      clock,
      pluginHost: { catalogSync: { pageSize: 50, backoffBaseMs: 60_000 }, webhookRetry: { maxAttempts: 3, delaySeconds: () => 0 } },
    },
  );
});
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
  await fake?.close();
});

describe('install that starts at the platform', () => {
  it('creates the store, its owner (set-password mail) and a bot for the shop, then syncs the catalog', async () => {
    fake.addAccount('alpaca.example', 120);
    const done = await installFromPlatform('alpaca.example');
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ status: 'installed' });

    const row = await installationOf('alpaca.example');
    expect(row).toMatchObject({ plugin_id: 'mini', status: 'active' });
    expect(row.secrets_encrypted).toMatch(/^v1\./);
    expect(row.secrets_encrypted).not.toContain(fake.tokens.keys().next().value);
    const tenant = await app.database.db.knex('tenants').where({ id: row.tenant_id }).first();
    expect(tenant).toMatchObject({ name: 'Shop alpaca.example', time_zone: 'Europe/Berlin', locale: 'de' });
    const bots = await app.database.db.knex('bots').where({ tenant_id: row.tenant_id });
    expect(bots.map((b) => b.allowed_origins)).toEqual([['https://alpaca.example', 'https://www.alpaca.example']]);

    // The owner sets a password with the mailed token, then signs in and sees the connected shop.
    const mail = await smtp.waitFor((m) => JSON.stringify(m.to ?? '').includes('owner@alpaca.example'));
    const token = /token=([A-Za-z0-9_.-]+)/.exec(mail.text ?? '')![1]!;
    const confirm = await api('/api/v1/auth/password-reset/confirm', { method: 'POST', body: { token, password: 'Alpaca-Wool-2026' } });
    expect(confirm.status, confirm.text).toBe(204);
    const login = await api('/api/v1/auth/login', { method: 'POST', body: { email: 'owner@alpaca.example', password: 'Alpaca-Wool-2026' } });
    expect(login.status, login.text).toBe(200);
    expect(login.body.tenant.id).toBe(row.tenant_id);

    const listed = await waitFor(
      () => api('/api/v1/installations', { token: login.body.accessToken }),
      (r) => r.body?.items?.[0]?.sync?.status === 'done',
      'the catalog sync',
    );
    expect(listed.body.items).toEqual([
      expect.objectContaining({ platform: 'mini', externalId: 'alpaca.example', status: 'active', sync: { status: 'done', done: 120, total: 120, lastError: null } }),
    ]);
    expect(listed.text).not.toMatch(/at_|rt_|secret/);
    const products = await app.database.db.knex('products').where({ tenant_id: row.tenant_id, source: 'mini', installation_id: row.id });
    expect(products).toHaveLength(120);
    expect(products.find((p) => p.description === 'Hand-woven from alpaca wool')).toMatchObject({ title: 'Item 120 of alpaca', price_cents: 2900, currency: 'EUR' });

    // Installing again from the platform updates the same store: no second tenant, token replaced.
    const tenantsBefore = await count('tenants');
    const again = await installFromPlatform('alpaca.example');
    expect(again.status, again.text).toBe(200);
    expect(await count('tenants')).toBe(tenantsBefore);
    const updated = await installationOf('alpaca.example');
    expect(updated.id).toBe(row.id);
    expect(updated.secrets_encrypted).not.toBe(row.secrets_encrypted);
  });

  it('refuses a forged link, a forged callback, a wrong, reused or expired state, and stores nothing', async () => {
    fake.addAccount('guarded.example', 3);
    const before = { tenants: await count('tenants'), installations: await count('plugin_installations'), users: await count('users') };

    const forgedLink = await api(`/plugins/mini/install?account=guarded.example&hmac=${'0'.repeat(64)}`);
    expect(forgedLink.status).toBe(400);
    expect(forgedLink.body).toMatchObject({ code: 'INSTALL_REQUEST_INVALID' });

    const begin = await api(installLink('guarded.example'));
    const callbackPath = await authorizeAt(begin.location!);
    const callback = new URL(callbackPath, app.url);

    const wrongState = new URL(callback);
    wrongState.searchParams.set('state', `${'A'.repeat(32)}.${'B'.repeat(22)}`);
    expect((await api(wrongState.pathname + wrongState.search)).body).toMatchObject({ status: 400, code: 'INSTALL_STATE_INVALID' });
    expect((await api('/plugins/mini/auth/callback?account=guarded.example')).body).toMatchObject({ status: 400, code: 'INSTALL_STATE_INVALID' });

    // A callback the platform did not sign: refused before the state is used up.
    const forged = new URL(callback);
    forged.searchParams.set('code', 'code_attacker');
    const forgedAnswer = await api(forged.pathname + forged.search);
    expect(forgedAnswer.status).toBe(400);
    expect(forgedAnswer.body).toMatchObject({ code: 'INSTALL_REQUEST_INVALID' });
    expect({ tenants: await count('tenants'), installations: await count('plugin_installations'), users: await count('users') }).toEqual(before);

    // The real callback works once; its replay is refused.
    expect((await api(callbackPath)).status).toBe(200);
    const replay = await api(callbackPath);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ code: 'INSTALL_STATE_INVALID' });
    expect(await count('tenants')).toBe(before.tenants + 1);

    // A state older than 10 minutes is refused, and nothing is stored.
    fake.addAccount('late.example', 1);
    const lateBegin = await api(installLink('late.example'));
    const latePath = await authorizeAt(lateBegin.location!);
    shiftMs = 11 * 60_000;
    try {
      const late = await api(latePath);
      expect(late.status).toBe(400);
      expect(late.body).toMatchObject({ code: 'INSTALL_STATE_INVALID' });
    } finally {
      shiftMs = 0;
    }
    expect(await installationOf('late.example')).toBeUndefined();
    expect(await count('tenants')).toBe(before.tenants + 1);
  });
});

describe('an account that connects shops', () => {
  let merchant: TestMerchant;
  beforeAll(async () => {
    merchant = await createMerchant(app.application);
    fake.addAccount('bravo.example', 10);
    fake.addAccount('charlie.example', 5);
  });

  it('links several shops to the signed-in store; connecting again updates, and the shop origins join a bot', async () => {
    expect((await api('/plugins/mini/connect?account=bravo.example')).status).toBe(401);
    expect((await connect(merchant, 'bravo.example')).status).toBe(200);
    expect((await connect(merchant, 'charlie.example')).status).toBe(200);
    expect((await connect(merchant, 'bravo.example')).status).toBe(200);
    const list = await waitFor(
      () => api('/api/v1/installations', { token: merchant.token }),
      (r) => r.body.items.length === 2 && r.body.items.every((i: any) => i.sync.status === 'done'),
      'two synced installations',
    );
    expect(list.body.items.map((i: any) => [i.externalId, i.status, i.sync.done])).toEqual([
      ['bravo.example', 'active', 10],
      ['charlie.example', 'active', 5],
    ]);
    const bots = await app.database.db.knex('bots').where({ tenant_id: merchant.tenantId });
    expect(bots).toHaveLength(1);
    expect([...bots[0].allowed_origins].sort()).toEqual(['https://bravo.example', 'https://charlie.example', 'https://www.bravo.example', 'https://www.charlie.example']);
  });

  it('a re-connect while a sync runs starts the sync over; the run it replaced stops and writes nothing more', async () => {
    fake.addAccount('echo.example', 120);
    const release = fake.holdProductPages();
    const pagesBefore = fake.stats.productPages;
    const cursorsBefore = fake.stats.cursors.length;
    try {
      expect((await connect(merchant, 'echo.example')).status).toBe(200);
      // The first run asked for its first page and waits for it.
      await waitFor(async () => fake.stats.productPages, (n) => n > pagesBefore, 'the first run’s first page request');
      expect((await connect(merchant, 'echo.example')).status).toBe(200);
      expect((await installationOf('echo.example')).sync_status).toBe('queued');
    } finally {
      release();
    }
    await app.application.pluginServices.catalogSync.idle();
    const list = await waitFor(
      () => api('/api/v1/installations', { token: merchant.token }),
      (r) => r.body.items.find((i: any) => i.externalId === 'echo.example')?.sync.status === 'done',
      'the new sync done',
    );
    expect(list.body.items.find((i: any) => i.externalId === 'echo.example').sync).toEqual({ status: 'done', done: 120, total: 120, lastError: null });
    // The replaced run got its page and stopped there; the new one read the catalog from the start.
    expect(fake.stats.cursors.slice(cursorsBefore)).toEqual(['0', '0', '50', '100']);
    const row = await installationOf('echo.example');
    expect(await app.database.db.knex('products').where({ installation_id: row.id }).count('* as n').then((r) => Number(r[0]!.n))).toBe(120);
  });

  it('refreshes an expired token once when two instances (two database handles) need it at the same time', async () => {
    const row = await installationOf('bravo.example');
    const box = new SecretBox(TEST_SECRET_KEY, 'plugin-secrets');
    const stored = JSON.parse(box.open(row.secrets_encrypted));
    // The stored token is past its expiry (as 60 minutes after install).
    await app.database.db.knex('plugin_installations').where({ id: row.id }).update({ secrets_encrypted: box.seal(JSON.stringify({ ...stored, expiresAt: 0 })) });
    const stale = await installationOf('bravo.example');
    const hosted = app.application.plugins.get('mini')!;
    const handles = [Database.connect(app.database.url), Database.connect(app.database.url)];
    try {
      const contexts = handles.map((db) => createPluginContext(hosted, stale, { repository: new PluginStateRepository(db), secrets: box, sink: async () => {} }));
      const refreshesBefore = fake.stats.refreshes;
      const results = await Promise.all(contexts.map((ctx) => hosted.plugin.catalog!.search(ctx, { query: 'Item', limit: 3 })));
      expect(results.map((r) => r.length)).toEqual([3, 3]);
      expect(fake.stats.refreshes - refreshesBefore).toBe(1);
      const [a, b] = contexts.map((c) => (c.secrets as { accessToken: string }).accessToken);
      expect(a).toBe(b);
      expect(fake.tokens.get(a!)?.account).toBe('bravo.example');
      const after = JSON.parse(box.open((await installationOf('bravo.example')).secrets_encrypted));
      expect(after.accessToken).toBe(a);
      expect(after.expiresAt).toBeGreaterThan(Date.now());
    } finally {
      await Promise.all(handles.map((db) => db.close()));
    }
  });

  it('syncs the catalog with progress, keeps the cursor through a failure and resumes there', async () => {
    fake.addAccount('delta.example', 130);
    fake.failAt('50', 1);
    const cursorsBefore = fake.stats.cursors.length;
    expect((await connect(merchant, 'delta.example')).status).toBe(200);
    const failedOnce = await waitFor(
      () => api('/api/v1/installations', { token: merchant.token }),
      (r) => r.body.items.find((i: any) => i.externalId === 'delta.example')?.sync.lastError !== null,
      'the failed page',
    );
    expect(failedOnce.body.items.find((i: any) => i.externalId === 'delta.example').sync).toMatchObject({ status: 'queued', done: 50, total: 130, lastError: expect.stringMatching(/UPSTREAM_RETRYABLE/) });
    await app.application.pluginServices.catalogSync.idle();
    // Its back-off (a minute) passes.
    await app.database.db.knex('plugin_installations').where({ external_id: 'delta.example' }).update({ sync_next_at: app.database.db.knex.raw("now() - interval '1 second'") });
    expect(await app.application.pluginServices.catalogSync.runDue()).toBe(1);
    const done = await api('/api/v1/installations', { token: merchant.token });
    expect(done.body.items.find((i: any) => i.externalId === 'delta.example').sync).toEqual({ status: 'done', done: 130, total: 130, lastError: null });
    // Resumed at the failed page, not from the start.
    expect(fake.stats.cursors.slice(cursorsBefore)).toEqual(['0', '50', '50', '100']);
    const row = await installationOf('delta.example');
    expect(await app.database.db.knex('products').where({ installation_id: row.id }).count('* as n').then((r) => Number(r[0]!.n))).toBe(130);
  });

  it('retries a delivery whose processing fails, then lists it as a dead letter; a redelivery runs once', async () => {
    const boom = miniWebhook(fake.appSecret, { account: 'charlie.example', topic: 'products/update', deliveryId: 'boom-1', body: { explode: true } });
    expect((await deliver(boom)).status).toBe(200);
    const status = () => app.database.db.knex('webhook_deliveries').where({ delivery_id: 'boom-1' }).first('status', 'attempts');
    await waitFor(status, (r) => r?.status === 'failed', 'the first failure');
    await app.application.maintenance.sweepStuckWebhooks(0);
    await app.application.maintenance.sweepStuckWebhooks(0);
    expect(await status()).toEqual({ status: 'dead', attempts: 3 });
    expect(await app.application.maintenance.sweepStuckWebhooks(0)).toBe(0);
    const dead = await api('/api/v1/webhook-deliveries/dead', { token: merchant.token });
    expect(dead.body.items).toEqual([expect.objectContaining({ plugin: 'mini', deliveryId: 'boom-1', topic: 'products/update', attempts: 3, lastError: 'processing exploded' })]);

    const fresh = miniWebhook(fake.appSecret, {
      account: 'charlie.example',
      topic: 'products/update',
      deliveryId: 'fresh-1',
      triggeredAt: '2026-12-04T08:00:00Z',
      body: { id: 'charlie.example-p1', handle: 'charlie-item-1', title: 'Renamed once', body: 'x', price: '11.00', currency: 'EUR' },
    });
    expect(await (await deliver(fresh)).json()).toEqual({ status: 'accepted' });
    expect(await (await deliver(fresh)).json()).toEqual({ status: 'duplicate' });
    const title = () => app.database.db.knex('products').where({ tenant_id: merchant.tenantId, external_id: 'charlie.example-p1' }).first('title');
    await waitFor(title, (r) => r?.title === 'Renamed once', 'the product update');
    // An older delivery arriving late does not overwrite the newer row.
    const older = miniWebhook(fake.appSecret, {
      account: 'charlie.example',
      topic: 'products/update',
      deliveryId: 'older-1',
      triggeredAt: '2026-12-04T07:00:00Z',
      body: { id: 'charlie.example-p1', handle: 'charlie-item-1', title: 'Stale title', body: 'x', price: '11.00', currency: 'EUR' },
    });
    expect((await deliver(older)).status).toBe(200);
    await waitFor(() => app.database.db.knex('webhook_deliveries').where({ delivery_id: 'older-1' }).first('status'), (r) => r?.status === 'processed', 'the older delivery');
    expect(await title()).toEqual({ title: 'Renamed once' });
  });

  it('privacy: a verified shopper, their export, their erasure, then uninstall and shop redaction', async () => {
    const bot = await app.database.db.knex('bots').where({ tenant_id: merchant.tenantId }).first();
    const session = (origin: string, platform?: { plugin: string; token: string }) =>
      api('/widget/v1/sessions', { method: 'POST', headers: { origin }, body: { botKey: bot.public_key, ...(platform ? { platform } : {}) } });

    // A logged-in platform customer (token minted platform-side) is a verified visitor; a forged token is not.
    const forged = await session('https://bravo.example', { plugin: 'mini', token: 'c-1.AAAA' });
    expect(forged.status, forged.text).toBe(201);
    expect(forged.body.identified).toBe(false);
    const verified = await session('https://bravo.example', { plugin: 'mini', token: miniCustomerToken(fake.appSecret, 'bravo.example', 'c-1') });
    expect(verified.body.identified).toBe(true);
    const conversationId = verified.body.conversationId;
    await app.database.db.knex('conversations').where({ id: conversationId }).update({ verified_email: 'ada@example.com' });
    const order = miniWebhook(fake.appSecret, {
      account: 'bravo.example',
      topic: 'orders/updated',
      deliveryId: 'order-1',
      body: { id: 'bravo-o1', number: '1001', email: 'ada@example.com', status: 'paid', placedAt: '2026-12-01T10:00:00Z', total: '42.00' },
    });
    expect((await deliver(order)).status).toBe(200);
    await waitFor(() => app.database.db.knex('orders').where({ tenant_id: merchant.tenantId, external_id: 'bravo-o1' }).first(), (r) => r !== undefined, 'the order');

    // customers/data_request → an export the merchant can read, noted in the audit log.
    expect((await deliver(miniWebhook(fake.appSecret, { account: 'bravo.example', topic: 'customers/data_request', deliveryId: 'dr-1', body: { customerId: 'c-1', email: 'ada@example.com', requestId: 'req-7' } }))).status).toBe(200);
    const exports = await waitFor(() => api('/api/v1/privacy/exports', { token: merchant.token }), (r) => r.body.items.length === 1, 'the export');
    expect(exports.body.items[0]).toMatchObject({ plugin: 'mini', customerId: 'c-1', email: 'ada@example.com', requestId: 'req-7' });
    const full = await api(`/api/v1/privacy/exports/${exports.body.items[0].id}`, { token: merchant.token });
    expect(full.body.data.conversations.map((c: any) => c.id)).toEqual([conversationId]);
    expect(full.body.data.orders.map((o: any) => o.number)).toEqual(['1001']);
    const audit = await api('/api/v1/audit-log', { token: merchant.token });
    expect(JSON.stringify(audit.body)).toContain('privacy.data_request');

    // customers/redact → nothing of that customer readable through the merchant API.
    expect((await api(`/api/v1/conversations/${conversationId}`, { token: merchant.token })).status).toBe(200);
    expect((await deliver(miniWebhook(fake.appSecret, { account: 'bravo.example', topic: 'customers/redact', deliveryId: 'cr-1', body: { customerId: 'c-1', email: 'ada@example.com' } }))).status).toBe(200);
    await waitFor(() => api(`/api/v1/conversations/${conversationId}`, { token: merchant.token }), (r) => r.status === 404, 'the erasure');
    const conversations = await api('/api/v1/conversations', { token: merchant.token });
    expect(conversations.text).not.toContain(conversationId);
    expect(await app.database.db.knex('orders').where({ tenant_id: merchant.tenantId, email: 'ada@example.com' })).toEqual([]);

    // app/uninstalled → installation over, token gone, the bot refuses that shop's origins.
    expect((await session('https://bravo.example')).status).toBe(201);
    expect((await deliver(miniWebhook(fake.appSecret, { account: 'bravo.example', topic: 'app/uninstalled', deliveryId: 'un-1', body: {} }))).status).toBe(200);
    await waitFor(() => app.database.db.knex('webhook_deliveries').where({ delivery_id: 'un-1' }).first('status'), (r) => r?.status === 'processed', 'the uninstall');
    expect((await installationOf('bravo.example')).status).toBe('uninstalled');
    expect((await installationOf('bravo.example')).secrets_encrypted).toBeNull();
    expect((await session('https://bravo.example')).status).toBe(403);
    expect((await session('https://charlie.example')).status).toBe(201);

    // shop/redact 48 h later: still verified with the app secret, and the shop's data goes.
    const bravo = await installationOf('bravo.example');
    expect(await app.database.db.knex('products').where({ installation_id: bravo.id }).count('* as n').then((r) => Number(r[0]!.n))).toBe(10);
    const badRedact = miniWebhook('wrong-secret', { account: 'bravo.example', topic: 'shop/redact', deliveryId: 'sr-bad', body: {} });
    expect((await deliver(badRedact)).status).toBe(401);
    expect((await deliver(miniWebhook(fake.appSecret, { account: 'bravo.example', topic: 'shop/redact', deliveryId: 'sr-1', body: {} }))).status).toBe(200);
    await waitFor(() => api('/api/v1/installations', { token: merchant.token }), (r) => !r.text.includes('bravo.example'), 'the redaction');
    expect(await app.database.db.knex('products').where({ installation_id: bravo.id }).count('* as n').then((r) => Number(r[0]!.n))).toBe(0);
    expect((await api(`/api/v1/installations/${bravo.id}`, { token: merchant.token })).status).toBe(404);
  });

  it('a merchant disconnects a shop: the plugin revokes its token at the platform, the installation ends', async () => {
    const charlie = await installationOf('charlie.example');
    const revokedBefore = fake.stats.revoked;
    const other = await createMerchant(app.application);
    expect((await api(`/api/v1/installations/${charlie.id}`, { method: 'DELETE', token: other.token })).status).toBe(404);
    expect((await api(`/api/v1/installations/${charlie.id}`, { method: 'DELETE', token: merchant.token })).status).toBe(204);
    expect(fake.stats.revoked).toBe(revokedBefore + 1);
    expect(await installationOf('charlie.example')).toMatchObject({ status: 'uninstalled', secrets_encrypted: null });
    const list = await api('/api/v1/installations', { token: merchant.token });
    expect(list.body.items.find((i: any) => i.externalId === 'charlie.example')).toMatchObject({ status: 'uninstalled' });
  });
});
