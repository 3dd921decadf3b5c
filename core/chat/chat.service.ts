import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AccountsRepository } from '../accounts/index.ts';
import type { Rating } from '../analytics/index.ts';
import type { Tx } from '../db/database.ts';
import { decodeKeyset, encodeKeyset } from '../kernel/cursor.ts';
import type { MailPort } from '../mail/mail.port.ts';
import { RateLimitedError } from '../security/rate-limit.errors.ts';
import type { RateLimitCounters } from '../security/rate-limit.ts';
import type {
  ContactRequest,
  CreateSessionRequest,
  CreateSessionResponse,
  HandoffState,
  ListMessagesResponse,
  PostMessageRequest,
  WidgetMessage,
} from '../wire/widget.ts';
import { originAllowed, type BotDirectory, type BotEntry, type ConversationLinks, type IdentityVerifier, type VisitorClaims, type VisitorTokens } from '../widget-access/index.ts';
import { storedLocale } from '../wire/datetime.ts';
import type { ChatAnalytics } from './chat-analytics.ts';
import { chatErrors } from './chat.errors.ts';
import type { AppendOptions, ChatRepository, ConversationListFilter, ConversationRow, MessageRow, NewEvent, StoredEvent } from './chat.repository.ts';
import type { ContextCache } from './context-cache.ts';
import { EarlyRequests } from './early-requests.ts';
import type { ChatEventHub } from './event-hub.ts';
import type { VisitorPresence } from './presence.ts';
import type { ReplyMailRepository } from './reply-mail.repository.ts';
import { chatStrings } from './i18n/strings.ts';
import { teamPresence } from '../tenancy/index.ts';
import { BUDGET_WARNING_SHARE, LlmSettingsRepository, monthOf, type LlmResolver, type TenantLlmState } from './llm-settings.ts';
import { TurnRunner, type DeliveryOptions, type TurnHandle, type TurnInput, type TurnOptions } from './turn.ts';
import type { ToolContext, ToolRegistry } from './tools.ts';

/**
 * The chat engine (design.md §6, issue #4): widget sessions, shopper messages and the assistant's
 * turn, the merchant's take-over / reply / release, contact requests and ratings. Every change is
 * one transaction that also appends its stream events; after commit the events go to this
 * instance's streams at once (other instances learn of them through NOTIFY).
 */

export type { ChatAnalytics } from './chat-analytics.ts';

export interface ChatLimits {
  /** Shopper messages per visitor per minute. Default 20. */
  messagesPerVisitorPerMinute?: number;
  /** Shopper messages per client IP per minute (all visitors behind it). Default 60. */
  messagesPerIpPerMinute?: number;
  /** New widget sessions per client IP per minute. Default 60. */
  sessionsPerIpPerMinute?: number;
}

export interface ChatServiceDeps {
  /** A platform's logged-in customer (session request `platform`), verified by the plugin; undefined = anonymous. */
  platformCustomer?: (input: { tenantId: string; plugin: string; token: string; origin?: string }) => Promise<{ customerId: string; email?: string } | undefined>;
  /** Counts early model requests (decision 0030): sent from a cached context, or dropped because the database's differed. */
  onEarlyRequest?: (outcome: 'sent' | 'dropped') => void;
  repository: ChatRepository;
  hub: ChatEventHub;
  bots: BotDirectory;
  tools: ToolRegistry;
  llm: LlmResolver;
  settings: LlmSettingsRepository;
  tokens: VisitorTokens;
  /** Signed mail links to one conversation (the reply mail's resume link). */
  links?: ConversationLinks;
  /** Reply mails to shoppers who left (issue #18); without it agent replies queue no mail. */
  replyMail?: { repository: ReplyMailRepository; presence: VisitorPresence; graceMs: number };
  /** Verifies a signed-in shopper's identity signature (widget access). */
  identity: IdentityVerifier;
  counters: RateLimitCounters;
  analytics: ChatAnalytics;
  mail: MailPort;
  accounts?: AccountsRepository | undefined;
  logger: Logger;
  /** For links in merchant mails (the dashboard's conversation page). */
  publicUrl: string;
  clock?: () => Date;
  limits?: ChatLimits;
  turn?: TurnOptions;
}

export interface AgentIdentity {
  userId: string | null;
}

const iso = (d: Date | string) => new Date(d).toISOString();

export function toWidgetMessage(m: Pick<MessageRow, 'id' | 'role' | 'text' | 'cards' | 'status' | 'created_at' | 'client_message_id'>): WidgetMessage {
  return {
    id: m.id,
    role: m.role,
    text: m.text.slice(0, 20_000),
    cards: (m.cards ?? []).slice(0, 20),
    status: m.status,
    createdAt: iso(m.created_at),
    ...(m.client_message_id ? { clientMessageId: m.client_message_id } : {}),
  };
}

/** The bot's greeting in the shopper's language: exact tag, then its language, then the default (issue #18). */
export function greetingFor(bot: { greeting: string | null; greetings?: Record<string, string> | null }, locale: string | undefined): string | null {
  const greetings = bot.greetings ?? {};
  const byTag = new Map(Object.entries(greetings).map(([k, v]) => [k.toLowerCase(), v]));
  const tag = (locale ?? '').toLowerCase();
  return byTag.get(tag) ?? byTag.get(tag.split('-')[0]!) ?? bot.greeting;
}

export function handoffState(c: Pick<ConversationRow, 'status' | 'agent_name'>): HandoffState {
  return c.status === 'with_agent' ? { active: true, agentName: c.agent_name } : { active: false, agentName: null };
}

/** The dashboard-only event every status change emits. */
export function conversationUpdated(c: ConversationRow): NewEvent {
  return {
    type: 'conversation.updated',
    data: {
      conversationId: c.id,
      status: c.status,
      followUp: c.follow_up,
      agentName: c.agent_name,
      messageCount: c.message_count,
      lastMessagePreview: c.last_message_preview,
      updatedAt: iso(c.updated_at),
    },
  };
}

const newVisitorId = () => `v_${randomBytes(16).toString('base64url')}`;
const hashIp = (ip: string) => createHash('sha256').update(ip).digest('base64url').slice(0, 22);

export class ChatService {
  readonly turns: TurnRunner;
  private readonly clock: () => Date;
  private readonly logger: Logger;
  private readonly limits: Required<ChatLimits>;
  /** Stores already warned this month by this instance (saves the counter round trip). */
  private readonly budgetWarned = new Set<string>();
  /** Early model requests from a cached context (decision 0030). */
  private readonly early: EarlyRequests;

  constructor(private readonly deps: ChatServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.logger = deps.logger.child({ component: 'chat' });
    this.limits = {
      messagesPerVisitorPerMinute: deps.limits?.messagesPerVisitorPerMinute ?? 20,
      messagesPerIpPerMinute: deps.limits?.messagesPerIpPerMinute ?? 60,
      sessionsPerIpPerMinute: deps.limits?.sessionsPerIpPerMinute ?? 60,
    };
    this.turns = new TurnRunner({
      commit: (tenantId, conversationId, work, options) => this.commit(tenantId, conversationId, work, options),
      append: (tenantId, conversationId, events, options) => this.append(tenantId, conversationId, events, options),
      live: { delta: (delta) => deps.hub.liveDelta(delta), announce: (delta) => deps.hub.announceDelta(delta) },
      repository: deps.repository,
      tools: deps.tools,
      llm: deps.llm,
      settings: deps.settings,
      analytics: deps.analytics,
      logger: this.logger,
      clock: this.clock,
      options: deps.turn ?? {},
      answered: (tenantId, conversationId, questionId, answer) => this.early.answered(tenantId, conversationId, questionId, answer),
    });
    this.early = new EarlyRequests({
      turns: this.turns,
      hub: deps.hub,
      settings: deps.settings,
      limits: this.limits,
      historyLength: deps.turn?.maxMessages ?? 10,
      clock: this.clock,
      logger: this.logger,
      onEarlyRequest: deps.onEarlyRequest,
    });
  }

  /** Each conversation's context as its last message here left it: the next one asks the model early from it. */
  get contexts(): ContextCache {
    return this.early.contexts;
  }

  /** Early model requests (from a cached context) sent, and dropped because the database's context differed. */
  get earlyRequests(): Readonly<{ sent: number; dropped: number }> {
    return this.early.counts;
  }

  // ---------------------------------------------------------------- unit of work

  /**
   * One transaction that may append stream events; after it commits, the events go straight to
   * this instance's subscribers (the NOTIFY sent by the same commit reaches the others).
   */
  async commit<T>(
    tenantId: string,
    conversationId: string,
    work: (trx: Tx) => Promise<{ value: T; events: NewEvent[]; append?: AppendOptions }>,
    options: { durable?: boolean } = {},
  ): Promise<{ value: T; events: StoredEvent[] }> {
    const durable = options.durable !== false;
    const { value, stored } = await this.deps.repository.tenant(tenantId, async (trx) => {
      const out = await work(trx);
      // The last statement of the unit of work: it carries the COMMIT.
      const stored = await this.deps.repository.appendEvents(trx, tenantId, conversationId, out.events, { durable, ...out.append, notify: !durable, origin: this.deps.hub.origin, last: true });
      return { value: out.value, stored };
    });
    this.delivered(stored, durable);
    return { value, events: stored };
  }

  /** Events alone (nothing read first), in one round trip; then delivered as `commit` does. */
  async append(tenantId: string, conversationId: string, events: NewEvent[], options: AppendOptions & DeliveryOptions = {}): Promise<StoredEvent[]> {
    const { beforeDelivery, ...append } = options;
    const durable = append.durable !== false;
    const stored = await this.deps.repository.appendEventsAtOnce(tenantId, conversationId, events, { ...append, notify: !durable, origin: this.deps.hub.origin });
    if (beforeDelivery) {
      try {
        await beforeDelivery();
      } catch (error) {
        this.logger.warn({ err: error, tenantId, conversationId }, 'a follow-up write of a committed unit of work failed');
      }
    }
    this.delivered(stored, durable);
    return stored;
  }


  private delivered(stored: StoredEvent[], durable: boolean): void {
    if (stored.length === 0) return;
    this.early.seen(stored);
    this.deps.hub.publish(stored);
    // Durable writes announce after commit, off the caller's path (see ChatService.announce);
    // the others carried their NOTIFY in the statement.
    if (durable) void this.announce(stored);
  }

  private async announce(events: StoredEvent[], attempt = 0): Promise<void> {
    try {
      // One round trip on the LISTEN connection; through the pool only while that one is down.
      if (!(await this.deps.hub.announce(events))) await this.deps.repository.notify(events, this.deps.hub.origin);
    } catch (error) {
      if (attempt < 3) {
        setTimeout(() => void this.announce(events, attempt + 1), 200 * 2 ** attempt).unref();
        return;
      }
      // Other instances catch up with the next event of the conversation, or when they reconnect.
      this.logger.error({ err: error, conversationId: events[0]?.conversationId }, 'could not announce committed events');
    }
  }

  // ---------------------------------------------------------------- widget: sessions

  /** Resolves a bot by key and checks the browser origin; the CORS decision the route applies. */
  async botForSession(botKey: string, origin: string | undefined): Promise<BotEntry> {
    const entry = await this.deps.bots.findByKey(botKey);
    // `reason` is what the widget's console tells the merchant (the refusal carries CORS headers so it can read it).
    if (!entry) throw chatErrors.unknownBot();
    if (!originAllowed(entry.bot, origin)) throw chatErrors.originNotAllowed(origin);
    return entry;
  }

  async createSession(entry: BotEntry, input: CreateSessionRequest, ip: string | undefined, origin?: string): Promise<CreateSessionResponse> {
    const { bot } = entry;
    if (ip) await this.limit(`widget-session:ip:${hashIp(ip)}`, this.limits.sessionsPerIpPerMinute, 'Too many new chat sessions from this address; wait a minute.');
    const verified = this.deps.identity.verify(entry, input.identity) ?? (await this.platformIdentity(entry, input.platform, origin));
    const resumed = input.resume ? this.resumeClaims(entry, input.resume) : undefined;
    const visitorId = resumed?.visitorId ?? input.visitorId ?? newVisitorId();
    // The widget's full tag (en-GB): the assistant's dates use it (core/wire/datetime.ts).
    const locale = storedLocale(input.locale, bot.locale);
    const { conversation, created } = await this.deps.repository.openConversation(bot.tenant_id, {
      botId: bot.id,
      visitorId,
      locale,
      timeZone: input.timeZone,
      verified,
      storeOrigin: origin,
      reopen: resumed?.conversationId,
    });
    const now = this.clock();
    const base = { tenantId: bot.tenant_id, botId: bot.id, visitorId, occurredAt: now };
    if (created) {
      this.deps.analytics.record({ ...base, type: 'conversation.started', conversationId: conversation.id });
      this.early.started(bot.tenant_id, conversation);
    }
    this.deps.analytics.record({ ...base, type: 'visitor.seen', conversationId: conversation.id });
    const { token, expiresAt } = this.deps.tokens.sign({ tenantId: bot.tenant_id, botId: bot.id, visitorId, conversationId: conversation.id, verified });
    const theme = bot.theme as CreateSessionResponse['bot']['theme'];
    return {
      visitorToken: token,
      visitorId,
      conversationId: conversation.id,
      expiresAt: expiresAt.toISOString(),
      identified: verified !== undefined,
      bot: {
        name: bot.name.slice(0, 80),
        greeting: greetingFor(bot, locale),
        locale: bot.locale,
        theme: {
          ...(theme.accentColor ? { accentColor: theme.accentColor } : {}),
          ...(theme.accentTextColor ? { accentTextColor: theme.accentTextColor } : {}),
          ...(theme.position ? { position: theme.position } : {}),
        },
      },
      handoff: handoffState(conversation),
    };
  }

  /** A reply mail's link: this bot's, unexpired, naming the conversation (and its visitor) to resume. */
  private resumeClaims(entry: BotEntry, token: string): { visitorId: string; conversationId: string } {
    const check = this.deps.links?.check('resume', token);
    if (!check) throw chatErrors.resumeLinkInvalid();
    if (!check.ok) throw check.reason === 'expired' ? chatErrors.resumeLinkExpired() : chatErrors.resumeLinkInvalid();
    if (check.claims.tenantId !== entry.bot.tenant_id || check.claims.botId !== entry.bot.id) throw chatErrors.resumeLinkInvalid();
    return { visitorId: check.claims.visitorId, conversationId: check.claims.conversationId };
  }

  private async platformIdentity(entry: BotEntry, platform: CreateSessionRequest['platform'], origin: string | undefined): Promise<VisitorClaims['verified']> {
    if (!platform || !this.deps.platformCustomer) return undefined;
    try {
      const customer = await this.deps.platformCustomer({ tenantId: entry.bot.tenant_id, plugin: platform.plugin, token: platform.token, origin });
      if (!customer?.customerId) return undefined;
      const email = customer.email?.trim().toLowerCase();
      return { customerId: customer.customerId, ...(email ? { email } : {}) };
    } catch (error) {
      this.logger.warn({ err: error, plugin: platform.plugin }, 'platform customer verification failed; visitor stays anonymous');
      return undefined;
    }
  }

  /**
   * Once a month per store (counted in PostgreSQL, so once across instances): when usage reaches
   * 80 % of the budget, a `budget.warning` event goes to the merchant's streams (never the widget's).
   */
  private async budgetWarning(tenantId: string, state: TenantLlmState, now: Date): Promise<NewEvent | undefined> {
    const budget = state.monthlyTokenBudget;
    if (budget === null || budget <= 0 || state.usedThisMonth < budget * BUDGET_WARNING_SHARE) return undefined;
    const month = monthOf(now);
    if (this.budgetWarned.has(`${tenantId}:${month}`)) return undefined;
    this.budgetWarned.add(`${tenantId}:${month}`);
    const first = await this.deps.counters.hit(`llm-budget-warning:${tenantId}:${month}`, 40 * 24 * 3600);
    if (first.count > 1) return undefined;
    this.logger.warn({ tenantId, used: state.usedThisMonth, budget }, 'store reached 80 % of its monthly token budget');
    return { type: 'budget.warning', data: { usedTokens: state.usedThisMonth, monthlyTokenBudget: budget, share: Math.round((state.usedThisMonth / budget) * 1000) / 1000, month } };
  }

  private async limit(key: string, perMinute: number, detail = 'Too many messages; wait a moment.'): Promise<void> {
    const state = await this.deps.counters.hit(key, 60);
    if (state.count > perMinute) {
      throw new RateLimitedError(detail, (state.resetAt.getTime() - this.clock().getTime()) / 1000);
    }
  }

  // ---------------------------------------------------------------- widget: messages

  /** Stores the shopper's message (202) and starts the assistant's turn off the request. */
  async postMessage(claims: VisitorClaims, conversationId: string, input: PostMessageRequest, ip: string | undefined): Promise<{ messageId: string }> {
    this.ownConversation(claims, conversationId);
    const { tenantId } = claims;
    const entry = await this.deps.bots.find(tenantId, claims.botId);
    if (!entry) throw chatErrors.notFound('This assistant no longer exists.');
    const now = this.clock();
    const maxMessages = this.deps.turn?.maxMessages ?? 10;
    const messageId = randomUUID();
    const userMessage: MessageRow = {
      tenant_id: tenantId,
      id: messageId,
      conversation_id: conversationId,
      role: 'user',
      text: input.text,
      cards: [],
      status: 'complete',
      client_message_id: input.clientMessageId ?? null,
      author_user_id: null,
      llm_steps: null,
      prompt_tokens: null,
      completion_tokens: null,
      model: null,
      adapter: null,
      response_ms: null,
      error_code: null,
      created_at: now,
      completed_at: now,
    };
    const turnInput = (conversation: ConversationRow, history: MessageRow[], settings: Record<string, unknown>): TurnInput => ({
      ctx: {
        tenantId,
        botId: claims.botId,
        conversationId,
        visitor: { id: claims.visitorId, verified: claims.verified },
        locale: conversation.locale,
        timeZone: conversation.time_zone ?? entry.bot.time_zone ?? entry.tenant.time_zone,
        storeOrigin: entry.bot.allowed_origins[0],
      },
      entry,
      conversation,
      userMessage,
      history: [...history, userMessage],
      llmState: LlmSettingsRepository.fromRow(settings, this.deps.settings.defaultMonthlyTokenBudget),
      receivedAt: now,
    });

    // The model is asked now from the context this conversation's last message here left, while the
    // database is read; the read decides whether that request stands (issue 13, first token).
    const address = ip ? hashIp(ip) : undefined;
    const early = this.early.begin(claims, conversationId, input, turnInput, address);
    // The model request goes out before this request's own reads are built and sent: the SDK's
    // preparation is a chain of promise steps that the database's answers would otherwise interleave.
    if (early.sent) await new Promise((resolve) => setImmediate(resolve));
    let handle: TurnHandle | undefined;
    let turn: TurnInput;
    let budgetWarning: NewEvent | undefined;
    let snapshot: { history: MessageRow[]; settings: Record<string, unknown> };
    try {
      // The address limit (shared counters) and everything the answer needs, read in parallel
      // before anything is written.
      const [, context] = await Promise.all([
        address ? this.limit(`chat-message:ip:${address}`, this.limits.messagesPerIpPerMinute) : Promise.resolve(),
        this.deps.repository.turnContext(tenantId, conversationId, { limit: maxMessages, month: monthOf(now), clientMessageId: input.clientMessageId }),
      ]);
      if (!context.conversation) throw chatErrors.notFound();
      if (context.duplicateOf) {
        early.cancel();
        return { messageId: context.duplicateOf };
      }
      if (context.recentUserMessages >= this.limits.messagesPerVisitorPerMinute) throw new RateLimitedError('Too many messages; wait a moment.', 60);
      turn = turnInput(context.conversation, context.history, context.settings);
      budgetWarning = await this.budgetWarning(tenantId, turn.llmState, now);
      // While a person has taken over, the bot stays quiet. Otherwise the model is asked now (or
      // already was, from the same context), while the message is stored: storing adds nothing to
      // the time before the first token.
      if (context.conversation.status !== 'with_agent') handle = early.handleFor(turn) ?? this.turns.begin(turn);
      else early.cancel();
      snapshot = { history: context.history, settings: context.settings };
    } catch (error) {
      early.cancel();
      throw error;
    }

    type Stored = { message: MessageRow; answer: boolean; duplicate: boolean; conversation?: ConversationRow };
    let stored: Stored;
    try {
      ({ value: stored } = await this.commit<Stored>(tenantId, conversationId, async (trx) => {
        const inserted = await this.deps.repository.insertUserMessage(trx, tenantId, conversationId, {
          id: messageId,
          text: input.text,
          clientMessageId: input.clientMessageId,
        });
        if (!inserted) throw chatErrors.notFound();
        const { message, duplicate, conversation: current } = inserted;
        if (duplicate) return { value: { message, answer: false, duplicate }, events: [] };
        const events: NewEvent[] = [
          {
            type: 'message.created',
            data: {
              messageId: message.id,
              role: 'user',
              text: message.text,
              createdAt: iso(message.created_at),
              ...(message.client_message_id ? { clientMessageId: message.client_message_id } : {}),
            },
          },
          conversationUpdated(current),
        ];
        const answer = current.status !== 'with_agent';
        if (budgetWarning) events.push(budgetWarning);
        if (answer) events.push({ type: 'typing', data: { role: 'assistant', active: true } });
        return { value: { message, answer, duplicate, conversation: current }, events };
      }));
    } catch (error) {
      handle?.cancel();
      throw error;
    }

    if (!stored.answer) {
      handle?.cancel();
      if (!stored.duplicate) this.early.forget(tenantId, conversationId);
      return { messageId: stored.message.id };
    }
    this.deps.analytics.record({ type: 'message.received', tenantId, botId: claims.botId, conversationId, visitorId: claims.visitorId, occurredAt: now });
    // The answer is stamped after the question, whatever the clocks of this host and the database say.
    userMessage.created_at = stored.message.created_at;
    this.early.remember(tenantId, conversationId, { conversation: stored.conversation!, history: snapshot.history, settings: snapshot.settings, question: userMessage, month: monthOf(now), epoch: early.epoch });
    if (handle) handle.go();
    else this.turns.start(turn);
    return { messageId: stored.message.id };
  }

  async listMessages(claims: VisitorClaims, conversationId: string, query: { cursor?: string | undefined; limit: number }): Promise<ListMessagesResponse> {
    this.ownConversation(claims, conversationId);
    const before = decodeKeyset('messages', query.cursor);
    // The newest page is on the shopper's screen now: replies up to here need no mail.
    if (!before) this.deps.replyMail?.presence.seen(claims.tenantId, conversationId);
    const page = await this.deps.repository.historyPage(claims.tenantId, conversationId, {
      limit: query.limit,
      before: before ? { createdAt: before.at, id: before.id } : undefined,
    });
    const oldest = page.messages[0];
    return {
      items: page.messages.map(toWidgetMessage),
      nextCursor: page.hasMore && oldest ? encodeKeyset('messages', oldest.created_at, oldest.id) : null,
      lastEventId: page.lastEventSeq > 0 ? String(page.lastEventSeq) : null,
    };
  }

  ownConversation(claims: VisitorClaims, conversationId: string): void {
    // A token names exactly one conversation; anything else does not exist for this visitor.
    if (claims.conversationId !== conversationId) throw chatErrors.notFound();
  }

  // ---------------------------------------------------------------- widget: contact and rating

  async contact(claims: VisitorClaims, conversationId: string, input: ContactRequest): Promise<{ id: string }> {
    this.ownConversation(claims, conversationId);
    const { tenantId } = claims;
    await this.limit(`chat-contact:visitor:${tenantId}:${claims.visitorId}`, 5);
    const { value } = await this.commit(tenantId, conversationId, async (trx) => {
      const conversation = await this.deps.repository.lockConversation(trx, tenantId, conversationId);
      if (!conversation) throw chatErrors.notFound();
      const id = await this.deps.repository.insertContactRequest(trx, tenantId, conversationId, input);
      const updated = (await this.deps.repository.updateConversation(trx, tenantId, conversationId, { follow_up: true, contact_email: input.email }))!;
      const transcript = await this.deps.repository.recentMessages(trx, tenantId, conversationId, 10);
      return { value: { id, conversation: updated, transcript }, events: [conversationUpdated(updated)] };
    });
    // The mail goes out after the answer: a slow mail server must not hold the shopper.
    void this.notifyMerchant(tenantId, claims.botId, value.conversation, value.id, input, value.transcript);
    return { id: value.id };
  }

  private async notifyMerchant(tenantId: string, botId: string, conversation: ConversationRow, contactId: string, input: ContactRequest, transcript: MessageRow[]) {
    try {
      const accounts = this.deps.accounts;
      if (!accounts) return;
      const entry = await this.deps.bots.find(tenantId, botId);
      const members = await this.deps.repository.tenant(tenantId, (trx) => accounts.listMembers(trx, tenantId));
      const to = members.filter((m) => m.role === 'owner' || m.role === 'admin').map((m) => m.email);
      if (to.length === 0) return;
      const strings = chatStrings(entry?.tenant.locale);
      const storeName = entry?.tenant.name ?? 'Concierge';
      const lines = transcript
        .filter((m) => m.text)
        .map((m) => `${m.role === 'user' ? '>' : '-'} ${m.text.replace(/\s+/g, ' ').slice(0, 300)}`)
        .join('\n');
      await this.deps.mail.send({
        to,
        replyTo: input.email,
        subject: strings.contactMail.subject({ storeName }),
        text: strings.contactMail.text({
          storeName,
          email: input.email,
          message: input.text,
          conversationUrl: `${this.deps.publicUrl}/admin/conversations/${conversation.id}`,
          transcript: lines,
        }),
        tenantId,
      });
      await this.deps.repository.markContactNotified(tenantId, contactId);
    } catch (error) {
      this.logger.error({ err: error, tenantId, conversationId: conversation.id }, 'could not notify the merchant of a contact request');
    }
  }

  /** The shopper opened the chat panel (issue #18: `widgetOpens` stayed 0); counted per open, off the request path. */
  opened(claims: VisitorClaims, conversationId: string): void {
    this.ownConversation(claims, conversationId);
    this.deps.analytics.record({ type: 'widget.opened', tenantId: claims.tenantId, botId: claims.botId, conversationId, visitorId: claims.visitorId, occurredAt: this.clock() });
  }

  rate(claims: VisitorClaims, conversationId: string, input: { rating: Rating; comment?: string | undefined }): void {
    this.ownConversation(claims, conversationId);
    this.deps.analytics.rateConversation(claims.tenantId, conversationId, claims.visitorId, input.rating, input.comment);
  }

  // ---------------------------------------------------------------- handoff (tool and merchant)

  /**
   * The assistant's handoff_to_human: the conversation waits for a person (the bot keeps helping,
   * saying so, until one takes over). Members who opted in get a mail on the first request, the
   * dashboard's stream gets the status change; 'unavailable' outside the bot's business hours, so
   * the shopper is told honestly and offered to leave an email (issue #18).
   */
  async requestHandoff(ctx: Pick<ToolContext, 'tenantId' | 'botId' | 'conversationId' | 'visitor'>, reason: string | undefined): Promise<'requested' | 'unavailable'> {
    const { value } = await this.commit(ctx.tenantId, ctx.conversationId, async (trx) => {
      const c = await this.deps.repository.lockConversation(trx, ctx.tenantId, ctx.conversationId);
      if (!c) throw new Error('conversation vanished');
      const first = c.handoff_requested_at === null;
      if (c.status === 'with_agent' || c.status === 'waiting_for_agent') return { value: { first, transcript: [] as MessageRow[] }, events: [] };
      const updated = (await this.deps.repository.updateConversation(trx, ctx.tenantId, ctx.conversationId, {
        status: 'waiting_for_agent',
        handoff_requested_at: c.handoff_requested_at ?? trx.fn.now(),
      }))!;
      const transcript = first ? await this.deps.repository.recentMessages(trx, ctx.tenantId, ctx.conversationId, 10) : [];
      return { value: { first, transcript }, events: [conversationUpdated(updated)] };
    });
    if (value.first) {
      this.deps.analytics.record({
        type: 'handoff.requested',
        tenantId: ctx.tenantId,
        botId: ctx.botId,
        conversationId: ctx.conversationId,
        visitorId: ctx.visitor.id,
        occurredAt: this.clock(),
        data: { source: 'assistant' },
      });
      // After the answer: a slow mail server must not hold the shopper.
      void this.notifyHandoff(ctx.tenantId, ctx.botId, ctx.conversationId, reason, value.transcript);
    }
    return (await this.teamOnline(ctx.tenantId, ctx.botId)) ? 'requested' : 'unavailable';
  }

  /** Whether someone answers chats now, by the bot's business hours (none set: yes). */
  async teamOnline(tenantId: string, botId: string): Promise<boolean> {
    const entry = await this.deps.bots.find(tenantId, botId);
    if (!entry) return true;
    return teamPresence(entry.bot.business_hours, entry.bot.time_zone || entry.tenant.time_zone, this.clock()).online;
  }

  private async notifyHandoff(tenantId: string, botId: string, conversationId: string, reason: string | undefined, transcript: MessageRow[]) {
    try {
      const accounts = this.deps.accounts;
      if (!accounts) return;
      const to = await this.deps.repository.tenant(tenantId, (trx) => accounts.handoffRecipients(trx, tenantId));
      if (to.length === 0) return;
      const entry = await this.deps.bots.find(tenantId, botId);
      const strings = chatStrings(entry?.tenant.locale);
      const storeName = entry?.tenant.name ?? 'Concierge';
      const lines = transcript
        .filter((m) => m.text)
        .map((m) => `${m.role === 'user' ? '>' : '-'} ${m.text.replace(/\s+/g, ' ').slice(0, 300)}`)
        .join('\n');
      await this.deps.mail.send({
        to,
        subject: strings.handoffMail.subject({ storeName }),
        text: strings.handoffMail.text({ storeName, reason: (reason ?? '').replace(/\s+/g, ' ').slice(0, 300), conversationUrl: `${this.deps.publicUrl}/admin/conversations/${conversationId}`, transcript: lines }),
        tenantId,
      });
    } catch (error) {
      this.logger.error({ err: error, tenantId, conversationId }, 'could not mail the team about a handoff');
    }
  }

  private async agentName(tenantId: string, userId: string | null): Promise<string | null> {
    const accounts = this.deps.accounts;
    if (!userId || !accounts) return null;
    const member = await this.deps.repository.tenant(tenantId, (trx) => accounts.member(trx, tenantId, userId));
    return member?.name?.slice(0, 80) || null;
  }

  /** A person takes over: the bot stays quiet until released. */
  async takeOver(tenantId: string, conversationId: string, agent: AgentIdentity): Promise<ConversationRow> {
    const name = await this.agentName(tenantId, agent.userId);
    const { value } = await this.commit(tenantId, conversationId, (trx) => this.takeOverIn(trx, tenantId, conversationId, agent, name));
    if (value.first) this.handoffByAgent(tenantId, value.conversation);
    return value.conversation;
  }

  private handoffByAgent(tenantId: string, c: ConversationRow): void {
    this.deps.analytics.record({ type: 'handoff.requested', tenantId, botId: c.bot_id, conversationId: c.id, visitorId: c.visitor_id, occurredAt: this.clock(), data: { source: 'agent' } });
  }

  private async takeOverIn(trx: Tx, tenantId: string, conversationId: string, agent: AgentIdentity, name: string | null) {
    const c = await this.deps.repository.lockConversation(trx, tenantId, conversationId);
    if (!c) throw chatErrors.notFound();
    if (c.status === 'with_agent' && c.agent_user_id === agent.userId) return { value: { conversation: c, first: false }, events: [] as NewEvent[] };
    const updated = (await this.deps.repository.updateConversation(trx, tenantId, conversationId, {
      status: 'with_agent',
      agent_user_id: agent.userId,
      agent_name: name,
      handoff_requested_at: c.handoff_requested_at ?? trx.fn.now(),
    }))!;
    return {
      value: { conversation: updated, first: c.handoff_requested_at === null },
      events: [{ type: 'handoff', data: handoffState(updated) }, conversationUpdated(updated)] as NewEvent[],
    };
  }

  /** Back to the bot. */
  async release(tenantId: string, conversationId: string): Promise<ConversationRow> {
    const { value } = await this.commit(tenantId, conversationId, async (trx) => {
      const c = await this.deps.repository.lockConversation(trx, tenantId, conversationId);
      if (!c) throw chatErrors.notFound();
      if (c.status !== 'with_agent' && c.status !== 'waiting_for_agent') return { value: c, events: [] };
      const updated = (await this.deps.repository.updateConversation(trx, tenantId, conversationId, { status: 'open', agent_user_id: null, agent_name: null }))!;
      const events: NewEvent[] = [];
      if (c.status === 'with_agent') events.push({ type: 'handoff', data: handoffState(updated) });
      events.push(conversationUpdated(updated));
      return { value: updated, events };
    });
    return value;
  }

  /** The merchant closes the conversation; the visitor's next message reopens it. */
  async close(tenantId: string, conversationId: string): Promise<ConversationRow> {
    const { value } = await this.commit(tenantId, conversationId, async (trx) => {
      const c = await this.deps.repository.lockConversation(trx, tenantId, conversationId);
      if (!c) throw chatErrors.notFound();
      if (c.status === 'closed') return { value: c, events: [] };
      const updated = (await this.deps.repository.updateConversation(trx, tenantId, conversationId, { status: 'closed', agent_user_id: null, agent_name: null, follow_up: false }))!;
      const events: NewEvent[] = [];
      if (c.status === 'with_agent') events.push({ type: 'handoff', data: handoffState(updated) });
      events.push(conversationUpdated(updated));
      return { value: updated, events };
    });
    return value;
  }

  /** A team member writes; writing takes the conversation over. */
  async agentReply(tenantId: string, conversationId: string, agent: AgentIdentity, text: string): Promise<MessageRow> {
    const name = await this.agentName(tenantId, agent.userId);
    const { value } = await this.commit(tenantId, conversationId, async (trx) => {
      const taken = await this.takeOverIn(trx, tenantId, conversationId, agent, name);
      const message = (await this.deps.repository.insertMessage(trx, tenantId, conversationId, { role: 'agent', text, authorUserId: agent.userId }))!;
      const counted = (await this.deps.repository.countMessage(trx, tenantId, conversationId, { preview: text }))!;
      // A shopper who may have left gets the replies of the next few minutes in one mail, unless
      // they saw them live (decided when it is due: core/chat/reply-mail.ts).
      const replyMail = this.deps.replyMail;
      if (replyMail && (counted.verified_email ?? counted.contact_email) && !counted.reply_mail_stopped_at) {
        await replyMail.repository.queue(trx, tenantId, conversationId, message.id, new Date(this.clock().getTime() + replyMail.graceMs));
      }
      const events: NewEvent[] = [
        ...taken.events.filter((e) => e.type !== 'conversation.updated'),
        { type: 'message.created', data: { messageId: message.id, role: 'agent', text: message.text, createdAt: iso(message.created_at) } },
        { type: 'typing', data: { role: 'agent', active: false } },
        conversationUpdated(counted),
      ];
      return { value: { message, taken: taken.value }, events };
    });
    if (value.taken.first) this.handoffByAgent(tenantId, value.taken.conversation);
    return value.message;
  }

  async agentTyping(tenantId: string, conversationId: string, active: boolean): Promise<void> {
    await this.commit(tenantId, conversationId, async (trx) => {
      const c = await this.deps.repository.getConversation(tenantId, conversationId, trx);
      if (!c) throw chatErrors.notFound();
      return { value: undefined, events: [{ type: 'typing', data: { role: 'agent', active } }] };
    });
  }

  // ---------------------------------------------------------------- merchant reads

  async listConversations(tenantId: string, filter: Omit<ConversationListFilter, 'after'> & { cursor?: string | undefined }) {
    const after = decodeKeyset('conversations', filter.cursor);
    const rows = await this.deps.repository.listConversations(tenantId, { ...filter, limit: filter.limit + 1, after: after ? { updatedAt: after.at, id: after.id } : undefined });
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > filter.limit && last ? encodeKeyset('conversations', last.updated_at, last.id) : null };
  }

  async requireConversation(tenantId: string, conversationId: string): Promise<ConversationRow> {
    const conversation = await this.deps.repository.getConversation(tenantId, conversationId);
    if (!conversation) throw chatErrors.notFound();
    return conversation;
  }

  async getConversation(tenantId: string, conversationId: string) {
    const conversation = await this.deps.repository.getConversation(tenantId, conversationId);
    if (!conversation) throw chatErrors.notFound();
    const messages = await this.deps.repository.tenant(tenantId, (trx) => this.deps.repository.recentMessages(trx, tenantId, conversationId, 500));
    return { conversation, messages };
  }
}
