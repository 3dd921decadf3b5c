import type { Database } from '../db/database.ts';
import type { AccountsRepository } from '../accounts/index.ts';
import { generatePassword, hashPassword } from '../accounts/index.ts';
import type { CatalogRepository } from '../catalog/index.ts';
import type { TenancyRepository } from '../tenancy/index.ts';
import { fromMinorUnits } from '@concierge/plugin-sdk';
import type { OrderInput } from '../orders/index.ts';
import { DEMO_FAQ, DEMO_ORDERS, DEMO_PRODUCTS, DEMO_STORE, type DemoOrder } from './catalog.ts';

/** A demo order as the order cache stores it (what a platform plugin's order would become). */
export function orderFromDemo(o: DemoOrder): OrderInput {
  return {
    source: 'demo',
    externalId: o.number,
    number: o.number,
    email: o.email,
    customerId: null,
    status: o.status,
    rawStatus: o.status,
    placedAt: new Date(o.placedAt),
    total: fromMinorUnits(o.totalCents, o.currency),
    items: o.items.map((i) => ({ title: i.title, quantity: i.quantity, price: fromMinorUnits(i.priceCents, o.currency) })),
    tracking: o.tracking ? [{ company: o.tracking.carrier, number: o.tracking.number, url: o.tracking.url }] : [],
  };
}

export interface DemoSeedResult {
  tenantId: string;
  botKey: string;
  admin?: { email: string; password: string; generated: boolean };
}

export interface DemoSeedDeps {
  tenancy: TenancyRepository;
  catalog: CatalogRepository;
  accounts: AccountsRepository;
  /** Origins the demo bot accepts (the demo page's own). */
  origins: string[];
  admin: { email: string | undefined; password: string | undefined };
  /** The order cache (core/orders), so "where is order 1001?" works in the demo. */
  orders?: { importOrders(tenantId: string, orders: OrderInput[]): Promise<number> };
}

/** Seeds "Demo Store" on the first start with an empty database; does nothing otherwise. */
export async function seedDemo(deps: DemoSeedDeps): Promise<DemoSeedResult | undefined> {
  if ((await deps.tenancy.countTenants()) > 0) return undefined;

  const tenant = await deps.tenancy.createTenant({ name: DEMO_STORE.name, timeZone: DEMO_STORE.timeZone, locale: DEMO_STORE.locale });
  const bot = await deps.tenancy.createBot(tenant.id, {
    name: 'Demo Store Assistant',
    allowedOrigins: deps.origins,
    locale: DEMO_STORE.locale,
    timeZone: DEMO_STORE.timeZone,
    greeting: 'Hi! I can help you find clothing and leather goods, check an order, or book a fitting.',
    persona: `You are the friendly shop assistant of ${DEMO_STORE.name}: ${DEMO_STORE.tagline}.`,
    theme: { accentColor: '#7c3aed' },
  });
  await deps.catalog.upsertProducts(
    tenant.id,
    DEMO_PRODUCTS.map((p) => ({
      source: 'demo',
      handle: p.handle,
      title: p.title,
      description: p.description,
      priceCents: p.priceCents,
      currency: p.currency,
      // An absolute link to the product page the demo store serves (core/demo/demo.http.ts), so a
      // card opens a real page on whatever site the widget runs (issue #18: no made-up paths).
      url: new URL(`/products/${encodeURIComponent(p.handle)}`, deps.origins[0] ?? 'http://localhost:3000').href,
      tags: [...p.tags],
      variants: p.variants ?? [],
    })),
  );
  await deps.catalog.addFaq(tenant.id, DEMO_FAQ.map((f) => ({ question: f.question, answer: f.answer })));
  await deps.orders?.importOrders(tenant.id, DEMO_ORDERS.map(orderFromDemo));

  let admin: DemoSeedResult['admin'];
  if ((await deps.accounts.countUsers()) === 0) {
    const generated = !deps.admin.password;
    const email = deps.admin.email ?? 'admin@demo-store.example';
    const password = deps.admin.password ?? generatePassword();
    await deps.accounts.createMember(tenant.id, { email, passwordHash: await hashPassword(password), name: 'Demo Admin', role: 'owner' });
    admin = { email, password, generated };
  }
  return { tenantId: tenant.id, botKey: bot.public_key, admin };
}

/**
 * Development only: the demo database may have been seeded on another PORT or PUBLIC_URL. Adds
 * the origins of this start to the demo bot (keeping any the merchant added), so the demo
 * widget keeps working. Returns the origins it added.
 */
export async function allowDemoOrigins(
  deps: { db: Database; tenancy: TenancyRepository },
  origins: string[],
): Promise<string[]> {
  const tenant = await deps.db.system((trx) => trx('tenants').where({ name: DEMO_STORE.name }).orderBy('created_at').first('id'));
  if (!tenant) return [];
  const bot = (await deps.tenancy.listBots(tenant.id))[0];
  if (!bot) return [];
  const added = origins.filter((origin) => !bot.allowed_origins.includes(origin));
  if (added.length > 0) await deps.tenancy.updateBot(tenant.id, bot.id, { allowedOrigins: [...bot.allowed_origins, ...added] });
  return added;
}
