import { expect } from 'vitest';
import type { AnyPlugin, InstallCallbackRequest, InstallStep } from '@concierge/plugin-sdk';
import { runPluginContract, type ContractOptions } from '@concierge/plugin-sdk/testkit';
import { miniWebhook } from '../fakes/mini-platform/plugin.ts';
import type { MiniPlatform } from '../fakes/mini-platform/server.ts';

/** Contract-kit options for the mini platform plugin (and its broken variants) against a running fake. */
export function miniContract(fake: MiniPlatform, plugin: AnyPlugin, account = 'kit-shop.example'): ContractOptions {
  if (!fake.accounts.has(account)) fake.addAccount(account, 120);
  const shop = fake.accounts.get(account)!;
  // Install/uninstall runs on an account of its own: uninstall revokes every token of its account.
  const installAccount = `install-${account}`;
  if (!fake.accounts.has(installAccount)) fake.addAccount(installAccount, 1);
  const tokens = fake.issueTokens(account);
  const settings = { appSecret: fake.appSecret, upstream: fake.url };
  const bodies: Record<string, unknown> = {
    'products/update': { id: `${account}-p1`, handle: 'kit-item', title: 'Kit item', body: 'x', price: '10.00', currency: 'EUR' },
    'products/delete': { id: `${account}-p2` },
    'orders/updated': { id: 'o-9', number: '1009', email: 'ada@example.com', status: 'paid', placedAt: '2026-12-01T10:00:00Z', total: '5.00' },
    'customers/redact': { customerId: 'c-1', email: 'ada@example.com' },
    'customers/data_request': { customerId: 'c-1', email: 'ada@example.com', requestId: 'r-1' },
    'shop/redact': {},
    'app/uninstalled': {},
  };
  const toProduct = (p: (typeof shop.products)[number]) => ({ externalId: p.id, handle: p.handle, title: p.title, description: p.body, price: { amount: p.price, currency: p.currency }, tags: [], variants: [] });
  return {
    plugin,
    context: () => ({ settings, externalId: account, secrets: { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresAt: Date.now() + 3_600_000 } }),
    fakePlatform: {
      products: async () => shop.products.map(toProduct),
      orders: async () =>
        shop.orders.map((o) => ({ externalId: o.id, number: o.number, email: o.email, customerId: o.customerId, status: o.status, placedAt: o.placedAt, total: { amount: o.total, currency: 'EUR' }, items: [], tracking: [] })),
    },
    fixtures: {
      catalogQuery: 'alpaca',
      catalogPageSize: 50,
      webhooks: {
        signed: (topic, options) => miniWebhook(fake.appSecret, { account, topic, deliveryId: options?.deliveryId ?? `kit-${topic}`, body: bodies[topic] ?? {} }),
        signedWithWrongSecret: (topic) => miniWebhook('not-the-app-secret', { account, topic, deliveryId: `kit-wrong-${topic}`, body: bodies[topic] ?? {} }),
      },
      install: {
        params: { account: installAccount },
        async authorize(step: InstallStep): Promise<InstallCallbackRequest> {
          if (step.kind !== 'redirect') throw new Error(`expected a redirect, got ${step.kind}`);
          const res = await fetch(step.url, { redirect: 'manual' });
          const back = new URL(res.headers.get('location')!);
          return { method: 'GET', query: Object.fromEntries(back.searchParams), body: undefined, rawBody: Buffer.alloc(0), headers: {} };
        },
        forgedCallback: (state) => ({
          method: 'GET',
          query: { account: installAccount, code: 'code_forged', state, timestamp: String(Math.floor(Date.now() / 1000)), hmac: 'ab'.repeat(32) },
          body: undefined,
          rawBody: Buffer.alloc(0),
          headers: {},
        }),
        isUninstalled: () => ![...fake.tokens.values()].some((t) => t.account === installAccount && t.expiresAt > Date.now()),
      },
      errorContexts: {
        revoked: () => ({ secrets: { accessToken: 'at_revoked', refreshToken: 'rt_revoked', expiresAt: Date.now() + 3_600_000 } }),
        unreachable: () => ({ settings: { ...settings, upstream: 'http://127.0.0.1:9' } }),
      },
    },
  };
}

export interface KitOutcome {
  name: string;
  error?: string;
}

/** Runs the whole contract kit in a collecting runner: each of its tests with what it threw, if anything. */
export async function runKit(options: ContractOptions): Promise<KitOutcome[]> {
  const tests: { name: string; body: () => Promise<void> | void }[] = [];
  runPluginContract({ describe: (_name, body) => body(), it: (name, body) => void tests.push({ name, body }), expect: expect as never }, options);
  const outcomes: KitOutcome[] = [];
  for (const test of tests) {
    try {
      await test.body();
      outcomes.push({ name: test.name });
    } catch (error) {
      outcomes.push({ name: test.name, error: (error as Error).message });
    }
  }
  return outcomes;
}

/** The names of the kit's tests that failed. */
export const failedTests = (outcomes: KitOutcome[]) => outcomes.filter((o) => o.error).map((o) => o.name);
