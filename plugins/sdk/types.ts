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

/** Instance-wide context for setup/teardown and routes: no tenant. */
export interface PluginSetupContext<Settings = unknown> {
  pluginId: string;
  logger: PluginLogger;
  settings: Settings;
  http: PluginHttpClient;
  /** The core's public base URL (for OAuth redirect URLs). */
  publicUrl: string;
}

/** Per-tenant context for every capability call. */
export interface PluginContext<Config = unknown, Secrets = unknown, Settings = unknown> extends PluginSetupContext<Settings> {
  tenantId: string;
  /** The platform account of this installation (e.g. the shop domain). */
  externalId: string;
  config: Config;
  secrets: Secrets;
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

export interface CatalogCapability<Config, Secrets, Settings> {
  search(ctx: PluginContext<Config, Secrets, Settings>, input: { query: string; limit: number }): Promise<CatalogProduct[]>;
  get(ctx: PluginContext<Config, Secrets, Settings>, externalId: string): Promise<CatalogProduct | undefined>;
  /** Full sync, page by page. */
  list?(ctx: PluginContext<Config, Secrets, Settings>, input: { cursor?: string; limit: number }): Promise<{ items: CatalogProduct[]; nextCursor: string | null }>;
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
  /** Verifies a logged-in customer's identity token minted by the platform. */
  verifyCustomer?(ctx: PluginContext<Config, Secrets, Settings>, input: { token: string }): Promise<{ customerId: string; email?: string } | undefined>;
}

export interface PluginTool<Config, Secrets, Settings> {
  /** Unique within the plugin; exposed to the model as `<pluginId>__<name>`. */
  name: string;
  description: string;
  parameters: z.ZodType;
  run(ctx: PluginContext<Config, Secrets, Settings>, args: unknown): Promise<unknown>;
}

export type InstallStep =
  | { kind: 'redirect'; url: string }
  | { kind: 'snippet'; html: string; instructions: string }
  | { kind: 'done' };

export interface InstallResult {
  externalId: string;
  config?: unknown;
  secrets?: unknown;
}

export interface InstallCapability<Config, Secrets, Settings> {
  /**
   * Starts an install for a tenant. `state` is an unguessable, host-signed value bound to the
   * tenant: pass it through the platform (OAuth `state`, Woo `user_id`) so `complete` can trust it.
   */
  begin(ctx: PluginSetupContext<Settings>, input: { tenantId: string; state: string; callbackUrl: string; params: Record<string, string> }): Promise<InstallStep>;
  /** Finishes from the platform's callback (query and form/JSON body); the host has checked `state`. */
  complete?(ctx: PluginSetupContext<Settings>, input: { tenantId: string; query: Record<string, string>; body: unknown }): Promise<InstallResult>;
  uninstall?(ctx: PluginContext<Config, Secrets, Settings>): Promise<void>;
}

/** Minimal router surface for a plugin's own routes under /plugins/:id (express-compatible). */
export interface PluginRouteRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
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
  /** Relative to /plugins/:id, e.g. "/auth/callback". */
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
}

/** Type erasure for the host, which handles plugins of every config shape. */
export type AnyPlugin = PluginDefinition<z.ZodType, z.ZodType, z.ZodType>;
