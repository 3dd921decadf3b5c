import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Express } from 'express';
import cron from 'node-cron';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { createLogMailer } from '../adapters/mail/log.ts';
import { createOutboxMailer } from '../adapters/mail/outbox.ts';
import { createSmtpMailer } from '../adapters/mail/smtp.ts';
import { createOfflineLlm } from '../adapters/llm/offline/index.ts';
import { createOpenAiLlm } from '../adapters/llm/openai.ts';
import { AccountsRepository } from './accounts/accounts.repository.ts';
import { createAnalytics, type Analytics } from './analytics/analytics.module.ts';
import type { Authenticator } from './accounts/auth-context.ts';
import { accountsHttpModule } from './accounts/accounts.routes.ts';
import { AccountsService, type FirstStartResult } from './accounts/accounts.service.ts';
import { notificationPrefsHttpModule } from './accounts/notification-prefs.routes.ts';
import { ApiKeysService } from './accounts/api-keys.service.ts';
import { AccountsAuthenticator } from './accounts/authenticator.ts';
import { platformCaller } from './accounts/index.ts';
import { EmbeddedAdmin } from './plugin-host/index.ts';
import { SessionCache } from './accounts/session-cache.ts';
import { SessionCookies } from './accounts/cookies.ts';
import { TeamService } from './accounts/team.service.ts';
import { AccessTokens } from './accounts/tokens.ts';
import { CatalogRepository } from './catalog/catalog.repository.ts';
import { createCatalogModule, type CatalogFeedOptions, type CatalogModule } from './catalog/catalog.module.ts';
import type { ImportWorkerOptions } from './catalog/import.worker.ts';
import { createBookingModule, type BookingModule } from './booking/booking.module.ts';
import type { OutboxWorkerOptions } from './booking/outbox.worker.ts';
import { createChat, type ChatModule, type ChatTuning } from './chat/chat.module.ts';
import { knowledgeTestHttpModule } from './catalog/knowledge-test.routes.ts';
import { PluginInstallations, pluginCustomerOrders, pluginOrderLookup, pluginToolProvider } from './plugin-host/plugin-contributions.ts';
import { isPluginError } from '@concierge/plugin-sdk';
import { createWidgetAccess, visitorOf as widgetVisitorOf } from './widget-access/index.ts';
import type { Config } from './config.ts';
import { startEmbeddedPostgres } from '../adapters/db/load-embedded.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open-database.ts';
import { PgListener } from './db/pg-listener.ts';
import { migrateLatest } from './db/migrator.ts';
import { demoHttpModule } from './demo/demo.http.ts';
import { seedDemoBooking } from './demo/booking-seed.ts';
import { allowDemoOrigins, seedDemo, type DemoSeedResult } from './demo/seed.ts';
import { devOutboxHttpModule } from './dev/outbox.http.ts';
import { createHttpApp, metricsApp, type HttpModule } from './http/app.ts';
import { Metrics } from './http/metrics.ts';
import { listen } from './http/server.ts';
import { Lifecycle } from './lifecycle/lifecycle.ts';
import { CODE_ROOT, MODULE_EXTENSION, PACKAGE_ROOT } from './runtime-layout.ts';
import { withFlatHeaders } from './mail/flat-headers.ts';
import type { MailPort } from './mail/mail.port.ts';
import { createPluginHttpClient, PluginHost, type PluginCandidate } from './plugin-host/host.ts';
import type { CoreEventSink } from './plugin-host/plugin-context.ts';
import { PluginStateRepository } from './plugin-host/plugin-state.repository.ts';
import { dashboardSignInForConnect, pluginsHttpModule } from './plugin-host/plugins.http.ts';
import { createPluginContext } from './plugin-host/plugin-context.ts';
import { PlatformProducts } from './catalog/platform-products.ts';
import { CatalogSync, type CatalogSyncOptions } from './plugin-host/catalog-sync.ts';
import { ComplianceService } from './plugin-host/compliance.ts';
import { createCoreEventSink } from './plugin-host/core-events.ts';
import { InstallStates } from './plugin-host/install-states.ts';
import { InstallationsService } from './plugin-host/installations.service.ts';
import { installationsHttpModule } from './plugin-host/installations.routes.ts';
import { privacyRequestsHttpModule } from './plugin-host/privacy-requests.routes.ts';
import type { RetryPolicy } from './plugin-host/plugin-state.repository.ts';
import { OrdersRepository } from './orders/orders.repository.ts';
import { OrdersService } from './orders/orders.service.ts';
import { registerOrderTools } from './orders/orders.tools.ts';
import { RateLimitCounters } from './security/rate-limit.ts';
import { deriveKey, SecretBox } from './security/secret-box.ts';
import { dashboardHttpModule } from './storefront/dashboard.http.ts';
import { widgetAssetsHttpModule } from './storefront/widget-assets.http.ts';
import { botIdentitySecretBox, botsHttpModule } from './tenancy/bots.routes.ts';
import { TenancyRepository } from './tenancy/tenancy.repository.ts';
import { CORE_VERSION } from './version.ts';

/**
 * The composition root (design.md §2): the only core file that imports adapters/ and plugins/.
 * It picks the adapters from the config, starts the database, migrates, loads plugins and
 * assembles the HTTP app. Shutdown runs in reverse through the Lifecycle.
 */


export interface Application {
  config: Config;
  logger: Logger;
  db: Database;
  app: Express;
  plugins: PluginHost;
  mail: MailPort;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** Merchant route guards and the access tokens they check. */
  auth: Authenticator;
  tokens: AccessTokens;
  /** Sign-in, sessions and passwords; `settled()` waits for mail sent after answering. */
  accounts: AccountsService;
  /** Set when this start created the first owner (empty database, demo off); main.ts prints it once. */
  firstStart: FirstStartResult | undefined;
  repositories: { tenancy: TenancyRepository; catalog: CatalogRepository; accounts: AccountsRepository; pluginState: PluginStateRepository };
  /** Periodic jobs, callable directly (tests, operators). */
  maintenance: { sweepStuckWebhooks(olderThanSeconds?: number): Promise<number> };
  /** Set on the first start of an empty database with the demo enabled. */
  demo: DemoSeedResult | undefined;
  /** Whether the demo storefront is served at `/` (never in production). */
  demoPage: boolean;
  /** Analytics: `recorder.record(event)` for chat and booking; service and rollups for tests. */
  analytics: Analytics;
  /** The chat engine: `chat.tools` takes the modules' tools (catalog, orders, booking). */
  chat: ChatModule;
  /** The order cache the assistant's order lookup reads. */
  orders: OrdersService;
  /** Booking (issue #5): services, bookings, the manage pages and the mail outbox worker. */
  booking: BookingModule;
  /** The store's own catalog and FAQ (issue #18): merchant API and CSV import worker. */
  catalog: CatalogModule;
  /** Plugin host services (issue #10): installs, the catalog sync worker, privacy requests. */
  pluginServices: { installations: InstallationsService; catalogSync: CatalogSync; compliance: ComplianceService; states: InstallStates };
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<{ port: number; url: string; metricsPort?: number }>;
  /** Graceful shutdown: HTTP first, then plugins, mail, database. Idempotent. */
  stop(): Promise<void>;
}

export interface ApplicationOptions {
  logger?: Logger;
  /** Defaults to every folder under plugins/ except sdk. */
  pluginCandidates?: PluginCandidate[];
  /** The clock services use for expiry (tests move it); defaults to the system clock. */
  clock?: () => Date;
  /**
   * Create the first owner on an empty database (default true). Test apps turn it off: each would
   * otherwise pay a bcrypt hash and get an extra "My Store" tenant it did not ask for.
   */
  firstOwner?: boolean;
  /** Chat engine tuning (tests: short model timeouts, fast heartbeats). */
  chat?: ChatTuning;
  /** Booking outbox worker tuning (tests: tick every second, short leases); `enabled: false` leaves sending to other instances. */
  booking?: { worker?: OutboxWorkerOptions & { enabled?: boolean } };
  /** CSV import worker tuning; `enabled: false` leaves imports to other instances. */
  /** Catalog import tuning; `feed.allowLoopback` (tests' fake feed servers) is refused in production. */
  catalog?: { worker?: ImportWorkerOptions & { enabled?: boolean }; feed?: CatalogFeedOptions };
  /** Plugin host tuning (tests: small sync pages, fast retries). */
  pluginHost?: { catalogSync?: CatalogSyncOptions; webhookRetry?: RetryPolicy };
}

/** The plugins beside the core: every folder of plugins/ (but the SDK) with an index module, compiled or not. */
export async function discoverPlugins(dir = path.join(CODE_ROOT, 'plugins')): Promise<PluginCandidate[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const index = `index${MODULE_EXTENSION}`;
  return entries
    .filter((e) => e.isDirectory() && e.name !== 'sdk' && existsSync(path.join(dir, e.name, index)))
    .map((e) => ({ id: e.name, load: () => import(pathToFileURL(path.join(dir, e.name, index)).href) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Outside production a missing SECRET_KEY is generated once and kept under the data dir. */
async function resolveSecretKey(config: Config, logger: Logger): Promise<string> {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, 'secret-key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(config.dataDir, { recursive: true });
    const key = randomBytes(32).toString('hex');
    await writeFile(file, key, { mode: 0o600 });
    logger.warn({ file }, 'SECRET_KEY is not set: generated a development key; set SECRET_KEY in production');
    return key;
  }
}

/**
 * The database the configuration names, or the embedded one when DATABASE_URL is unset: the one
 * place the embedded server's adapter is wired, for the application and for `npm run migrate`.
 */
export function openApplicationDatabase(config: Config, logger: Logger, lifecycle: Lifecycle): ReturnType<typeof openDatabase> {
  return openDatabase(config, logger, lifecycle, startEmbeddedPostgres);
}

export async function createApplication(config: Config, options: ApplicationOptions = {}): Promise<Application> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'concierge' } });
  const lifecycle = new Lifecycle();
  const metrics = new Metrics();
  const failHard = async (error: unknown) => {
    await lifecycle.shutdown();
    throw error;
  };

  try {
    const db = await openApplicationDatabase(config, logger, lifecycle);
    const applied = await migrateLatest(db.knex);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

    // The instance's one LISTEN connection (chat fan-out, session and bot cache invalidation).
    const listenUrl = config.databaseListenUrl ?? (db.knex.client.config.connection as { connectionString: string }).connectionString;
    const listener = new PgListener({
      connect: async () => {
        const client = new pg.Client({ connectionString: listenUrl, keepAlive: true, application_name: 'concierge-listen' });
        await client.connect();
        return client;
      },
      logger,
    });
    lifecycle.onShutdown('listener', () => listener.close());
    await listener.start();

    const secretKey = await resolveSecretKey(config, logger);
    const pluginSecrets = new SecretBox(secretKey, 'plugin-secrets');

    // Mail: SMTP, or an explicit "drop it with a log line", or (never in production) the development outbox.
    let mail: MailPort;
    const modules: HttpModule[] = [];
    if (config.mail.transport === 'smtp' && config.mail.smtpUrl) {
      mail = createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from });
    } else if (config.mail.transport === 'log' || config.isProduction) {
      mail = createLogMailer({ logger });
      logger.warn('MAIL_TRANSPORT=log: mail is NOT sent; each mail is dropped with a log line (set SMTP_URL to send mail)');
    } else {
      const outbox = createOutboxMailer({ dir: path.join(config.dataDir, 'outbox'), from: config.mail.from });
      mail = outbox;
      modules.push(devOutboxHttpModule(outbox));
      logger.info('SMTP_URL is not set: mail goes to the development outbox at /dev/outbox');
    }
    mail = withFlatHeaders(mail);
    lifecycle.onShutdown('mail', () => mail.close?.());

    const tenancy = new TenancyRepository(db);
    const catalog = new CatalogRepository(db);
    const accounts = new AccountsRepository(db);
    const pluginState = new PluginStateRepository(db, listener);
    const clock = options.clock ?? (() => new Date());
    const tokens = new AccessTokens(deriveKey(secretKey, 'access-tokens'), clock);
    // Counters in PostgreSQL (brute force, rate limits) hold across instances; any module may use them.
    const counters = new RateLimitCounters(db, clock);
    const accountsService = new AccountsService({ db, tenancy, accounts, tokens, counters, mail, logger, publicUrl: config.http.publicUrl, now: clock });
    const apiKeys = new ApiKeysService(db, clock);
    const sessionCookies = new SessionCookies(deriveKey(secretKey, 'csrf'), config.http.publicUrl.startsWith('https:'));
    const sessionCache = new SessionCache({ listener, now: clock, load: (tenantId, sessionId, userId) => accountsService.liveSession(tenantId, sessionId, userId) });
    db.knex.on('query', (query: { sql: string }) => sessionCache.observeStatement(query.sql));
    // The dashboard inside a platform's admin (Shopify's embedded app): its page, and its session tokens as merchant credentials.
    const embedded: { admin?: EmbeddedAdmin } = {};
    const accountsAuth = new AccountsAuthenticator(tokens, sessionCookies, {
      sessionRole: (tenantId, sessionId, userId) => sessionCache.role(tenantId, sessionId, userId),
      apiKey: (key) => apiKeys.authenticate(key),
      platformSession: async (token) => platformCaller(accounts, await embedded.admin?.session(token)),
    });
    const auth: Authenticator = accountsAuth;

    // Plugins: each is checked before it runs; one that fails does not stop the others.
    const plugins = new PluginHost({
      logger,
      publicUrl: config.http.publicUrl,
      pluginEnv: config.pluginEnv,
      http: createPluginHttpClient(),
      environment: config.env,
    });
    const report = await plugins.start(options.pluginCandidates ?? (await discoverPlugins(config.pluginsDir)));
    logger.info({ started: report.started, failed: report.failed.map((f) => `${f.id}: ${f.code}`) }, 'plugins loaded');
    lifecycle.onShutdown('plugins', () => plugins.stop());
    embedded.admin = new EmbeddedAdmin({ host: plugins, repository: pluginState, logger });

    // What plugins give the chat (tools, order lookups), per tenant with an active installation.
    const pluginInstallations = new PluginInstallations({
      plugins: () => plugins.list(),
      installations: (tenantId) => db.tenant(tenantId, (trx) => trx('plugin_installations').where({ tenant_id: tenantId, status: 'active' })),
      contextFor: (hosted, installation) => createPluginContext(hosted, installation, { repository: pluginState, secrets: pluginSecrets, sink }),
    });
    const onPluginOrderError = (pluginId: string, error: unknown, installation: { tenant_id: string; id: string }) => {
      logger.warn({ err: error, pluginId }, 'plugin order lookup failed');
      // Credentials the platform refuses: the merchant sees "reconnect needed"; the chat goes on without it.
      if (isPluginError(error, 'UPSTREAM_AUTH')) void pluginState.setInstallationError(installation.tenant_id, installation.id, error.message, 'reconnect_needed').catch(() => {});
    };
    const orders = new OrdersService(
      new OrdersRepository(db),
      pluginOrderLookup(pluginInstallations, onPluginOrderError),
      pluginCustomerOrders(pluginInstallations, onPluginOrderError),
    );

    // Plugin host (issue #10): install flows, catalog sync, uninstall and the platforms' privacy requests.
    const platformProducts = new PlatformProducts(db);
    const compliance = new ComplianceService(db, accountsService.audit, clock);
    const installStates = new InstallStates(db, deriveKey(secretKey, 'plugin-install-state'), clock);
    const contextDeps = () => ({ repository: pluginState, secrets: pluginSecrets, sink });
    const catalogSync = new CatalogSync({
      db,
      host: plugins,
      repository: pluginState,
      products: platformProducts,
      contextFor: (hosted, installation) => createPluginContext(hosted, installation, contextDeps()),
      logger,
      options: options.pluginHost?.catalogSync,
    });
    lifecycle.onShutdown('catalog-sync', () => catalogSync.stop());
    // The widget's door (origins, visitor tokens, identity, CORS), shared by chat and booking.
    // Conversations belong to chat, which is built later: preflights ask it once it exists.
    const owner: { of?: (id: string) => Promise<{ tenantId: string; botId: string } | undefined> } = {};
    const access = createWidgetAccess({
      tenancy,
      secretKey,
      logger,
      clock,
      corsMaxAgeSeconds: config.corsMaxAgeSeconds,
      conversationOwner: (id) => owner.of?.(id) ?? Promise.resolve(undefined),
      botCacheMs: options.chat?.botCacheMs,
    });
    const installations: InstallationsService = new InstallationsService({
      db,
      host: plugins,
      states: installStates,
      repository: pluginState,
      secrets: pluginSecrets,
      get sink() {
        return sink;
      },
      tenancy,
      accounts,
      audit: accountsService.audit,
      sendSetPasswordMail: (email) => accountsService.requestPasswordReset(email, {}),
      syncQueued: () => catalogSync.nudge(),
      // The widget's bot cache on this instance forgets at once; other instances within their cache time.
      originsChanged: () => access.bots.clear(),
      logger,
      publicUrl: config.http.publicUrl,
      clock,
    });
    const sink: CoreEventSink = createCoreEventSink({ products: platformProducts, orders, installations: () => installations, compliance, repository: pluginState, logger });

    let demo: DemoSeedResult | undefined;
    if (config.demoSeed) {
      const origins = [...new Set([new URL(config.http.publicUrl).origin, `http://localhost:${config.http.port}`, `http://127.0.0.1:${config.http.port}`])];
      demo = await seedDemo({ tenancy, catalog, accounts, origins, admin: config.admin, orders });
      // A demo database first started on another PORT or PUBLIC_URL: let the demo bot accept today's origins too.
      if (!demo && !config.isProduction) {
        const added = await allowDemoOrigins({ db, tenancy }, origins);
        if (added.length > 0) logger.info({ origins: added }, 'demo bot: allowed the origins of this start');
      }
    }

    // Domain modules: each constructs its service(s) here and pushes its HttpModule (keep one block per module).

    // Accounts (auth, me, team, API keys, audit) and bots. The authenticator above is theirs.
    const firstStart = options.firstOwner === false ? undefined : await accountsService.ensureFirstOwner(config.admin);
    const team = new TeamService({ db, accounts, tenancy, service: accountsService, mail, logger, publicUrl: config.http.publicUrl, now: clock });
    modules.push(
      accountsHttpModule({ service: accountsService, team, apiKeys, auth: accountsAuth, cookies: sessionCookies, counters }),
      botsHttpModule({ tenancy, auth, identitySecrets: botIdentitySecretBox(secretKey) }),
      notificationPrefsHttpModule({ db, accounts, auth }),
    );
    lifecycle.onShutdown('accounts', () => accountsService.settled());

    // Analytics (issue #7): before the modules that record events through `analytics.recorder`.
    const analytics = createAnalytics({
      db,
      logger,
      metrics,
      auth,
      timeZoneOf: async (tenantId) => (await tenancy.getTenant(tenantId))?.time_zone ?? 'UTC',
      clock,
    });
    // Registered before the modules that emit events, so it closes after them and flushes their last events.
    lifecycle.onShutdown('analytics', () => analytics.close());
    analytics.start();
    modules.push(analytics.http);

    // Chat engine (issue #4). Without an API key the assistant runs on the offline model; a store
    // with its own key (PUT /api/v1/settings/llm) still gets the OpenAI-compatible adapter.
    const openAiFor = (baseUrl: string | undefined) =>
      createOpenAiLlm({ apiKey: config.llm.apiKey ?? '', baseURL: baseUrl ?? config.llm.baseUrl, model: config.llm.model, logger, ...options.chat?.llm });
    if (config.llm.apiKey) {
      logger.info({ model: config.llm.model, baseUrl: config.llm.baseUrl ?? 'https://api.openai.com/v1' }, 'assistant answers with the OpenAI-compatible model');
    } else {
      logger.warn('OPENAI_API_KEY is not set: the assistant runs OFFLINE (rule-based English/German model answering from the catalog, FAQ and tools)');
    }
    const chat = createChat({
      db,
      listenUrl,
      listener,
      logger,
      metrics,
      isStopping: () => lifecycle.isStopping,
      auth,
      access,
      accounts,
      mail,
      secretKey,
      counters,
      analytics: {
        record: (event) => analytics.recorder.record(event),
        rateConversation: (...args) => analytics.service.rateConversation(...args),
      },
      toolProviders: [pluginToolProvider(pluginInstallations)],
      platformCustomer: async ({ tenantId, plugin, token, origin }) => {
        const found = await pluginInstallations.installed(tenantId, (p) => (p.id === plugin ? p.plugin.storefront?.verifyCustomer : undefined));
        for (const { hosted, capability, installation } of found) {
          const customer = await capability(pluginInstallations.context(hosted, installation), { token, origin });
          if (customer) return customer;
        }
        return undefined;
      },
      llm: { offline: createOfflineLlm(), defaultLlm: config.llm.apiKey ? openAiFor(undefined) : undefined, openAiFor, defaultModel: config.llm.model },
      publicUrl: config.http.publicUrl,
      defaultMonthlyTokenBudget: config.llmMonthlyTokenBudget,
      clock,
      options: options.chat,
    });
    owner.of = (id) => chat.repository.conversationOwner(id);
    // Event streams end as soon as shutdown begins: the HTTP server's close (the first hook) waits
    // for every open connection, and the streams' own check comes only with their next tick (≤ 1 s).
    lifecycle.onStopping(() => chat.sse.closeAll());
    // Registered after analytics, so it stops first: its last events still reach the recorder.
    lifecycle.onShutdown('chat', () => chat.stop());
    await chat.start();
    modules.push(chat.http, chat.pages);

    // Booking (issue #5): merchant and widget routes, manage pages, the assistant's booking tools,
    // and the outbox worker that sends confirmations and reminders (stops before mail and database).
    const booking = createBookingModule({
      db,
      logger,
      metrics,
      auth,
      mail,
      clock,
      publicUrl: config.http.publicUrl,
      secretKey,
      mailFrom: config.mail.from,
      tenantInfo: async (tenantId) => {
        const t = await tenancy.getTenant(tenantId);
        return { name: t?.name ?? 'Store', timeZone: t?.time_zone ?? 'UTC', locale: t?.locale ?? 'en' };
      },
      merchantRecipients: (tenantId) =>
        db.tenant(tenantId, async (trx) => (await accounts.listMembers(trx, tenantId)).filter((m) => m.role !== 'agent').map((m) => m.email)),
      analytics: { record: (event) => analytics.recorder.record(event) },
      widget: { guard: access.gate.require(), visitorOf: (req) => widgetVisitorOf(req) },
      worker: options.booking?.worker,
    });
    booking.registerChatTools(chat.tools);
    registerOrderTools(chat.tools, orders);
    if (demo) await seedDemoBooking(booking.service, demo.tenantId);
    modules.push(...booking.http);
    lifecycle.onShutdown('booking', () => booking.stop());
    booking.start();

    // Catalog and FAQ merchant API with CSV imports (issue #18); the worker stops before the database.
    const catalogModule = createCatalogModule({ db, auth, logger, clock, production: config.isProduction, worker: options.catalog?.worker, feed: options.catalog?.feed });
    modules.push(catalogModule.http, knowledgeTestHttpModule({ search: catalogModule.search, auth }));
    catalogModule.registerChatTools(chat.tools);
    lifecycle.onShutdown('catalog', () => catalogModule.stop());
    catalogModule.start();

    const scriptTag = plugins.get('script-tag')?.plugin.storefront;
    const pluginsHttp = pluginsHttpModule({
      host: plugins,
      repository: pluginState,
      secrets: pluginSecrets,
      sink,
      logger,
      metrics,
      installations,
      requireMerchant: auth.require('plugins:write', { signIn: dashboardSignInForConnect }),
      retry: options.pluginHost?.webhookRetry,
    });
    // Deliveries answered 200 whose processing a crash cut short are picked up again every minute.
    const sweeper = cron.schedule('* * * * *', () => {
      pluginsHttp.sweepStuckDeliveries().catch((error: unknown) => logger.error({ err: error }, 'webhook sweep failed'));
    });
    lifecycle.onShutdown('webhook-sweeper', () => void sweeper.stop());
    // Catalog syncs another instance left (crash, long throttle) and expired install states.
    const syncTick = cron.schedule('* * * * *', () => {
      catalogSync.nudge();
      installStates.purgeExpired().catch((error: unknown) => logger.error({ err: error }, 'install state purge failed'));
    });
    lifecycle.onShutdown('catalog-sync-tick', () => void syncTick.stop());
    catalogSync.nudge();
    modules.push(
      pluginsHttp,
      installationsHttpModule({ repository: pluginState, installations, compliance, auth }),
      privacyRequestsHttpModule({ compliance, auth }),
      widgetAssetsHttpModule({ distDir: path.join(PACKAGE_ROOT, 'dist', 'widget') }),
      dashboardHttpModule({ distDir: path.join(PACKAGE_ROOT, 'dist', 'dashboard'), embedded: (query) => embedded.admin!.page(query) }),
    );
    // Demo pages are for development: never mounted in production, even on a seeded database.
    const demoPage = config.demoSeed && !config.isProduction;
    if (demoPage) {
      modules.push(
        demoHttpModule({
          db,
          tenancy,
          publicUrl: config.http.publicUrl,
          snippet: (botKey, widgetUrl) =>
            scriptTag?.embed(plugins.get('script-tag')!.setupContext, { botKey, widgetUrl }).html ?? `<!-- script-tag plugin unavailable -->`,
        }),
      );
    }

    const app = createHttpApp({
      logger,
      db,
      metrics,
      lifecycle,
      modules,
      bodyLimit: config.http.bodyLimit,
      trustProxy: config.http.trustProxy,
      publicUrl: config.http.publicUrl,
      version: CORE_VERSION,
      metricsAccess: { mode: config.metrics.mode === 'listener' ? 'off' : config.metrics.mode, token: config.metrics.token },
    });
    if (config.metrics.mode === 'off') logger.warn('metrics are off: set METRICS_TOKEN (bearer on /metrics) or METRICS_LISTEN (a separate address) to serve them');

    return {
      config,
      logger,
      db,
      app,
      plugins,
      mail,
      lifecycle,
      metrics,
      auth,
      tokens,
      accounts: accountsService,
      firstStart,
      repositories: { tenancy, catalog, accounts, pluginState },
      maintenance: { sweepStuckWebhooks: (olderThanSeconds) => pluginsHttp.sweepStuckDeliveries(olderThanSeconds) },
      demo,
      demoPage,
      analytics,
      chat,
      orders,
      booking,
      catalog: catalogModule,
      pluginServices: { installations, catalogSync, compliance, states: installStates },
      async listen() {
        const running = await listen(app, config.http.port, config.http.host);
        const metricsAt = config.metrics.listen;
        let metricsPort: number | undefined;
        if (metricsAt) {
          const metricsServer = await listen(metricsApp(metrics), metricsAt.port, metricsAt.host);
          lifecycle.onShutdown('metrics-listener', () => metricsServer.close(1_000));
          metricsPort = metricsServer.port;
          logger.info({ host: metricsAt.host, port: metricsPort }, 'metrics served on their own listener');
        }
        // Registered last, so it runs first: stop taking requests before anything closes.
        lifecycle.onShutdown('http', () => running.close(config.http.shutdownTimeoutMs));
        return { port: running.port, url: `http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${running.port}`, metricsPort };
      },
      stop: () => lifecycle.shutdown((name, error) => logger.error({ err: error, component: name }, 'shutdown step failed')),
    };
  } catch (error) {
    return failHard(error);
  }
}
