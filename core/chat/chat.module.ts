import pg from 'pg';
import type { Logger } from 'pino';
import type { AccountsRepository } from '../accounts/accounts.repository.ts';
import type { Authenticator } from '../accounts/auth-context.ts';
import type { Database } from '../db/database.ts';
import type { HttpModule } from '../http/app.ts';
import type { Metrics } from '../http/metrics.ts';
import type { MailPort } from '../mail/mail.port.ts';
import type { OrdersService } from '../orders/orders.service.ts';
import type { RateLimitCounters } from '../security/rate-limit.ts';
import { deriveKey, SecretBox } from '../security/secret-box.ts';
import { BOT_IDENTITY_PURPOSE } from '../tenancy/bot-identity.ts';
import type { TenancyRepository } from '../tenancy/tenancy.repository.ts';
import { BotDirectory } from './bot-directory.ts';
import { CatalogSearch } from './catalog-search.ts';
import { chatHttpModule } from './chat.http.ts';
import { ChatRepository } from './chat.repository.ts';
import type { ChatAnalytics } from './chat-analytics.ts';
import { ChatService, type ChatLimits } from './chat.service.ts';
import { registerCoreChatTools } from './core-tools.ts';
import { ChatEventHub } from './event-hub.ts';
import type { LlmPort } from './llm.port.ts';
import { LlmResolver, LlmSettingsRepository, TENANT_LLM_KEY_PURPOSE } from './llm-settings.ts';
import { pluginToolProvider, type PluginInstallations } from './plugin-tools.ts';
import { SseStreams } from './sse.ts';
import { ToolRegistry } from './tools.ts';
import type { TurnOptions } from './turn.ts';
import { VisitorTokens } from './visitor-tokens.ts';
import { WidgetGate } from './widget-gate.ts';

/** Assembles the chat engine for the composition root (core/bootstrap.ts). */

export interface ChatModuleDeps {
  db: Database;
  /** Connection string for the one dedicated LISTEN connection (a direct one, not through PgBouncer). */
  listenUrl: string;
  logger: Logger;
  metrics: Metrics;
  isStopping: () => boolean;
  auth: Authenticator;
  tenancy: TenancyRepository;
  accounts?: AccountsRepository;
  mail: MailPort;
  secretKey: string;
  counters: RateLimitCounters;
  analytics: ChatAnalytics;
  orders: OrdersService;
  installations?: PluginInstallations;
  llm: {
    offline: LlmPort;
    /** The configured provider (instance key); absent runs the offline model unless a tenant brings a key. */
    defaultLlm?: LlmPort | undefined;
    /** An OpenAI-compatible adapter for a tenant's base URL (tenants with their own key). */
    openAiFor?: ((baseUrl: string | undefined) => LlmPort) | undefined;
    defaultModel?: string | undefined;
  };
  publicUrl: string;
  corsMaxAgeSeconds: number;
  clock?: () => Date;
  options?: ChatTuning;
}

/** Knobs for operators and tests (short timeouts, fast heartbeats); defaults suit production. */
export interface ChatTuning {
  /** Passed to the OpenAI-compatible adapter by the composition root. */
  llm?: { timeoutMs?: number; idleTimeoutMs?: number; maxRetries?: number; retryBaseDelayMs?: number; retryMaxDelayMs?: number };
  heartbeatMs?: number;
  sseRetryMs?: number;
  limits?: ChatLimits;
  turn?: TurnOptions;
  botCacheMs?: number;
}

export interface ChatModule {
  service: ChatService;
  /** Register more tools here (booking: list_services, find_slots, propose_booking). */
  tools: ToolRegistry;
  /** Visitor auth and CORS for other modules' widget routes. */
  gate: WidgetGate;
  hub: ChatEventHub;
  sse: SseStreams;
  repository: ChatRepository;
  settings: LlmSettingsRepository;
  http: HttpModule;
  /** Opens the LISTEN connection. */
  start(): Promise<void>;
  /** Ends streams, lets running turns record their end, closes LISTEN. */
  stop(): Promise<void>;
}

export function createChat(deps: ChatModuleDeps): ChatModule {
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger;
  const repository = new ChatRepository(deps.db);
  const bots = new BotDirectory(deps.tenancy, deps.options?.botCacheMs);
  const tokens = new VisitorTokens(deriveKey(deps.secretKey, 'visitor-tokens'), clock);
  const settings = new LlmSettingsRepository(deps.db, new SecretBox(deps.secretKey, TENANT_LLM_KEY_PURPOSE));
  const llm = new LlmResolver({ ...deps.llm, openKey: (sealed) => settings.openKey(sealed), logger });
  const tools = new ToolRegistry(logger.child({ component: 'chat-tools' }));
  const hub = new ChatEventHub({
    source: repository,
    logger,
    connect: async () => {
      const client = new pg.Client({ connectionString: deps.listenUrl, keepAlive: true, application_name: 'concierge-listen' });
      await client.connect();
      return client;
    },
  });
  const streamsOpen = deps.metrics.gauge('chat_event_streams_open', 'Open event streams (widget and dashboard) on this instance');
  const sse = new SseStreams({
    heartbeatMs: deps.options?.heartbeatMs ?? 20_000,
    isStopping: deps.isStopping,
    onCountChange: (n) => streamsOpen.set(n),
  });
  const gate = new WidgetGate({ tokens, bots, conversationOwner: (id) => repository.conversationOwner(id), corsMaxAgeSeconds: deps.corsMaxAgeSeconds });
  const service = new ChatService({
    repository,
    hub,
    bots,
    tools,
    llm,
    settings,
    tokens,
    identitySecrets: new SecretBox(deps.secretKey, BOT_IDENTITY_PURPOSE),
    counters: deps.counters,
    analytics: deps.analytics,
    mail: deps.mail,
    accounts: deps.accounts,
    logger,
    publicUrl: deps.publicUrl,
    clock,
    limits: deps.options?.limits,
    turn: deps.options?.turn,
  });

  registerCoreChatTools(tools, {
    catalog: new CatalogSearch(deps.db),
    orders: deps.orders,
    requestHandoff: (ctx, reason) => service.requestHandoff(ctx, reason),
  });
  if (deps.installations) tools.addProvider(pluginToolProvider(deps.installations));

  const http = chatHttpModule({ service, gate, hub, sse, auth: deps.auth, settings, llm, clock, sseRetryMs: deps.options?.sseRetryMs });

  return {
    service,
    tools,
    gate,
    hub,
    sse,
    repository,
    settings,
    http,
    start: () => hub.start(),
    async stop() {
      sse.closeAll();
      await service.turns.stop();
      await hub.close();
    },
  };
}
