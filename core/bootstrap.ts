import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Express } from 'express';
import cron from 'node-cron';
import pino, { type Logger } from 'pino';
import { startEmbeddedPostgres } from '../adapters/db/embedded-postgres.ts';
import { createOutboxMailer } from '../adapters/mail/outbox.ts';
import { createSmtpMailer } from '../adapters/mail/smtp.ts';
import { createOfflineLlm } from '../adapters/llm/offline.ts';
import { createOpenAiLlm } from '../adapters/llm/openai.ts';
import { AccountsRepository } from './accounts/accounts.repository.ts';
import { createAnalytics, type Analytics } from './analytics/analytics.module.ts';
import type { Authenticator } from './accounts/auth-context.ts';
import { accountsHttpModule } from './accounts/accounts.routes.ts';
import { AccountsService, type FirstStartResult } from './accounts/accounts.service.ts';
import { ApiKeysService } from './accounts/api-keys.service.ts';
import { AccountsAuthenticator } from './accounts/authenticator.ts';
import { SessionCookies } from './accounts/cookies.ts';
import { TeamService } from './accounts/team.service.ts';
import { AccessTokens } from './accounts/tokens.ts';
import { CatalogRepository } from './catalog/catalog.repository.ts';
import { createBookingModule, type BookingModule } from './booking/booking.module.ts';
import type { OutboxWorkerOptions } from './booking/outbox.worker.ts';
import { createChat, type ChatModule, type ChatTuning } from './chat/chat.module.ts';
import { PluginInstallations, pluginOrderLookup } from './chat/plugin-tools.ts';
import { visitorOf as chatVisitorOf } from './chat/widget-gate.ts';
import type { Config } from './config.ts';
import { Database } from './db/database.ts';
import { migrateLatest } from './db/migrator.ts';
import { demoHttpModule } from './demo/demo.http.ts';
import { seedDemo, type DemoSeedResult } from './demo/seed.ts';
import { devOutboxHttpModule } from './dev/outbox.http.ts';
import { createHttpApp, type HttpModule } from './http/app.ts';
import { Metrics } from './http/metrics.ts';
import { listen } from './http/server.ts';
import { Lifecycle } from './lifecycle/lifecycle.ts';
import type { MailPort } from './mail/mail.port.ts';
import { createPluginHttpClient, PluginHost, type PluginCandidate } from './plugin-host/host.ts';
import type { CoreEventSink } from './plugin-host/plugin-context.ts';
import { PluginStateRepository } from './plugin-host/plugin-state.repository.ts';
import { pluginsHttpModule } from './plugin-host/plugins.http.ts';
import { createPluginContext } from './plugin-host/plugin-context.ts';
import { OrdersRepository } from './orders/orders.repository.ts';
import { OrdersService } from './orders/orders.service.ts';
import { RateLimitCounters } from './security/rate-limit.ts';
import { deriveKey, SecretBox } from './security/secret-box.ts';
import { widgetAssetsHttpModule } from './storefront/widget-assets.http.ts';
import { botIdentitySecretBox, botsHttpModule } from './tenancy/bots.routes.ts';
import { TenancyRepository } from './tenancy/tenancy.repository.ts';
import { CORE_VERSION } from './version.ts';

/**
 * The composition root (design.md §2): the only core file that imports adapters/ and plugins/.
 * It picks the adapters from the config, starts the database, migrates, loads plugins and
 * assembles the HTTP app. Shutdown runs in reverse through the Lifecycle.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
  /** Analytics: `recorder.record(event)` for chat and booking; service and rollups for tests. */
  analytics: Analytics;
  /** The chat engine: `chat.tools` takes more tools (booking), `chat.gate` guards other widget routes. */
  chat: ChatModule;
  /** The order cache the assistant's order lookup reads. */
  orders: OrdersService;
  /** Booking (issue #5): services, bookings, the manage pages and the mail outbox worker. */
  booking: BookingModule;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<{ port: number; url: string }>;
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
}

export async function discoverPlugins(dir = path.join(ROOT, 'plugins')): Promise<PluginCandidate[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name !== 'sdk' && existsSync(path.join(dir, e.name, 'index.ts')))
    .map((e) => ({ id: e.name, load: () => import(pathToFileURL(path.join(dir, e.name, 'index.ts')).href) }))
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

/** The configured PostgreSQL, or the embedded one under the data dir; closed through the lifecycle. */
export async function openDatabase(config: Config, logger: Logger, lifecycle: Lifecycle): Promise<Database> {
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (m) => logger.debug({ component: 'embedded-postgres' }, m) });
    lifecycle.onShutdown('embedded-postgres', () => embedded.stop());
    databaseUrl = embedded.url;
  }
  const db = Database.connect(databaseUrl, { poolMax: config.dbPoolMax });
  lifecycle.onShutdown('database', () => db.close());
  return db;
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
    const db = await openDatabase(config, logger, lifecycle);
    const applied = await migrateLatest(db.knex);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

    const secretKey = await resolveSecretKey(config, logger);
    const pluginSecrets = new SecretBox(secretKey, 'plugin-secrets');

    // Mail: SMTP when configured, else the development outbox.
    let mail: MailPort;
    const modules: HttpModule[] = [];
    if (config.mail.smtpUrl) {
      mail = createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from });
    } else {
      const outbox = createOutboxMailer({ dir: path.join(config.dataDir, 'outbox'), from: config.mail.from });
      mail = outbox;
      if (!config.isProduction) modules.push(devOutboxHttpModule(outbox));
      logger.info('SMTP_URL is not set: mail goes to the development outbox at /dev/outbox');
    }
    lifecycle.onShutdown('mail', () => mail.close?.());

    const tenancy = new TenancyRepository(db);
    const catalog = new CatalogRepository(db);
    const accounts = new AccountsRepository(db);
    const pluginState = new PluginStateRepository(db);
    const clock = options.clock ?? (() => new Date());
    const tokens = new AccessTokens(deriveKey(secretKey, 'access-tokens'), clock);
    // Counters in PostgreSQL (brute force, rate limits) hold across instances; any module may use them.
    const counters = new RateLimitCounters(db, clock);
    const accountsService = new AccountsService({ db, tenancy, accounts, tokens, counters, mail, logger, publicUrl: config.http.publicUrl, now: clock });
    const apiKeys = new ApiKeysService(db, clock);
    const sessionCookies = new SessionCookies(deriveKey(secretKey, 'csrf'), config.http.publicUrl.startsWith('https:'));
    const accountsAuth = new AccountsAuthenticator(tokens, sessionCookies, {
      sessionRole: (tenantId, sessionId, userId) => accountsService.sessionRole(tenantId, sessionId, userId),
      apiKey: (key) => apiKeys.authenticate(key),
    });
    const auth: Authenticator = accountsAuth;

    // Plugins: each is checked before it runs; one that fails does not stop the others.
    const plugins = new PluginHost({
      coreVersion: CORE_VERSION,
      logger,
      publicUrl: config.http.publicUrl,
      pluginEnv: config.pluginEnv,
      http: createPluginHttpClient(),
    });
    const report = await plugins.start(options.pluginCandidates ?? (await discoverPlugins(config.pluginsDir)));
    logger.info({ started: report.started, failed: report.failed.map((f) => `${f.id}: ${f.code}`) }, 'plugins loaded');
    lifecycle.onShutdown('plugins', () => plugins.stop());

    // What plugins give the chat (tools, order lookups), per tenant with an active installation.
    const pluginInstallations = new PluginInstallations({
      plugins: () => plugins.list(),
      installations: (tenantId) => db.tenant(tenantId, (trx) => trx('plugin_installations').where({ tenant_id: tenantId, status: 'active' })),
      contextFor: (hosted, installation) => createPluginContext(hosted, installation, { repository: pluginState, secrets: pluginSecrets, sink }),
    });
    const orders = new OrdersService(
      new OrdersRepository(db),
      pluginOrderLookup(pluginInstallations, (pluginId, error) => logger.warn({ err: error, pluginId }, 'plugin order lookup failed')),
    );

    const sink: CoreEventSink = async ({ tenantId, pluginId, externalId, event }) => {
      switch (event.type) {
        case 'product.upserted': {
          const p = event.product;
          await catalog.upsertProducts(tenantId, [
            {
              source: pluginId,
              externalId: p.externalId,
              handle: p.handle,
              title: p.title,
              description: p.description,
              priceCents: Math.round(Number(p.price.amount) * 100),
              currency: p.price.currency,
              url: p.url ?? null,
              imageUrl: p.imageUrl ?? null,
              tags: p.tags,
              variants: p.variants,
            },
          ]);
          break;
        }
        case 'product.deleted':
          await catalog.deleteProductByExternalId(tenantId, pluginId, event.externalId);
          break;
        case 'app.uninstalled':
          await pluginState.setInstallationStatus(tenantId, pluginId, externalId, 'uninstalled');
          break;
        case 'order.upserted':
          await orders.upsertFromPlatform(tenantId, pluginId, event.order);
          break;
        default:
          logger.info({ tenantId, pluginId, type: event.type }, 'plugin event has no handler yet');
      }
    };

    let demo: DemoSeedResult | undefined;
    if (config.demoSeed) {
      const origins = [...new Set([new URL(config.http.publicUrl).origin, `http://localhost:${config.http.port}`, `http://127.0.0.1:${config.http.port}`])];
      demo = await seedDemo({ tenancy, catalog, accounts, origins, admin: config.admin, orders });
    }

    // Domain modules: each constructs its service(s) here and pushes its HttpModule (keep one block per module).

    // Accounts (auth, me, team, API keys, audit) and bots. The authenticator above is theirs.
    const firstStart = options.firstOwner === false ? undefined : await accountsService.ensureFirstOwner(config.admin);
    const team = new TeamService({ db, accounts, tenancy, service: accountsService, mail, logger, publicUrl: config.http.publicUrl, now: clock });
    modules.push(
      accountsHttpModule({ service: accountsService, team, apiKeys, auth: accountsAuth, cookies: sessionCookies, counters }),
      botsHttpModule({ tenancy, auth, identitySecrets: botIdentitySecretBox(secretKey) }),
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
      listenUrl: (db.knex.client.config.connection as { connectionString: string }).connectionString,
      logger,
      metrics,
      isStopping: () => lifecycle.isStopping,
      auth,
      tenancy,
      accounts,
      mail,
      secretKey,
      counters,
      analytics: {
        record: (event) => analytics.recorder.record(event),
        rateConversation: (...args) => analytics.service.rateConversation(...args),
      },
      orders,
      installations: pluginInstallations,
      llm: { offline: createOfflineLlm(), defaultLlm: config.llm.apiKey ? openAiFor(undefined) : undefined, openAiFor, defaultModel: config.llm.model },
      publicUrl: config.http.publicUrl,
      corsMaxAgeSeconds: config.corsMaxAgeSeconds,
      clock,
      options: options.chat,
    });
    // Registered after analytics, so it stops first: its last events still reach the recorder.
    lifecycle.onShutdown('chat', () => chat.stop());
    await chat.start();
    modules.push(chat.http);

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
      widget: { guard: chat.gate.require(), visitorOf: (req) => chatVisitorOf(req) },
      worker: options.booking?.worker,
    });
    booking.registerChatTools(chat.tools);
    if (demo) await booking.seedDemo(demo.tenantId);
    modules.push(...booking.http);
    lifecycle.onShutdown('booking', () => booking.stop());
    booking.start();

    const scriptTag = plugins.get('script-tag')?.plugin.storefront;
    const pluginsHttp = pluginsHttpModule({ host: plugins, repository: pluginState, secrets: pluginSecrets, sink, logger, metrics });
    // Deliveries answered 200 whose processing a crash cut short are picked up again every minute.
    const sweeper = cron.schedule('* * * * *', () => {
      pluginsHttp.sweepStuckDeliveries().catch((error: unknown) => logger.error({ err: error }, 'webhook sweep failed'));
    });
    lifecycle.onShutdown('webhook-sweeper', () => void sweeper.stop());
    modules.push(
      pluginsHttp,
      widgetAssetsHttpModule({ distDir: path.join(ROOT, 'dist', 'widget') }),
    );
    if (config.demoSeed) {
      modules.push(
        demoHttpModule({
          db,
          tenancy,
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
    });

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
      analytics,
      chat,
      orders,
      booking,
      async listen() {
        const running = await listen(app, config.http.port, config.http.host);
        // Registered last, so it runs first: stop taking requests before anything closes.
        lifecycle.onShutdown('http', () => running.close(config.http.shutdownTimeoutMs));
        return { port: running.port, url: `http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${running.port}` };
      },
      stop: () => lifecycle.shutdown((name, error) => logger.error({ err: error, component: name }, 'shutdown step failed')),
    };
  } catch (error) {
    return failHard(error);
  }
}
