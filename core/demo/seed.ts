import type { AccountsRepository } from '../accounts/accounts.repository.ts';
import { generatePassword, hashPassword } from '../accounts/passwords.ts';
import type { CatalogRepository } from '../catalog/catalog.repository.ts';
import type { TenancyRepository } from '../tenancy/tenancy.repository.ts';
import { DEMO_FAQ, DEMO_ORDERS, DEMO_PRODUCTS, DEMO_STORE, type DemoOrder } from './catalog.ts';

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
  orders?: { seedDemo(tenantId: string, orders: readonly DemoOrder[]): Promise<number> };
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
      url: `/products/${p.handle}`,
      tags: [...p.tags],
      variants: p.variants ?? [],
    })),
  );
  await deps.catalog.addFaq(tenant.id, DEMO_FAQ.map((f) => ({ question: f.question, answer: f.answer })));
  await deps.orders?.seedDemo(tenant.id, DEMO_ORDERS);

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
