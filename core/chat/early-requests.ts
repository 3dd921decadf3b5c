import type { Logger } from 'pino';
import type { PostMessageRequest } from '../wire/widget.ts';
import type { VisitorClaims } from '../widget-access/index.ts';
import type { ConversationRow, MessageRow, StoredEvent } from './chat.repository.ts';
import { ContextCache } from './context-cache.ts';
import type { ChatEventHub } from './event-hub.ts';
import { monthOf, type LlmSettingsRepository } from './llm-settings.ts';
import type { TurnHandle, TurnInput, TurnRunner } from './turn.ts';

/**
 * Early model requests (decision 0030, issue 13, first token): a shopper's message asks the model
 * from the context this conversation's last message here left (ContextCache), while the database
 * is read; the read decides whether that request stands. This holds the cache, what keeps it
 * current, the guards that keep a message from being asked early, and the counts of requests sent
 * and dropped. ChatService.postMessage drives it: `begin` before the reads, the early request's
 * `handleFor` with the turn the database's context gives, `remember` once the message is stored.
 */

export interface EarlyRequestsDeps {
  turns: Pick<TurnRunner, 'begin' | 'contextKey'>;
  /** Whether the LISTEN connection is up: while it is down, other instances' writes go unseen. */
  hub: Pick<ChatEventHub, 'listening'>;
  /** Reads a store's model settings row for a conversation created here (`started`). */
  settings: Pick<LlmSettingsRepository, 'row'>;
  /** The service's message limits: a message they may refuse is not asked early. */
  limits: { messagesPerVisitorPerMinute: number; messagesPerIpPerMinute: number };
  /** Messages of history the turn gives the model: as many are kept per conversation. */
  historyLength: number;
  clock: () => Date;
  logger: Logger;
  /** Counts early model requests: sent from a cached context, or dropped because the database's differed. */
  onEarlyRequest?: (outcome: 'sent' | 'dropped') => void;
}

/** Builds the turn from a conversation's context (the cached one, or the database's). */
export type TurnFromContext = (conversation: ConversationRow, history: MessageRow[], settings: Record<string, unknown>) => TurnInput;

/** One message's early request, as `EarlyRequests.begin` left it. */
export interface EarlyRequest {
  /** The cache's epoch before the database was read: pass it to `remember`. */
  readonly epoch: number;
  /** Whether a model request went out. */
  readonly sent: boolean;
  /**
   * The handle for the turn built from the database's context: the early one when that turn asks
   * the same (`TurnRunner.contextKey`); otherwise undefined, the early request cancelled and counted
   * as dropped.
   */
  handleFor(turn: TurnInput): TurnHandle | undefined;
  /** Cancels the early request, if one went out: the message is a duplicate, with a person, or the reads failed. */
  cancel(): void;
}

export class EarlyRequests {
  /** Each conversation's context as its last message here left it: the next one asks the model early from it. */
  readonly contexts: ContextCache;
  /** Early model requests (from a cached context) sent, and dropped because the database's context differed. */
  readonly counts = { sent: 0, dropped: 0 };
  /** Stores whose settings are being read for `started`. */
  private readonly storesReading = new Map<string, Promise<void>>();
  /** Messages per address this minute, as this instance saw them (a guard for early requests only). */
  private readonly postsByAddress = new Map<string, number>();
  private postsMinute = 0;

  constructor(private readonly deps: EarlyRequestsDeps) {
    // The service's clock, as the address counts use: a test that moves time moves the cache's too.
    this.contexts = new ContextCache({ max: 5_000, ttlMs: 30 * 60_000, historyLength: deps.historyLength }, () => deps.clock().getTime());
  }

  /**
   * Local writes a turn does not make change what the next turn must be told: a person's message,
   * a handoff, a status change. Forgetting the cached context then saves a wasted early request
   * (postMessage would see the difference and start over anyway).
   */
  seen(events: StoredEvent[]): void {
    for (const event of events) {
      const data = event.data as { role?: string; status?: string };
      const cached = this.contexts.peek(event.tenantId, event.conversationId);
      if (!cached) continue;
      if (
        event.type === 'handoff' ||
        (event.type === 'message.created' && data.role === 'agent') ||
        (event.type === 'conversation.updated' && data.status !== cached.conversation.status)
      ) {
        this.contexts.forget(event.tenantId, event.conversationId);
      }
    }
  }

  /**
   * A new conversation's context is its store's settings and nothing else: kept for its first
   * message. A store not known here yet is read off the request (once per store and instance).
   */
  started(tenantId: string, conversation: ConversationRow): void {
    if (this.contexts.knowsStore(tenantId)) return this.contexts.started(tenantId, conversation);
    let reading = this.storesReading.get(tenantId);
    if (!reading) {
      const epoch = this.contexts.epoch;
      const now = this.deps.clock();
      reading = this.deps.settings
        .row(tenantId, now)
        .then(
          (settings) => this.contexts.learnStore(tenantId, settings, monthOf(now), epoch),
          (error: unknown) => this.deps.logger.warn({ err: error, tenantId }, 'could not read the store’s model settings ahead of its first message'),
        )
        .finally(() => this.storesReading.delete(tenantId));
      this.storesReading.set(tenantId, reading);
    }
    void reading.then(() => this.contexts.started(tenantId, conversation));
  }

  /**
   * Asks the model for a shopper's message from the cached context, before the database is read
   * (when there is one to trust). `address` is the hashed client address, counted here first.
   */
  begin(claims: VisitorClaims, conversationId: string, input: PostMessageRequest, turnInput: TurnFromContext, address: string | undefined): EarlyRequest {
    const epoch = this.contexts.epoch;
    // Past the address limit as this instance counts it (the shared counter can only be higher), the
    // message will be refused: no early request for it.
    const early = address && this.addressPosts(address) > this.deps.limits.messagesPerIpPerMinute ? undefined : this.earlyTurn(claims, conversationId, input, turnInput);
    return {
      epoch,
      sent: early !== undefined,
      handleFor: (turn) => {
        if (!early) return undefined;
        if (this.deps.turns.contextKey(early.turn) === this.deps.turns.contextKey(turn)) return early.handle;
        early.handle.cancel();
        this.counts.dropped += 1;
        this.deps.onEarlyRequest?.('dropped');
        return undefined;
      },
      cancel: () => early?.handle.cancel(),
    };
  }

  /** The context a stored shopper's message was answered from, with that message (ContextCache.remember). */
  remember(tenantId: string, conversationId: string, context: Parameters<ContextCache['remember']>[2]): void {
    this.contexts.remember(tenantId, conversationId, context);
  }

  /** The answer to `questionId` completed here: the cached context is whole again. */
  answered(tenantId: string, conversationId: string, questionId: string, answer: MessageRow): void {
    this.contexts.answered(tenantId, conversationId, questionId, answer, monthOf(this.deps.clock()));
  }

  /** The conversation changed in a way its cached context does not show: not used again. */
  forget(tenantId: string, conversationId: string): void {
    this.contexts.forget(tenantId, conversationId);
  }

  /** Counts a message from `address` this minute; returns the count with it. */
  private addressPosts(address: string): number {
    const minute = Math.floor(this.deps.clock().getTime() / 60_000);
    if (minute !== this.postsMinute || this.postsByAddress.size > 50_000) {
      this.postsMinute = minute;
      this.postsByAddress.clear();
    }
    const count = (this.postsByAddress.get(address) ?? 0) + 1;
    this.postsByAddress.set(address, count);
    return count;
  }

  /**
   * The turn asked from the context this conversation's last message here left (ContextCache),
   * before the database is read; undefined when there is none to trust. Not while the LISTEN
   * connection is down (other instances' writes would go unseen), nor for a shopper near the
   * message limit or a retried message, which the read may refuse.
   */
  private earlyTurn(
    claims: VisitorClaims,
    conversationId: string,
    input: PostMessageRequest,
    turnInput: TurnFromContext,
  ): { handle: TurnHandle; turn: TurnInput } | undefined {
    if (!this.deps.hub.listening) return undefined;
    const cached = this.contexts.usable(claims.tenantId, conversationId);
    if (!cached || cached.conversation.status === 'with_agent') return undefined;
    if (this.contexts.recentPosts(claims.tenantId, conversationId) >= this.deps.limits.messagesPerVisitorPerMinute - 1) return undefined;
    if (input.clientMessageId && cached.history.some((m) => m.client_message_id === input.clientMessageId)) return undefined;
    const turn = turnInput(cached.conversation, cached.history, this.contexts.settingsOf(claims.tenantId, cached, monthOf(this.deps.clock())));
    const handle = this.deps.turns.begin(turn);
    if (!handle) return undefined;
    this.counts.sent += 1;
    this.deps.onEarlyRequest?.('sent');
    return { handle, turn };
  }
}
