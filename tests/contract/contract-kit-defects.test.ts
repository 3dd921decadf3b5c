import { afterAll, describe, expect, it } from 'vitest';
import { constantTimeEqual, hmacSha256, PluginError, type AnyPlugin, type CatalogProduct, type CoreEvent, type InstallStep, type OrderSummary, type PluginContext, type WebhookRequest } from '@concierge/plugin-sdk';
import type { Capability, ContractOptions, WebhookAuthentication } from '@concierge/plugin-sdk/testkit';
import { makeMiniPlugin, miniWebhook } from '../fakes/mini-platform/plugin.ts';
import { startMiniPlatform } from '../fakes/mini-platform/server.ts';
import { failedTests, miniContract, runKit, type KitOutcome } from './mini-platform.fixture.ts';

/**
 * One defect per plugin, each of the kind an outside author writes, and each must fail exactly the
 * kit test whose promise it breaks, with the kit's own words (so a kit check that went soft — a
 * mutant of plugins/sdk/testkit — lets some defect through and this file fails). Alongside, plugins
 * that behave unusually but correctly (a catalog that asks to wait, a platform-started install)
 * must pass. The defects are the sound mini plugin with one member replaced.
 */

const MANIFEST = 'has a valid manifest whose core range accepts this core';
const SETUP = 'sets up and tears down cleanly (twice in a row)';
const EMBED = 'storefront: embeds the widget by URL, without inline script';
const VERIFY_CUSTOMER = 'storefront: verifyCustomer refuses a made-up token without throwing';
const INSTALL = 'install: begin → platform → callback carries our state → complete gives the installation → uninstall';
const FORGED = 'install: a callback the platform did not send is refused with a PluginError';
const TOPICS = 'webhooks: declares its topics';
const topicTest = (topic: string) => `webhooks[${topic}]: identifies, verifies with the right secret only, normalizes to valid non-empty core events`;
const TAMPERED = 'webhooks: rejects a body changed after signing, and a missing signature';
const DEDUPE = 'webhooks: the same delivery has the same identity, another delivery another id (dedupe)';
const SEARCH = 'catalog: search returns valid products that exist on the platform as they are there';
const LIST = "catalog: list pages through exactly the platform's products";
const ORDERS = 'orders: finds an order only with its matching email';
const CUSTOMER_ORDERS = 'orders: a verified customer gets only their own orders';
const ERRORS = 'errors: refused credentials → UPSTREAM_AUTH; unreachable platform → UPSTREAM_RETRYABLE';
const BEGIN_INSTALL = 'install: begin finishes the installation at once (installed, or open-admin) → afterInstall → uninstall';
const FORGED_PARAMS = 'install: parameters the platform did not send are refused by begin with a PluginError';
const HEADER = "webhooks: refuses the secret header missing, empty, longer, shorter, or with another installation's secret";
const UNSIGNED = 'webhooks: unsigned deliveries — says what it does instead, and trusts nothing in the body';
const unsignedTopicTest = (topic: string) => `webhooks[${topic}]: identifies, verifies, normalizes to valid non-empty core events`;

const ALL_TOPICS = ['products/update', 'products/delete', 'orders/updated', 'customers/redact', 'customers/data_request', 'shop/redact', 'app/uninstalled'];

type Ctx = PluginContext<unknown, { accessToken: string; refreshToken: string; expiresAt: number }, { appSecret: string; upstream: string }>;

const fake = await startMiniPlatform();
afterAll(() => fake.close());

const sound = makeMiniPlugin() as AnyPlugin;
const catalog = sound.catalog!;
const orders = sound.orders!;
const install = sound.install!;
const webhooks = sound.webhooks!;

/** The sound plugin plus `findForCustomer`, against the fake's `/orders?customer=`. */
async function customerOrders(ctx: Ctx, customerId: string, all = false): Promise<OrderSummary[]> {
  const res = await ctx.http.fetch(`${ctx.settings.upstream}/orders${all ? '' : `?${new URLSearchParams({ customer: customerId })}`}`, { headers: { authorization: `Bearer ${ctx.secrets.accessToken}` } });
  const items = ((await res.json()) as { items: { id: string; number: string; email: string; customerId: string; status: string; placedAt: string; total: string }[] }).items;
  return items.map((o) => ({ externalId: o.id, number: o.number, email: o.email, customerId: o.customerId, status: o.status, placedAt: o.placedAt, total: { amount: o.total, currency: 'EUR' }, items: [], tracking: [] }));
}

let accounts = 0;
const CAPABILITIES: Capability[] = ['install', 'webhooks', 'catalog', 'orders', 'storefront'];
/**
 * The kit on `plugin` against an account of its own on the fake, testing only the capabilities
 * `on` (the rest skipped, so each defect runs the part of the kit it concerns).
 */
const kitOn =
  (on: Capability[]) =>
  (plugin: AnyPlugin, tweak: (options: ContractOptions) => ContractOptions = (o) => o): Promise<KitOutcome[]> => {
    const options = tweak(miniContract(fake, plugin, `defect-${++accounts}.example`));
    return runKit({ ...options, skip: CAPABILITIES.filter((c) => !on.includes(c)) });
  };
const kit = kitOn(CAPABILITIES);

/** The install begins at the platform: a link the platform signed, no tenant yet. */
const platformStarted = (o: ContractOptions): ContractOptions => ({
  ...o,
  fixtures: {
    ...o.fixtures,
    install: {
      ...o.fixtures!.install!,
      origin: 'platform',
      params: () => {
        const account = (o.fixtures!.install!.params as Record<string, string>).account!;
        return { account, hmac: hmacSha256(fake.appSecret, `account=${account}`, 'hex') };
      },
    },
  },
});

/** Exactly `tests` fail, each (when given) with a message matching its pattern. */
function expectFailures(outcomes: KitOutcome[], expected: Record<string, RegExp | undefined>): void {
  expect(failedTests(outcomes).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, pattern] of Object.entries(expected)) if (pattern) expect(outcomes.find((o) => o.name === name)!.error, name).toMatch(pattern);
}

const withPlugin = (patch: Partial<AnyPlugin>): AnyPlugin => ({ ...sound, ...patch }) as AnyPlugin;
const withCatalog = (patch: Partial<NonNullable<AnyPlugin['catalog']>>) => withPlugin({ catalog: { ...catalog, ...patch } });
const withOrders = (patch: Partial<NonNullable<AnyPlugin['orders']>>) => withPlugin({ orders: { ...orders, ...patch } });
const withInstall = (patch: Partial<NonNullable<AnyPlugin['install']>>) => withPlugin({ install: { ...install, ...patch } });
const withWebhooks = (patch: Partial<NonNullable<AnyPlugin['webhooks']>>) => withPlugin({ webhooks: { ...webhooks, ...patch } });
const withEmbed = (html: string | undefined, instructions = 'Paste this before </body>.') =>
  withPlugin({ storefront: { ...sound.storefront!, embed: (_ctx, { botKey, widgetUrl }) => ({ kind: 'snippet', html: html?.replaceAll('{url}', widgetUrl).replaceAll('{key}', botKey), instructions }) } });

/** The sound install finished inside `begin` (a platform whose approval arrives with the install request). */
const finishInBegin: NonNullable<AnyPlugin['install']>['begin'] = async (ctx, input) => {
  const step = await install.begin(ctx, input);
  if (step.kind !== 'redirect') throw new Error('expected a redirect');
  const approved = await fetch(step.url, { redirect: 'manual' });
  const query = Object.fromEntries(new URL(approved.headers.get('location')!).searchParams);
  const request = { method: 'GET' as const, query, body: undefined, rawBody: Buffer.alloc(0), headers: {} };
  return { kind: 'installed', result: await install.complete!(ctx, { origin: input.origin, tenantId: input.tenantId, remembered: step.remember ?? {}, request, callbackUrl: input.callbackUrl }) };
};
describe('the contract kit against sound plugins that behave unusually', () => {
  it('passes a catalog that asks to wait (retryAfterMs) before its first and its second page, the cursor standing still meanwhile', async () => {
    const kit = kitOn(['catalog']);
    const waited: (string | undefined)[] = [];
    const patient = withCatalog({
      async list(ctx, input) {
        if (!waited.includes(input.cursor ?? 'start')) {
          waited.push(input.cursor ?? 'start');
          return { items: [], nextCursor: input.cursor ?? '0', retryAfterMs: 5 };
        }
        return catalog.list!(ctx, input);
      },
    });
    expect(failedTests(await kit(patient))).toEqual([]);
    expect(waited).toEqual(['start', '0', '50', '100']);
  });

  it('passes an install that starts at the platform (signed link) and returns the account facts', async () => {
    const kit = kitOn(['install']);
    const outcomes = await kit(sound, platformStarted);
    expect(failedTests(outcomes)).toEqual([]);
  });

  it('passes orders for a verified customer when the plugin finds only theirs', async () => {
    const kit = kitOn(['orders']);
    const outcomes = await kit(withOrders({ findForCustomer: (ctx, { customerId }) => customerOrders(ctx as Ctx, customerId) }));
    expect(outcomes.map((o) => o.name)).toContain(CUSTOMER_ORDERS);
    expect(failedTests(outcomes)).toEqual([]);
  });
  it('passes an install that completes at once (token exchange), a callback whose state travels elsewhere, and an afterInstall', async () => {
    const kit = kitOn(['install']);
    const atOnce = withInstall({ begin: finishInBegin });
    expect(failedTests(await kit(atOnce))).toEqual([]);
    const anonymous = withInstall({ begin: async (ctx, input) => { const step = await atOnce.install!.begin(ctx, input); return step.kind === 'installed' ? { ...step, result: { ...step.result, externalId: '' } } : step; } });
    expectFailures(await kit(anonymous), { [INSTALL]: /an externalId/ });
    const done = withInstall({ begin: async () => ({ kind: 'done' }) });
    expectFailures(await kit(done), { [INSTALL]: /begin answers a redirect \(got done\)/ });

    // The state comes back in a header (stateFrom says where); a stateFrom that looks elsewhere loses it.
    const inHeader = (lost: boolean) =>
      withInstall({ stateFrom: (request) => (lost ? request.query.state_elsewhere : request.headers['x-state']) }) as AnyPlugin;
    const moveState = (o: ContractOptions): ContractOptions => ({
      ...o,
      fixtures: { ...o.fixtures, install: { ...o.fixtures!.install!, authorize: async (step, state) => { const request = await o.fixtures!.install!.authorize!(step, state); return { ...request, headers: { 'x-state': request.query.state } }; } } },
    });
    expect(failedTests(await kit(inHeader(false), moveState))).toEqual([]);
    expectFailures(await kit(inHeader(true), moveState), { [INSTALL]: /carries the state/ });

    const seen: string[] = [];
    const after = (fail: boolean) => withInstall({ afterInstall: async (ctx) => { seen.push(`${ctx.externalId}:${Object.keys(ctx.secrets as object).sort().join(',')}`); if (fail) throw new Error('webhooks not registered'); } });
    expect(failedTests(await kit(after(false)))).toEqual([]);
    expect(seen).toEqual([expect.stringMatching(/^install-defect-\d+\.example:accessToken,expiresAt,refreshToken$/)]);
    expectFailures(await kit(after(true)), { [INSTALL]: /webhooks not registered/ });
  });

  it('hands begin, complete, setup and capabilities what the host would', async () => {
    const kit = kitOn(['install', 'catalog']);
    const calls: string[] = [];
    const strict = withPlugin({
      setup(ctx) {
        expect(Object.keys(ctx).sort()).toEqual(['environment', 'http', 'logger', 'pluginId', 'publicUrl', 'settings']);
        expect(ctx.pluginId).toBe('mini');
        calls.push('setup');
      },
      install: {
        ...install,
        begin(ctx, input) {
          expect(input).toMatchObject({ origin: 'tenant', tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/), callbackUrl: 'http://localhost:3000/plugins/mini/auth/callback' });
          expect(input.rawQuery).toBe(new URLSearchParams(input.params).toString());
          calls.push('begin');
          return install.begin(ctx, input);
        },
        complete(ctx, input) {
          expect(input).toMatchObject({ origin: 'tenant', tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/), remembered: { account: expect.any(String) }, callbackUrl: 'http://localhost:3000/plugins/mini/auth/callback' });
          calls.push('complete');
          return install.complete!(ctx, input);
        },
      },
      catalog: {
        ...catalog,
        search(ctx, input) {
          expect(ctx.pluginId).toBe('mini');
          expect(input.limit === 5 || input.limit === 1).toBe(true);
          calls.push('search');
          return catalog.search(ctx, input);
        },
      },
    });
    expect(failedTests(await kit(strict))).toEqual([]);
    expect(new Set(calls)).toEqual(new Set(['setup', 'begin', 'complete', 'search']));
    const platform = withInstall({ begin: (ctx, input) => { expect(input.tenantId).toBeUndefined(); return install.begin(ctx, input); }, complete: (ctx, input) => { expect(input).toMatchObject({ origin: 'platform', tenantId: undefined }); return install.complete!(ctx, input); } });
    expect(failedTests(await kitOn(['install'])(platform, platformStarted))).toEqual([]);
  });

  it('takes fixtures written against 0.1 (signedWebhook) and says which fixture is missing', async () => {
    const kit = kitOn(['webhooks']);
    const legacy = await kit(sound, (o) => ({ ...o, fixtures: { ...o.fixtures, webhooks: undefined, signedWebhook: () => o.fixtures!.webhooks!.signed('products/update') } }));
    expectFailures(legacy, { ...Object.fromEntries(ALL_TOPICS.map((t) => [topicTest(t), t === 'products/update' ? /signedWithWrongSecret is required/ : /reads the topic/])), [DEDUPE]: /another delivery has another id/ });
    const none = await kitOn(CAPABILITIES)(sound, (o) => ({ ...o, fakePlatform: undefined, fixtures: { errorContexts: undefined } }));
    expectFailures(none, {
      [INSTALL]: /fixtures\.install is required/,
      [FORGED]: /fixtures\.install\.forgedCallback is required/,
      ...Object.fromEntries(ALL_TOPICS.map((t) => [topicTest(t), /fixtures\.webhooks is required/])),
      [TAMPERED]: /fixtures\.webhooks is required/,
      [DEDUPE]: /fixtures\.webhooks is required/,
      [SEARCH]: /fakePlatform\.products is the oracle/,
      [LIST]: /fakePlatform\.products is the oracle/,
      [ORDERS]: /fakePlatform\.orders is the oracle/,
      [ERRORS]: /fixtures\.errorContexts\.revoked is required/,
    });
  });

  it('uses its defaults: query "a", pages of 50, the current core, and probes without an unreachable fixture', async () => {
    const kit = kitOn(['catalog']);
    const asked: { query?: string; limit?: number }[] = [];
    const recording = withCatalog({
      search: (ctx, input) => { asked.push({ query: input.query }); return catalog.search(ctx, input); },
      list: (ctx, input) => { asked.push({ limit: input.limit }); return catalog.list!(ctx, input); },
    });
    const outcomes = await kit(recording, (o) => ({ ...o, coreVersion: undefined, fixtures: { ...o.fixtures, catalogQuery: undefined, catalogPageSize: undefined, errorContexts: { revoked: o.fixtures!.errorContexts!.revoked } } }));
    expect(failedTests(outcomes)).toEqual([]);
    expect(asked).toContainEqual({ query: 'a' });
    expect(asked.filter((a) => a.limit !== undefined)).toEqual([{ limit: 50 }, { limit: 50 }, { limit: 50 }]);
  });
});

describe('the contract kit fails, exactly where the defect is', () => {
  it('a manifest with a version that is not semver, or a core range that is not a range', async () => {
    const kit = kitOn([]);
    expectFailures(await kit(withPlugin({ manifest: { ...sound.manifest, version: 'one' } })), { [MANIFEST]: /version/ });
    expectFailures(await kit(withPlugin({ manifest: { ...sound.manifest, coreRange: 'newest' } })), { [MANIFEST]: /coreRange is a semver range/ });
  });

  it('a plugin that cannot be set up a second time, or whose teardown throws', async () => {
    const kit = kitOn([]);
    let ready = false;
    const once = withPlugin({
      setup() {
        if (ready) throw new Error('already set up');
        ready = true;
      },
      teardown() {},
    });
    expectFailures(await kit(once), { [SETUP]: /already set up/ });
    const noisy = withPlugin({
      teardown() {
        throw new Error('socket already closed');
      },
    });
    expectFailures(await kit(noisy), { [SETUP]: /socket already closed/ });
  });

  it('embeds without instructions, from elsewhere, with an inline handler, or with the bot key unescaped', async () => {
    const kit = kitOn(['storefront']);
    expectFailures(await kit(withEmbed('<script async src="{url}"></script>', '')), { [EMBED]: /instructions for the merchant/ });
    expectFailures(await kit(withEmbed('<script async src="https://cdn.other.example/loader.js"></script>')), { [EMBED]: /cdn/ });
    expectFailures(await kit(withEmbed('<script async src="{url}" onload="start()"></script>')), { [EMBED]: undefined });
    expectFailures(await kit(withEmbed('<script async src="{url}"></script><script>window.key = 1</script>')), { [EMBED]: undefined });
    expectFailures(await kit(withEmbed('<script async src="{url}" data-key="{key}"></script>')), { [EMBED]: /alert/ });
    expect(failedTests(await kit(withEmbed('<script async src="{url}" data-key="pk"></script>')))).toEqual([]);
  });

  it('a verifyCustomer that trusts any token, or an empty one', async () => {
    const kit = kitOn(['storefront']);
    const trusting = withPlugin({ storefront: { ...sound.storefront!, verifyCustomer: async () => ({ customerId: 'c-1' }) } });
    expectFailures(await kit(trusting), { [VERIFY_CUSTOMER]: undefined });
    const empty = withPlugin({ storefront: { ...sound.storefront!, verifyCustomer: async (ctx, input) => (input.token === '' ? { customerId: 'c-1' } : sound.storefront!.verifyCustomer!(ctx, input)) } });
    expectFailures(await kit(empty), { [VERIFY_CUSTOMER]: undefined });
  });

  it('an install whose begin loses the state, which gives no account id, or secrets of another shape', async () => {
    const kit = kitOn(['install']);
    expectFailures(await kit(withInstall({ begin: (ctx, input) => install.begin(ctx, { ...input, state: 'st_fixed' }) })), { [INSTALL]: /carries the state/ });
    const anonymous = withInstall({ complete: async (ctx, input) => ({ ...(await install.complete!(ctx, input)), externalId: '' }) });
    expectFailures(await kit(anonymous), { [INSTALL]: /an externalId/ });
    const shapeless = withInstall({ complete: async (ctx, input) => ({ ...(await install.complete!(ctx, input)), secrets: { token: 'x' } }) });
    expectFailures(await kit(shapeless), { [INSTALL]: /secrets match manifest\.secrets/ });
  });

  it('an uninstall that leaves the platform honouring the installation', async () => {
    const kit = kitOn(['install']);
    expectFailures(await kit(withInstall({ uninstall: async () => {} })), { [INSTALL]: /no longer honours/ });
  });

  it('a platform-started install that returns no account facts, or an account without email or domains', async () => {
    const kit = kitOn(['install']);
    const silent = withInstall({ complete: async (ctx, input) => ({ ...(await install.complete!(ctx, input)), account: undefined }) });
    expectFailures(await kit(silent, platformStarted), { [INSTALL]: /account facts/ });
    const nameless = withInstall({ complete: async (ctx, input) => ({ ...(await install.complete!(ctx, input)), account: { email: 'owner', storeName: 'x', domains: [], currency: 'EUR' } }) });
    expectFailures(await kit(nameless, platformStarted), { [INSTALL]: /account email and domains/ });
    const domainless = withInstall({ complete: async (ctx, input) => ({ ...(await install.complete!(ctx, input)), account: { email: 'owner@x.example', storeName: 'x', domains: [], currency: 'EUR' } }) });
    expectFailures(await kit(domainless, platformStarted), { [INSTALL]: /account email and domains/ });
  });

  it('a forged callback taken as an installation, or refused with a plain Error', async () => {
    const kit = kitOn(['install']);
    const credulous = withInstall({
      verifyCallback: () => {},
      async complete(ctx, input) {
        try {
          return await install.complete!(ctx, input);
        } catch {
          return { externalId: String(input.request.query.account), secrets: { accessToken: 'at', refreshToken: 'rt', expiresAt: Date.now() + 3_600_000 } };
        }
      },
    });
    expectFailures(await kit(credulous), { [FORGED]: /resolved without error/ });
    const plain = withInstall({
      verifyCallback: () => {},
      async complete(ctx, input) {
        try {
          return await install.complete!(ctx, input);
        } catch (error) {
          throw new Error(`install failed: ${(error as Error).message}`, { cause: error });
        }
      },
    });
    expectFailures(await kit(plain), { [FORGED]: /non-PluginError: Error/ });
  });

  it('webhooks without topics', async () => {
    const kit = kitOn(['webhooks']);
    const outcomes = await kit(withWebhooks({ topics: [] }));
    expect(outcomes.find((o) => o.name === TOPICS)?.error).toMatch(/at least one topic/);
    expect(outcomes.some((o) => o.name.startsWith('webhooks['))).toBe(false);
  });

  it('an identify that misreads the topic, loses the delivery id, or invents an identity', async () => {
    const kit = kitOn(['webhooks']);
    const oneTopic = withWebhooks({ identify: (req) => { const id = webhooks.identify(req); return id && { ...id, topic: 'products/update' }; } });
    expectFailures(await kit(oneTopic), Object.fromEntries(ALL_TOPICS.filter((t) => t !== 'products/update').map((t) => [topicTest(t), /reads the topic/])));
    const noDelivery = withWebhooks({ identify: (req) => { const id = webhooks.identify(req); return id && { ...id, deliveryId: '' }; } });
    expectFailures(await kit(noDelivery), { ...Object.fromEntries(ALL_TOPICS.map((t) => [topicTest(t), /delivery id and account/])), [DEDUPE]: /another delivery has another id/ });
    const noAccount = withWebhooks({ identify: (req) => { const id = webhooks.identify(req); return id && { ...id, externalId: '' }; } });
    expectFailures(await kit(noAccount), Object.fromEntries(ALL_TOPICS.map((t) => [topicTest(t), /delivery id and account/])));
    const inventive = withWebhooks({ identify: (req) => webhooks.identify(req) ?? { externalId: 'someone', deliveryId: 'unknown', topic: 'products/update' } });
    expectFailures(await kit(inventive), { [DEDUPE]: /cannot be identified/ });
    const unidentified = withWebhooks({ identify: (req) => (req.headers['x-mini-topic'] === 'shop/redact' ? undefined : webhooks.identify(req)) });
    expectFailures(await kit(unidentified), { [topicTest('shop/redact')]: /finds the account and delivery id/ });
    const constant = withWebhooks({ identify: (req) => { const id = webhooks.identify(req); return id && { ...id, deliveryId: 'always-the-same' }; } });
    expectFailures(await kit(constant), { [DEDUPE]: /another delivery has another id/ });
  });

  it('a verify that refuses the right secret, signs a re-serialised body, or lets an unsigned delivery in', async () => {
    const kit = kitOn(['webhooks']);
    expectFailures(await kit(withWebhooks({ verify: () => false })), Object.fromEntries(ALL_TOPICS.map((t) => [topicTest(t), /accepts the right secret/])));
    const reserialised = withWebhooks({
      verify: (ctx, req) => webhooks.verify(ctx, { ...req, rawBody: Buffer.from(JSON.stringify(JSON.parse(req.rawBody.toString('utf8')))) } as WebhookRequest),
    });
    expectFailures(await kit(reserialised), { [TAMPERED]: /tampered body refused/ });
    const lenient = withWebhooks({ verify: (ctx, req) => (req.headers['x-mini-signature'] === undefined ? true : webhooks.verify(ctx, req)) });
    expectFailures(await kit(lenient), { [TAMPERED]: /unsigned refused/ });
  });

  it('a normalize that emits an event the core cannot take', async () => {
    const kit = kitOn(['webhooks']);
    const sloppy = withWebhooks({
      normalize: async (ctx, req, identity) =>
        (await webhooks.normalize(ctx, req, identity)).map((event) => (event.type === 'product.upserted' ? ({ ...event, product: { ...event.product, price: { amount: 'ten', currency: 'EUR' } } } as never) : event)),
    });
    expectFailures(await kit(sloppy), { [topicTest('products/update')]: /valid core event/ });
  });

  it('a search that finds nothing, ignores the limit, invents or misprices products, or returns invalid ones', async () => {
    const kit = kitOn(['catalog']);
    // It also swallows the refused credentials the error test probes with.
    expectFailures(await kit(withCatalog({ search: async () => [] })), { [SEARCH]: /finds something/, [ERRORS]: /resolved without error/ });
    const greedy = withCatalog({ search: (ctx, input) => catalog.search(ctx, { ...input, limit: 50 }) });
    expectFailures(await kit(greedy, (o) => ({ ...o, fixtures: { ...o.fixtures, catalogQuery: 'item' } })), { [SEARCH]: /limit respected/ });
    const ghost: CatalogProduct = { externalId: 'ghost-1', handle: 'ghost', title: 'Ghost', description: '', price: { amount: '1.00', currency: 'EUR' }, tags: [], variants: [] };
    expectFailures(await kit(withCatalog({ search: async (ctx, input) => [...(await catalog.search(ctx, input)), ghost] })), { [SEARCH]: /ghost-1 exists on the platform/ });
    const cents = withCatalog({ search: async (ctx, input) => (await catalog.search(ctx, input)).map((p) => ({ ...p, price: { amount: '1.00', currency: p.price!.currency } })) });
    expectFailures(await kit(cents), { [SEARCH]: undefined });
    const retitled = withCatalog({ search: async (ctx, input) => (await catalog.search(ctx, input)).map((p) => ({ ...p, title: `${p.title} (sale)` })) });
    expectFailures(await kit(retitled), { [SEARCH]: undefined });
    const untitled = withCatalog({ search: async (ctx, input) => (await catalog.search(ctx, input)).map((p) => ({ ...p, title: '' })) });
    expectFailures(await kit(untitled), { [SEARCH]: /"title":""/ });
  });

  it('a get that answers for an id the platform does not have, or with another product', async () => {
    const kit = kitOn(['catalog']);
    const fallback = withCatalog({ get: async (ctx, id) => (await catalog.get(ctx, id)) ?? (await catalog.search(ctx, { query: 'alpaca', limit: 1 }))[0] });
    expectFailures(await kit(fallback), { [SEARCH]: undefined });
    const first = withCatalog({ get: async (ctx) => (await catalog.list!(ctx, { limit: 1 })).items[0] });
    expectFailures(await kit(first), { [SEARCH]: undefined });
    const repriced = withCatalog({ get: async (ctx, id) => { const p = await catalog.get(ctx, id); return p && { ...p, price: { amount: '0.01', currency: 'EUR' } }; } });
    expectFailures(await kit(repriced), { [SEARCH]: undefined });
  });

  it('a list that ignores the limit, reports a wrong total, stands still, or alters products', async () => {
    const kit = kitOn(['catalog']);
    expectFailures(await kit(withCatalog({ list: (ctx, input) => catalog.list!(ctx, { ...input, limit: input.limit * 2 }) })), { [LIST]: /respects the limit/ });
    expectFailures(await kit(withCatalog({ list: async (ctx, input) => { const page = await catalog.list!(ctx, input); return { ...page, total: page.items.length }; } })), { [LIST]: /total is the platform count/ });
    const stuck = withCatalog({ list: async (ctx, input) => { const page = await catalog.list!(ctx, input); return input.cursor === '50' ? { ...page, nextCursor: '50' } : page; } });
    expectFailures(await kit(stuck), { [LIST]: /the cursor moves on/ });
    const short = withCatalog({ list: async (ctx, input) => { const page = await catalog.list!(ctx, input); return { ...page, items: page.items.map((p) => ({ ...p, description: p.description?.slice(0, 10) })) }; } });
    expectFailures(await kit(short), { [LIST]: undefined });
    const invalid = withCatalog({ list: async (ctx, input) => { const page = await catalog.list!(ctx, input); return { ...page, items: page.items.map((p) => ({ ...p, externalId: '' })) }; } });
    expectFailures(await kit(invalid), { [LIST]: /"externalId":""/ });
  });

  it('orders: a wrong status, id or number, an email compared case-sensitively, an empty email that matches, a number ignored, an invalid total', async () => {
    const kit = kitOn(['orders']);
    const find = orders.findByNumber;
    expectFailures(await kit(withOrders({ findByNumber: async (ctx, input) => { const o = await find(ctx, input); return o && { ...o, status: 'unknown' }; } })), { [ORDERS]: undefined });
    expectFailures(await kit(withOrders({ findByNumber: async (ctx, input) => { const o = await find(ctx, input); return o && { ...o, externalId: `${o.externalId}-copy` }; } })), { [ORDERS]: undefined });
    expectFailures(await kit(withOrders({ findByNumber: async (ctx, input) => { const o = await find(ctx, input); return o && { ...o, number: `#${o.number}` }; } })), { [ORDERS]: undefined });
    const exact = withOrders({ findByNumber: async (ctx, input) => { const o = await find(ctx, input); return o && o.email === input.email ? o : undefined; } });
    expectFailures(await kit(exact), { [ORDERS]: /a valid order summary/ });
    const anyEmail = withOrders({ findByNumber: async (ctx, input) => (input.email === '' ? find(ctx, { ...input, email: 'ada@example.com' }) : find(ctx, input)) });
    expectFailures(await kit(anyEmail), { [ORDERS]: /no email gets nothing/ });
    const anyNumber = withOrders({ findByNumber: async (ctx, input) => (await find(ctx, input)) ?? (await find(ctx, { ...input, number: '1001' })) });
    expectFailures(await kit(anyNumber), { [ORDERS]: /unknown number gets nothing/ });
    const priceless = withOrders({ findByNumber: async (ctx, input) => { const o = await find(ctx, input); return o && { ...o, total: { amount: 'forty-two', currency: 'EUR' } }; } });
    expectFailures(await kit(priceless), { [ORDERS]: /a valid order summary/ });
  });

  it("orders for a verified customer: none, or everyone's", async () => {
    const kit = kitOn(['orders']);
    expectFailures(await kit(withOrders({ findForCustomer: async () => [] })), { [CUSTOMER_ORDERS]: /finds their orders/ });
    expectFailures(await kit(withOrders({ findForCustomer: (ctx, { customerId }) => customerOrders(ctx as Ctx, customerId, true) })), { [CUSTOMER_ORDERS]: /belongs to the customer/ });
  });

  it('refused credentials or an unreachable platform reported with the wrong code, a plain Error, or swallowed', async () => {
    const kit = kitOn(['catalog']);
    const search = catalog.search;
    const rethrow = (map: (error: unknown) => unknown) => withCatalog({ search: async (ctx, input) => { try { return await search(ctx, input); } catch (error) { throw map(error); } } });
    expectFailures(await kit(rethrow((e) => (e instanceof PluginError && e.code === 'UPSTREAM_AUTH' ? new PluginError('UPSTREAM_FAILED', e.message) : e))), { [ERRORS]: /UPSTREAM_FAILED/ });
    expectFailures(await kit(rethrow((e) => (e instanceof PluginError && e.code === 'UPSTREAM_AUTH' ? new Error(e.message) : e))), { [ERRORS]: /non-PluginError/ });
    expectFailures(await kit(rethrow((e) => (e instanceof PluginError && e.code === 'UPSTREAM_RETRYABLE' ? new PluginError('UPSTREAM_FAILED', e.message) : e))), { [ERRORS]: /UPSTREAM_FAILED/ });
    const swallowing = withCatalog({ search: async (ctx, input) => search(ctx, input).catch(() => []) });
    expectFailures(await kit(swallowing), { [ERRORS]: /resolved without error/ });
  });

  it('a plugin with orders but no catalog is probed through its orders', async () => {
    const { catalog: _catalog, ...rest } = sound;
    void _catalog;
    const ordersOnly = rest as AnyPlugin;
    expect(failedTests(await kit(ordersOnly))).toEqual([]);
    const swallowing = { ...ordersOnly, orders: { ...orders, findByNumber: async (ctx: never, input: never) => orders.findByNumber(ctx, input).catch(() => undefined) } } as AnyPlugin;
    expectFailures(await kit(swallowing), { [ERRORS]: /resolved without error/ });
  });

  it('claims skipped with `skip` are not tested, and a plugin without platform calls needs no error fixtures', async () => {
    const outcomes = await runKit({ plugin: sound, skip: ['install', 'webhooks', 'catalog', 'orders', 'storefront'] });
    expect(outcomes.map((o) => o.name)).toEqual([MANIFEST, SETUP]);
    expect(failedTests(outcomes)).toEqual([]);
  });

  it('says what is wrong: a list that never ends, an order for any email, an empty normalize, a newer core, a new id on redelivery, a thrown string', async () => {
    let n = 0;
    const endless = withCatalog({ list: async () => ({ items: [], nextCursor: String(++n) }) });
    expectFailures(await kitOn(['catalog'])(endless), { [LIST]: /list ends/ });
    const anyEmail = withOrders({ findByNumber: (ctx, input) => orders.findByNumber(ctx, { ...input, email: input.email === 'someone-else@example.com' ? 'ada@example.com' : input.email }) });
    expectFailures(await kitOn(['orders'])(anyEmail), { [ORDERS]: /wrong email gets nothing/ });
    const empty = withWebhooks({ normalize: async (ctx, req, identity) => (identity.topic === 'shop/redact' ? [] : webhooks.normalize(ctx, req, identity)) });
    expectFailures(await kitOn(['webhooks'])(empty), { [topicTest('shop/redact')]: /normalize\(\) maps shop\/redact to at least one core event/ });
    expectFailures(await kitOn([])(withPlugin({ manifest: { ...sound.manifest, coreRange: '^9.0.0' } })), { [MANIFEST]: /coreRange accepts the core/ });
    expect(failedTests(await kitOn([])(withPlugin({ manifest: { ...sound.manifest, coreRange: '^9.0.0' } }), (o) => ({ ...o, coreVersion: '9.1.0' })))).toEqual([]);
    let calls = 0;
    const forgetful = withWebhooks({ identify: (req) => { const id = webhooks.identify(req); return id && (id.deliveryId === 'contract-delivery-1' && ++calls === 2 ? { ...id, deliveryId: 'contract-delivery-1-again' } : id); } });
    expectFailures(await kitOn(['webhooks'])(forgetful), { [DEDUPE]: /a redelivery has the same id/ });
    const lost = withWebhooks({ identify: (req) => (req.headers['x-mini-delivery'] === 'contract-delivery-1' ? undefined : webhooks.identify(req)) });
    expectFailures(await kitOn(['webhooks'])(lost), { [DEDUPE]: /identified/ });
    const stringly = withCatalog({ search: async (ctx, input) => { try { return await catalog.search(ctx, input); } catch { throw 'refused'; } } });
    expectFailures(await kitOn(['catalog'])(stringly), { [ERRORS]: /non-PluginError: string/ });
  });
});

// ---------------------------------------------------------------------------------------------
// Platforms that do not sign the body, and installs that finish in `begin` (issue 17's kit gap).
// ---------------------------------------------------------------------------------------------

/** The mini platform as if it sent a per-installation secret back in a header instead of signing (BigCommerce's way). */
const SECRET_HEADER = 'x-mini-secret';
const MINE = 'mine-0123456789abcdef';
const THEIRS = 'theirs-fedcba9876543210';
const asHeaderSecret = (request: WebhookRequest, secret: string): WebhookRequest => {
  const { 'x-mini-signature': _signature, ...headers } = request.headers;
  return { ...request, headers: { ...headers, [SECRET_HEADER]: secret } };
};
const webhookSecretOf = (ctx: { secrets: unknown }) => (ctx.secrets as { webhookSecret?: string }).webhookSecret;
/** Options whose installation holds `MINE`, another installation `THEIRS`, deliveries carrying them in SECRET_HEADER. */
const headerSecret =
  (patch: Partial<NonNullable<NonNullable<ContractOptions['fixtures']>['webhooks']>> = {}) =>
  (o: ContractOptions): ContractOptions => {
    const base = o.fixtures!.webhooks!;
    const holding = (secret: string, externalId?: string) => async () => {
      const given = (await o.context!()) as Partial<PluginContext<unknown, unknown, unknown>>;
      return { ...given, ...(externalId ? { externalId } : {}), secrets: { ...(given.secrets as object), webhookSecret: secret } };
    };
    return {
      ...o,
      context: holding(MINE),
      fixtures: {
        ...o.fixtures,
        webhooks: {
          authentication: { kind: 'header-secret', header: SECRET_HEADER },
          signed: async (topic, options) => asHeaderSecret(await base.signed(topic, options), MINE),
          signedWithWrongSecret: async (topic) => asHeaderSecret(await base.signed(topic), 'not-the-installation-secret'),
          otherInstallation: { context: holding(THEIRS, 'other-shop.example'), signed: async (topic) => asHeaderSecret(await base.signed(topic), THEIRS) },
          ...patch,
        },
      },
    };
  };
const bySecret = (compare: (stored: string | undefined, sent: string | undefined) => boolean) =>
  withWebhooks({ verify: (ctx, req) => compare(webhookSecretOf(ctx), req.headers[SECRET_HEADER]) });
const soundSecret = bySecret((stored, sent) => constantTimeEqual(stored, sent));

/** The mini platform as if it authenticated nothing: the plugin reads what a delivery names from the API. */
const REFETCH: WebhookAuthentication = { kind: 'none', explanation: 'The mini platform (as played here) signs nothing and sends no secret.', instead: 'refetch' };
const UNSIGNED_TOPICS = ['products/update', 'products/delete', 'orders/updated'];
const refetching = (trust: { products?: boolean; deletions?: boolean; orders?: boolean } = {}, extraTopics: string[] = []) =>
  withWebhooks({
    topics: [...UNSIGNED_TOPICS, ...extraTopics],
    verify: (_ctx, req) => webhooks.identify(req) !== undefined,
    async normalize(ctx, req, identity): Promise<CoreEvent[]> {
      const id = String((JSON.parse(req.rawBody.toString('utf8')) as { id?: unknown }).id);
      if (identity.topic === 'products/update' || identity.topic === 'products/delete') {
        if (identity.topic === 'products/update' ? trust.products : trust.deletions) return webhooks.normalize(ctx, req, identity);
        const product = await catalog.get(ctx, id);
        return product ? [{ type: 'product.upserted', product }] : [{ type: 'product.deleted', externalId: id }];
      }
      if (identity.topic === 'orders/updated' && !trust.orders) {
        const order = (await customerOrders(ctx as Ctx, '', true)).find((o) => o.externalId === id);
        return order ? [{ type: 'order.upserted', order }] : [];
      }
      return webhooks.normalize(ctx, req, identity);
    },
  });
/** Unsigned fixtures: honest bodies (the account's first product and order as they are), and forged ones that lie about them. */
const unsigned =
  (authentication: unknown = REFETCH, forged: ((topic: string) => boolean) | null = () => true) =>
  (o: ContractOptions): ContractOptions => {
    const deliver = async (topic: string, lie: boolean, deliveryId = `kit-${topic}${lie ? '-forged' : ''}`): Promise<WebhookRequest> => {
      const account = (await o.context!()).externalId!;
      const shop = fake.accounts.get(account)!;
      const [product, other] = shop.products;
      const order = shop.orders[0]!;
      const bodies: Record<string, unknown> = {
        'products/update': lie ? { ...product, title: 'Everything free', price: '0.01' } : product,
        'products/delete': { id: (lie ? other : product)!.id },
        'orders/updated': lie ? { ...order, status: 'refunded', email: 'mallory@example.com' } : order,
        'app/uninstalled': {},
      };
      const { rawBody, headers: { 'x-mini-signature': _none, ...headers } } = miniWebhook('no-secret', { account, topic, deliveryId, body: bodies[topic] ?? {} });
      return { rawBody, headers };
    };
    return {
      ...o,
      fixtures: {
        ...o.fixtures,
        webhooks: {
          authentication: authentication as WebhookAuthentication,
          signed: (topic, options) => deliver(topic, false, options?.deliveryId),
          ...(forged ? { forged: async (topic: string) => (forged(topic) ? deliver(topic, true) : undefined) } : {}),
        },
      },
    };
  };

/** A plugin without `complete`: its install is `begin` (+ uninstall) only. */
const beginOnly = (patch: Partial<NonNullable<AnyPlugin['install']>> = {}) => withPlugin({ install: { begin: finishInBegin, uninstall: install.uninstall, ...patch } });
/** Platform-started (signed link), with forged parameters: the link signed with a made-up key. */
const forgedLink = (o: ContractOptions): ContractOptions => {
  const started = platformStarted(o);
  const account = (o.fixtures!.install!.params as Record<string, string>).account!;
  return { ...started, fixtures: { ...started.fixtures, install: { ...started.fixtures!.install!, forgedParams: () => ({ account, hmac: hmacSha256('not-the-app-secret', `account=${account}`, 'hex') }) } } };
};

describe('the contract kit: a body signature in a header it is told', () => {
  const kit = kitOn(['webhooks']);
  // The mini platform with its signature in `x-mini-mac` (no "signature" or "hmac" in the name).
  const renamed = (declared?: string) => (o: ContractOptions): ContractOptions => {
    const base = o.fixtures!.webhooks!;
    const rename = (request: WebhookRequest): WebhookRequest => {
      const { 'x-mini-signature': mac, ...headers } = request.headers;
      return { ...request, headers: { ...headers, 'x-mini-mac': mac } };
    };
    return {
      ...o,
      fixtures: {
        ...o.fixtures,
        webhooks: {
          ...(declared ? { authentication: { kind: 'body-signature' as const, header: declared } } : {}),
          signed: async (topic, options) => rename(await base.signed(topic, options)),
          signedWithWrongSecret: async (topic) => rename(await base.signedWithWrongSecret!(topic)),
        },
      },
    };
  };
  const macOf = (req: WebhookRequest) => ({ ...req, headers: { ...req.headers, 'x-mini-signature': req.headers['x-mini-mac'] } });
  const sound = withWebhooks({ verify: (ctx, req) => webhooks.verify(ctx, macOf(req)) });
  // Lets an unsigned delivery in, for a known account (so a kit that dropped every header would not see it).
  const lenient = withWebhooks({ verify: (ctx, req) => req.headers['x-mini-account'] !== undefined && (req.headers['x-mini-mac'] === undefined || webhooks.verify(ctx, macOf(req))) });

  it('removes exactly the declared header (any case) for the missing-signature check, where the name does not tell', async () => {
    expect(failedTests(await kit(sound, renamed('X-Mini-Mac')))).toEqual([]);
    expectFailures(await kit(lenient, renamed('X-Mini-Mac')), { [TAMPERED]: /unsigned refused/ });
    // Undeclared, the kit cannot tell which header signs: it removes none, and fails even the sound plugin.
    expectFailures(await kit(sound, renamed()), { [TAMPERED]: /unsigned refused/ });
  });
});

describe('the contract kit: a shared secret in a header (BigCommerce-like)', () => {
  const kit = kitOn(['webhooks']);

  it('passes a sound header-secret plugin, and its declared kind replaces the body-signature checks', async () => {
    const outcomes = await kit(soundSecret, headerSecret());
    expect(failedTests(outcomes)).toEqual([]);
    expect(failedTests(await kit(soundSecret, headerSecret({ authentication: { kind: 'header-secret', header: 'X-Mini-Secret' } })))).toEqual([]);
    expect(outcomes.map((o) => o.name)).toContain(HEADER);
    expect(outcomes.map((o) => o.name)).not.toContain(TAMPERED);
    // Undeclared, the same plugin meets the body-signature checks it cannot pass (why BigCommerce skipped webhooks before).
    expectFailures(await kit(soundSecret, (o) => { const h = headerSecret()(o); return { ...h, fixtures: { ...h.fixtures, webhooks: { ...h.fixtures!.webhooks!, authentication: undefined } } }; }), { [TAMPERED]: /tampered body refused/ });
  });

  it('fails a plugin that ignores the header (any delivery of a configured installation passes)', async () => {
    const ignoring = withWebhooks({ verify: (ctx) => Boolean(webhookSecretOf(ctx)) });
    expectFailures(await kit(ignoring, headerSecret()), { ...Object.fromEntries(ALL_TOPICS.map((t) => [topicTest(t), /refuses a delivery signed with another secret/])), [HEADER]: /missing header refused/ });
  });

  it('fails a plugin that lets a delivery without the header in', async () => {
    // ... for a known account (so a kit that dropped every header would not see it).
    const lenient = withWebhooks({ verify: (ctx, req) => req.headers['x-mini-account'] !== undefined && (req.headers[SECRET_HEADER] === undefined || constantTimeEqual(webhookSecretOf(ctx), req.headers[SECRET_HEADER])) });
    expectFailures(await kit(lenient, headerSecret()), { [HEADER]: /missing header refused/ });
    // A verify that throws on a missing header refuses it (the host answers 401 either way).
    const throwing = withWebhooks({ verify: (ctx, req) => constantTimeEqual(webhookSecretOf(ctx), req.headers[SECRET_HEADER]!.trim()) });
    expect(failedTests(await kit(throwing, headerSecret()))).toEqual([]);
  });

  it('fails a plugin that compares a prefix: an empty, shorter or longer secret passes', async () => {
    expectFailures(await kit(bySecret((stored, sent) => sent !== undefined && (stored ?? '').startsWith(sent)), headerSecret()), { [HEADER]: /empty header refused/ });
    expectFailures(await kit(bySecret((stored, sent) => Boolean(stored) && (sent ?? '').startsWith(stored!)), headerSecret()), { [HEADER]: /a longer secret refused/ });
    expectFailures(await kit(bySecret((stored, sent) => Boolean(sent) && (stored ?? '').startsWith(sent!)), headerSecret()), { [HEADER]: /a shorter secret refused/ });
  });

  it("fails a plugin that accepts another installation's secret (any secret it has seen)", async () => {
    const known = new Set<string>();
    const remembering = withWebhooks({
      verify: (ctx, req) => {
        if (webhookSecretOf(ctx)) known.add(webhookSecretOf(ctx)!);
        return [...known].some((secret) => constantTimeEqual(secret, req.headers[SECRET_HEADER]));
      },
    });
    expectFailures(await kit(remembering, headerSecret()), { [HEADER]: /another installation's secret refused/ });
    expect(known).toEqual(new Set([MINE, THEIRS]));
  });

  it('fails a plugin that also takes an app-wide secret in the header', async () => {
    // The other installation's delivery carries the app secret: it verifies there, and here.
    const appWide = bySecret((stored, sent) => constantTimeEqual(stored, sent) || constantTimeEqual(fake.appSecret, sent));
    const theirsIsTheApp = headerSecret({ otherInstallation: { context: () => ({}), signed: (topic) => ({ rawBody: Buffer.from('{}'), headers: { [SECRET_HEADER]: fake.appSecret, 'x-mini-topic': topic } }) } });
    expectFailures(await kit(appWide, theirsIsTheApp), { [HEADER]: /another installation's secret refused/ });
  });

  it('says which fixture or declaration is missing or wrong', async () => {
    expectFailures(await kit(soundSecret, headerSecret({ otherInstallation: undefined })), { [HEADER]: /otherInstallation is required/ });
    expectFailures(await kit(soundSecret, headerSecret({ authentication: { kind: 'header-secret', header: '' } })), { [HEADER]: /names the header that carries the secret/ });
    expectFailures(await kit(soundSecret, headerSecret({ authentication: { kind: 'header-secret' } as WebhookAuthentication })), { [HEADER]: /names the header that carries the secret/ });
    const headerless = headerSecret({ otherInstallation: { context: () => ({}), signed: async (topic) => { const { [SECRET_HEADER]: _gone, ...headers } = asHeaderSecret(await miniWebhook(fake.appSecret, { account: 'x', topic, deliveryId: 'x', body: {} }), THEIRS).headers; return { rawBody: Buffer.from('{}'), headers }; } } });
    expectFailures(await kit(soundSecret, headerless), { [HEADER]: /the other installation has a secret of its own/ });
    expectFailures(await kit(soundSecret, headerSecret({ authentication: { kind: 'header-secret', header: 'x-mini-elsewhere' } })), { [HEADER]: /carries the secret in x-mini-elsewhere/ });
    expectFailures(await kit(soundSecret, headerSecret({ signedWithWrongSecret: undefined })), Object.fromEntries(ALL_TOPICS.map((t) => [topicTest(t), /signedWithWrongSecret is required/])));
    const shared = headerSecret();
    expectFailures(
      await kit(soundSecret, (o) => { const h = shared(o); return { ...h, fixtures: { ...h.fixtures, webhooks: { ...h.fixtures!.webhooks!, otherInstallation: { ...h.fixtures!.webhooks!.otherInstallation!, signed: async (topic) => asHeaderSecret(await o.fixtures!.webhooks!.signed(topic), MINE) } } } }; }),
      { [HEADER]: /the other installation has a secret of its own/ },
    );
    // An other installation whose context does not hold its secret: the fixture, not the plugin, is wrong.
    expectFailures(await kit(soundSecret, headerSecret({ otherInstallation: { context: () => ({}), signed: async (topic) => asHeaderSecret(await miniWebhook(fake.appSecret, { account: 'x', topic, deliveryId: 'x', body: {} }), THEIRS) } })), {
      [HEADER]: /the other installation's delivery verifies with its own secret/,
    });
  });
});

describe('the contract kit: deliveries nothing authenticates (unsigned)', () => {
  const kit = kitOn(['webhooks']);

  it('passes a plugin that reads every resource a delivery names from the platform, without a wrong-secret fixture', async () => {
    const outcomes = await kit(refetching(), unsigned());
    expect(failedTests(outcomes)).toEqual([]);
    expect(outcomes.map((o) => o.name)).toEqual(expect.arrayContaining([UNSIGNED, ...UNSIGNED_TOPICS.map(unsignedTopicTest)]));
    expect(outcomes.map((o) => o.name)).not.toContain(TAMPERED);
  });

  it('passes a plugin that refuses (a coded PluginError) what the platform does not back', async () => {
    const refusing = withWebhooks({
      ...refetching().webhooks!,
      normalize: async (ctx, req, identity) => {
        const events = await refetching().webhooks!.normalize(ctx, req, identity);
        if (req.rawBody.includes('mallory')) throw new PluginError('WEBHOOK_PAYLOAD_INVALID', 'the platform does not back this delivery');
        return events;
      },
    });
    expect(failedTests(await kit(refusing, unsigned()))).toEqual([]);
  });

  it('fails a plugin that takes the product from the body', async () => {
    expectFailures(await kit(refetching({ products: true }), unsigned()), { [UNSIGNED]: /products\/update: the product as the platform holds it, not as the body says/ });
  });

  it('fails a plugin that deletes what the body says was deleted', async () => {
    expectFailures(await kit(refetching({ deletions: true }), unsigned()), { [UNSIGNED]: /products\/delete: product .* deleted only when the platform no longer has it/ });
  });

  it('fails a plugin that takes the order from the body', async () => {
    expectFailures(await kit(refetching({ orders: true }), unsigned()), { [UNSIGNED]: /orders\/updated: the order as the platform holds it, not as the body says/ });
  });

  it('fails a plugin that ends the installation on an unsigned delivery', async () => {
    expectFailures(await kit(refetching({}, ['app/uninstalled']), unsigned()), { [UNSIGNED]: /app\/uninstalled: an unsigned delivery led to app\.uninstalled; it may lead only to events the platform can confirm/ });
  });

  it('fails a plugin that names a product the platform does not have', async () => {
    const inventing = withWebhooks({
      ...refetching().webhooks!,
      normalize: async (ctx, req, identity) => (await refetching().webhooks!.normalize(ctx, req, identity)).map((e) => (e.type === 'product.upserted' ? { ...e, product: { ...e.product, externalId: 'ghost-1' } } : e)),
    });
    expectFailures(await kit(inventing, unsigned()), { [UNSIGNED]: /product ghost-1 exists on the platform/ });
  });

  it('fails a verify that refuses what the platform sends', async () => {
    expectFailures(await kit(withWebhooks({ ...refetching().webhooks!, verify: () => false }), unsigned()), Object.fromEntries(UNSIGNED_TOPICS.map((t) => [unsignedTopicTest(t), /verify\(\) accepts the delivery/])));
  });

  it('fails a plugin that names an order the platform does not have', async () => {
    const inventing = withWebhooks({
      ...refetching().webhooks!,
      normalize: async (ctx, req, identity) => (await refetching().webhooks!.normalize(ctx, req, identity)).map((e) => (e.type === 'order.upserted' ? { ...e, order: { ...e.order, externalId: 'ghost-order' } } : e)),
    });
    expectFailures(await kit(inventing, unsigned()), { [UNSIGNED]: /order ghost-order exists on the platform/ });
  });

  it('requires the declaration (why, and what instead), the forged deliveries, and the oracle', async () => {
    expectFailures(await kit(refetching(), (o) => ({ ...unsigned()(o), fakePlatform: undefined })), { [UNSIGNED]: /fakePlatform\.products is the oracle/ });
    expectFailures(await kit(refetching(), (o) => ({ ...unsigned(REFETCH, (t) => t === 'orders/updated')(o), fakePlatform: undefined })), { [UNSIGNED]: /fakePlatform\.orders is the oracle/ });
    expectFailures(await kit(refetching({ deletions: true }), (o) => ({ ...unsigned(REFETCH, (t) => t === 'products/delete')(o), fakePlatform: { orders: o.fakePlatform!.orders } })), { [UNSIGNED]: /fakePlatform\.products is the oracle/ });
    expectFailures(await kit(refetching(), unsigned({ kind: 'none', explanation: '  ', instead: 'refetch' })), { [UNSIGNED]: /explanation says why/ });
    expectFailures(await kit(refetching(), unsigned({ kind: 'none', instead: 'refetch' })), { [UNSIGNED]: /explanation says why/ });
    expectFailures(await kit(refetching(), unsigned({ kind: 'none', explanation: 'unsigned', instead: 'hope' })), { [UNSIGNED]: /instead says what the plugin does instead/ });
    expectFailures(await kit(refetching(), unsigned(REFETCH, null)), { [UNSIGNED]: /forged is required/ });
    expectFailures(await kit(refetching(), unsigned(REFETCH, () => false)), { [UNSIGNED]: /forged delivery for at least one topic/ });
    expectFailures(await kit(refetching(), (o) => ({ ...unsigned()(o), fakePlatform: { orders: o.fakePlatform!.orders } })), { [UNSIGNED]: /fakePlatform\.products is the oracle/ });
    expectFailures(await kit(refetching(), (o) => ({ ...unsigned(REFETCH, (t) => t === 'orders/updated')(o), fakePlatform: { products: o.fakePlatform!.products } })), { [UNSIGNED]: /fakePlatform\.orders is the oracle/ });
    const unidentified = withWebhooks({ ...refetching().webhooks!, identify: (req) => (req.rawBody.includes('Everything free') ? undefined : webhooks.identify(req)) });
    expectFailures(await kit(unidentified, unsigned()), { [UNSIGNED]: /identify\(\) reads the forged products\/update delivery/ });
    const exploding = withWebhooks({ ...refetching().webhooks!, normalize: async (ctx, req, identity) => { if (req.rawBody.includes('mallory')) throw new TypeError('boom'); return refetching().webhooks!.normalize(ctx, req, identity); } });
    expectFailures(await kit(exploding, unsigned()), { [UNSIGNED]: /boom/ });
  });
});

describe('the contract kit: installs that finish in begin (no complete)', () => {
  const kit = kitOn(['install']);

  it('passes a sound plugin whose begin answers installed, and one whose begin opens the admin', async () => {
    const outcomes = await kit(beginOnly(), forgedLink);
    expect(failedTests(outcomes)).toEqual([]);
    expect(outcomes.map((o) => o.name)).toEqual(expect.arrayContaining([BEGIN_INSTALL, FORGED_PARAMS]));
    expect(outcomes.map((o) => o.name)).not.toContain(INSTALL);
    const opening = (externalId?: string) =>
      beginOnly({
        begin: async (ctx, input): Promise<InstallStep> => ({
          kind: 'open-admin',
          externalId: externalId ?? input.params.account!,
          dashboardQuery: {},
          install: async () => {
            const step = await finishInBegin(ctx, input);
            if (step.kind !== 'installed') throw new Error('not installed');
            return step.result;
          },
        }),
      });
    expect(failedTests(await kit(opening(), forgedLink))).toEqual([]);
    expectFailures(await kit(opening('someone-else.example'), forgedLink), { [BEGIN_INSTALL]: /open-admin installs the account it opens/ });
  });

  it('passes a bare one: no secrets schema, no uninstall, no isUninstalled, started by a tenant without account facts; afterInstall gets its config', async () => {
    const seen: unknown[] = [];
    const bare = withPlugin({
      manifest: { ...sound.manifest, secrets: undefined },
      install: {
        begin: async (ctx, input) => {
          const step = await finishInBegin(ctx, input);
          return step.kind === 'installed' ? { ...step, result: { ...step.result, account: undefined, config: { shop: 'configured' } } } : step;
        },
        afterInstall: async (ctx) => void seen.push(ctx.config),
      },
    });
    const tenantStarted = (o: ContractOptions): ContractOptions => ({ ...o, fixtures: { ...o.fixtures, install: { params: o.fixtures!.install!.params, forgedParams: () => ({ account: 'Not An Account!' }) } } });
    expect(failedTests(await kit(bare, tenantStarted))).toEqual([]);
    expect(seen).toEqual([{ shop: 'configured' }]);
  });

  it('takes each refusal code for forged parameters, and no other', async () => {
    const refusingWith = (code: 'INSTALL_REQUEST_INVALID' | 'INSTALL_STATE_INVALID' | 'UPSTREAM_AUTH' | 'UPSTREAM_FAILED' | 'UPSTREAM_RETRYABLE') =>
      beginOnly({ begin: (ctx, input) => finishInBegin(ctx, input).catch((error: Error) => { throw new PluginError(code, error.message); }) });
    for (const code of ['INSTALL_REQUEST_INVALID', 'INSTALL_STATE_INVALID', 'UPSTREAM_AUTH', 'UPSTREAM_FAILED'] as const) expect(failedTests(await kit(refusingWith(code), forgedLink)), code).toEqual([]);
    expectFailures(await kit(refusingWith('UPSTREAM_RETRYABLE'), forgedLink), { [FORGED_PARAMS]: /got: UPSTREAM_RETRYABLE/ });
  });

  it('with complete: passes a plugin without verifyCallback, and hands verifyCallback what begin remembered, the forged callback too', async () => {
    const complete = kitOn(['install']);
    expect(failedTests(await complete(withInstall({ verifyCallback: undefined })))).toEqual([]);
    const remembered: unknown[] = [];
    const strict = withInstall({ verifyCallback: (ctx, input) => { remembered.push(input.remembered); return install.verifyCallback!(ctx, input); } });
    expect(failedTests(await complete(strict))).toEqual([]);
    expect(remembered).toEqual([{ account: expect.stringMatching(/^install-defect-\d+\.example$/) }, { account: expect.stringMatching(/^install-defect-\d+\.example$/) }]);
  });

  it('fails a plugin without complete whose begin only redirects', async () => {
    expectFailures(await kit(beginOnly({ begin: install.begin }), forgedLink), { [BEGIN_INSTALL]: /without complete, begin finishes the install \(got redirect\)/ });
  });

  it('fails a begin that installs from parameters the platform did not sign, or refuses them with a plain Error', async () => {
    const credulous = beginOnly({ begin: (ctx, input) => finishInBegin(ctx, { ...input, origin: 'tenant' }).then((step) => step) });
    expectFailures(await kit(credulous, forgedLink), { [FORGED_PARAMS]: /resolved without error/ });
    const plain = beginOnly({ begin: (ctx, input) => finishInBegin(ctx, input).catch((error: Error) => { throw new Error(error.message); }) });
    expectFailures(await kit(plain, forgedLink), { [FORGED_PARAMS]: /non-PluginError: Error/ });
  });

  it('checks the installation the same way: account facts, secrets, afterInstall, uninstall', async () => {
    const silent = beginOnly({ begin: async (ctx, input) => { const step = await finishInBegin(ctx, input); return step.kind === 'installed' ? { ...step, result: { ...step.result, account: undefined } } : step; } });
    expectFailures(await kit(silent, forgedLink), { [BEGIN_INSTALL]: /account facts/ });
    const shapeless = beginOnly({ begin: async (ctx, input) => { const step = await finishInBegin(ctx, input); return step.kind === 'installed' ? { ...step, result: { ...step.result, secrets: { token: 'x' } } } : step; } });
    expectFailures(await kit(shapeless, forgedLink), { [BEGIN_INSTALL]: /secrets match manifest\.secrets/ });
    expectFailures(await kit(beginOnly({ afterInstall: async () => { throw new Error('hooks not registered'); } }), forgedLink), { [BEGIN_INSTALL]: /hooks not registered/ });
    expectFailures(await kit(beginOnly({ uninstall: async () => {} }), forgedLink), { [BEGIN_INSTALL]: /no longer honours/ });
  });

  it('says which fixture is missing', async () => {
    expectFailures(await kit(beginOnly(), (o) => ({ ...o, fixtures: { ...o.fixtures, install: undefined } })), { [BEGIN_INSTALL]: /fixtures\.install is required/, [FORGED_PARAMS]: /fixtures\.install\.forgedParams is required/ });
    expectFailures(await kit(beginOnly(), platformStarted), { [FORGED_PARAMS]: /fixtures\.install\.forgedParams is required/ });
    // A plugin with complete whose fixture cannot play the platform.
    expectFailures(await kit(sound, (o) => ({ ...o, fixtures: { ...o.fixtures, install: { ...o.fixtures!.install!, authorize: undefined } } })), { [INSTALL]: /fixtures\.install\.authorize is required/ });
  });
});
