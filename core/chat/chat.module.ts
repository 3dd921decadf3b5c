import pg from 'pg';
import type { Logger } from 'pino';
import type { AccountsRepository } from '../accounts/index.ts';
import type { Authenticator } from '../accounts/index.ts';
import type { Database } from '../db/database.ts';
import type { HttpModule } from '../http/app.ts';
import type { Metrics } from '../http/metrics.ts';
import type { MailPort } from '../mail/mail.port.ts';
import { MailOutboxWorker, type OutboxWorkerOptions } from '../mail/outbox-worker.ts';
import type { RateLimitCounters } from '../security/rate-limit.ts';
import { SecretBox } from '../security/secret-box.ts';
import { chatHttpModule } from './chat.routes.ts';
import { ChatRepository } from './chat.repository.ts';
import type { ChatAnalytics } from './chat-analytics.ts';
import { ChatService, type ChatServiceDeps, type ChatLimits } from './chat.service.ts';
import { handoffTool } from './chat.tools.schema.ts';
import type { PgListener } from '../db/pg-listener.ts';
import { ChatEventHub } from './event-hub.ts';
import type { LlmPort } from './llm.port.ts';
import { LlmResolver, LlmSettingsRepository, TENANT_LLM_KEY_PURPOSE } from './llm-settings.ts';
import { VisitorPresence } from './presence.ts';
import { ReplyMailRenderer } from './reply-mail.ts';
import { replyMailPagesHttpModule } from './reply-mail.http.ts';
import { ReplyMailRepository, type ReplyMailRow } from './reply-mail.repository.ts';
import { SseStreams } from './sse.ts';
import { ToolRegistry, type ToolProvider } from './tools.ts';
import type { TurnOptions } from './turn.ts';
import type { BotDirectory, WidgetAccess, WidgetGate } from '../widget-access/index.ts';

/** Assembles the chat engine for the composition root (core/bootstrap.ts). */

export interface ChatModuleDeps {
  db: Database;
  /** Connection string for the one dedicated LISTEN connection (a direct one, not through PgBouncer). */
  listenUrl: string;
  /** The instance's shared LISTEN connection; without one the hub opens its own on `listenUrl`. */
  listener?: PgListener;
  logger: Logger;
  metrics: Metrics;
  isStopping: () => boolean;
  auth: Authenticator;
  /** The widget's door (bots, visitor tokens, identity, gate), shared with booking. */
  access: WidgetAccess;
  accounts?: AccountsRepository;
  mail: MailPort;
  secretKey: string;
  counters: RateLimitCounters;
  analytics: ChatAnalytics;
  /** Tools that depend on the tenant (the plugin host's: plugins' tools of active installations). */
  toolProviders?: ToolProvider[];
  /** Verifies a platform customer token (`platform` in the session request) through the plugin's `verifyCustomer`. */
  platformCustomer?: ChatServiceDeps['platformCustomer'];
  llm: {
    offline: LlmPort;
    /** The configured provider (instance key); absent runs the offline model unless a tenant brings a key. */
    defaultLlm?: LlmPort | undefined;
    /** An OpenAI-compatible adapter for a tenant's base URL (tenants with their own key). */
    openAiFor?: ((baseUrl: string | undefined) => LlmPort) | undefined;
    defaultModel?: string | undefined;
  };
  publicUrl: string;
  /** Tokens per month for a store that set no budget of its own (config LLM_MONTHLY_TOKEN_BUDGET); absent: unlimited. */
  defaultMonthlyTokenBudget?: number;
  clock?: () => Date;
  options?: ChatTuning;
}

/** Knobs for operators and tests (short timeouts, fast heartbeats); defaults suit production. */
export interface ChatTuning {
  /** Passed to the OpenAI-compatible adapter by the composition root. */
  llm?: { timeoutMs?: number; idleTimeoutMs?: number; maxRetries?: number; retryBaseDelayMs?: number; retryMaxDelayMs?: number };
  heartbeatMs?: number;
  sseRetryMs?: number;
  /** Open event streams per visitor / merchant token; the next closes the oldest (core/chat/sse.ts). */
  streamCaps?: { perVisitor?: number; perMerchantToken?: number };
  limits?: ChatLimits;
  turn?: TurnOptions;
  botCacheMs?: number;
  /**
   * Reply mails to shoppers who left (issue #18): replies of `graceMs` (default 2 min) go out in
   * one mail unless the shopper saw them; open widget streams refresh presence every
   * `presenceRefreshMs` (default 30 s). `worker.enabled: false` leaves sending to other instances.
   */
  replyMail?: { graceMs?: number; presenceRefreshMs?: number; worker?: OutboxWorkerOptions & { enabled?: boolean } };
}

export interface ChatModule {
  service: ChatService;
  /** Modules register their chat tools here (catalog, orders, booking). */
  tools: ToolRegistry;
  /** Visitor auth and CORS for other modules' widget routes. */
  gate: WidgetGate;
  hub: ChatEventHub;
  sse: SseStreams;
  repository: ChatRepository;
  settings: LlmSettingsRepository;
  http: HttpModule;
  /** The reply mail's stop page (`/chat/mail-stop/<token>`). */
  pages: HttpModule;
  /** Reply mails: the outbox, its worker and the presence marks that decide whether a mail is needed. */
  replyMail: { repository: ReplyMailRepository; worker: MailOutboxWorker<ReplyMailRow>; presence: VisitorPresence; renderer: ReplyMailRenderer };
  /** Bots as the widget API caches them; `clear()` after origins changed on this instance. */
  bots: BotDirectory;
  /** Opens the LISTEN connection. */
  start(): Promise<void>;
  /** Ends streams, lets running turns record their end, closes LISTEN. */
  stop(): Promise<void>;
}

export function createChat(deps: ChatModuleDeps): ChatModule {
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger;
  const repository = new ChatRepository(deps.db);
  const { bots, tokens, gate, identity, links } = deps.access;
  const settings = new LlmSettingsRepository(deps.db, new SecretBox(deps.secretKey, TENANT_LLM_KEY_PURPOSE), deps.defaultMonthlyTokenBudget ?? null);
  const llm = new LlmResolver({ ...deps.llm, openKey: (sealed) => settings.openKey(sealed), logger });
  const tools = new ToolRegistry(logger.child({ component: 'chat-tools' }));
  const hub = new ChatEventHub({
    source: repository,
    logger,
    onBotChanged: (payload) => bots.forget(payload),
    // A cached context another instance has written past would only cost an early request that is dropped.
    onLlmSettingsChanged: (tenantId) => service.contexts.forgetTenant(tenantId),
    onForeignEvent: (tenantId, conversationId) => (tenantId === '*' ? service.contexts.forgetAll() : service.contexts.forget(tenantId, conversationId)),
    ...(deps.listener
      ? { listener: deps.listener }
      : {
          connect: async () => {
            const client = new pg.Client({ connectionString: deps.listenUrl, keepAlive: true, application_name: 'concierge-listen' });
            await client.connect();
            return client;
          },
        }),
  });
  const streamsOpen = deps.metrics.gauge('chat_event_streams_open', 'Open event streams (widget and dashboard) on this instance');
  const sse = new SseStreams({
    heartbeatMs: deps.options?.heartbeatMs ?? 20_000,
    isStopping: deps.isStopping,
    onCountChange: (n) => streamsOpen.set(n),
  });
  const tuning = deps.options?.replyMail ?? {};
  const replyMails = new ReplyMailRepository(deps.db);
  const presence = new VisitorPresence(replyMails, clock, logger.child({ component: 'chat-presence' }), tuning.presenceRefreshMs);
  const renderer = new ReplyMailRenderer({ repository: replyMails, bots, links, publicUrl: deps.publicUrl });
  const { enabled: replyWorkerEnabled = true, ...replyWorkerOptions } = tuning.worker ?? {};
  const replyWorker = new MailOutboxWorker<ReplyMailRow>({
    outbox: replyMails,
    renderer,
    mail: deps.mail,
    clock,
    logger: logger.child({ component: 'chat-reply-outbox' }),
    metrics: deps.metrics,
    names: { metric: 'chat_reply_mails', metricSingular: 'chat_reply_mail', what: 'chat reply mail', task: 'chat-reply-outbox' },
    options: replyWorkerOptions,
  });
  const earlyRequests = deps.metrics.counter(
    'chat_early_model_requests_total',
    'Model requests sent from the context cached on this instance before the database answered (outcome=sent), and those dropped because the database held another context (outcome=dropped)',
    ['outcome'],
  );
  const service = new ChatService({
    repository,
    links,
    replyMail: { repository: replyMails, presence, graceMs: tuning.graceMs ?? 120_000 },
    hub,
    bots,
    tools,
    llm,
    settings,
    tokens,
    identity,
    counters: deps.counters,
    analytics: deps.analytics,
    mail: deps.mail,
    accounts: deps.accounts,
    logger,
    publicUrl: deps.publicUrl,
    clock,
    limits: deps.options?.limits,
    turn: deps.options?.turn,
    platformCustomer: deps.platformCustomer,
    onEarlyRequest: (outcome) => earlyRequests.inc({ outcome }),
  });

  // The chat's own tool; catalog, orders and booking register theirs (core/bootstrap.ts wires them).
  tools.registerContract(handoffTool, async (ctx, args) => ({ result: { status: await service.requestHandoff(ctx, args.reason) } }));
  for (const provider of deps.toolProviders ?? []) tools.addProvider(provider);

  const http = chatHttpModule({ service, gate, hub, sse, presence, auth: deps.auth, settings, llm, clock, sseRetryMs: deps.options?.sseRetryMs, streamCaps: deps.options?.streamCaps });
  const pages = replyMailPagesHttpModule({ links, bots, conversations: repository, replyMails, clock });

  return {
    service,
    tools,
    gate,
    hub,
    sse,
    repository,
    settings,
    http,
    pages,
    replyMail: { repository: replyMails, worker: replyWorker, presence, renderer },
    bots,
    async start() {
      await hub.start();
      presence.start();
      if (replyWorkerEnabled) replyWorker.start();
    },
    async stop() {
      sse.closeAll();
      await presence.stop();
      await service.turns.stop();
      await replyWorker.stop();
      await hub.close();
    },
  };
}
