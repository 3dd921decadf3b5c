import semver from 'semver';
import { catalogProductSchema, coreEventSchema, orderSummarySchema, type CatalogProduct, type OrderSummary } from '../events.ts';
import { manifestSchema } from '../index.ts';
import type { AnyPlugin, KeyValueStore, PluginContext, WebhookRequest } from '../types.ts';

/**
 * The contract every plugin runs, ours and third parties' (after Keyv's storageTestSuite):
 * pass your test functions in, claim capabilities by having them, skip what you cannot test,
 * and give an independent oracle (your fake platform's own state) to check results against.
 *
 *   import { describe, it, expect } from 'vitest';
 *   runPluginContract({ describe, it, expect }, { plugin, context, fakePlatform, fixtures });
 */

export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void): void;
  expect: (value: unknown, message?: string) => {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toBeDefined(): void;
    toBeUndefined(): void;
    toBeTruthy(): void;
    toMatch(expected: RegExp | string): void;
    not: { toMatch(expected: RegExp | string): void; toBe(expected: unknown): void };
  };
}

export type Capability = 'webhooks' | 'catalog' | 'orders' | 'storefront' | 'install';

export interface ContractOptions {
  plugin: AnyPlugin;
  /** What the host would give: config, secrets, tenant; the rest is filled in. */
  context?: () => Promise<Partial<PluginContext<unknown, unknown, unknown>>> | Partial<PluginContext<unknown, unknown, unknown>>;
  /** The fake platform's own state: the oracle the plugin's answers are checked against. */
  fakePlatform?: {
    products?(): Promise<CatalogProduct[]>;
    orders?(): Promise<OrderSummary[]>;
  };
  fixtures?: {
    /** A delivery signed the way the platform signs it. */
    signedWebhook?: () => Promise<WebhookRequest> | WebhookRequest;
    /** A word that matches at least one product of the fake platform. */
    catalogQuery?: string;
  };
  skip?: Capability[];
  /** The core version the plugin must accept (default: the current one). */
  coreVersion?: string;
}

export function memoryKeyValueStore(): KeyValueStore {
  const data = new Map<string, { value: unknown; expires?: number }>();
  return {
    async get<T>(key: string) {
      const entry = data.get(key);
      if (!entry || (entry.expires !== undefined && entry.expires < Date.now())) return undefined;
      return entry.value as T;
    },
    async set(key, value, options) {
      data.set(key, { value, expires: options?.ttlSeconds ? Date.now() + options.ttlSeconds * 1000 : undefined });
    },
    async delete(key) {
      data.delete(key);
    },
  };
}

export function runPluginContract(t: TestApi, options: ContractOptions): void {
  const { plugin } = options;
  const skip = new Set(options.skip ?? []);
  const emitted: unknown[] = [];
  const buildContext = async (): Promise<PluginContext<unknown, unknown, unknown>> => {
    const given = (await options.context?.()) ?? {};
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    return {
      pluginId: plugin.manifest.id,
      logger,
      settings: {},
      publicUrl: 'http://localhost:3000',
      http: { fetch: (url, init) => fetch(url, init) },
      tenantId: '00000000-0000-4000-8000-000000000001',
      externalId: 'test-account',
      config: {},
      secrets: {},
      kv: memoryKeyValueStore(),
      emit: async (event) => void emitted.push(event),
      ...given,
    };
  };
  const claims = (capability: Capability) => plugin[capability] !== undefined && !skip.has(capability);

  t.describe(`plugin contract: ${plugin.manifest?.id ?? '(no id)'}`, () => {
    t.it('has a valid manifest whose core range accepts this core', () => {
      const parsed = manifestSchema.safeParse(plugin.manifest);
      t.expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
      t.expect(semver.validRange(plugin.manifest.coreRange) !== null, 'coreRange is a semver range').toBe(true);
      t.expect(semver.satisfies(options.coreVersion ?? '0.1.0', plugin.manifest.coreRange, { includePrerelease: true }), 'coreRange accepts the core').toBe(true);
    });

    if (claims('storefront')) {
      t.it('storefront: embeds the widget by URL, without inline script', async () => {
        const ctx = await buildContext();
        const embed = plugin.storefront!.embed(ctx, { botKey: 'pk_contract', widgetUrl: 'https://cdn.example/widget.js' });
        t.expect(embed.instructions.length > 0, 'instructions for the merchant').toBe(true);
        if (embed.html) {
          t.expect(embed.html).toMatch(/https:\/\/cdn\.example\/widget\.js/);
          t.expect(embed.html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
          t.expect(embed.html).not.toMatch(/on[a-z]+=/i);
        }
        const hostile = plugin.storefront!.embed(ctx, { botKey: '"><script>alert(1)</script>', widgetUrl: 'https://cdn.example/widget.js' });
        t.expect(hostile.html ?? '').not.toMatch(/<script>alert/);
      });
    }

    if (claims('webhooks')) {
      t.it('webhooks: identifies and verifies a signed delivery, and normalizes it to valid core events', async () => {
        t.expect(options.fixtures?.signedWebhook, 'fixtures.signedWebhook is required to test webhooks (or skip: ["webhooks"])').toBeDefined();
        const ctx = await buildContext();
        const request = await options.fixtures!.signedWebhook!();
        const identity = plugin.webhooks!.identify(request);
        t.expect(identity, 'identify() finds the account and delivery id').toBeDefined();
        t.expect(await plugin.webhooks!.verify(ctx, request)).toBe(true);
        const events = await plugin.webhooks!.normalize(ctx, request, identity!);
        for (const event of events) t.expect(coreEventSchema.safeParse(event).success, JSON.stringify(event)).toBe(true);
      });
      t.it('webhooks: rejects a body changed after signing, and a missing signature', async () => {
        const ctx = await buildContext();
        const request = await options.fixtures!.signedWebhook!();
        const tampered = { ...request, rawBody: Buffer.concat([request.rawBody, Buffer.from(' ')]) };
        t.expect(await plugin.webhooks!.verify(ctx, tampered)).toBe(false);
        const unsignedHeaders = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !/signature|hmac/i.test(name)));
        t.expect(await Promise.resolve(plugin.webhooks!.verify(ctx, { ...request, headers: unsignedHeaders })).catch(() => false)).toBe(false);
      });
    }

    if (claims('catalog')) {
      t.it('catalog: search returns valid products that exist on the platform as they are there', async () => {
        t.expect(options.fakePlatform?.products, 'fakePlatform.products is the oracle for catalog results').toBeDefined();
        const ctx = await buildContext();
        const results = await plugin.catalog!.search(ctx, { query: options.fixtures?.catalogQuery ?? 'a', limit: 5 });
        t.expect(results.length > 0, 'the fixture query finds something').toBe(true);
        t.expect(results.length <= 5, 'limit respected').toBe(true);
        const truth = new Map((await options.fakePlatform!.products!()).map((p) => [p.externalId, p]));
        for (const product of results) {
          t.expect(catalogProductSchema.safeParse(product).success, JSON.stringify(product)).toBe(true);
          const real = truth.get(product.externalId);
          t.expect(real, `product ${product.externalId} exists on the platform`).toBeDefined();
          t.expect({ title: product.title, price: product.price }).toEqual({ title: real!.title, price: real!.price });
        }
        const one = await plugin.catalog!.get(ctx, results[0]!.externalId);
        t.expect(one?.externalId).toBe(results[0]!.externalId);
        t.expect(await plugin.catalog!.get(ctx, 'does-not-exist-404')).toBeUndefined();
      });
    }

    if (claims('orders')) {
      t.it('orders: finds an order only with its matching email', async () => {
        t.expect(options.fakePlatform?.orders, 'fakePlatform.orders is the oracle for order lookups').toBeDefined();
        const ctx = await buildContext();
        const order = (await options.fakePlatform!.orders!()).find((o) => o.email);
        t.expect(order, 'the fake platform has an order with an email').toBeDefined();
        const found = await plugin.orders!.findByNumber(ctx, { number: order!.number, email: order!.email!.toUpperCase() });
        t.expect(found && orderSummarySchema.safeParse(found).success, 'a valid order summary').toBeTruthy();
        t.expect(found!.number).toBe(order!.number);
        t.expect(await plugin.orders!.findByNumber(ctx, { number: order!.number, email: 'someone-else@example.com' })).toBeUndefined();
      });
    }
  });
}
