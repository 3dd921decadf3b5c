import type { ConversationRow, MessageRow } from './chat.repository.ts';

/**
 * What this instance last knew of a conversation's context: the conversation, its recent
 * messages and the store's model settings, as the last shopper message here read them, with the
 * assistant's answer added when its turn completed here (issue 13, first token).
 *
 * The next message of the conversation asks the model with this context at once, while the
 * database is read (ChatService.postMessage). The read decides: the turn goes ahead only when the
 * request built from the database's answer is the one already sent (`TurnRunner.contextKey`);
 * otherwise the early request is cancelled and the turn starts over from what was read. So an
 * entry may be stale without harm; keeping it current only saves wasted model requests:
 * - an event of the conversation written by another instance forgets it (ChatEventHub's
 *   `onForeignEvent`), as does a gap in the LISTEN connection (`forgetAll`);
 * - a local write a turn does not make (a person's message, a handoff, a status change) forgets it.
 *
 * Bounded (least recently used first out, `max` conversations with messages and `max` without)
 * and short-lived: an entry older than `ttlMs` is not used.
 */
export interface CachedContext {
  conversation: ConversationRow;
  /** Oldest first, at most the turn's history length. */
  history: MessageRow[];
  /** The settings row as `turnContext` reads it (LlmSettingsRepository.fromRow). */
  settings: Record<string, unknown>;
  /** The shopper's message whose answer is still to be added; while set, the entry is not used. */
  awaiting: string | undefined;
  /** When the shopper's messages were posted here (ms), for the early request's own rate check. */
  posts: number[];
  at: number;
}

export class ContextCache {
  private readonly entries = new Map<string, CachedContext>();
  /**
   * Conversations created here with no message yet, apart: most widget sessions never send one,
   * and a burst of them must not push out the conversations that are talking.
   */
  private readonly fresh = new Map<string, CachedContext>();
  /** Each store's tokens used in a month, the most this instance has read or counted. */
  private readonly used = new Map<string, { month: string; tokens: number }>();
  /** Each store's model settings row as last read here (a new conversation starts from it). */
  private readonly stores = new Map<string, Record<string, unknown>>();
  /**
   * Counts settings changes heard (and LISTEN gaps): settings read before a change are not kept
   * (the change's notification may arrive between the read and the keeping).
   */
  private changes = 0;

  /** Pass to `remember` / `learnStore` what this said before the database was read. */
  get epoch(): number {
    return this.changes;
  }

  constructor(
    private readonly options: { max: number; ttlMs: number; historyLength: number },
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size + this.fresh.size;
  }

  /** A complete, fresh entry (its answer added), or nothing. */
  usable(tenantId: string, conversationId: string): CachedContext | undefined {
    const key = `${tenantId}:${conversationId}`;
    const map = this.entries.has(key) ? this.entries : this.fresh;
    const entry = map.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at > this.options.ttlMs) {
      map.delete(key);
      return undefined;
    }
    if (entry.awaiting !== undefined) return undefined;
    // Most recently used last: the first key is the one to drop.
    map.delete(key);
    map.set(key, entry);
    return entry;
  }

  /** The entry as it is (complete or not, fresh or not). */
  peek(tenantId: string, conversationId: string): CachedContext | undefined {
    const key = `${tenantId}:${conversationId}`;
    return this.entries.get(key) ?? this.fresh.get(key);
  }

  /** Posts of the last minute by this conversation's shopper, as seen here. */
  recentPosts(tenantId: string, conversationId: string): number {
    const entry = this.entries.get(`${tenantId}:${conversationId}`);
    const since = this.now() - 60_000;
    return entry ? entry.posts.filter((t) => t > since).length : 0;
  }

  /** The context a shopper's message was answered from, with that message; its answer is to come. */
  remember(
    tenantId: string,
    conversationId: string,
    context: { conversation: ConversationRow; history: MessageRow[]; settings: Record<string, unknown>; question: MessageRow; month: string; epoch: number },
  ): void {
    const key = `${tenantId}:${conversationId}`;
    this.fresh.delete(key);
    if (context.epoch !== this.changes) {
      this.entries.delete(key);
      return;
    }
    const now = this.now();
    this.noteUsage(tenantId, context.month, Number(context.settings.used ?? 0));
    this.keepStore(tenantId, context.settings);
    const previous = this.entries.get(key);
    const posts = [...(previous?.posts ?? []).filter((t) => t > now - 60_000), now];
    this.entries.delete(key);
    this.entries.set(key, {
      conversation: context.conversation,
      history: [...context.history, context.question].slice(-this.options.historyLength),
      settings: context.settings,
      awaiting: context.question.id,
      posts,
      at: now,
    });
    while (this.entries.size > this.options.max) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The store's settings row, read when it was not known here (see `started`). */
  learnStore(tenantId: string, settings: Record<string, unknown>, month: string, epoch: number): void {
    if (epoch !== this.changes) return;
    this.noteUsage(tenantId, month, Number(settings.used ?? 0));
    this.keepStore(tenantId, settings);
  }

  knowsStore(tenantId: string): boolean {
    return this.stores.has(tenantId);
  }

  private keepStore(tenantId: string, settings: Record<string, unknown>): void {
    this.stores.delete(tenantId);
    this.stores.set(tenantId, settings);
    if (this.stores.size > this.options.max) this.stores.delete(this.stores.keys().next().value!);
  }

  /**
   * A conversation just created here: no messages yet, so its context is known once this instance
   * has read the store's settings (for an earlier conversation).
   */
  started(tenantId: string, conversation: ConversationRow): void {
    const settings = this.stores.get(tenantId);
    if (!settings) return;
    this.fresh.set(`${tenantId}:${conversation.id}`, { conversation, history: [], settings, awaiting: undefined, posts: [], at: this.now() });
    while (this.fresh.size > this.options.max) this.fresh.delete(this.fresh.keys().next().value!);
  }

  /** The answer to `questionId` completed: the entry is whole again (an answer to another message is ignored). */
  answered(tenantId: string, conversationId: string, questionId: string, answer: MessageRow, month: string): void {
    this.noteUsage(tenantId, month, this.usedIn(tenantId, month) + (answer.prompt_tokens ?? 0) + (answer.completion_tokens ?? 0));
    const entry = this.entries.get(`${tenantId}:${conversationId}`);
    if (!entry || entry.awaiting !== questionId) return;
    entry.history = [...entry.history, answer].slice(-this.options.historyLength);
    entry.awaiting = undefined;
    entry.at = this.now();
  }

  forget(tenantId: string, conversationId: string): void {
    this.entries.delete(`${tenantId}:${conversationId}`);
    this.fresh.delete(`${tenantId}:${conversationId}`);
  }

  /** A store's model settings changed: none of its contexts is used again. */
  forgetTenant(tenantId: string): void {
    this.changes += 1;
    const prefix = `${tenantId}:`;
    for (const map of [this.entries, this.fresh]) for (const key of [...map.keys()]) if (key.startsWith(prefix)) map.delete(key);
    this.used.delete(tenantId);
    this.stores.delete(tenantId);
  }

  forgetAll(): void {
    this.changes += 1;
    this.entries.clear();
    this.fresh.clear();
    this.used.clear();
    this.stores.clear();
  }

  /**
   * The entry's settings with the highest month's usage this instance knows of for the store (its
   * other conversations' answers count too), so a store past its budget gets no early request.
   */
  settingsOf(tenantId: string, entry: CachedContext, month: string): Record<string, unknown> {
    const known = this.usedIn(tenantId, month);
    return known > Number(entry.settings.used ?? 0) ? { ...entry.settings, used: known } : entry.settings;
  }

  private usedIn(tenantId: string, month: string): number {
    const known = this.used.get(tenantId);
    return known?.month === month ? known.tokens : 0;
  }

  private noteUsage(tenantId: string, month: string, tokens: number): void {
    if (tokens > this.usedIn(tenantId, month)) this.used.set(tenantId, { month, tokens });
    if (this.used.size > this.options.max) this.used.delete(this.used.keys().next().value!);
  }
}
