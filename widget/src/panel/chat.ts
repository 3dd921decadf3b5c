/**
 * The chat controller: session, history, event stream, sending, and the email outbox, exposed
 * as Solid signals for the view. The server is the source of truth: every page load resumes the
 * visitor's conversation (visitorId in localStorage) and reloads its history.
 */
import { createSignal, type Accessor } from 'solid-js';
import type {
  ContactRequest,
  CreateSessionResponse,
  StreamErrorEvent,
  WidgetBotSettings,
  WidgetIdentity,
} from '../../../core/wire/widget.ts';
import type { PanelHost } from '../shared/contract.ts';
import { storageGet, storageKey, storageSet } from '../shared/dom.ts';
import { ApiError, createApi, NetworkError, randomId, type WidgetApi } from './api.ts';
import { shopperTimeZone } from './booking/dates.ts';
import {
  addPending,
  applyEvent,
  emptyConversation,
  fromHistory,
  prependHistory,
  settlePending,
  type ChatMessage,
  type ConversationState,
} from './conversation.ts';
import { explainRefusal } from './refusal.ts';
import { openStream, type ConversationStream } from './stream.ts';

/** idle: not started; starting: first session/history; ready: streaming; offline: server unreachable. */
export type ChatPhase = 'idle' | 'starting' | 'ready' | 'offline';

export interface Chat {
  api: WidgetApi;
  state: Accessor<ConversationState>;
  bot: Accessor<WidgetBotSettings | null>;
  phase: Accessor<ChatPhase>;
  /** The last reply failed (the server's `error` event); cleared by the next reply. */
  replyError: Accessor<StreamErrorEvent | null>;
  conversationId(): string | null;
  /** Starts (or resumes) the conversation; safe to call repeatedly. */
  start(): void;
  /** Counts an opening of the panel once the session exists (best effort). */
  markOpened(): void;
  /** Thumbs up/down for the conversation (CSAT); the latest counts. */
  rate(rating: 'up' | 'down'): Promise<void>;
  send(text: string): void;
  retry(message: ChatMessage): void;
  loadOlder(): Promise<void>;
  /** Sends the email form, or keeps it in localStorage until the server is reachable. */
  sendContact(body: ContactRequest): Promise<'sent' | 'queued'>;
  identify(identity: WidgetIdentity): void;
  dispose(): void;
}

export interface ChatOptions {
  host: PanelHost;
  /** A finished assistant/agent message (for unread counts, announcements and page events). */
  onArrived(message: ChatMessage): void;
  /** Shopper's locale tag ("en-GB") for the session's locale hint. */
  locale(): string;
}

export function createChat({ host, onArrived, locale }: ChatOptions): Chat {
  const api = createApi(host.apiBase);
  const visitorKey = storageKey(host.botKey, 'visitor');
  const outboxKey = storageKey(host.botKey, 'outbox');
  const [state, setState] = createSignal<ConversationState>(emptyConversation());
  const [bot, setBot] = createSignal<WidgetBotSettings | null>(null);
  const [phase, setPhase] = createSignal<ChatPhase>('idle');
  const [replyError, setReplyError] = createSignal<StreamErrorEvent | null>(null);
  let session: CreateSessionResponse | null = null;
  let identity: WidgetIdentity | null = host.identity;
  let stream: ConversationStream | null = null;
  let starting: Promise<void> | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  let disposed = false;

  /** Creates or refreshes the session; a different conversation id means the history starts over. */
  async function newSession(): Promise<CreateSessionResponse> {
    const visitorId = storageGet('local', visitorKey) ?? undefined;
    const minimal = { botKey: host.botKey, ...(visitorId ? { visitorId } : {}) };
    const hints = { ...minimal, locale: locale(), timeZone: shopperTimeZone(), ...(identity ? { identity } : {}) };
    const resume = host.takeResume();
    let next: CreateSessionResponse;
    try {
      try {
        next = await api.createSession(resume ? { ...hints, resume } : hints);
      } catch (error) {
        // A reply mail's link that expired or is not for this assistant: the chat starts as usual.
        if (!(resume && error instanceof ApiError && (error.status === 410 || error.status === 422))) throw error;
        console.warn(`[Concierge] ${error.problem?.detail ?? 'the conversation link was refused'}`);
        next = await api.createSession(hints);
      }
    } catch (error) {
      // A malformed identify() call or a zone the server does not know must not cost the chat:
      // the hints are optional, so try once more without them.
      if (!(error instanceof ApiError && error.status === 422)) throw error;
      console.warn('[Concierge] session hints rejected; continuing without them', error.problem?.errors);
      next = await api.createSession(minimal);
    }
    storageSet('local', visitorKey, next.visitorId);
    const changed = session !== null && session.conversationId !== next.conversationId;
    session = next;
    setBot(next.bot);
    host.applyTheme(next.bot.theme);
    if (changed) setState(emptyConversation());
    setState((s) => ({ ...s, handoff: next.handoff }));
    return next;
  }
  api.onUnauthorized(async () => {
    await newSession();
  });

  const handleEvent = (event: Parameters<typeof applyEvent>[1]) => {
    const result = applyEvent(state(), event);
    setState(result.state);
    if (result.error) setReplyError(result.error);
    if (result.arrived) {
      setReplyError(null);
      onArrived(result.arrived);
    }
  };

  async function run(): Promise<void> {
    setPhase(phase() === 'offline' ? 'offline' : 'starting');
    try {
      const s = await newSession();
      const page = await api.listMessages(s.conversationId);
      setState((prev) => fromHistory(prev, page, s.handoff));
      attempts = 0;
      setPhase('ready');
      void flushOutbox();
      let first = true;
      stream = openStream({
        url: async () => {
          // The first connection uses the fresh session; later ones (EventSource gave up, so the
          // token may have expired) start a new session first.
          if (!first) await newSession();
          first = false;
          return api.eventsUrl(session!.conversationId, state().lastEventId);
        },
        onEvent: handleEvent,
        onStatus: (status) => {
          if (status === 'open') {
            setPhase('ready');
            void flushOutbox();
          } else if (status === 'down') setPhase('offline');
        },
      });
    } catch (error) {
      starting = null;
      setPhase('offline');
      const refusal = explainRefusal(error, { botKey: host.botKey, apiBase: host.apiBase, origin: location.origin });
      if (refusal.level === 'error') console.error(refusal.message);
      else console.warn(refusal.message);
      if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
        return; // wrong bot key or origin: retrying will not help
      }
      attempts++;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => start(), Math.min(30_000, 1000 * 2 ** attempts));
    }
  }

  function start() {
    if (disposed || starting) return;
    starting = run();
  }

  async function post(clientMessageId: string, text: string) {
    // Typed faster than the session started: wait for it rather than fail the message.
    if (!session && starting) await starting;
    const id = session?.conversationId;
    if (!id) {
      setState((s) => settlePending(s, clientMessageId, 'failed'));
      return;
    }
    api.postMessage(id, { text, clientMessageId }).then(
      (res) => setState((s) => settlePending(s, clientMessageId, res)),
      () => setState((s) => settlePending(s, clientMessageId, 'failed')),
    );
  }

  type Outbox = ContactRequest[];
  const readOutbox = (): Outbox => {
    try {
      return JSON.parse(storageGet('local', outboxKey) ?? '[]') as Outbox;
    } catch {
      return [];
    }
  };
  let flushing = false;
  async function flushOutbox() {
    const id = session?.conversationId;
    if (!id || flushing) return;
    flushing = true;
    try {
      let items = readOutbox();
      while (items.length) {
        try {
          await api.contact(id, items[0]!);
        } catch (error) {
          if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) break;
          // Refused for good (invalid): drop it rather than retry forever.
        }
        items = items.slice(1);
        storageSet('local', outboxKey, items.length ? JSON.stringify(items) : null);
      }
    } finally {
      flushing = false;
    }
  }

  const onOnline = () => {
    if (phase() === 'offline' && !session) start();
    stream?.kick();
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') onOnline();
  };
  window.addEventListener('online', onOnline);
  document.addEventListener('visibilitychange', onVisible);

  return {
    api,
    state,
    bot,
    phase,
    replyError,
    conversationId: () => session?.conversationId ?? null,
    start,
    markOpened() {
      void (async () => {
        if (!session && starting) await starting;
        if (session) await api.opened(session.conversationId);
      })().catch(() => undefined);
    },
    async rate(rating) {
      if (session) await api.rate(session.conversationId, rating);
    },
    send(text) {
      const clean = text.trim();
      if (!clean) return;
      const clientMessageId = randomId();
      setReplyError(null);
      setState((s) => addPending(s, clean, clientMessageId));
      void post(clientMessageId, clean);
    },
    retry(message) {
      if (message.status !== 'failed' || !message.clientMessageId) return;
      setState((s) => ({
        ...s,
        messages: s.messages.map((m) => (m === message ? { ...m, status: 'sending' } : m)),
      }));
      void post(message.clientMessageId, message.text);
    },
    async loadOlder() {
      const cursor = state().olderCursor;
      if (!session || !cursor) return;
      const page = await api.listMessages(session.conversationId, cursor);
      setState((s) => prependHistory(s, page));
    },
    async sendContact(body) {
      const id = session?.conversationId;
      if (id) {
        try {
          await api.contact(id, body);
          return 'sent';
        } catch (error) {
          if (!(error instanceof NetworkError || (error instanceof ApiError && error.status >= 500))) throw error;
        }
      }
      storageSet('local', outboxKey, JSON.stringify([...readOutbox(), body]));
      start();
      return 'queued';
    },
    identify(next) {
      identity = next;
      // A new session (same visitor) carries the identity; the stream keeps its token until it reconnects.
      if (session) void newSession().catch(() => undefined);
    },
    dispose() {
      disposed = true;
      clearTimeout(retryTimer);
      stream?.close();
      window.removeEventListener('online', onOnline);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
