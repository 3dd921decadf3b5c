// BigCommerce on the real application: the single-click install from the control panel (code
// exchange against the fake login host), the store created from BigCommerce's account facts, hooks
// registered with the shared-secret header, the catalog synced, a shopper's question answered with a
// BigCommerce product, webhooks kept fresh, the load callback's signed payload, and the uninstall.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { completed, WidgetClient } from '../chat/helpers.ts';
import { startFakeBigCommerce, type BcProduct, type BcStore, type FakeBigCommerce } from '../../fakes/bigcommerce/server.ts';
import { seedStore } from '../../fakes/bigcommerce/seed.ts';

const UNIQUE = 'saltmarsh';
let app: TestApp;
let fake: FakeBigCommerce;
let store: BcStore;
let lantern: BcProduct;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const installation = () => app.database.db.system((trx) => trx('plugin_installations').where({ plugin_id: 'bigcommerce' }).first());
const products = (tenantId: string) => app.database.db.tenant(tenantId, (trx) => trx('products').where({ source: 'bigcommerce' }).select('external_id', 'title', 'price_cents', 'currency'));

beforeAll(async () => {
  fake = await startFakeBigCommerce();
  store = seedStore(fake, 'e2e7h4', 140);
  lantern = fake.addProduct(store, { name: 'Driftwood Lantern', price: 48, description: `<p>Hand-finished with <em>${UNIQUE}</em> reed.</p>` });
  const port = await freePort();
  app = await startTestApp({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    PLUGIN_BIGCOMMERCE_CLIENT_ID: fake.clientId,
    PLUGIN_BIGCOMMERCE_CLIENT_SECRET: fake.clientSecret,
    PLUGIN_BIGCOMMERCE_API_URL: fake.apiUrl,
    PLUGIN_BIGCOMMERCE_LOGIN_URL: fake.loginUrl,
  });
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

describe('BigCommerce on the real application', () => {
  it('installs from the control panel: code exchanged, store created from the account, hooks with the secret header, catalog synced', async () => {
    expect(app.application.plugins.failures.find((f) => f.id === 'bigcommerce')).toBeUndefined();
    const grant = fake.authorize(store.hash, `${app.url}/plugins/bigcommerce/install`);
    const res = await fetch(`${app.url}/plugins/bigcommerce/install?${new URLSearchParams(grant)}`, { redirect: 'manual' });
    expect(res.status, await res.clone().text()).toBe(302);
    expect(res.headers.get('location')).toBe(`${app.url}/admin/`);

    const row = await installation();
    expect(row).toMatchObject({ external_id: store.hash, status: 'active' });
    const tenant = await app.database.db.system((trx) => trx('tenants').where({ id: row.tenant_id }).first('name'));
    expect(tenant.name).toBe('Harbour Goods');

    const hooks = [...store.hooks.values()];
    expect(hooks.map((h) => h.scope).sort()).toEqual(['store/app/uninstalled', 'store/order/created', 'store/order/updated', 'store/product/created', 'store/product/deleted', 'store/product/updated']);
    expect(new Set(hooks.map((h) => h.destination))).toEqual(new Set([`${app.url}/webhooks/bigcommerce`]));
    const secret = hooks[0]!.headers!['x-concierge-webhook-secret']!;
    expect(secret.length).toBeGreaterThan(30);
    // Token and hook secret are sealed: neither is in the row in clear.
    const raw = JSON.stringify(row);
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain([...fake.tokens.keys()][0]);

    const visible = fake.products(store.hash).length;
    const rows = await until('the catalog sync', () => products(row.tenant_id), (r) => r.length === visible, 90_000);
    const synced = rows.find((r) => r.external_id === String(lantern.id))!;
    expect(synced).toMatchObject({ title: 'Driftwood Lantern', price_cents: 4800, currency: 'GBP' });
    expect(rows.some((r) => r.title === 'Hidden Merino Prototype')).toBe(false);
  }, 180_000);

  it('a shopper on the store asks by a word only the description holds and gets the BigCommerce product as a card', async () => {
    const row = await installation();
    const bot = await app.database.db.tenant(row.tenant_id, (trx) => trx('bots').first('public_key', 'allowed_origins'));
    expect(bot.allowed_origins).toContain(`https://${store.domain}`);
    const widget = new WidgetClient(app.url, `https://${store.domain}`);
    await widget.start(bot.public_key);
    const stream = widget.stream();
    await stream.opened();
    await widget.send(`Do you have anything made with ${UNIQUE}?`);
    const answer = completed(await stream.until((all) => completed(all).length > 0, 30_000)).at(-1)!;
    const cards = (answer.data.cards ?? []) as { title: string; url: string; price: { amount: string; currency: string } | null }[];
    expect(cards.map((c) => c.title), JSON.stringify(answer.data)).toContain('Driftwood Lantern');
    const card = cards.find((c) => c.title === 'Driftwood Lantern')!;
    expect(card.price).toEqual({ amount: '48.00', currency: 'GBP' });
    expect(card.url).toBe(`https://${store.domain}/driftwood-lantern/`);
    await stream.close();
  });

  it('keeps the product fresh from a webhook carrying the secret header; a delivery without it is 401 and not stored', async () => {
    const row = await installation();
    fake.updateProduct(store, lantern.id, { name: 'Driftwood Lantern XL', price: 52 });
    const [delivery] = await fake.fire(store, 'store/product/updated', lantern.id);
    expect(delivery!.status).toBe(200);
    await until('the renamed product', () => products(row.tenant_id), (r) => r.some((p) => p.external_id === String(lantern.id) && p.title === 'Driftwood Lantern XL' && p.price_cents === 5200));

    const forged = await fetch(`${app.url}/webhooks/bigcommerce`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-concierge-webhook-secret': 'guessed' }, body: fake.payload(store, 'store/product/deleted', lantern.id) });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${app.url}/webhooks/bigcommerce`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fake.payload(store, 'store/product/deleted', lantern.id) });
    expect(unsigned.status).toBe(401);
    const stored = await app.database.db.tenant(row.tenant_id, (trx) => trx('webhook_deliveries').where({ topic: 'store/product/deleted' }).select('delivery_id'));
    expect(stored).toEqual([]);
    expect((await products(row.tenant_id)).some((p) => p.external_id === String(lantern.id))).toBe(true);
  });

  it('the load callback opens the dashboard for a genuine signed payload and refuses a forged one', async () => {
    const good = await fetch(`${app.url}/plugins/bigcommerce/install?signed_payload_jwt=${fake.signedPayloadJwt(store.hash)}`, { redirect: 'manual' });
    expect(good.status).toBe(302);
    expect(good.headers.get('location')).toBe(`${app.url}/admin/`);
    const forged = await fetch(`${app.url}/plugins/bigcommerce/install?signed_payload_jwt=${fake.signedPayloadJwt(store.hash, { secret: 'forged' })}`, { redirect: 'manual' });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
  });

  it('store/app/uninstalled ends the installation: hooks removed at BigCommerce, secrets dropped', async () => {
    const [delivery] = await fake.fire(store, 'store/app/uninstalled', store.hash);
    expect(delivery!.status).toBe(200);
    const row = await until('the uninstall', installation, (r) => r.status === 'uninstalled');
    expect(row.secrets_encrypted).toBeNull();
    expect(store.hooks.size).toBe(0);
  });
});
