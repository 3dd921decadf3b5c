import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { PgListener } from '../db/pg-listener.ts';
import { CHAT_DELTA_CHANNEL, CHAT_NOTIFY_CHANNEL, type ChatEventType, type StoredEvent } from './chat.repository.ts';

/**
 * Fan-out of conversation events to the streams held by THIS instance (docs/decisions/0004).
 *
 * - The event log in PostgreSQL is the truth; every event has a per-conversation sequence number.
 * - Events written here are handed over directly after commit (`publish`), the fast path.
 * - Events written by any instance are announced by NOTIFY `tenant:conversation:seq:type` on one
 *   channel; each instance LISTENs on ONE dedicated connection (not from the pool; reconnected
 *   with backoff) and reads what it does not have from the log.
 * - Every subscriber delivers strictly in sequence (`last + 1`), so a notification that arrives
 *   twice, late, or out of order can neither repeat nor skip an event: exactly once, in order.
 */

export interface EventSource {
  eventsAfter(tenantId: string, conversationId: string, afterSeq: number, limit?: number): Promise<StoredEvent[]>;
  /**
   * An answer's text as last saved while it streams (`streaming`), or its final state: the way to
   * the start of an answer whose first deltas this instance did not hear (started before it listened).
   */
  answerText?(tenantId: string, messageId: string): Promise<{ text: string; streaming: boolean } | undefined>;
}

/**
 * Text of an answer as it streams (issue 13: deltas without a row each). Never logged: no `seq`, no
 * `id:` on the wire. `offset` is where `delta` starts in the answer's text (UTF-16 units), so a
 * client that already has some of it (history, an earlier stream) takes only what is new.
 */
export interface LiveDelta {
  tenantId: string;
  conversationId: string;
  messageId: string;
  offset: number;
  delta: string;
}

/** A live delta as a stream event (no `seq`). */
export interface LiveEvent {
  tenantId: string;
  conversationId: string;
  seq?: undefined;
  /** Its SSE id: a position, `<last logged seq>.<message id's first 8 hex digits>.<end offset>` (EventIdSchema). */
  id: string;
  type: 'message.delta';
  data: { messageId: string; role: 'assistant'; delta: string; offset: number };
}

/**
 * A stream's resume position moved without an event: after a logged event, while an answer whose
 * text this stream has is still streaming, the id a reconnect sends must still say how much of it
 * the client has. Written as an SSE block with only an `id:` (EventSource keeps it as its last event
 * id and dispatches nothing).
 */
export interface PositionMark {
  tenantId: string;
  conversationId: string;
  seq?: undefined;
  id: string;
  type: 'position';
}

/** What a subscriber receives: logged events (with `seq`), live deltas and position marks (without). */
export type StreamEvent = StoredEvent | LiveEvent | PositionMark;

export interface HubSubscription {
  close(): void;
}

export interface EventHubOptions {
  source: EventSource;
  /** The instance's shared LISTEN connection (core/db/pg-listener.ts). */
  listener?: PgListener;
  /** Or: opens a NEW connection for a listener of the hub's own (tests). */
  connect?: () => Promise<pg.Client>;
  logger: Logger;
  /** Recent events kept per watched conversation, so live subscribers need no read. Default 256. */
  ringSize?: number;
  /** Events read per catch-up query. Default 500. */
  pageSize?: number;
  /** A bot changed (payload `tenant:id:publicKey`), or '*' after a LISTEN gap: drop cached copies. */
  onBotChanged?: (payload: string) => void;
  /** A store's model settings changed (payload: the tenant id; trigger of migration 20261205T2200). */
  onLlmSettingsChanged?: (tenantId: string) => void;
  /** Another instance wrote an event of this conversation; `'*'` for both after a LISTEN gap (events may have been missed). */
  onForeignEvent?: (tenantId: string, conversationId: string) => void;
}

/** NOTIFY channel of bot changes (trigger of migration 20261204T0622). */
export const BOT_NOTIFY_CHANNEL = 'concierge_bots';
/** NOTIFY channel of a store's model settings changes (trigger of migration 20261205T2200). */
export const LLM_SETTINGS_NOTIFY_CHANNEL = 'concierge_llm_settings';

interface Channel {
  /** `tenant:conversation`, its key in the hub's map. */
  key: string;
  tenantId: string;
  conversationId: string;
  subs: Set<Subscriber>;
  /** Highest sequence known to be committed. */
  known: number;
  ring: Map<number, StoredEvent>;
  fetching: boolean;
  retryTimer?: NodeJS.Timeout | undefined;
}

/** An answer streaming somewhere in the cluster, as far as this instance has its text from the start. */
interface Answer {
  text: string;
  /** Last delta heard (ms): answers nobody finishes (a crashed writer) are forgotten after a while. */
  heardAt: number;
  /** A delta that came after a gap, kept until the start of the text is read from the database. */
  early?: LiveDelta | undefined;
  repairing?: boolean;
}

const ANSWER_TTL_MS = 5 * 60_000;
/** A NOTIFY payload is at most 8,000 bytes; a piece of text this long stays far below, escapes included. */
const DELTA_PIECE = 1_000;

/**
 * One stream's place in a channel, and its handle: an object per subscriber rather than closures
 * (an idle stream holds it for hours; issue 13: memory per idle stream).
 */
class Subscriber implements HubSubscription {
  /** Joined (or the listener reconnected): must read the log once, whatever `known` says. */
  needsSync = true;
  /** Text of each streaming answer this stream has been sent (UTF-16 units); -1 once completed. Only while answers stream. */
  positions: Map<string, number> | undefined;
  /** Resumed from a live delta's id: how much of that answer the client has. */
  resume: { ref: string; offset: number } | undefined;

  constructor(
    public last: number,
    readonly send: (event: StreamEvent) => void,
    private readonly channel: Channel,
    private readonly channels: Map<string, Channel>,
  ) {}

  close(): void {
    const { channel, channels } = this;
    channel.subs.delete(this);
    if (channel.subs.size === 0 && channels.get(channel.key) === channel) {
      clearTimeout(channel.retryTimer);
      channels.delete(channel.key);
    }
  }
}

/** Event types the tenant-wide (dashboard) stream carries: state changes, not the token stream. */
export const TENANT_STREAM_TYPES: ReadonlySet<ChatEventType> = new Set(['message.created', 'message.completed', 'handoff', 'error', 'conversation.updated', 'budget.warning']);

interface TenantSubscriber {
  send: (event: StoredEvent) => void;
  /** The listener was down for a while: the dashboard should reload its list. */
  resync: () => void;
}

const DEDUPE_KEYS = 4096;

export class ChatEventHub {
  /**
   * This hub's mark on the NOTIFY payloads of events written here (`…:type:origin`). Those events
   * reach this instance's streams from memory (`publish`); their notification, which can arrive
   * before the writer's own answer, must not send every stream of the conversation to read the
   * log for them.
   */
  readonly origin = randomBytes(6).toString('base64url');
  private readonly channels = new Map<string, Channel>();
  /** Answers streaming now, by `tenant:conversation` then message id (live deltas: no row each). */
  private readonly answers = new Map<string, Map<string, Answer>>();
  /** Answers completed lately: a delta for one of them is late and dropped (oldest forgotten first). */
  private readonly finished = new Set<string>();
  private answersSweptAt = 0;
  private readonly tenants = new Map<string, Set<TenantSubscriber>>();
  /** `conversation:seq` already given to tenant subscribers (local publish and NOTIFY both arrive). */
  private readonly tenantDelivered = new Map<string, true>();
  private readonly ringSize: number;
  private readonly pageSize: number;
  private readonly logger: Logger;
  private readonly listener: PgListener;
  /** The hub made the listener itself, so it starts and closes it. */
  private readonly ownsListener: boolean;
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: EventHubOptions) {
    this.ringSize = options.ringSize ?? 256;
    this.pageSize = options.pageSize ?? 500;
    this.logger = options.logger.child({ component: 'chat-event-hub' });
    if (!options.listener && !options.connect) throw new Error('ChatEventHub needs a listener or a connect function');
    this.ownsListener = !options.listener;
    this.listener = options.listener ?? new PgListener({ connect: options.connect!, logger: options.logger });
    this.unsubscribe.push(
      this.listener.on(CHAT_NOTIFY_CHANNEL, (payload) => this.notified(payload)),
      this.listener.on(CHAT_DELTA_CHANNEL, (payload) => this.deltaNotified(payload)),
      this.listener.onReconnect(() => this.resync()),
    );
    if (options.onBotChanged) this.unsubscribe.push(this.listener.on(BOT_NOTIFY_CHANNEL, options.onBotChanged));
    if (options.onLlmSettingsChanged) this.unsubscribe.push(this.listener.on(LLM_SETTINGS_NOTIFY_CHANNEL, options.onLlmSettingsChanged));
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.listener.listening;
  }

  get stats(): { conversations: number; subscribers: number; tenantSubscribers: number } {
    let subscribers = 0;
    for (const ch of this.channels.values()) subscribers += ch.subs.size;
    let tenantSubscribers = 0;
    for (const set of this.tenants.values()) tenantSubscribers += set.size;
    return { conversations: this.channels.size, subscribers, tenantSubscribers };
  }

  /** Connects the LISTEN connection; resolves once it listens (or rejects on the first failure). */
  async start(): Promise<void> {
    await this.listener.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ch of this.channels.values()) clearTimeout(ch.retryTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.ownsListener) await this.listener.close();
  }

  // ---------------------------------------------------------------- subscriptions

  /** Streams a conversation's events after `afterSeq`: first what the log has, then live. */
  subscribe(tenantId: string, conversationId: string, afterSeq: number, send: (event: StreamEvent) => void, resume?: { ref: string; offset: number }): HubSubscription {
    const key = `${tenantId}:${conversationId}`;
    let ch = this.channels.get(key);
    if (!ch) {
      ch = { key, tenantId, conversationId, subs: new Set(), known: 0, ring: new Map(), fetching: false };
      this.channels.set(key, ch);
    }
    const sub = new Subscriber(Math.max(0, afterSeq), send, ch, this.channels);
    if (resume) sub.resume = resume;
    ch.subs.add(sub);
    // Registered before the read, so anything committed after the read's snapshot is announced to it.
    this.pump(ch);
    return sub;
  }

  /** Every state change of a tenant's conversations (dashboard). Live only: reload the list on `resync`. */
  subscribeTenant(tenantId: string, send: (event: StoredEvent) => void, resync: () => void = () => {}): HubSubscription {
    let set = this.tenants.get(tenantId);
    if (!set) {
      set = new Set();
      this.tenants.set(tenantId, set);
    }
    const sub: TenantSubscriber = { send, resync };
    set.add(sub);
    const owner = set;
    return {
      close: () => {
        owner.delete(sub);
        if (owner.size === 0 && this.tenants.get(tenantId) === owner) this.tenants.delete(tenantId);
      },
    };
  }

  // ---------------------------------------------------------------- inputs

  /** Events this instance just committed: delivered without reading them back. */
  publish(events: StoredEvent[]): void {
    for (const event of events) {
      if (event.type === 'message.completed') this.forgetAnswer(`${event.tenantId}:${event.conversationId}`, (event.data as { messageId?: string }).messageId);
      const ch = this.channels.get(`${event.tenantId}:${event.conversationId}`);
      if (ch) {
        this.remember(ch, event);
        if (event.seq > ch.known) ch.known = event.seq;
      }
      this.toTenant(event);
    }
    const touched = new Set<Channel>();
    for (const event of events) {
      const ch = this.channels.get(`${event.tenantId}:${event.conversationId}`);
      if (ch) touched.add(ch);
    }
    for (const ch of touched) this.pump(ch);
  }

  /** A NOTIFY payload `tenant:conversation:seq:type[:origin]` (exported for tests). */
  notified(payload: string): void {
    const [tenantId, conversationId, seqText, type, origin] = payload.split(':');
    const seq = Number(seqText);
    if (!tenantId || !conversationId || !Number.isSafeInteger(seq)) return;
    if (origin === this.origin) return; // written here: `publish` hands it over
    this.options.onForeignEvent?.(tenantId, conversationId);
    // Its deltas came before it on the same connection; the log has the final text.
    if (type === 'message.completed') this.forgetAnswer(`${tenantId}:${conversationId}`);
    const ch = this.channels.get(`${tenantId}:${conversationId}`);
    if (ch && seq > ch.known) {
      ch.known = seq;
      this.pump(ch);
    }
    if (this.tenants.has(tenantId) && TENANT_STREAM_TYPES.has(type as ChatEventType) && !this.tenantDelivered.has(`${conversationId}:${seq}`)) {
      const cached = ch?.ring.get(seq);
      if (cached) this.toTenant(cached);
      else {
        this.options.source.eventsAfter(tenantId, conversationId, seq - 1, 1).then(
          ([event]) => {
            if (event && event.seq === seq) this.toTenant(event);
          },
          (error: unknown) => this.logger.warn({ err: error }, 'could not read an event for the tenant stream'),
        );
      }
    }
  }

  // ---------------------------------------------------------------- delivery

  private remember(ch: Channel, event: StoredEvent): void {
    if (event.seq <= ch.known - this.ringSize) return;
    ch.ring.set(event.seq, event);
    if (ch.ring.size > this.ringSize) {
      const floor = Math.max(ch.known, event.seq) - this.ringSize;
      for (const seq of ch.ring.keys()) {
        if (ch.ring.size <= this.ringSize) break;
        if (seq <= floor) ch.ring.delete(seq);
      }
      // Out-of-order inserts can leave more than ringSize above the floor; drop the oldest.
      while (ch.ring.size > this.ringSize) ch.ring.delete(Math.min(...ch.ring.keys()));
    }
  }

  private toTenant(event: StoredEvent): void {
    if (!TENANT_STREAM_TYPES.has(event.type)) return;
    const set = this.tenants.get(event.tenantId);
    if (!set) return;
    const key = `${event.conversationId}:${event.seq}`;
    if (this.tenantDelivered.has(key)) return;
    this.tenantDelivered.set(key, true);
    if (this.tenantDelivered.size > DEDUPE_KEYS) {
      const oldest = this.tenantDelivered.keys().next().value;
      if (oldest !== undefined) this.tenantDelivered.delete(oldest);
    }
    for (const sub of set) this.safeSend(sub.send, event);
  }

  private safeSend<E extends StreamEvent>(send: (event: E) => void, event: E): void {
    try {
      send(event);
    } catch (error) {
      this.logger.warn({ err: error }, 'stream subscriber failed');
    }
  }

  /** Delivers what the ring holds; reads the log for whoever is still behind. */
  private pump(ch: Channel): void {
    let behind = false;
    for (const sub of ch.subs) {
      if (!sub.needsSync) {
        for (let next = ch.ring.get(sub.last + 1); next; next = ch.ring.get(sub.last + 1)) {
          sub.last = next.seq;
          this.deliver(sub, next);
        }
      }
      if (sub.needsSync || sub.last < ch.known) behind = true;
    }
    if (behind) void this.fetch(ch);
  }

  private async fetch(ch: Channel): Promise<void> {
    if (ch.fetching || this.closed) return;
    ch.fetching = true;
    try {
      for (;;) {
        const waiting = [...ch.subs].filter((s) => s.needsSync || s.last < ch.known);
        if (waiting.length === 0) break;
        // Whoever joined before this read is in sync once it has been delivered.
        for (const s of waiting) s.needsSync = false;
        const from = Math.min(...waiting.map((s) => s.last));
        const before = waiting.map((s) => s.last);
        const rows = await this.options.source.eventsAfter(ch.tenantId, ch.conversationId, from, this.pageSize);
        for (const row of rows) {
          if (row.seq > ch.known) ch.known = row.seq;
          this.remember(ch, row);
        }
        for (const sub of waiting) {
          if (!ch.subs.has(sub)) continue;
          for (const row of rows) {
            if (row.seq !== sub.last + 1) continue;
            sub.last = row.seq;
            this.deliver(sub, row);
          }
        }
        if (rows.length < this.pageSize) {
          // Anything newer that arrived meanwhile is in the ring or announced: deliver it, then stop.
          for (const sub of ch.subs) {
            if (sub.needsSync) continue;
            for (let next = ch.ring.get(sub.last + 1); next; next = ch.ring.get(sub.last + 1)) {
              sub.last = next.seq;
              this.deliver(sub, next);
            }
            // After the log: the text of answers still streaming, as far as this stream lacks it.
            this.catchUp(ch, sub);
          }
          if (![...ch.subs].some((s) => s.needsSync || s.last < ch.known)) break;
          // The log has nothing newer than what was announced (yet): try again shortly instead of
          // spinning — unless a stream joined during the read: it is read for at once.
          if (![...ch.subs].some((s) => s.needsSync) && waiting.every((s, i) => s.last === before[i])) {
            this.retryLater(ch, 250);
            break;
          }
        }
      }
    } catch (error) {
      this.logger.warn({ err: error, conversationId: ch.conversationId }, 'could not read conversation events; retrying');
      for (const sub of ch.subs) sub.needsSync = true;
      this.retryLater(ch, 500);
    } finally {
      ch.fetching = false;
    }
  }

  private retryLater(ch: Channel, ms: number): void {
    clearTimeout(ch.retryTimer);
    ch.retryTimer = setTimeout(() => {
      ch.retryTimer = undefined;
      if (!this.closed) this.pump(ch);
    }, ms);
    ch.retryTimer.unref();
  }

  /**
   * Announces committed events to every instance (this one included) on the LISTEN connection: a
   * single statement outside any transaction that writes, so it waits for no WAL flush and holds
   * PostgreSQL's notify lock only for an instant. false when the connection is down.
   */
  announce(events: StoredEvent[]): Promise<boolean> {
    return this.listener.notify(
      CHAT_NOTIFY_CHANNEL,
      events.map((e) => `${e.tenantId}:${e.conversationId}:${e.seq}:${e.type}:${this.origin}`),
    );
  }

  // ---------------------------------------------------------------- live deltas (no row each)

  /**
   * Text of an answer being written on this instance: to this instance's streams at once, before
   * any database write (the first token waits for none).
   */
  liveDelta(delta: LiveDelta): void {
    this.hear(delta);
  }

  /**
   * The same text to the other instances: one NOTIFY per piece on the LISTEN connection (ordered
   * with this instance's other announcements, so an answer's deltas reach them before its
   * `message.completed`). false when the connection is down (they get the final text from the log).
   */
  announceDelta(delta: LiveDelta): Promise<boolean> {
    const payloads: string[] = [];
    const text = delta.delta;
    let at = 0;
    while (at < text.length) {
      let end = Math.min(text.length, at + DELTA_PIECE);
      // A piece never ends inside a surrogate pair.
      if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
      payloads.push(JSON.stringify({ t: delta.tenantId, c: delta.conversationId, m: delta.messageId, o: delta.offset + at, d: text.slice(at, end), s: this.origin }));
      at = end;
    }
    return this.listener.notify(CHAT_DELTA_CHANNEL, payloads);
  }

  /** A live delta from another instance (exported for tests). */
  deltaNotified(payload: string): void {
    let parsed: { t?: unknown; c?: unknown; m?: unknown; o?: unknown; d?: unknown; s?: unknown };
    try {
      parsed = JSON.parse(payload) as typeof parsed;
    } catch {
      return;
    }
    const { t, c, m, o, d, s } = parsed;
    if (s === this.origin) return; // written here: already heard
    if (typeof t !== 'string' || typeof c !== 'string' || typeof m !== 'string' || typeof d !== 'string' || typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) return;
    this.hear({ tenantId: t, conversationId: c, messageId: m, offset: o, delta: d });
  }

  /** Adds what is new in `delta` to its answer's text and sends it to the conversation's streams. */
  private hear(delta: LiveDelta): void {
    if (this.finished.has(delta.messageId)) return;
    const key = `${delta.tenantId}:${delta.conversationId}`;
    const now = Date.now();
    this.sweepAnswers(now);
    let answers = this.answers.get(key);
    if (!answers) {
      answers = new Map();
      this.answers.set(key, answers);
    }
    let answer = answers.get(delta.messageId);
    if (!answer) {
      answer = { text: '', heardAt: now };
      answers.set(delta.messageId, answer);
    }
    answer.heardAt = now;
    if (!extend(answer, delta)) {
      // A gap: this instance missed the start (it began listening mid-answer, or lost the connection).
      answer.early = delta;
      this.repair(key, delta.tenantId, delta.conversationId, delta.messageId, answer);
      return;
    }
    const ch = this.channels.get(key);
    if (ch) for (const sub of ch.subs) if (!sub.needsSync) this.catchUp(ch, sub);
  }

  /** Reads the start of an answer this instance missed (the writer saves it every few hundred ms). */
  private repair(key: string, tenantId: string, conversationId: string, messageId: string, answer: Answer): void {
    const source = this.options.source;
    if (answer.repairing || !source.answerText || this.closed) return;
    answer.repairing = true;
    source.answerText(tenantId, messageId).then(
      (saved) => {
        answer.repairing = false;
        const answers = this.answers.get(key);
        if (answers?.get(messageId) !== answer) return;
        if (!saved || !saved.streaming) {
          this.forgetAnswer(key, messageId);
          return;
        }
        if (saved.text.length > answer.text.length && saved.text.startsWith(answer.text)) answer.text = saved.text;
        if (answer.early && extend(answer, answer.early)) answer.early = undefined;
        const ch = this.channels.get(key);
        if (ch) for (const sub of ch.subs) if (!sub.needsSync) this.catchUp(ch, sub);
        // Still short of the delta heard: the saved text lags; read again shortly.
        if (answer.early) {
          const timer = setTimeout(() => this.repair(key, tenantId, conversationId, messageId, answer), 250);
          timer.unref();
        }
      },
      (error: unknown) => {
        answer.repairing = false;
        this.logger.warn({ err: error, conversationId }, 'could not read the start of a streaming answer');
      },
    );
  }

  /** Sends a stream what it lacks of the conversation's streaming answers. */
  private catchUp(ch: Channel, sub: Subscriber): void {
    const answers = this.answers.get(ch.key);
    if (sub.positions) for (const messageId of sub.positions.keys()) if (!answers?.has(messageId)) sub.positions.delete(messageId);
    if (answers) {
      for (const [messageId, answer] of answers) {
        let at = sub.positions?.get(messageId);
        if (at === undefined) {
          at = 0;
          if (sub.resume && messageId.startsWith(sub.resume.ref)) {
            // The client had this much of the answer when its stream dropped.
            at = sub.resume.offset;
            sub.resume = undefined;
            (sub.positions ??= new Map()).set(messageId, at);
          }
        }
        if (at < 0 || at >= answer.text.length) continue;
        const end = answer.text.length;
        (sub.positions ??= new Map()).set(messageId, end);
        const event: LiveEvent = {
          tenantId: ch.tenantId,
          conversationId: ch.conversationId,
          id: `${sub.last}.${messageId.slice(0, 8)}.${end}`,
          type: 'message.delta',
          data: { messageId, role: 'assistant', delta: answer.text.slice(at), offset: at },
        };
        this.safeSend(sub.send, event);
      }
    }
    if (sub.positions?.size === 0) sub.positions = undefined;
  }

  /** A logged event to one stream; after an answer's `message.completed` it gets none of its deltas. */
  private deliver(sub: Subscriber, event: StoredEvent): void {
    if (event.type === 'message.completed') {
      const messageId = (event.data as { messageId?: string }).messageId;
      if (messageId && sub.resume && messageId.startsWith(sub.resume.ref)) sub.resume = undefined;
      if (messageId && this.answers.get(`${event.tenantId}:${event.conversationId}`)?.has(messageId)) {
        (sub.positions ??= new Map()).set(messageId, -1);
        this.forgetAnswer(`${event.tenantId}:${event.conversationId}`, messageId);
      }
    }
    this.safeSend(sub.send, event);
    // The position a reconnect must name: text sent on this stream, or (not caught up yet) what it resumed with.
    let mark = sub.resume && sub.resume.offset > 0 ? `${event.seq}.${sub.resume.ref}.${sub.resume.offset}` : undefined;
    if (sub.positions) for (const [messageId, at] of sub.positions) if (at > 0) mark = `${event.seq}.${messageId.slice(0, 8)}.${at}`;
    if (mark) this.safeSend(sub.send, { tenantId: event.tenantId, conversationId: event.conversationId, id: mark, type: 'position' });
  }

  /** An answer completed (or all of a conversation's, when the message is not named). */
  private forgetAnswer(key: string, messageId?: string): void {
    if (messageId !== undefined) {
      this.finished.add(messageId);
      if (this.finished.size > DEDUPE_KEYS) this.finished.delete(this.finished.values().next().value!);
    }
    const answers = this.answers.get(key);
    if (!answers) return;
    if (messageId === undefined) answers.clear();
    else answers.delete(messageId);
    if (answers.size === 0) this.answers.delete(key);
  }

  private sweepAnswers(now: number): void {
    if (now - this.answersSweptAt < 10_000) return;
    this.answersSweptAt = now;
    for (const [key, answers] of this.answers) {
      for (const [messageId, answer] of answers) if (now - answer.heardAt > ANSWER_TTL_MS) answers.delete(messageId);
      if (answers.size === 0) this.answers.delete(key);
    }
  }

  /** After a gap in LISTEN: every subscriber reads the log again; dashboards reload. */
  private resync(): void {
    this.logger.info({ conversations: this.channels.size }, 'LISTEN connection back; catching up');
    this.options.onBotChanged?.('*'); // bot changes during the gap were missed
    this.options.onForeignEvent?.('*', '*'); // and other instances' writes
    for (const ch of this.channels.values()) {
      for (const sub of ch.subs) sub.needsSync = true;
      this.pump(ch);
    }
    for (const set of this.tenants.values()) for (const sub of set) sub.resync();
  }
}

/** Adds the part of `delta` that continues `answer`'s text; false when it starts beyond it (a gap). */
function extend(answer: Answer, delta: LiveDelta): boolean {
  const have = answer.text.length;
  if (delta.offset > have) return false;
  const end = delta.offset + delta.delta.length;
  if (end > have) answer.text += delta.delta.slice(have - delta.offset);
  return true;
}
