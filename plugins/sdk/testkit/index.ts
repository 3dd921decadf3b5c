import semver from 'semver';
import { PluginError, isPluginError, type PluginErrorCode } from '../errors.ts';
import { catalogProductSchema, coreEventSchema, orderSummarySchema, type CatalogProduct, type CoreEvent, type OrderSummary } from '../events.ts';
import { manifestSchema, SDK_VERSION } from '../index.ts';
import type {
  AnyPlugin,
  InstallCallbackRequest,
  InstallResult,
  InstallStep,
  KeyValueStore,
  PluginContext,
  PluginSetupContext,
  WebhookRequest,
} from '../types.ts';

/**
 * The contract every plugin runs, ours and third parties' (after Keyv's storageTestSuite):
 * pass your test functions in, claim capabilities by having them, skip what you cannot test,
 * and give an independent oracle (your fake platform's own state) to check results against.
 *
 *   import { describe, it, expect } from 'vitest';
 *   runPluginContract({ describe, it, expect }, { plugin, context, fakePlatform, fixtures });
 *
 * A claimed capability without the fixtures to test it FAILS (it does not pass silently): give
 * the fixture or list the capability in `skip`.
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

export interface InstallFixtures {
  /** Which begin to test (default `tenant`). */
  origin?: 'tenant' | 'platform';
  /** The query the install/connect request carries (e.g. `{ shop }` signed, `{ site }`). */
  params: Record<string, string> | (() => Promise<Record<string, string>> | Record<string, string>);
  /** The raw query string of that request (default: built from `params`). */
  rawQuery?: string;
  /**
   * Plays the platform after `begin`: follows the redirect on the fake (the merchant approves) and
   * returns the callback request the platform sends back, carrying `state` where the platform puts it.
   * Required for a plugin with `complete`; a plugin that finishes in `begin` needs none (its `params`
   * are what the platform sends, e.g. a fresh one-time code each call).
   */
  authorize?(step: InstallStep, state: string): Promise<InstallCallbackRequest>;
  /**
   * A callback the platform did not send (forged signature, wrong shop, no code): `verifyCallback`
   * or `complete` must refuse it with a PluginError. Required for a plugin with `complete`.
   */
  forgedCallback?(state: string): Promise<InstallCallbackRequest> | InstallCallbackRequest;
  /**
   * For a plugin that finishes in `begin` (no `complete`): install parameters the platform did not
   * send (a made-up code, a forged signature, another store): `begin` must refuse them with a PluginError.
   */
  forgedParams?(): Promise<Record<string, string>> | Record<string, string>;
  /** Oracle after `uninstall`: the fake platform no longer honours the installation (token revoked, webhooks gone). */
  isUninstalled?(result: InstallResult): Promise<boolean> | boolean;
}

/**
 * How the platform authenticates its webhook deliveries; the kit runs the checks that apply.
 *
 * - `body-signature` (the default): a signature over the raw body in a header (Shopify, WooCommerce).
 *   The kit refuses a body changed after signing and a delivery without the signature header
 *   (`header`, or every header whose name contains `signature` or `hmac`).
 * - `header-secret`: the platform sends a shared secret back verbatim in `header` (BigCommerce's
 *   custom hook headers); the body is not signed. The kit refuses the header missing, empty, longer
 *   or shorter, and the secret of another installation (`otherInstallation`).
 * - `none`: nothing verifiable arrives. Say why (`explanation`) and what the plugin does instead:
 *   `refetch` — it reads every resource a delivery names from the platform and never trusts the
 *   body; the kit checks the events of `forged` deliveries against `fakePlatform`.
 */
export type WebhookAuthentication =
  | { kind: 'body-signature'; header?: string }
  | { kind: 'header-secret'; header: string }
  | { kind: 'none'; explanation: string; instead: 'refetch' };

export interface WebhookFixtures {
  /** How deliveries are authenticated (default `{ kind: 'body-signature' }`). */
  authentication?: WebhookAuthentication;
  /**
   * A delivery of `topic` as the platform sends it to this installation (the context's): signed, or
   * carrying the right secret, with the installation's secret; for `none`, as it arrives.
   */
  signed(topic: string, options?: { deliveryId?: string }): Promise<WebhookRequest> | WebhookRequest;
  /** The same kind of delivery signed with (or carrying) a DIFFERENT secret: verify must say false. Not for `none`. */
  signedWithWrongSecret?(topic: string): Promise<WebhookRequest> | WebhookRequest;
  /**
   * Another installation of the same plugin (another store) with a secret of its own: its context
   * and a delivery the platform sends it. Required for `header-secret`: this installation must refuse
   * that installation's secret, which verifies for it.
   */
  otherInstallation?: {
    context: () => Promise<Partial<PluginContext<unknown, unknown, unknown>>> | Partial<PluginContext<unknown, unknown, unknown>>;
    signed(topic: string): Promise<WebhookRequest> | WebhookRequest;
  };
  /**
   * Required for `none`: a delivery of `topic` for this installation whose body claims what the
   * platform does not hold (another title, price or status; a deletion of a product that exists) —
   * what anyone could send. `undefined` for a topic whose body claims nothing. Every event the plugin
   * makes of it must agree with `fakePlatform`, not with the body.
   */
  forged?(topic: string): Promise<WebhookRequest | undefined> | WebhookRequest | undefined;
}

export interface ContractOptions {
  plugin: AnyPlugin;
  /** What the host would give: config, secrets, settings, tenant; the rest is filled in. */
  context?: () => Promise<Partial<PluginContext<unknown, unknown, unknown>>> | Partial<PluginContext<unknown, unknown, unknown>>;
  /** The fake platform's own state: the oracle the plugin's answers are checked against. */
  fakePlatform?: {
    products?(): Promise<CatalogProduct[]>;
    orders?(): Promise<OrderSummary[]>;
  };
  fixtures?: {
    /** @deprecated use `webhooks.signed`; kept for plugins written against 0.1. */
    signedWebhook?: () => Promise<WebhookRequest> | WebhookRequest;
    webhooks?: WebhookFixtures;
    /** A word that matches at least one product of the fake platform. */
    catalogQuery?: string;
    /** Page size for the full `catalog.list` walk (default 50). */
    catalogPageSize?: number;
    install?: InstallFixtures;
    /**
     * Contexts whose calls must fail with a coded PluginError: `revoked` (credentials the platform
     * refuses → UPSTREAM_AUTH), `unreachable` (upstream down → UPSTREAM_RETRYABLE).
     */
    errorContexts?: {
      revoked?: () => Promise<Partial<PluginContext<unknown, unknown, unknown>>> | Partial<PluginContext<unknown, unknown, unknown>>;
      unreachable?: () => Promise<Partial<PluginContext<unknown, unknown, unknown>>> | Partial<PluginContext<unknown, unknown, unknown>>;
    };
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

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Like the host's client: a timeout, and network failures become retryable PluginErrors. */
export function testHttpClient(defaultTimeoutMs = 5_000): PluginContext['http'] {
  return {
    async fetch(url, init = {}) {
      const { timeoutMs = defaultTimeoutMs, ...rest } = init;
      try {
        return await fetch(url, { ...rest, signal: rest.signal ?? AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new PluginError('UPSTREAM_RETRYABLE', `request to ${String(url)} failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/** A context like the host's, for plugin unit tests: in-memory kv, `rotateSecrets` serialised in-process, emitted events collected. */
export function createTestContext(given: Partial<PluginContext<unknown, unknown, unknown>> = {}, emitted: CoreEvent[] = []): PluginContext<unknown, unknown, unknown> {
  let chain: Promise<unknown> = Promise.resolve();
  const ctx: PluginContext<unknown, unknown, unknown> = {
    pluginId: 'test',
    logger: silentLogger,
    settings: {},
    publicUrl: 'http://localhost:3000',
    environment: 'test',
    http: testHttpClient(),
    tenantId: '00000000-0000-4000-8000-000000000001',
    installationId: '00000000-0000-4000-8000-0000000000aa',
    externalId: 'test-account',
    config: {},
    secrets: {},
    kv: memoryKeyValueStore(),
    emit: async (event) => void emitted.push(event),
    rotateSecrets: (update) => {
      const run = chain.then(async () => {
        const next = await update(ctx.secrets);
        if (next !== undefined) ctx.secrets = next;
        return ctx.secrets;
      });
      chain = run.catch(() => undefined);
      return run;
    },
    ...given,
  };
  return ctx;
}

/** Runs `work` and returns the PluginError it threw (or a description of what happened instead). */
async function codeOf(work: () => Promise<unknown> | unknown): Promise<PluginErrorCode | string> {
  try {
    await work();
    return 'resolved without error';
  } catch (error) {
    return isPluginError(error) ? error.code : `threw a non-PluginError: ${(error as Error)?.name ?? typeof error}`;
  }
}

export function runPluginContract(t: TestApi, options: ContractOptions): void {
  const { plugin } = options;
  const skip = new Set(options.skip ?? []);
  const emitted: CoreEvent[] = [];
  const buildContext = async (extra?: () => Promise<Partial<PluginContext<unknown, unknown, unknown>>> | Partial<PluginContext<unknown, unknown, unknown>>) => {
    const given = { pluginId: plugin.manifest?.id ?? 'test', ...((await options.context?.()) ?? {}), ...((await extra?.()) ?? {}) };
    return createTestContext(given, emitted);
  };
  const setupContext = async (): Promise<PluginSetupContext<unknown>> => {
    const { pluginId, logger, settings, http, publicUrl, environment } = await buildContext();
    return { pluginId, logger, settings, http, publicUrl, environment };
  };
  const claims = (capability: Capability) => plugin[capability] !== undefined && !skip.has(capability);
  const webhookFixture = (): WebhookFixtures | undefined =>
    options.fixtures?.webhooks ??
    (options.fixtures?.signedWebhook ? { signed: () => options.fixtures!.signedWebhook!(), signedWithWrongSecret: () => Promise.reject(new Error('fixtures.webhooks.signedWithWrongSecret is required')) } : undefined);

  t.describe(`plugin contract: ${plugin.manifest?.id ?? '(no id)'}`, () => {
    t.it('has a valid manifest whose core range accepts this core', () => {
      const parsed = manifestSchema.safeParse(plugin.manifest);
      t.expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
      t.expect(semver.validRange(plugin.manifest.coreRange) !== null, 'coreRange is a semver range').toBe(true);
      t.expect(semver.satisfies(options.coreVersion ?? SDK_VERSION, plugin.manifest.coreRange, { includePrerelease: true }), 'coreRange accepts the core').toBe(true);
    });

    t.it('sets up and tears down cleanly (twice in a row)', async () => {
      const ctx = await setupContext();
      for (let round = 0; round < 2; round++) {
        await plugin.setup?.(ctx);
        await plugin.teardown?.();
      }
      t.expect(true).toBe(true);
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
      if (plugin.storefront!.verifyCustomer) {
        t.it('storefront: verifyCustomer refuses a made-up token without throwing', async () => {
          const ctx = await buildContext();
          t.expect(await plugin.storefront!.verifyCustomer!(ctx, { token: 'forged.token.value' })).toBeUndefined();
          t.expect(await plugin.storefront!.verifyCustomer!(ctx, { token: '' })).toBeUndefined();
        });
      }
    }

    if (claims('install')) {
      const install = plugin.install!;
      const fixture = options.fixtures?.install;
      /** `begin` with the fixture's parameters, or with `given` ones (the fixture's `rawQuery` then does not apply). */
      const begin = async (state: string, given?: Record<string, string>) => {
        const params = given ?? (typeof fixture!.params === 'function' ? await fixture!.params() : fixture!.params);
        const origin = fixture!.origin ?? 'tenant';
        return install.begin(await setupContext(), {
          origin,
          tenantId: origin === 'tenant' ? '00000000-0000-4000-8000-000000000001' : undefined,
          state,
          callbackUrl: 'http://localhost:3000/plugins/' + plugin.manifest.id + '/auth/callback',
          params,
          rawQuery: (given ? undefined : fixture!.rawQuery) ?? new URLSearchParams(params).toString(),
        });
      };
      const newState = () => `st_contract_${Math.random().toString(36).slice(2)}`;
      const stateFrom = (request: InstallCallbackRequest) => (install.stateFrom ? install.stateFrom(request) : request.query.state);
      const completeInput = (request: InstallCallbackRequest, remembered: Record<string, string>) => ({
        origin: fixture!.origin ?? ('tenant' as const),
        tenantId: (fixture!.origin ?? 'tenant') === 'tenant' ? '00000000-0000-4000-8000-000000000001' : undefined,
        remembered,
        request,
        callbackUrl: 'http://localhost:3000/plugins/' + plugin.manifest.id + '/auth/callback',
      });

      /** What the host checks and does with an installation, however it was finished. */
      const installed = async (result: InstallResult) => {
        t.expect(typeof result.externalId === 'string' && result.externalId.length > 0, 'an externalId').toBe(true);
        if (plugin.manifest.secrets) {
          const secrets = plugin.manifest.secrets.safeParse(result.secrets ?? {});
          t.expect(secrets.success, 'secrets match manifest.secrets').toBe(true);
        }
        if ((fixture!.origin ?? 'tenant') === 'platform') {
          t.expect(result.account, 'a platform-started install returns account facts').toBeDefined();
          t.expect(/@/.test(result.account!.email) && result.account!.domains.length > 0, 'account email and domains').toBe(true);
        }
        const ctx = () => buildContext(() => ({ externalId: result.externalId, secrets: result.secrets ?? {}, config: result.config ?? {} }));
        if (install.afterInstall) await install.afterInstall(await ctx());
        if (install.uninstall) {
          await install.uninstall(await ctx(), { reason: 'merchant' });
          if (fixture!.isUninstalled) t.expect(await fixture!.isUninstalled(result), 'the platform no longer honours the installation').toBe(true);
        }
      };
      const refusals = ['INSTALL_REQUEST_INVALID', 'INSTALL_STATE_INVALID', 'UPSTREAM_AUTH', 'UPSTREAM_FAILED'];

      if (install.complete) {
        t.it('install: begin → platform → callback carries our state → complete gives the installation → uninstall', async () => {
          t.expect(fixture, 'fixtures.install is required to test install (or skip: ["install"])').toBeDefined();
          const state = newState();
          const step = await begin(state);
          t.expect(['redirect', 'installed'].includes(step.kind), `begin answers a redirect (got ${step.kind})`).toBe(true);
          let result: InstallResult;
          if (step.kind === 'installed') {
            result = step.result;
          } else {
            t.expect(fixture!.authorize, 'fixtures.install.authorize is required (plays the platform after the redirect)').toBeDefined();
            const redirect = step as Extract<InstallStep, { kind: 'redirect' }>;
            const callback = await fixture!.authorize!(redirect, state);
            t.expect(stateFrom(callback), 'the callback carries the state where stateFrom looks').toBe(state);
            const input = completeInput(callback, redirect.remember ?? {});
            await install.verifyCallback?.(await setupContext(), input);
            result = await install.complete!(await setupContext(), input);
          }
          await installed(result);
        });

        t.it('install: a callback the platform did not send is refused with a PluginError', async () => {
          t.expect(fixture?.forgedCallback, 'fixtures.install.forgedCallback is required (a forged platform callback)').toBeDefined();
          const state = newState();
          const step = await begin(state);
          const forged = await fixture!.forgedCallback!(state);
          const input = completeInput(forged, step.kind === 'redirect' ? (step.remember ?? {}) : {});
          const code = await codeOf(async () => {
            await install.verifyCallback?.(await setupContext(), input);
            await install.complete!(await setupContext(), input);
          });
          t.expect(refusals.includes(code), `refused with a coded PluginError (got: ${code})`).toBe(true);
        });
      } else {
        t.it('install: begin finishes the installation at once (installed, or open-admin) → afterInstall → uninstall', async () => {
          t.expect(fixture, 'fixtures.install is required to test install (or skip: ["install"])').toBeDefined();
          const step = await begin(newState());
          t.expect(step.kind === 'installed' || step.kind === 'open-admin', `without complete, begin finishes the install (got ${step.kind})`).toBe(true);
          const result = step.kind === 'installed' ? step.result : await (step as Extract<InstallStep, { kind: 'open-admin' }>).install();
          if (step.kind === 'open-admin') t.expect(result.externalId, 'open-admin installs the account it opens').toBe(step.externalId);
          await installed(result);
        });

        t.it('install: parameters the platform did not send are refused by begin with a PluginError', async () => {
          t.expect(fixture?.forgedParams, 'fixtures.install.forgedParams is required (install parameters the platform did not send)').toBeDefined();
          const params = await fixture!.forgedParams!();
          const code = await codeOf(async () => {
            const step = await begin(newState(), params);
            if (step.kind === 'open-admin') await step.install();
          });
          t.expect(refusals.includes(code), `refused with a coded PluginError (got: ${code})`).toBe(true);
        });
      }
    }

    if (claims('webhooks')) {
      const webhooks = plugin.webhooks!;
      const authentication: WebhookAuthentication = options.fixtures?.webhooks?.authentication ?? { kind: 'body-signature' };
      const unsigned = authentication.kind === 'none';
      /** verify's answer, a throw counting as a refusal (the host answers 401 either way). */
      const verdict = async (ctx: PluginContext<unknown, unknown, unknown>, request: WebhookRequest) => {
        try {
          return await webhooks.verify(ctx, request);
        } catch {
          return false;
        }
      };
      const without = (request: WebhookRequest, drop: (name: string) => boolean): WebhookRequest => ({ ...request, headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => !drop(name))) });
      const withHeader = (request: WebhookRequest, name: string, value: string | undefined): WebhookRequest => ({ ...request, headers: { ...request.headers, [name]: value } });

      t.it('webhooks: declares its topics', () => {
        t.expect(Array.isArray(webhooks.topics) && webhooks.topics.length > 0, 'at least one topic').toBe(true);
      });
      for (const topic of webhooks.topics ?? []) {
        const promise = unsigned ? 'identifies, verifies' : 'identifies, verifies with the right secret only';
        t.it(`webhooks[${topic}]: ${promise}, normalizes to valid non-empty core events`, async () => {
          const fixtures = webhookFixture();
          t.expect(fixtures, 'fixtures.webhooks is required to test webhooks (or skip: ["webhooks"])').toBeDefined();
          const ctx = await buildContext();
          const request = await fixtures!.signed(topic);
          const identity = webhooks.identify(request);
          t.expect(identity, 'identify() finds the account and delivery id').toBeDefined();
          t.expect(identity!.topic, 'identify() reads the topic').toBe(topic);
          t.expect(identity!.deliveryId.length > 0 && identity!.externalId.length > 0, 'delivery id and account').toBe(true);
          t.expect(await webhooks.verify(ctx, request), unsigned ? 'verify() accepts the delivery' : 'verify() accepts the right secret').toBe(true);
          if (!unsigned) {
            t.expect(fixtures!.signedWithWrongSecret, 'fixtures.webhooks.signedWithWrongSecret is required').toBeDefined();
            const wrong = await fixtures!.signedWithWrongSecret!(topic);
            t.expect(await verdict(ctx, wrong), 'verify() refuses a delivery signed with another secret').toBe(false);
          }
          const events = await webhooks.normalize(ctx, request, identity!);
          t.expect(Array.isArray(events) && events.length > 0, `normalize() maps ${topic} to at least one core event`).toBe(true);
          for (const event of events) t.expect(coreEventSchema.safeParse(event).success, `valid core event: ${JSON.stringify(event).slice(0, 300)}`).toBe(true);
        });
      }

      if (authentication.kind === 'body-signature') {
        t.it('webhooks: rejects a body changed after signing, and a missing signature', async () => {
          const fixtures = webhookFixture();
          t.expect(fixtures, 'fixtures.webhooks is required to test webhooks (or skip: ["webhooks"])').toBeDefined();
          const ctx = await buildContext();
          const request = await fixtures!.signed(webhooks.topics[0]!);
          const tampered = { ...request, rawBody: Buffer.concat([request.rawBody, Buffer.from(' ')]) };
          t.expect(await verdict(ctx, tampered), 'tampered body refused').toBe(false);
          const signature = authentication.header?.toLowerCase();
          const unsignedRequest = without(request, (name) => (signature ? name.toLowerCase() === signature : /signature|hmac/i.test(name)));
          t.expect(await verdict(ctx, unsignedRequest), 'unsigned refused').toBe(false);
        });
      } else if (authentication.kind === 'header-secret') {
        t.it('webhooks: refuses the secret header missing, empty, longer, shorter, or with another installation\'s secret', async () => {
          const fixtures = webhookFixture();
          t.expect(fixtures, 'fixtures.webhooks is required to test webhooks (or skip: ["webhooks"])').toBeDefined();
          const header = authentication.header?.toLowerCase() ?? '';
          t.expect(header.length > 0, 'authentication.header names the header that carries the secret').toBe(true);
          const topic = webhooks.topics[0]!;
          const ctx = await buildContext();
          const request = await fixtures!.signed(topic);
          const secret = request.headers[header] ?? '';
          t.expect(secret.length > 0, `the fixture's delivery carries the secret in ${header}`).toBe(true);
          t.expect(await verdict(ctx, request), 'the right secret accepted').toBe(true);
          t.expect(await verdict(ctx, without(request, (name) => name.toLowerCase() === header)), 'missing header refused').toBe(false);
          t.expect(await verdict(ctx, withHeader(request, header, '')), 'empty header refused').toBe(false);
          t.expect(await verdict(ctx, withHeader(request, header, `${secret}0`)), 'a longer secret refused').toBe(false);
          t.expect(await verdict(ctx, withHeader(request, header, secret.slice(0, -1))), 'a shorter secret refused').toBe(false);
          const other = fixtures!.otherInstallation;
          t.expect(other, 'fixtures.webhooks.otherInstallation is required for a header secret (another store with a secret of its own)').toBeDefined();
          const theirs = await other!.signed(topic);
          const theirSecret = theirs.headers[header] ?? '';
          t.expect(theirSecret.length > 0 && theirSecret !== secret, 'the other installation has a secret of its own').toBe(true);
          t.expect(await verdict(await buildContext(other!.context), theirs), "the other installation's delivery verifies with its own secret").toBe(true);
          t.expect(await verdict(ctx, withHeader(request, header, theirSecret)), "another installation's secret refused").toBe(false);
        });
      } else {
        t.it('webhooks: unsigned deliveries — says what it does instead, and trusts nothing in the body', async () => {
          const declared = authentication as { explanation?: unknown; instead?: unknown };
          t.expect(typeof declared.explanation === 'string' && declared.explanation.trim().length > 0, 'authentication.explanation says why nothing can be verified').toBe(true);
          t.expect(declared.instead, "authentication.instead says what the plugin does instead ('refetch')").toBe('refetch');
          // Declared in fixtures.webhooks, so they are there.
          const fixtures = options.fixtures!.webhooks!;
          t.expect(fixtures.forged, 'fixtures.webhooks.forged is required for unsigned deliveries (bodies that lie)').toBeDefined();
          const ctx = await buildContext();
          const products = options.fakePlatform?.products ? new Map((await options.fakePlatform.products()).map((p) => [p.externalId, p])) : undefined;
          const orders = options.fakePlatform?.orders ? new Map((await options.fakePlatform.orders()).map((o) => [o.externalId, o])) : undefined;
          let forgedDeliveries = 0;
          for (const topic of webhooks.topics) {
            const forged = await fixtures.forged!(topic);
            if (!forged) continue;
            forgedDeliveries++;
            const identity = webhooks.identify(forged);
            t.expect(identity, `identify() reads the forged ${topic} delivery`).toBeDefined();
            let events: CoreEvent[] = [];
            try {
              events = await webhooks.normalize(ctx, forged, identity!);
            } catch (error) {
              // Refusing a delivery the platform does not back (a coded PluginError) is fine.
              if (!isPluginError(error)) throw error;
            }
            for (const event of events) {
              if (event.type === 'product.upserted') {
                t.expect(products, 'fakePlatform.products is the oracle for unsigned product deliveries').toBeDefined();
                const real = products!.get(event.product.externalId);
                t.expect(real, `${topic}: product ${event.product.externalId} exists on the platform`).toBeDefined();
                const { title, price, description } = event.product;
                t.expect({ title, price, description }, `${topic}: the product as the platform holds it, not as the body says`).toEqual({ title: real!.title, price: real!.price, description: real!.description });
              } else if (event.type === 'product.deleted') {
                t.expect(products, 'fakePlatform.products is the oracle for unsigned product deliveries').toBeDefined();
                t.expect(products!.has(event.externalId), `${topic}: product ${event.externalId} deleted only when the platform no longer has it`).toBe(false);
              } else if (event.type === 'order.upserted') {
                t.expect(orders, 'fakePlatform.orders is the oracle for unsigned order deliveries').toBeDefined();
                const real = orders!.get(event.order.externalId);
                t.expect(real, `${topic}: order ${event.order.externalId} exists on the platform`).toBeDefined();
                const { number, status, email } = event.order;
                t.expect({ number, status, email }, `${topic}: the order as the platform holds it, not as the body says`).toEqual({ number: real!.number, status: real!.status, email: real!.email });
              } else {
                t.expect(false, `${topic}: an unsigned delivery led to ${event.type}; it may lead only to events the platform can confirm (products, orders)`).toBe(true);
              }
            }
          }
          t.expect(forgedDeliveries > 0, 'fixtures.webhooks.forged gives a forged delivery for at least one topic').toBe(true);
        });
      }

      t.it('webhooks: the same delivery has the same identity, another delivery another id (dedupe)', async () => {
        const fixtures = webhookFixture();
        t.expect(fixtures, 'fixtures.webhooks is required').toBeDefined();
        const topic = webhooks.topics[0]!;
        const one = webhooks.identify(await fixtures!.signed(topic, { deliveryId: 'contract-delivery-1' }));
        const again = webhooks.identify(await fixtures!.signed(topic, { deliveryId: 'contract-delivery-1' }));
        const other = webhooks.identify(await fixtures!.signed(topic, { deliveryId: 'contract-delivery-2' }));
        t.expect(one?.deliveryId, 'identified').toBeDefined();
        t.expect(again?.deliveryId, 'a redelivery has the same id').toBe(one!.deliveryId);
        t.expect(other?.deliveryId === one!.deliveryId, 'another delivery has another id').toBe(false);
        t.expect(webhooks.identify({ rawBody: Buffer.from('{}'), headers: {} }), 'no headers: cannot be identified').toBeUndefined();
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
        t.expect({ title: one?.title, price: one?.price }).toEqual({ title: truth.get(one!.externalId)!.title, price: truth.get(one!.externalId)!.price });
        t.expect(await plugin.catalog!.get(ctx, 'does-not-exist-404')).toBeUndefined();
      });
      if (plugin.catalog!.list) {
        t.it('catalog: list pages through exactly the platform\'s products', async () => {
          t.expect(options.fakePlatform?.products, 'fakePlatform.products is the oracle for catalog results').toBeDefined();
          const ctx = await buildContext();
          const truth = await options.fakePlatform!.products!();
          const seen = new Map<string, CatalogProduct>();
          let cursor: string | undefined;
          let pages = 0;
          const limit = options.fixtures?.catalogPageSize ?? 50;
          for (;;) {
            const page = await plugin.catalog!.list!(ctx, { cursor, limit });
            t.expect(page.items.length <= limit, 'a page respects the limit').toBe(true);
            if (page.total !== undefined) t.expect(page.total, 'total is the platform count').toBe(truth.length);
            for (const item of page.items) {
              t.expect(catalogProductSchema.safeParse(item).success, JSON.stringify(item).slice(0, 300)).toBe(true);
              seen.set(item.externalId, item);
            }
            if (page.retryAfterMs) await new Promise((r) => setTimeout(r, Math.min(page.retryAfterMs!, 2000)));
            if (page.nextCursor === null) break;
            t.expect(page.nextCursor !== cursor || page.retryAfterMs !== undefined, 'the cursor moves on').toBe(true);
            cursor = page.nextCursor;
            t.expect(++pages < 10_000, 'list ends').toBe(true);
          }
          t.expect([...seen.keys()].sort()).toEqual(truth.map((p) => p.externalId).sort());
          for (const real of truth) {
            const got = seen.get(real.externalId)!;
            t.expect({ id: got.externalId, title: got.title, price: got.price, description: got.description }).toEqual({
              id: real.externalId,
              title: real.title,
              price: real.price,
              description: real.description,
            });
          }
        });
      }
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
        t.expect(found!.externalId).toBe(order!.externalId);
        t.expect(found!.status).toBe(order!.status);
        t.expect(await plugin.orders!.findByNumber(ctx, { number: order!.number, email: 'someone-else@example.com' }), 'wrong email gets nothing').toBeUndefined();
        t.expect(await plugin.orders!.findByNumber(ctx, { number: order!.number, email: '' }), 'no email gets nothing').toBeUndefined();
        t.expect(await plugin.orders!.findByNumber(ctx, { number: 'no-such-order-999999', email: order!.email! }), 'unknown number gets nothing').toBeUndefined();
      });
      if (plugin.orders!.findForCustomer) {
        t.it('orders: a verified customer gets only their own orders', async () => {
          const ctx = await buildContext();
          const all = await options.fakePlatform!.orders!();
          const owner = all.find((o) => o.customerId)?.customerId;
          t.expect(owner, 'the fake platform has an order with a customer id').toBeDefined();
          const mine = await plugin.orders!.findForCustomer!(ctx, { customerId: owner!, limit: 5 });
          t.expect(mine.length > 0, 'finds their orders').toBe(true);
          const theirs = new Set(all.filter((o) => o.customerId === owner).map((o) => o.externalId));
          for (const order of mine) t.expect(theirs.has(order.externalId), `order ${order.number} belongs to the customer`).toBe(true);
        });
      }
    }

    const errorContexts = options.fixtures?.errorContexts;
    const probe = async (ctx: PluginContext<unknown, unknown, unknown>) => {
      if (claims('catalog')) return plugin.catalog!.search(ctx, { query: options.fixtures?.catalogQuery ?? 'a', limit: 1 });
      if (claims('orders')) return plugin.orders!.findByNumber(ctx, { number: '1', email: 'a@example.com' });
      throw new PluginError('NOT_SUPPORTED', 'no capability to probe');
    };
    if (claims('catalog') || claims('orders')) {
      t.it('errors: refused credentials → UPSTREAM_AUTH; unreachable platform → UPSTREAM_RETRYABLE', async () => {
        t.expect(errorContexts?.revoked, 'fixtures.errorContexts.revoked is required for a plugin that calls its platform').toBeDefined();
        t.expect(await codeOf(async () => probe(await buildContext(errorContexts!.revoked)))).toBe('UPSTREAM_AUTH');
        if (errorContexts?.unreachable) t.expect(await codeOf(async () => probe(await buildContext(errorContexts.unreachable)))).toBe('UPSTREAM_RETRYABLE');
      });
    }
  });
}
