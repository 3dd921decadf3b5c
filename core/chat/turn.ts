import { randomUUID } from 'node:crypto';
import { zonedDate } from '../wire/datetime.ts';
import type { Logger } from 'pino';
import type { Tx } from '../db/database.ts';
import type { Card } from '../wire/widget.ts';
import type { BotEntry } from '../widget-access/index.ts';
import type { AppendOptions, ChatRepository, CompletedMessage, ConversationRow, MessageRow, NewEvent, StoredEvent } from './chat.repository.ts';
import type { ChatAnalytics } from './chat-analytics.ts';
import type { LiveDelta } from './event-hub.ts';
import { buildHistory, buildSystemPrompt, instructionsBlock } from './context.ts';
import { teamPresence } from '../tenancy/index.ts';
import { chatStrings } from './i18n/strings.ts';
import { LlmError, type LlmMessage, type LlmRequest, type LlmStreamEvent, type LlmToolCall } from './llm.port.ts';
import { LlmSettingsRepository, type LlmChoice, type LlmResolver, type TenantLlmState } from './llm-settings.ts';
import { OutputGuard } from './output-guard.ts';
import type { ToolContext, ToolDefinition, ToolRegistry } from './tools.ts';

/**
 * One assistant turn, run after the shopper's message was stored (off the request): context,
 * the model's stream, the tool loop (bounded), and the answer persisted with its token usage.
 * A provider failure ends in an apology with the email offer and an `error` event; nothing the
 * shopper wrote or saw is lost.
 */

export interface TurnOptions {
  /** Rounds in which the model may call tools; one more round without tools must answer. Default 5. */
  maxToolRounds?: number;
  /** History messages given to the model. Default 10. */
  maxMessages?: number;
  /** Estimated tokens of history at most. Default 3,000. */
  historyTokenBudget?: number;
  maxOutputTokens?: number;
  /** The whole turn, all rounds and tools. Default 120 s. */
  turnTimeoutMs?: number;
  /** Least time between two rounds of an answer's text to the other instances and the database (the first goes out at once). Default 40 ms. */
  deltaIntervalMs?: number;
}

export interface TurnInput {
  ctx: Omit<ToolContext, 'signal'>;
  entry: BotEntry;
  conversation: ConversationRow;
  userMessage: MessageRow;
  history: MessageRow[];
  llmState: TenantLlmState;
  receivedAt: Date;
}

export interface DeliveryOptions {
  /**
   * Runs after the write and before its events reach any stream, so a shopper or merchant who sees
   * them also sees this write (a failure is logged, the events still go out).
   */
  beforeDelivery?: () => Promise<void>;
}

type Commit = <T>(
  tenantId: string,
  conversationId: string,
  work: (trx: Tx) => Promise<{ value: T; events: NewEvent[]; append?: AppendOptions }>,
  options?: { durable?: boolean },
) => Promise<{ value: T; events: StoredEvent[] }>;

export interface TurnDeps {
  commit: Commit;
  /** Events and the statements that go with them, nothing read first: one round trip (ChatService.append). */
  append: (tenantId: string, conversationId: string, events: NewEvent[], options: AppendOptions & DeliveryOptions) => Promise<StoredEvent[]>;
  /** An answer's text as it streams: to this instance's streams at once, and announced to the others (ChatEventHub). */
  live: { delta(delta: LiveDelta): void; announce(delta: LiveDelta): Promise<boolean> };
  repository: ChatRepository;
  tools: ToolRegistry;
  llm: LlmResolver;
  settings: LlmSettingsRepository;
  analytics: ChatAnalytics;
  logger: Logger;
  clock: () => Date;
  options: TurnOptions;
  /** A turn's answer is stored complete (ChatService keeps it for the conversation's next message). */
  answered?: (tenantId: string, conversationId: string, questionId: string, answer: MessageRow) => void;
}

const iso = (d: Date) => d.toISOString();

/**
 * The assistant's message as it streams (issue 13: deltas without a row each). Every piece of text
 * goes to this instance's streams at once (`live.delta`, no database write first). Behind it, in
 * rounds at least `intervalMs` apart (the first at once): the new text is announced to the other
 * instances (one NOTIFY, no row), and the message row is written — created with its
 * `message.created` event in the first round, its text saved at most every `saveIntervalMs` after
 * that, never waiting for the disk — so history and an instance that missed the start have it.
 */
class AssistantWriter {
  readonly messageId = randomUUID();
  created = false;
  /** The answer's timestamp, from its first write. */
  private createdAt: Date | undefined;
  shown = '';
  /** How much of `shown` the other instances were sent, and the database has. */
  private announced = 0;
  private saved = 0;
  private savedAt = 0;
  private inflight: Promise<void> | undefined;
  private failure: unknown;
  private lastRoundAt = 0;
  private hurry: (() => void) | undefined;

  constructor(
    private readonly deps: TurnDeps,
    private readonly tenantId: string,
    private readonly conversationId: string,
    private readonly intervalMs: number,
    /** The shopper's message: the answer's timestamp is never earlier. */
    private readonly question: Pick<MessageRow, 'created_at'>,
    private readonly saveIntervalMs = 250,
  ) {}

  private stamp(): Date {
    const now = Date.now();
    const after = new Date(this.question.created_at).getTime() + 1;
    return new Date(Math.max(now, after));
  }

  delta(text: string): void {
    if (!text) return;
    const offset = this.shown.length;
    this.shown += text;
    this.deps.live.delta({ tenantId: this.tenantId, conversationId: this.conversationId, messageId: this.messageId, offset, delta: text });
    this.inflight ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.announced < this.shown.length && this.failure === undefined) {
        const wait = this.lastRoundAt + this.intervalMs - Date.now();
        if (wait > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.hurry = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.hurry = undefined;
        }
        this.lastRoundAt = Date.now();
        await Promise.all([this.announce(), this.save()]);
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.inflight = undefined;
    }
  }

  /** The text the other instances have not been sent (when the LISTEN connection is down they get the final text from the log). */
  private async announce(): Promise<void> {
    const offset = this.announced;
    this.announced = this.shown.length;
    await this.deps.live
      .announce({ tenantId: this.tenantId, conversationId: this.conversationId, messageId: this.messageId, offset, delta: this.shown.slice(offset) })
      .catch((error: unknown) => this.deps.logger.warn({ err: error, conversationId: this.conversationId }, 'could not announce an answer\'s text to the other instances'));
  }

  private async save(): Promise<void> {
    const { repository } = this.deps;
    if (!this.created) {
      const text = this.shown;
      const createdAt = this.stamp();
      this.createdAt = createdAt;
      const events: NewEvent[] = [{ type: 'message.created', data: { messageId: this.messageId, role: 'assistant', text: '', createdAt: iso(createdAt) } }];
      // Not durable: a crash may lose a streaming answer's row, never a completed message (decision 0004).
      await this.deps.append(this.tenantId, this.conversationId, events, { with: [repository.insertStreamingMessageSql(this.tenantId, this.conversationId, this.messageId, text, createdAt)], durable: false });
      this.created = true;
      this.saved = text.length;
      this.savedAt = Date.now();
      return;
    }
    if (this.saved >= this.shown.length || Date.now() - this.savedAt < this.saveIntervalMs) return;
    const text = this.shown;
    this.savedAt = Date.now();
    await repository.saveStreamingText(this.tenantId, this.messageId, text);
    this.saved = text.length;
  }

  /** Waits for every round to go out (at once, without the coalescing pause); rethrows a write failure. */
  async settle(): Promise<void> {
    while (this.inflight) {
      this.hurry?.();
      await this.inflight;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * The final, authoritative text and cards (`message.completed`), and the assistant stops typing.
   * The tenant's token usage is added right after the commit, before the events go out, in a
   * statement of its own that does not wait for the disk: every turn of a store updates the same
   * month's row, and inside the message's transaction its lock was held through the commit's flush,
   * so a store's concurrent answers completed one flush at a time (and held pool connections while
   * they waited). Concurrent answers' additions go summed, one upsert per store (UsageTally). A
   * crash between the two can leave one turn's tokens uncounted.
   */
  async complete(result: CompletedMessage, extra: NewEvent[] = []): Promise<void> {
    await this.settle().catch(() => undefined);
    const { repository } = this.deps;
    const first = !this.created;
    const createdAt = first ? this.stamp() : (this.createdAt ?? this.stamp());
    this.createdAt = createdAt;
    const events: NewEvent[] = [];
    if (first) events.push({ type: 'message.created', data: { messageId: this.messageId, role: 'assistant', text: '', createdAt: iso(createdAt) } });
    events.push({
      type: 'message.completed',
      data: { messageId: this.messageId, role: 'assistant', text: result.text, ...(result.cards.length > 0 ? { cards: result.cards } : {}) },
    });
    events.push(...extra);
    events.push({ type: 'typing', data: { role: 'assistant', active: false } });
    const statement = first
      ? repository.insertCompletedMessageSql(this.tenantId, this.conversationId, this.messageId, createdAt, result)
      : repository.completeMessageSql(this.tenantId, this.messageId, result);
    // Durable, and one round trip: the statement is its own transaction.
    await this.deps.append(this.tenantId, this.conversationId, events, {
      with: [statement],
      countMessage: { preview: result.text },
      beforeDelivery: () => this.deps.settings.addUsage(this.tenantId, { promptTokens: result.promptTokens ?? 0, completionTokens: result.completionTokens ?? 0 }, this.deps.clock(), { durable: false }),
    });
    this.created = true;
  }

  /** The completed answer as its row reads (for the next message's context). */
  row(result: CompletedMessage): MessageRow {
    const at = this.createdAt ?? this.stamp();
    return {
      tenant_id: this.tenantId,
      id: this.messageId,
      conversation_id: this.conversationId,
      role: 'assistant',
      text: result.text,
      cards: result.cards,
      status: 'complete',
      client_message_id: null,
      author_user_id: null,
      llm_steps: result.steps ?? null,
      prompt_tokens: result.promptTokens ?? null,
      completion_tokens: result.completionTokens ?? null,
      model: result.model ?? null,
      adapter: result.adapter ?? null,
      response_ms: result.responseMs ?? null,
      error_code: result.errorCode ?? null,
      created_at: at,
      completed_at: new Date(),
    };
  }
}

/** JSON with every object's keys sorted and undefined members left out (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** What `begin` hands back: start the turn once the shopper's message is committed, or drop it. */
export interface TurnHandle {
  go(): void;
  cancel(): void;
}

/** A turn ready to run: its model, tools, prompt and writer. */
interface Prepared {
  controller: AbortController;
  timeout: NodeJS.Timeout;
  ctx: ToolContext;
  writer: AssistantWriter;
  choice: LlmChoice;
  tools: ToolDefinition[];
  guard: OutputGuard;
  base: LlmMessage[];
  steps: LlmMessage[];
  request(round: number): LlmRequest;
}

/**
 * Starts pulling a stream at once and buffers what arrives, so a model request can be under way
 * while the shopper's message is still being stored; the consumer reads it afterwards.
 */
function eager<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const buffer: T[] = [];
  let finished = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for await (const item of source) {
        buffer.push(item);
        wake?.();
      }
    } catch (error) {
      failure = error ?? new Error('stream failed');
    } finally {
      finished = true;
      wake?.();
    }
  })();
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (buffer.length > 0) {
          yield buffer.shift()!;
          continue;
        }
        if (finished) {
          if (failure !== undefined) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}

export class TurnRunner {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly running = new Set<AbortController>();
  private stopped = false;

  constructor(private readonly deps: TurnDeps) {}

  /**
   * The fast path for a conversation with no turn running here: the model request starts now,
   * in parallel with storing the shopper's message, so storing adds nothing before the first token.
   * Nothing reaches the stream until `go()` (the message is committed); `cancel()` drops the
   * request. Undefined when a turn is already running (then use `start`, which queues).
   */
  begin(input: TurnInput): TurnHandle | undefined {
    if (this.stopped) return undefined;
    const key = `${input.ctx.tenantId}:${input.ctx.conversationId}`;
    if (this.chains.has(key)) return undefined;
    let release!: (go: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (release = resolve));
    const preparing = this.prepare(input).then((prepared) => ({ prepared, first: eager(prepared.choice.llm.stream(prepared.request(0))) }));
    preparing.catch(() => undefined);
    const run: Promise<void> = gate
      .then(async (go) => {
        const { prepared, first } = await preparing;
        if (!go) {
          prepared.controller.abort();
          this.finish(prepared);
          return;
        }
        await this.execute(input, prepared, first);
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error, conversationId: input.ctx.conversationId }, 'assistant turn failed'));
    const tracked = this.track(key, run);
    return {
      go: () => release(true),
      // Dropped at once: the conversation may begin another turn now (its request is aborted behind).
      cancel: () => {
        release(false);
        if (this.chains.get(key) === tracked) this.chains.delete(key);
      },
    };
  }

  /**
   * Everything of a turn's input that shapes the model's first request, as one comparable string:
   * two inputs with the same key ask the model the same thing (ChatService.postMessage sends a
   * request early from its cached context and keeps it only when the database's context has the
   * same key). The bot and the tools come from the same caches either way; the clock is the turn's.
   */
  contextKey(input: TurnInput): string {
    const { llmState } = input;
    const overBudget = llmState.monthlyTokenBudget !== null && llmState.usedThisMonth >= llmState.monthlyTokenBudget;
    return canonicalJson({
      ctx: input.ctx,
      status: input.conversation.status,
      timeZone: input.conversation.time_zone,
      llm: overBudget ? 'over budget' : { key: llmState.apiKeyEncrypted, model: llmState.model, baseUrl: llmState.baseUrl },
      history: buildHistory(input.history, { maxMessages: this.deps.options.maxMessages, historyTokenBudget: this.deps.options.historyTokenBudget }),
    });
  }

  /** Queues the turn behind any running turn of the same conversation; never throws. */
  start(input: TurnInput): void {
    if (this.stopped) return;
    const key = `${input.ctx.tenantId}:${input.ctx.conversationId}`;
    const previous = this.chains.get(key);
    const run = (previous ?? Promise.resolve())
      .then(() => this.run(input, previous !== undefined))
      .catch((error: unknown) => this.deps.logger.error({ err: error, conversationId: input.ctx.conversationId }, 'assistant turn failed'));
    this.track(key, run);
  }

  private track(key: string, run: Promise<void>): Promise<void> {
    const tracked = run.finally(() => {
      if (this.chains.get(key) === tracked) this.chains.delete(key);
    });
    this.chains.set(key, tracked);
    return tracked;
  }

  /** Resolves when no turn is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  /** Shutdown: running turns are aborted (they still record what happened), new ones are refused. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopped = true;
    for (const controller of this.running) controller.abort(new Error('shutting down'));
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private async run(input: TurnInput, queued: boolean): Promise<void> {
    const { deps } = this;
    const { tenantId, conversationId } = input.ctx;
    if (queued) {
      // Another turn ran first: its answer belongs in this one's context, and a person may have taken over.
      const fresh = await deps.repository.tenant(tenantId, async (trx) => ({
        conversation: await deps.repository.getConversation(tenantId, conversationId, trx),
        history: await deps.repository.recentMessages(trx, tenantId, conversationId, deps.options.maxMessages ?? 10),
        llmState: await deps.settings.state(trx, tenantId, deps.clock()),
      }));
      if (!fresh.conversation) return;
      if (fresh.conversation.status === 'with_agent') {
        await deps.commit(tenantId, conversationId, async () => ({ value: undefined, events: [{ type: 'typing', data: { role: 'assistant', active: false } }] }));
        return;
      }
      input = { ...input, conversation: fresh.conversation, history: fresh.history, llmState: fresh.llmState };
    }
    await this.execute(input, await this.prepare(input));
  }

  /** Model, tools, prompt and writer of a turn; the turn's clock (timeout) starts here. */
  private async prepare(input: TurnInput): Promise<Prepared> {
    const { deps } = this;
    const options = deps.options;
    const { tenantId, conversationId } = input.ctx;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(new LlmError('TIMEOUT', 'the turn took too long', false)), options.turnTimeoutMs ?? 120_000);
    timeout.unref();
    this.running.add(controller);
    const ctx: ToolContext = { ...input.ctx, signal: controller.signal };
    const now = deps.clock();
    const choice = deps.llm.choose(tenantId, input.llmState, now);
    let tools: ToolDefinition[] = [];
    try {
      tools = await deps.tools.toolsFor(ctx);
    } catch (error) {
      deps.logger.error({ err: error, tenantId }, 'could not list the tools; answering without them');
    }
    const specs = tools.map((t) => t.spec);
    const promptInput = {
      botName: input.entry.bot.name,
      storeName: input.entry.tenant.name,
      persona: input.entry.bot.persona,
      storeTimeZone: input.entry.bot.time_zone || input.entry.tenant.time_zone,
      shopperLocale: ctx.locale,
      shopperTimeZone: input.conversation.time_zone,
      verified: ctx.visitor.verified !== undefined,
      toolNames: specs.map((s) => s.name),
      now,
      waitingForHuman:
        input.conversation.status === 'waiting_for_agent'
          ? { teamOnline: teamPresence(input.entry.bot.business_hours, input.entry.bot.time_zone || input.entry.tenant.time_zone, now).online }
          : undefined,
    };
    const base: LlmMessage[] = [
      { role: 'system', content: buildSystemPrompt(promptInput) },
      ...buildHistory(input.history, { maxMessages: options.maxMessages, historyTokenBudget: options.historyTokenBudget }),
    ];
    const steps: LlmMessage[] = [];
    const maxRounds = options.maxToolRounds ?? 5;
    return {
      controller,
      timeout,
      ctx,
      writer: new AssistantWriter(deps, tenantId, conversationId, options.deltaIntervalMs ?? 40, input.userMessage),
      choice,
      tools,
      guard: new OutputGuard(instructionsBlock(promptInput)),
      base,
      steps,
      request: (round) => ({
        messages: [...base, ...steps],
        // The last round offers no tools: the model must answer.
        tools: round < maxRounds ? specs : [],
        model: choice.model,
        apiKey: choice.apiKey,
        locale: ctx.locale,
        maxOutputTokens: options.maxOutputTokens ?? 800,
        signal: controller.signal,
        ...(promptInput.waitingForHuman ? { waitingForHuman: promptInput.waitingForHuman } : {}),
        today: zonedDate(now, promptInput.storeTimeZone),
      }),
    };
  }

  private finish(prepared: Prepared): void {
    clearTimeout(prepared.timeout);
    this.running.delete(prepared.controller);
  }

  private async execute(input: TurnInput, prepared: Prepared, firstStream?: AsyncIterable<LlmStreamEvent>): Promise<void> {
    const { deps } = this;
    const { ctx, writer, choice, tools, guard, steps } = prepared;
    const { tenantId, conversationId } = ctx;
    const strings = chatStrings(ctx.locale);
    const usage = { promptTokens: 0, completionTokens: 0 };
    const cards: Card[] = [];
    const maxRounds = deps.options.maxToolRounds ?? 5;

    try {
      let text = '';
      for (let round = 0; round <= maxRounds; round++) {
        const request = prepared.request(round);
        const calls: LlmToolCall[] = [];
        let roundText = '';
        const stream = round === 0 && firstStream ? firstStream : choice.llm.stream(request);
        for await (const event of stream) {
          if (event.type === 'delta') {
            // A new round's text starts a new paragraph of the one message.
            const piece = roundText === '' && text !== '' && !/\s$/.test(text) ? `\n\n${event.text}` : event.text;
            roundText += event.text;
            text += piece;
            writer.delta(guard.push(piece));
            if (guard.leaked) break;
          } else if (event.type === 'tool_call') {
            calls.push(event.call);
          } else {
            usage.promptTokens += event.usage.promptTokens;
            usage.completionTokens += event.usage.completionTokens;
          }
        }
        if (guard.leaked) break;
        if (calls.length === 0 || request.tools.length === 0) break;
        steps.push({ role: 'assistant', content: roundText, toolCalls: calls });
        for (const call of calls) {
          const run = await deps.tools.run(tools, ctx, call);
          steps.push({ role: 'tool', toolCallId: call.id, name: call.name, content: run.content });
          cards.push(...run.cards);
        }
      }

      if (guard.leaked) {
        // Stop the model: nothing more of this reply is read.
        prepared.controller.abort();
        deps.logger.warn({ tenantId, conversationId, model: choice.modelName }, 'reply repeated the assistant instructions; replaced with a refusal');
      } else {
        writer.delta(guard.flush());
      }
      await writer.settle();
      const finalText = guard.leaked ? strings.cannotShareInstructions : text.trim() || (cards.length > 0 ? '' : strings.internalError);
      const responseMs = Math.max(0, deps.clock().getTime() - input.receivedAt.getTime());
      const result: CompletedMessage = {
        text: finalText,
        cards: guard.leaked ? [] : mergeCards(cards),
        steps,
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        model: choice.modelName,
        adapter: choice.llm.name,
        responseMs,
      };
      await writer.complete(result);
      deps.answered?.(tenantId, conversationId, input.userMessage.id, writer.row(result));
      deps.analytics.record({
        type: 'message.answered',
        tenantId,
        botId: ctx.botId,
        conversationId,
        visitorId: ctx.visitor.id,
        occurredAt: deps.clock(),
        responseMs: Math.min(responseMs, 2_147_483_647),
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        model: choice.modelName.slice(0, 200),
        adapter: choice.llm.name,
        data: { rounds: steps.filter((s) => s.role === 'assistant').length, llm: choice.reason },
      });
    } catch (error) {
      await this.fail(input, ctx, writer, choice, error, { steps, usage });
    } finally {
      this.finish(prepared);
    }
  }

  /** The apology (with the email offer) as the assistant's message, an `error` event, and `llm.error`. */
  private async fail(
    input: TurnInput,
    ctx: ToolContext,
    writer: AssistantWriter,
    choice: LlmChoice,
    error: unknown,
    progress: { steps: LlmMessage[]; usage: { promptTokens: number; completionTokens: number } },
  ): Promise<void> {
    const { deps } = this;
    const { tenantId, conversationId } = ctx;
    const provider = error instanceof LlmError;
    const code = provider ? 'PROVIDER_UNAVAILABLE' : 'INTERNAL';
    const strings = chatStrings(ctx.locale);
    const apology = provider ? strings.providerUnavailable : strings.internalError;
    deps.logger.warn(
      { err: provider ? { code: error.code, message: error.message } : error, tenantId, conversationId, adapter: choice.llm.name },
      'assistant could not answer; the shopper gets the apology and the email offer',
    );
    const shown = writer.shown.trim();
    try {
      await writer.complete(
        {
          text: shown ? `${writer.shown.trimEnd()}\n\n${apology}` : apology,
          cards: [],
          steps: progress.steps,
          promptTokens: progress.usage.promptTokens,
          completionTokens: progress.usage.completionTokens,
          model: choice.modelName,
          adapter: choice.llm.name,
          responseMs: Math.max(0, deps.clock().getTime() - input.receivedAt.getTime()),
          errorCode: provider ? error.code : 'INTERNAL',
        },
        [{ type: 'error', data: { code, message: apology, messageId: input.userMessage.id } }],
      );
    } catch (persistError) {
      deps.logger.error({ err: persistError, tenantId, conversationId }, 'could not record the failed turn');
      await this.addUsage(tenantId, progress.usage);
    }
    deps.analytics.record({
      type: 'llm.error',
      tenantId,
      botId: ctx.botId,
      conversationId,
      visitorId: ctx.visitor.id,
      occurredAt: deps.clock(),
      model: choice.modelName.slice(0, 200),
      adapter: choice.llm.name,
      data: { code: provider ? error.code : 'INTERNAL' },
    });
  }

  private async addUsage(tenantId: string, usage: { promptTokens: number; completionTokens: number }): Promise<void> {
    try {
      await this.deps.settings.addUsage(tenantId, usage, this.deps.clock());
    } catch (error) {
      this.deps.logger.warn({ err: error, tenantId }, 'could not add token usage');
    }
  }
}

/** Cards of a turn, in the order the tools produced them, without repeats, at most `max`. */
export function mergeCards(cards: Card[], max = 6): Card[] {
  const seen = new Set<string>();
  const out: Card[] = [];
  for (const card of cards) {
    const key = card.type === 'product' ? `p:${card.productId}` : `b:${card.serviceId}:${card.start}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(card);
    if (out.length >= max) break;
  }
  return out;
}
