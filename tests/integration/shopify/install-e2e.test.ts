import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeShopify, type FakeShop, type FakeShopify } from '../../fakes/shopify/index.ts';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { completed, WidgetClient } from '../chat/helpers.ts';
import { installFromShopify, ownerToken, shopifyEnv, syncedInstallation } from './helpers.ts';

/**
 * Issue 10, "Done when" #1: from a fake shop with 2,000 products, the merchant installs Concierge
 * from Shopify with no Concierge account → tenant, owner (set-password mail over real SMTP), bot
 * with the shop's origins, catalog synced; a shopper finds a product by a word only its
 * description holds and gets it as a card; order #1001 with the right email gets its status, a
 * wrong email gets nothing. The real app, the real shopify-api-node, the fake's state as the oracle.
 */

const STOREFRONT = 'https://tote-shop.e2e.test';
const UNIQUE = 'quokkafibre';

let fake: FakeShopify;
let shop: FakeShop;
let smtp: TestSmtp;
let app: TestApp;
let accessToken: string;
let botKey: string;

async function api<T = unknown>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${app.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}), ...(init.headers ?? {}) } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  fake = await startFakeShopify({ throttle: { maximumAvailable: 2000, restoreRate: 2000 } });
  shop = fake.shops.create({ name: 'tote-shop', email: 'merchant@tote-shop.e2e.test', currencyCode: 'EUR', primaryDomain: 'tote-shop.e2e.test' });
  fake.seedProducts(shop, 1_999);
  const tote = shop.addProduct({ title: 'Market Tote', descriptionHtml: `<p>Woven by hand from <b>${UNIQUE}</b>, light and strong.</p>`, variants: [{ price: '39.00' }] });
  const ann = shop.addCustomer({ email: 'ann@e2e.test', firstName: 'Ann' });
  const order = shop.addOrder({ email: 'ann@e2e.test', customerId: ann.id, lineItems: [{ productId: tote.id, quantity: 1 }] });
  shop.fulfillOrder(order.id, [{ number: '1Z999AA10123456784', company: 'UPS', url: 'https://ups.example/track/1Z999AA10123456784' }]);
  app = await startTestApp(shopifyEnv(fake, { SMTP_URL: smtp.url }));
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await fake?.close();
  await smtp?.close();
});

describe('install from Shopify, end to end', () => {
  it('creates the store from the shop: tenant, owner with a set-password mail, bot on the shop\'s origins, catalog synced', async () => {
    expect(shop.products.size).toBe(2_000);
    // The merchant clicks "install" in the Shopify admin: Shopify opens the app URL, signed; the merchant approves.
    await installFromShopify(app.url, fake, shop);

    // Shopify's side: one code grant, an expiring offline token for this shop.
    expect(fake.counters.authorizationCodeGrants).toBe(1);
    const token = fake.tokens.find((t) => t.shop === shop.domain && t.grant === 'authorization_code')!;
    expect(token.mode).toBe('offline');
    expect(token.expiresAt).not.toBeNull();

    // The owner gets a set-password mail whose token works.
    accessToken = await ownerToken(app.url, smtp, shop.email);
    const me = await api<{ user: { role: string }; tenant: { name: string } }>('/api/v1/me');
    expect(me.body.user.role).toBe('owner');
    expect(me.body.tenant.name).toBe(shop.name);

    // A bot whose allowed origins are the shop's domains.
    const bots = await api<{ items: { publicKey: string; allowedOrigins: string[] }[] }>('/api/v1/bots');
    expect(bots.body.items).toHaveLength(1);
    expect(bots.body.items[0]!.allowedOrigins).toEqual(expect.arrayContaining([STOREFRONT, `https://${shop.domain}`]));
    botKey = bots.body.items[0]!.publicKey;

    // The catalog sync runs in the background; its progress is visible to the merchant.
    const synced = await syncedInstallation(app.url, accessToken, 2_000);
    expect(synced).toMatchObject({ platform: 'shopify', externalId: shop.domain, status: 'active', sync: { done: 2_000, total: 2_000, lastError: null } });
    // 2,000 products is above the bulk threshold (decision 0022): one bulk operation, no paged product query.
    expect(fake.bulkOperations.filter((op) => op.shop === shop.domain)).toMatchObject([{ status: 'COMPLETED' }]);
    expect(fake.graphqlLog.filter((e) => e.shop === shop.domain && /query ProductsPage/.test(e.query))).toHaveLength(0);
  }, 180_000);

  it('a shopper asks for a product by a word only its description holds and gets it as a card', async () => {
    const widget = new WidgetClient(app.url, STOREFRONT);
    await widget.start(botKey);
    const stream = widget.stream();
    await stream.opened();
    await widget.send(`Do you have anything in ${UNIQUE}?`);
    const events = await stream.until((all) => completed(all).length > 0, 30_000);
    const answer = completed(events).at(-1)!;
    const cards = (answer.data.cards ?? []) as { type: string; title: string; url: string; price: { amount: string; currency: string } | null }[];
    const tote = shop.productList().find((p) => p.title === 'Market Tote')!;
    expect(cards.map((c) => c.title), JSON.stringify(answer.data)).toContain('Market Tote');
    const card = cards.find((c) => c.title === 'Market Tote')!;
    expect(card.price).toEqual({ amount: '39.00', currency: 'EUR' });
    expect(card.url).toContain(tote.handle);
    await stream.close();
  });

  it('order #1001 with the right email gets its status and tracking; with a wrong email nothing', async () => {
    const right = new WidgetClient(app.url, STOREFRONT);
    await right.start(botKey);
    const rightStream = right.stream();
    await rightStream.opened();
    await right.send('Where is my order #1001? My email is ann@e2e.test');
    const found = completed(await rightStream.until((all) => completed(all).length > 0, 30_000)).at(-1)!;
    expect(found.data.text).toMatch(/#1001/);
    expect(found.data.text).toMatch(/shipped/i);
    expect(found.data.text).toContain('1Z999AA10123456784');
    await rightStream.close();

    const wrong = new WidgetClient(app.url, STOREFRONT);
    await wrong.start(botKey);
    const wrongStream = wrong.stream();
    await wrongStream.opened();
    await wrong.send('Where is my order #1001? My email is mallory@e2e.test');
    const refused = completed(await wrongStream.until((all) => completed(all).length > 0, 30_000)).at(-1)!;
    expect(refused.data.text).not.toMatch(/shipped|1Z999|Market Tote/i);
    expect(refused.data.text).toMatch(/couldn.t find/i);
    await wrongStream.close();
  });
});
