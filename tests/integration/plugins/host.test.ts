import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, type PluginSetupContext } from '@concierge/plugin-sdk';
import pino from 'pino';
import { z } from 'zod';
import { createPluginHttpClient, PluginHost, type PluginCandidate } from '../../../core/plugin-host/host.ts';
import { SecretBox } from '../../../core/security/secret-box.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../../helpers/app.ts';

const logger = pino({ level: 'silent' });
const candidate = (id: string, plugin: unknown): PluginCandidate => ({ id, load: async () => ({ default: plugin }) });
const manifest = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: id, version: '1.0.0', coreRange: '^0.1.0', ...extra });

function newHost(env: Record<string, string> = {}) {
  return new PluginHost({ coreVersion: '0.1.0', logger, publicUrl: 'http://localhost', pluginEnv: env, http: createPluginHttpClient() });
}

describe('plugin host start-up', () => {
  it('reports a bad manifest, a core range mismatch and a throwing setup by id, and still starts the rest', async () => {
    const calls: string[] = [];
    const host = newHost();
    const report = await host.start([
      candidate('good', definePlugin({ manifest: manifest('good'), setup: () => void calls.push('setup good') })),
      candidate('bad-manifest', { manifest: { id: 'bad-manifest', version: 'one' } }),
      candidate('too-new', definePlugin({ manifest: manifest('too-new', { coreRange: '^2.0.0' }) })),
      candidate('throws', definePlugin({ manifest: manifest('throws'), setup: () => { throw new Error('token missing'); } })),
      candidate('wrong-folder', definePlugin({ manifest: manifest('other-name') })),
      { id: 'broken-module', load: async () => { throw new SyntaxError('Unexpected token'); } },
    ]);
    expect(report.started).toEqual(['good']);
    const byId = Object.fromEntries(report.failed.map((f) => [f.id, f]));
    expect(byId['bad-manifest']).toMatchObject({ code: 'PLUGIN_MANIFEST_INVALID' });
    expect(byId['bad-manifest']!.reason).toMatch(/name/);
    expect(byId['bad-manifest']!.reason).toMatch(/version/);
    expect(byId['too-new']).toMatchObject({ code: 'PLUGIN_CORE_RANGE', reason: 'supports core ^2.0.0, this core is 0.1.0' });
    expect(byId['throws']).toMatchObject({ code: 'PLUGIN_SETUP_FAILED', reason: 'setup threw: token missing' });
    expect(byId['wrong-folder']!.reason).toMatch(/must equal its folder name/);
    expect(byId['broken-module']).toMatchObject({ code: 'PLUGIN_MANIFEST_INVALID' });
    expect(calls).toEqual(['setup good']);
  });

  it('sets plugins up in dependency order and tears them down in reverse', async () => {
    const calls: string[] = [];
    const plugin = (id: string, dependsOn: string[] = []) =>
      definePlugin({ manifest: manifest(id, { dependsOn }), setup: () => void calls.push(`setup ${id}`), teardown: () => void calls.push(`teardown ${id}`) });
    const host = newHost();
    const report = await host.start([candidate('gamma', plugin('gamma', ['beta'])), candidate('alpha', plugin('alpha')), candidate('beta', plugin('beta', ['alpha']))]);
    expect(report.started).toEqual(['alpha', 'beta', 'gamma']);
    await host.stop();
    expect(calls).toEqual(['setup alpha', 'setup beta', 'setup gamma', 'teardown gamma', 'teardown beta', 'teardown alpha']);
  });

  it('fails plugins with a missing dependency, a failed dependency, or a cycle', async () => {
    const host = newHost();
    const report = await host.start([
      candidate('needs-ghost', definePlugin({ manifest: manifest('needs-ghost', { dependsOn: ['ghost'] }) })),
      candidate('base', definePlugin({ manifest: manifest('base'), setup: () => { throw new Error('down'); } })),
      candidate('on-base', definePlugin({ manifest: manifest('on-base', { dependsOn: ['base'] }) })),
      candidate('xx', definePlugin({ manifest: manifest('xx', { dependsOn: ['yy'] }) })),
      candidate('yy', definePlugin({ manifest: manifest('yy', { dependsOn: ['xx'] }) })),
    ]);
    expect(report.started).toEqual([]);
    const codes = Object.fromEntries(report.failed.map((f) => [f.id, f.code]));
    expect(codes).toMatchObject({ 'needs-ghost': 'PLUGIN_DEPENDENCY_MISSING', base: 'PLUGIN_SETUP_FAILED', 'on-base': 'PLUGIN_DEPENDENCY_MISSING', xx: 'PLUGIN_DEPENDENCY_CYCLE', yy: 'PLUGIN_DEPENDENCY_CYCLE' });
  });

  it('validates settings from PLUGIN_<ID>_* variables and names the variable that is wrong', async () => {
    let seen: unknown;
    const withSettings = (id: string) =>
      definePlugin({ manifest: { ...manifest(id), settings: z.object({ apiKey: z.string().min(10) }) }, setup: (ctx: PluginSetupContext<{ apiKey: string }>) => void (seen = ctx.settings) });
    const host = newHost({ PLUGIN_MY_APP_API_KEY: 'long-enough-key', PLUGIN_SHORT_API_KEY: 'x' });
    const report = await host.start([candidate('my-app', withSettings('my-app')), candidate('short', withSettings('short'))]);
    expect(report.started).toEqual(['my-app']);
    expect(seen).toEqual({ apiKey: 'long-enough-key' });
    expect(report.failed[0]).toMatchObject({ id: 'short', code: 'PLUGIN_CONFIG_INVALID' });
    expect(report.failed[0]!.reason).toMatch(/PLUGIN_SHORT_API_KEY/);
  });

  it('says at info, not as an error, that a plugin none of whose variables is set is not configured, and what to set', async () => {
    const lines: { level: number; msg: string }[] = [];
    const captured = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
    const settings = z.object({ apiKey: z.string().min(10), apiSecret: z.string().min(10) });
    const host = new PluginHost({ coreVersion: '0.1.0', logger: captured, publicUrl: 'http://localhost', pluginEnv: { PLUGIN_HALF_API_KEY: 'long-enough-key' }, http: createPluginHttpClient() });
    const report = await host.start([
      candidate('unused', definePlugin({ manifest: { ...manifest('unused'), settings } })),
      candidate('half', definePlugin({ manifest: { ...manifest('half'), settings } })),
    ]);
    expect(report.started).toEqual([]);
    const unused = lines.find((l) => l.msg.startsWith('plugin unused'))!;
    expect(unused.level).toBe(30);
    expect(unused.msg).toBe('plugin unused not started: not configured (set PLUGIN_UNUSED_API_KEY, PLUGIN_UNUSED_API_SECRET to use it)');
    // One variable set and another missing is a mistake in the configuration: an error naming it.
    const half = lines.find((l) => l.msg.startsWith('plugin half'))!;
    expect(half.level).toBe(50);
    expect(half.msg).toMatch(/invalid settings \(PLUGIN_HALF_API_SECRET: /);
    expect(report.failed.map((f) => [f.id, f.code])).toEqual([
      ['unused', 'PLUGIN_CONFIG_INVALID'],
      ['half', 'PLUGIN_CONFIG_INVALID'],
    ]);
  });
});

describe('webhooks through the host', () => {
  const SECRET = 'shop-webhook-secret';
  const processed: string[] = [];
  let app: TestApp;
  let tenantId: string;

  // A platform-like plugin: base64 HMAC-SHA256 of the raw body, delivery id and account in headers.
  const hooks = definePlugin({
    manifest: { ...manifest('acme'), secrets: z.object({ webhookSecret: z.string() }) },
    webhooks: {
      topics: ['products/update'],
      identify: (req) =>
        req.headers['x-acme-account'] && req.headers['x-acme-delivery']
          ? { externalId: req.headers['x-acme-account']!, deliveryId: req.headers['x-acme-delivery']!, topic: req.headers['x-acme-topic'] ?? 'unknown' }
          : undefined,
      isPing: (req) => req.headers['x-acme-ping'] === '1',
      verify: (ctx, req) => {
        const expected = createHmac('sha256', (ctx.secrets as { webhookSecret: string }).webhookSecret).update(req.rawBody).digest('base64');
        return req.headers['x-acme-signature'] === expected;
      },
      normalize: (_ctx, req, identity) => {
        const body = JSON.parse(req.rawBody.toString('utf8'));
        processed.push(identity.deliveryId);
        const at = body.at ? { occurredAt: body.at as string } : {};
        if (identity.topic === 'products/delete') return [{ type: 'product.deleted', externalId: String(body.id), ...at }];
        return [{ type: 'product.upserted', product: { externalId: String(body.id), handle: body.handle, title: body.title, description: '', price: { amount: body.price, currency: 'EUR' }, tags: [], variants: [] }, ...at }];
      },
    },
  });

  beforeAll(async () => {
    app = await startTestApp({}, { pluginCandidates: [candidate('acme', hooks)] });
    const { tenancy, pluginState } = app.application.repositories;
    tenantId = (await tenancy.createTenant({ name: 'Acme shop' })).id;
    const sealed = new SecretBox(TEST_SECRET_KEY, 'plugin-secrets').seal(JSON.stringify({ webhookSecret: SECRET }));
    await pluginState.upsertInstallation(tenantId, { pluginId: 'acme', externalId: 'shop-1.example', config: {}, secretsEncrypted: sealed });
  });
  afterAll(() => app.stop());

  const deliver = (body: string, headers: Record<string, string>) =>
    fetch(`${app.url}/webhooks/acme`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('base64');
  /** A signed delivery of `payload` on `topic` for the installed shop. */
  const send = (topic: string, id: string, payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    return deliver(body, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': id, 'x-acme-topic': topic, 'x-acme-signature': sign(body) });
  };
  const waitFor = async (predicate: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await predicate()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('condition not met in time');
  };

  it('answers 401 to a bad signature and stores nothing', async () => {
    const body = JSON.stringify({ id: 1, handle: 'evil', title: 'Evil', price: '1.00' });
    const res = await deliver(body, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'd-bad', 'x-acme-signature': sign(body, 'wrong') });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
    // A body changed after signing is just as invalid: the signature covers the raw bytes.
    const res2 = await deliver(body.replace('1.00', '0.01'), { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'd-bad2', 'x-acme-signature': sign(body) });
    expect(res2.status).toBe(401);
    const rows = await app.database.db.tenant(tenantId, (trx) => trx('webhook_deliveries').select('delivery_id'));
    expect(rows).toEqual([]);
  });

  it('answers 401 for an account that is not installed', async () => {
    const body = '{}';
    const res = await deliver(body, { 'x-acme-account': 'unknown.example', 'x-acme-delivery': 'd-x', 'x-acme-signature': sign(body) });
    expect(res.status).toBe(401);
  });

  it('verifies, answers 200, processes once, and drops a duplicate delivery', async () => {
    const body = JSON.stringify({ id: 42, handle: 'linen-shirt', title: 'Linen Shirt', price: '59.00' });
    const headers = { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'd-42', 'x-acme-topic': 'products/update', 'x-acme-signature': sign(body) };
    const first = await deliver(body, headers);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: 'accepted' });
    const second = await deliver(body, headers);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ status: 'duplicate' });

    await waitFor(async () => (await app.database.db.tenant(tenantId, (trx) => trx('webhook_deliveries').where({ delivery_id: 'd-42' }).first()))?.status === 'processed');
    expect(processed.filter((id) => id === 'd-42')).toEqual(['d-42']);
    const product = await app.database.db.tenant(tenantId, (trx) => trx('products').where({ handle: 'linen-shirt' }).first());
    expect(product).toMatchObject({ title: 'Linen Shirt', price_cents: 5900, source: 'acme', external_id: '42' });
  });

  it('takes a burst together: every delivery stored once, a redelivery inside the burst answered as a duplicate', async () => {
    const sends = Array.from({ length: 30 }, (_, i) => {
      const body = JSON.stringify({ id: 500 + i, handle: `burst-${i}`, title: `Burst ${i}`, price: '5.00' });
      return deliver(body, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': `burst-${i}`, 'x-acme-topic': 'products/update', 'x-acme-signature': sign(body) });
    });
    const again = JSON.stringify({ id: 500, handle: 'burst-0', title: 'Burst 0', price: '5.00' });
    sends.push(deliver(again, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'burst-0', 'x-acme-topic': 'products/update', 'x-acme-signature': sign(again) }));
    const answers = await Promise.all(
      sends.map(async (sent) => {
        const res = await sent;
        return { status: res.status, body: (await res.json()) as { status: string } };
      }),
    );
    expect(answers.filter((a) => a.status !== 200), JSON.stringify(answers.filter((a) => a.status !== 200))).toEqual([]);
    expect(answers.filter((a) => a.body.status === 'accepted')).toHaveLength(30);
    expect(answers.filter((a) => a.body.status === 'duplicate')).toHaveLength(1);
    await waitFor(async () => {
      const rows = await app.database.db.tenant(tenantId, (trx) => trx('webhook_deliveries').where('delivery_id', 'like', 'burst-%').select('status'));
      return rows.length === 30 && rows.every((r) => r.status === 'processed');
    });
    const products = await app.database.db.tenant(tenantId, (trx) => trx('products').where('handle', 'like', 'burst-%').count({ n: '*' }).first());
    expect(Number(products?.n)).toBe(30);
  });

  it('applies a burst of out-of-order updates as the newest of each product says, and a removal after them in arrival order', async () => {
    // Three products, eight changes each, arriving shuffled and all at once: they are processed in
    // batches (one statement per batch), and each product ends as its newest change left it.
    const changes = [0, 1, 2].flatMap((p) => Array.from({ length: 8 }, (_, v) => ({ p, v })));
    const order = changes.map((c, i) => ({ c, key: (i * 7919) % changes.length })).sort((a, b) => a.key - b.key).map(({ c }) => c);
    const at = (v: number) => `2026-03-01T12:00:0${v}.000Z`;
    const answers = await Promise.all(order.map(({ p, v }) => send('products/update', `ooo-${p}-${v}`, { id: 900 + p, handle: `ooo-${p}`, title: `Version ${v}`, price: '3.00', at: at(v) })));
    expect(answers.map((a) => a.status)).toEqual(order.map(() => 200));
    const settled = async (prefix: string, count: number) =>
      waitFor(async () => {
        const rows = await app.database.db.tenant(tenantId, (trx) => trx('webhook_deliveries').where('delivery_id', 'like', `${prefix}%`).select('status'));
        return rows.length === count && rows.every((r) => r.status === 'processed');
      });
    await settled('ooo-', changes.length);
    const rows = await app.database.db.tenant(tenantId, (trx) => trx('products').where('handle', 'like', 'ooo-%').orderBy('handle').select('handle', 'title', 'source_updated_at'));
    expect(rows.map((r) => [r.handle, r.title, r.source_updated_at.toISOString()])).toEqual([0, 1, 2].map((p) => [`ooo-${p}`, 'Version 7', at(7)]));

    // An update and then a removal of one product, one after the other: removed, as in arrival order.
    await send('products/update', 'ooo-del-1', { id: 900, handle: 'ooo-0', title: 'Version 8', price: '3.00', at: at(8) });
    await send('products/delete', 'ooo-del-2', { id: 900, at: at(9) });
    await settled('ooo-del-', 2);
    expect(await app.database.db.tenant(tenantId, (trx) => trx('products').where({ handle: 'ooo-0' }).first())).toBeUndefined();
  });

  it('fails a delivery whose product cannot be stored on its own; the rest of its burst is processed', async () => {
    const payloads = Array.from({ length: 12 }, (_, i) => ({ id: 950 + i, handle: `lone-${i}`, title: `Lone ${i}`, price: i === 5 ? '92233720368547758.07' : '4.00' }));
    const answers = await Promise.all(payloads.map((payload, i) => send('products/update', `lone-${i}`, payload)));
    expect(answers.map((a) => a.status)).toEqual(payloads.map(() => 200));
    let rows: { delivery_id: string; status: string; error: string | null }[] = [];
    await waitFor(async () => {
      rows = await app.database.db.tenant(tenantId, (trx) => trx('webhook_deliveries').where('delivery_id', 'like', 'lone-%').select('delivery_id', 'status', 'error'));
      return rows.length === 12 && rows.every((r) => r.status !== 'received');
    });
    expect(rows.filter((r) => r.status !== 'processed').map((r) => [r.delivery_id, r.status])).toEqual([['lone-5', 'failed']]);
    expect(rows.find((r) => r.delivery_id === 'lone-5')!.error).toMatch(/too large/);
    const stored = await app.database.db.tenant(tenantId, (trx) => trx('products').where('handle', 'like', 'lone-%').pluck('handle'));
    expect(stored.sort()).toEqual(payloads.filter((_, i) => i !== 5).map((p) => p.handle).sort());
  });

  it("verifies against the stored secret when another instance changed it in the seconds this one keeps the installation", async () => {
    const warm = JSON.stringify({ id: 60, handle: 'warm', title: 'Warm', price: '1.00' });
    expect((await deliver(warm, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'd-warm', 'x-acme-signature': sign(warm) })).status).toBe(200);
    // Another instance rotates the secret: a write this instance's repository never saw.
    const box = new SecretBox(TEST_SECRET_KEY, 'plugin-secrets');
    await app.database.db.knex('plugin_installations').where({ tenant_id: tenantId, plugin_id: 'acme' }).update({ secrets_encrypted: box.seal(JSON.stringify({ webhookSecret: 'rotated-secret' })) });
    const body = JSON.stringify({ id: 61, handle: 'rotated', title: 'Rotated', price: '1.00' });
    const res = await deliver(body, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'd-rotated', 'x-acme-signature': sign(body, 'rotated-secret') });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'accepted' });
    // The old secret no longer opens the door once the stored row has been read again.
    const old = JSON.stringify({ id: 62, handle: 'old', title: 'Old', price: '1.00' });
    expect((await deliver(old, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'd-old', 'x-acme-signature': sign(old) })).status).toBe(401);
    await app.database.db.knex('plugin_installations').where({ tenant_id: tenantId, plugin_id: 'acme' }).update({ secrets_encrypted: box.seal(JSON.stringify({ webhookSecret: SECRET })) });
  });

  it('stops taking the old secret as soon as another instance rotates it, not when the kept row expires', async () => {
    const warm = JSON.stringify({ id: 63, handle: 'warm-2', title: 'Warm', price: '1.00' });
    expect((await deliver(warm, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'd-warm-2', 'x-acme-signature': sign(warm) })).status).toBe(200);
    const box = new SecretBox(TEST_SECRET_KEY, 'plugin-secrets');
    await app.database.db.knex('plugin_installations').where({ tenant_id: tenantId, plugin_id: 'acme' }).update({ secrets_encrypted: box.seal(JSON.stringify({ webhookSecret: 'rotated-again' })) });
    try {
      // The change's notification reaches this instance within milliseconds of the commit; the row
      // itself would be kept for seconds.
      const started = Date.now();
      let status = 0;
      for (let n = 0; status !== 401 && Date.now() - started < 1_000; n++) {
        const old = JSON.stringify({ id: 64, handle: 'old-2', title: 'Old', price: '1.00' });
        status = (await deliver(old, { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': `d-old-2-${n}`, 'x-acme-signature': sign(old) })).status;
        if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe(401);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await app.database.db.knex('plugin_installations').where({ tenant_id: tenantId, plugin_id: 'acme' }).update({ secrets_encrypted: box.seal(JSON.stringify({ webhookSecret: SECRET })) });
    }
  });

  it('processes a delivery again when a crash cut its processing short after the 200', async () => {
    const body = JSON.stringify({ id: 77, handle: 'wool-scarf', title: 'Wool Scarf', price: '35.00' });
    const headers = { 'x-acme-account': 'shop-1.example', 'x-acme-delivery': 'd-77', 'x-acme-topic': 'products/update' };
    // As the receiving instance left it: recorded, answered, never processed.
    await app.database.db.tenant(tenantId, (trx) =>
      trx('webhook_deliveries').insert({ tenant_id: tenantId, plugin_id: 'acme', delivery_id: 'd-77', topic: 'products/update', payload: Buffer.from(body), headers: JSON.stringify(headers), received_at: trx.raw("now() - interval '10 minutes'") }),
    );
    expect(await app.application.maintenance.sweepStuckWebhooks(60)).toBe(1);
    const delivery = await app.database.db.tenant(tenantId, (trx) => trx('webhook_deliveries').where({ delivery_id: 'd-77' }).first());
    expect(delivery).toMatchObject({ status: 'processed', attempts: 1 });
    expect(await app.database.db.tenant(tenantId, (trx) => trx('products').where({ handle: 'wool-scarf' }).first('title'))).toEqual({ title: 'Wool Scarf' });
    expect(await app.application.maintenance.sweepStuckWebhooks(60)).toBe(0);
  });

  it('answers an unsigned ping with 200 without processing it', async () => {
    const res = await fetch(`${app.url}/webhooks/acme`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-acme-ping': '1' }, body: 'webhook_id=7' });
    expect(res.status).toBe(200);
  });

  it('answers 400 when the delivery does not say who it is for, and 404 for an unknown plugin', async () => {
    expect((await deliver('{}', {})).status).toBe(400);
    expect((await fetch(`${app.url}/webhooks/nobody`, { method: 'POST', body: '{}' })).status).toBe(404);
    // A name that cannot be a plugin id is not echoed back (NUL, markup), on every door of the host.
    for (const [method, path] of [
      ['POST', '/webhooks/%00%3Cb%3E'],
      ['GET', '/plugins/%00%3Cb%3E/install'],
      ['GET', '/plugins/%00%3Cb%3E/auth/callback'],
      ['POST', '/plugins/%00%3Cb%3E/auth/callback'],
    ] as const) {
      const res = await fetch(`${app.url}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const text = await res.text();
      expect(text).not.toContain('\\u0000');
      expect(text).not.toContain('<b>');
    }
  });
});
