import type { z } from 'zod';
import type { CatalogProduct, CoreEvent, OrderSummary } from './events.ts';

/** The public plugin contract (design.md §5). Capabilities are optional members, never throwing stubs. */

export interface PluginManifest<Config extends z.ZodType = z.ZodType, Secrets extends z.ZodType = z.ZodType, Settings extends z.ZodType = z.ZodType> {
  /** = folder name = URL segment; never changes. */
  id: string;
  name: string;
  /** Semver of the plugin. */
  version: string;
  /** Semver range of the core it supports, e.g. "^0.1.0". */
  coreRange: string;
  description?: string;
  /** Plugin ids that must set up before this one. */
  dependsOn?: string[];
  /** Platform scopes the plugin needs (shown to the merchant at install). */
  scopes?: string[];
  /** Per-tenant settings the merchant chooses. */
  config?: Config;
  /** Per-tenant secrets (tokens): stored encrypted, never returned by the API. */
  secrets?: Secrets;
  /** Instance-wide settings from the environment (e.g. an app's API key), read as `PLUGIN_<ID>_<NAME>`. */
  settings?: Settings;
}

export interface PluginLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface KeyValueStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options?: { ttlSeconds?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** fetch with a timeout the host enforces; failures become PluginError UPSTREAM_*. */
export interface PluginHttpClient {
  fetch(url: string | URL, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
}

/**
 * Where the core runs (from NODE_ENV). Plugins refuse development-only settings (a local upstream,
 * plain http) when this is `production`: throw from `setup` and the host reports the plugin as failed.
 */
export type PluginEnvironment = 'production' | 'development' | 'test';

/** Instance-wide context for setup/teardown and routes: no tenant. */
export interface PluginSetupContext<Settings = unknown> {
  pluginId: string;
  logger: PluginLogger;
  /** Validated `PLUGIN_<ID>_<NAME>` variables (camelCased names), per `manifest.settings`. */
  settings: Settings;
  http: PluginHttpClient;
  /** The core's public base URL (for OAuth redirect URLs). */
  publicUrl: string;
  /** Where the core runs; see PluginEnvironment. */
  environment: PluginEnvironment;
}

/**
 * Replaces the installation's secrets under a row lock (SELECT … FOR UPDATE), across instances:
 * `update` gets the secrets as they are NOW in the database (another instance may have refreshed
 * them a moment ago) and returns the new secrets, or `undefined` to keep them. Only one caller at a
 * time runs `update`; the others wait and then see the fresh value. Resolves with the secrets in
 * force afterwards; `ctx.secrets` is updated too. Stored encrypted; never logged.
 *
 *   const { accessToken } = await ctx.rotateSecrets(async (current) =>
 *     current.expiresAt > Date.now() + 60_000 ? undefined : await refresh(current.refreshToken));
 */
export type RotateSecrets<Secrets> = (update: (current: Secrets) => Promise<Secrets | undefined>) => Promise<Secrets>;

/** Per-tenant (per-installation) context for every capability call. */
export interface PluginContext<Config = unknown, Secrets = unknown, Settings = unknown> extends PluginSetupContext<Settings> {
  tenantId: string;
  /** The host's id of this installation (one tenant may connect several platform accounts). */
  installationId: string;
  /** The platform account of this installation (e.g. the shop domain). */
  externalId: string;
  config: Config;
  /** Decrypted, validated by `manifest.secrets`; replaced by `rotateSecrets`. */
  secrets: Secrets;
  /** See RotateSecrets. */
  rotateSecrets(update: (current: Secrets) => Promise<Secrets | undefined>): Promise<Secrets>;
  /** Namespaced to plugin + tenant. */
  kv: KeyValueStore;
  emit(event: CoreEvent): Promise<void>;
}

export interface WebhookRequest {
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
}

export interface WebhookIdentity {
  /** The platform account the delivery is for: selects the installation (and so the tenant). */
  externalId: string;
  /** The platform's delivery id; the host drops repeats. */
  deliveryId: string;
  topic: string;
}

export interface WebhookCapability<Config, Secrets, Settings> {
  topics: string[];
  /** Reads who the delivery is for from headers; undefined when it cannot be told (→ 400). */
  identify(request: WebhookRequest): WebhookIdentity | undefined;
  /** A delivery the platform never signs by design (WooCommerce's ping): answered 200, not processed. */
  isPing?(request: WebhookRequest): boolean;
  /** Checks the signature over the raw bytes; runs BEFORE the host answers. */
  verify(ctx: PluginContext<Config, Secrets, Settings>, request: WebhookRequest): boolean | Promise<boolean>;
  /** Maps a verified delivery to core events; runs after the 200. */
  normalize(ctx: PluginContext<Config, Secrets, Settings>, request: WebhookRequest, identity: WebhookIdentity): CoreEvent[] | Promise<CoreEvent[]>;
}

export interface CatalogPage {
  items: CatalogProduct[];
  /** Opaque; `null` when this was the last page. The host persists it, so a sync resumes after a restart. */
  nextCursor: string | null;
  /** The platform's product count, when known cheaply (shown as sync progress `total`). */
  total?: number;
  /**
   * Ask the host to wait before calling again with `nextCursor` (e.g. a bulk operation still
   * running, or a cost budget to refill). `items` may then be empty. Never fail a sync for throttling.
   */
  retryAfterMs?: number;
}

export interface CatalogCapability<Config, Secrets, Settings> {
  search(ctx: PluginContext<Config, Secrets, Settings>, input: { query: string; limit: number }): Promise<CatalogProduct[]>;
  /** `undefined` for an unknown id (never a throw). */
  get(ctx: PluginContext<Config, Secrets, Settings>, externalId: string): Promise<CatalogProduct | undefined>;
  /**
   * Full sync, page by page: the HOST calls this after install (a background job one instance runs,
   * resumable from the last cursor) and writes the items into the core's catalog, which the chat's
   * product tools search. Throw PluginError UPSTREAM_RETRYABLE (with `retryAfterSeconds`) for a
   * transient failure: the host retries the same cursor with back-off and records `lastError`.
   */
  list?(ctx: PluginContext<Config, Secrets, Settings>, input: { cursor?: string; limit: number }): Promise<CatalogPage>;
}

export interface OrdersCapability<Config, Secrets, Settings> {
  /** Only returns the order when the email matches it. */
  findByNumber(ctx: PluginContext<Config, Secrets, Settings>, input: { number: string; email: string }): Promise<OrderSummary | undefined>;
  /** For a customer whose identity the storefront verified. */
  findForCustomer?(ctx: PluginContext<Config, Secrets, Settings>, input: { customerId: string; limit: number }): Promise<OrderSummary[]>;
}

export interface StorefrontCapability<Config, Secrets, Settings> {
  /** How the widget reaches the store: a snippet, an app embed, ... described for the merchant. */
  embed(ctx: PluginSetupContext<Settings>, input: { botKey: string; widgetUrl: string }): { kind: 'snippet' | 'app-embed' | 'instructions'; html?: string; instructions: string };
  /**
   * Verifies a logged-in customer's token minted by the platform side (e.g. by the plugin's own
   * app-proxy route). Called by the host for `POST /widget/v1/sessions` with
   * `{ botKey, platform: { plugin: "<id>", token } }`, once per active installation of this plugin
   * of the bot's tenant, until one answers; `origin` is the page's Origin header. `undefined` =
   * not verified (the visitor stays anonymous; never throw for a bad token).
   */
  verifyCustomer?(ctx: PluginContext<Config, Secrets, Settings>, input: { token: string; origin?: string }): Promise<{ customerId: string; email?: string } | undefined>;
}

/** The platform admin page the host serves the dashboard in, for one connected account. */
export interface EmbeddedAdminPage {
  /** CSP `frame-ancestors` sources: the only origins that may frame the dashboard for this account. */
  frameAncestors: string[];
  /** Scripts the page loads first, classic and synchronous (the platform's admin SDK); CSP allows exactly these. */
  scripts: string[];
  /** `<meta name content>` pairs the admin SDK reads (e.g. `shopify-api-key`). */
  meta: Record<string, string>;
}

/**
 * The dashboard inside the platform's admin (Shopify's embedded app): the host serves `/admin` for an
 * account with an active installation in the platform's frame, and accepts the platform's session
 * tokens as `Authorization: Bearer` on the merchant API. No cookies there (third-party frames lose them).
 */
export interface EmbeddedAdminCapability<Settings> {
  /** Which account the dashboard is opened for, from `/admin`'s query (unsigned: only a hint); undefined when it is not an embedded load. */
  account(ctx: PluginSetupContext<Settings>, query: Record<string, string>): string | undefined;
  /** What the page needs for this account (its installation is active; the host checked). */
  page(ctx: PluginSetupContext<Settings>, externalId: string): EmbeddedAdminPage;
  /**
   * Verifies a session token of the platform's admin (signature over the raw token, constant-time,
   * audience, expiry): the account it is for and the platform's user. Undefined for anything else; never throws.
   */
  verifySessionToken(ctx: PluginSetupContext<Settings>, token: string): { externalId: string; userId?: string } | undefined;
}

export interface PluginTool<Config, Secrets, Settings> {
  /** Unique within the plugin; exposed to the model as `<pluginId>__<name>`. */
  name: string;
  description: string;
  parameters: z.ZodType;
  run(ctx: PluginContext<Config, Secrets, Settings>, args: unknown): Promise<unknown>;
}

export type InstallStep =
  /** Send the browser there (OAuth authorize, wc-auth). The host answers 302. */
  | { kind: 'redirect'; url: string; remember?: Record<string, string> }
  | { kind: 'snippet'; html: string; instructions: string }
  /**
   * The install finished without a callback (e.g. Shopify token exchange from the embedded admin):
   * the host stores `result` exactly as after `complete`, then redirects to `result.redirectUrl` or answers 200.
   */
  | { kind: 'installed'; result: InstallResult }
  /**
   * The platform opens the app in its admin for `externalId` (Shopify's embedded app URL, signed): the
   * host calls `install()` only when the account has no active installation (e.g. token exchange),
   * stores it as after `complete`, then sends the browser to the dashboard in embedded mode
   * (`/admin?` + `dashboardQuery`, which `embeddedAdmin.account` reads back).
   */
  | { kind: 'open-admin'; externalId: string; install(): Promise<InstallResult>; dashboardQuery: Record<string, string> }
  | { kind: 'done' };

/** Facts about the platform account, from which a platform-started install creates the store. */
export interface InstallAccount {
  /** The owner's email: gets a set-password mail. */
  email: string;
  storeName: string;
  /** Storefront domains (host names, e.g. "shop.example", "x.myshopify.com"): become the bot's allowed origins (https). */
  domains: string[];
  currency?: string;
  /** BCP 47, e.g. "en" or "de-DE". */
  locale?: string;
  /** IANA, e.g. "Europe/Berlin". */
  timeZone?: string;
}

export interface InstallResult {
  /** The platform account (shop domain, site URL): unique per plugin; a re-install updates it. */
  externalId: string;
  config?: unknown;
  /** Stored encrypted; validated by `manifest.secrets`. */
  secrets?: unknown;
  /** Required for platform-started installs of an account not yet connected (else 400 INSTALL_ACCOUNT_MISSING). */
  account?: InstallAccount;
  /** Where the host sends the browser afterwards (302); without it the host answers 200 `{ status: "installed" }`. */
  redirectUrl?: string;
}

/** The platform's request to the callback route, as the host received it. */
export interface InstallCallbackRequest {
  method: 'GET' | 'POST';
  query: Record<string, string>;
  /** Parsed JSON or form body (POST), else undefined. */
  body: unknown;
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
}

export interface InstallBeginInput {
  /**
   * `tenant`: a signed-in merchant connects (`GET /plugins/:id/connect`), `tenantId` is set.
   * `platform`: the install starts at the platform (`GET /plugins/:id/install`, no login): the tenant
   * is the one already linked to the account, or a new one created from `InstallResult.account`.
   */
  origin: 'tenant' | 'platform';
  tenantId?: string;
  /**
   * Host-signed, single-use, expires in 10 minutes, bound to the tenant (or to "new tenant").
   * Pass it through the platform so it comes back to the callback (OAuth `state`, Woo `user_id`).
   */
  state: string;
  /** `{publicUrl}/plugins/:id/auth/callback`. */
  callbackUrl: string;
  /** The query string of the request that started the install (e.g. shop, hmac, timestamp; site). */
  params: Record<string, string>;
  /** The raw query string as received (for platforms that sign it, e.g. Shopify's install HMAC). */
  rawQuery: string;
}

export interface InstallCompleteInput {
  origin: 'tenant' | 'platform';
  /** Set when the install was started by a tenant, or the account is already linked to one. */
  tenantId?: string;
  /** What `begin` asked to remember (`InstallStep.remember`), e.g. the site URL the keys are for. */
  remembered: Record<string, string>;
  request: InstallCallbackRequest;
  callbackUrl: string;
}

/**
 * Install flows are owned by the host (routes, state, storage, tenant creation, catalog sync):
 *
 *   GET /plugins/:id/install        → begin({ origin: 'platform' })  (no login)
 *   GET /plugins/:id/connect        → begin({ origin: 'tenant', tenantId })  (signed-in merchant)
 *   GET|POST /plugins/:id/auth/callback → stateFrom → verifyCallback → state consumed → complete
 *        → installation stored (secrets sealed), tenant/owner/bot created for a new store,
 *        afterInstall, catalog sync queued.
 *
 * Throw PluginError with a coded reason (INSTALL_REQUEST_INVALID, INSTALL_STATE_INVALID, ...) to
 * refuse: the host answers a 4xx problem and stores nothing.
 */
export interface InstallCapability<Config, Secrets, Settings> {
  /** Starts an install: validates the platform's parameters, then usually redirects to the platform. */
  begin(ctx: PluginSetupContext<Settings>, input: InstallBeginInput): Promise<InstallStep>;
  /**
   * Where our `state` came back in the callback. Default: the query's `state` (OAuth).
   * WooCommerce: `(req) => (req.body as { user_id?: string })?.user_id`.
   */
  stateFrom?(request: InstallCallbackRequest): string | undefined;
  /**
   * Checks the platform's own callback parameters (HMAC, timestamp, shop) BEFORE the host consumes
   * the state; no side effects. Throw PluginError INSTALL_REQUEST_INVALID to refuse.
   */
  verifyCallback?(ctx: PluginSetupContext<Settings>, input: InstallCompleteInput): Promise<void> | void;
  /** Finishes from the platform's callback (exchanges the code, reads the shop); the host has checked `state`. */
  complete?(ctx: PluginSetupContext<Settings>, input: InstallCompleteInput): Promise<InstallResult>;
  /**
   * Runs after the installation is stored, with its full context (e.g. register webhooks with a
   * fresh per-installation secret saved through `ctx.rotateSecrets`). A throw is logged and
   * recorded as the installation's `lastError`; the installation stays.
   */
  afterInstall?(ctx: PluginContext<Config, Secrets, Settings>): Promise<void>;
  /**
   * Called on the platform's uninstall event (`app.uninstalled`) and on a merchant's disconnect
   * (`DELETE /api/v1/installations/:id`), before the host drops the secrets and marks it
   * `uninstalled`: revoke tokens, delete webhooks. Best effort: a throw is logged, the uninstall proceeds.
   */
  uninstall?(ctx: PluginContext<Config, Secrets, Settings>, input: { reason: 'platform' | 'merchant' }): Promise<void>;
}

/** Minimal router surface for a plugin's own routes under /plugins/:id (express-compatible). */
export interface PluginRouteRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  /** The raw query string (after `?`), for platforms that sign it (Shopify's app proxy). */
  rawQuery: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}
export interface PluginRouteResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}
export interface PluginRoute<Settings> {
  method: 'GET' | 'POST';
  /**
   * Relative to /plugins/:id, e.g. "/proxy/session". Reserved for the host: "/install", "/connect",
   * "/auth/callback". A PluginError thrown here becomes a 4xx/5xx problem (PLUGIN_ERROR_STATUS).
   */
  path: string;
  handle(ctx: PluginSetupContext<Settings>, request: PluginRouteRequest): Promise<PluginRouteResponse>;
}

export interface PluginDefinition<Config extends z.ZodType = z.ZodType, Secrets extends z.ZodType = z.ZodType, Settings extends z.ZodType = z.ZodType> {
  manifest: PluginManifest<Config, Secrets, Settings>;
  setup?(ctx: PluginSetupContext<z.output<Settings>>): Promise<void> | void;
  teardown?(): Promise<void> | void;
  install?: InstallCapability<z.output<Config>, z.output<Secrets>, z.output<Settings>>;
  webhooks?: WebhookCapability<z.output<Config>, z.output<Secrets>, z.output<Settings>>;
  catalog?: CatalogCapability<z.output<Config>, z.output<Secrets>, z.output<Settings>>;
  orders?: OrdersCapability<z.output<Config>, z.output<Secrets>, z.output<Settings>>;
  storefront?: StorefrontCapability<z.output<Config>, z.output<Secrets>, z.output<Settings>>;
  tools?: PluginTool<z.output<Config>, z.output<Secrets>, z.output<Settings>>[];
  routes?: PluginRoute<z.output<Settings>>[];
  embeddedAdmin?: EmbeddedAdminCapability<z.output<Settings>>;
}

/** Type erasure for the host, which handles plugins of every config shape. */
export type AnyPlugin = PluginDefinition<z.ZodType, z.ZodType, z.ZodType>;
