/**
 * A fake Concierge server for widget browser tests: serves the built widget (dist/widget layout),
 * host pages, and the widget API of core/wire/widget.ts with its own in-memory state.
 *
 * Faithful to the wire contract: every request is validated with the wire schemas (422 problem
 * on failure) and every response/event is `.parse`d with them before it is sent, so a widget that
 * passes against this fake speaks what the real server will accept.
 *
 * Behaviour: SSE with increasing ids (live deltas: position ids, as the real server), `Last-Event-ID` (header, else `lastEventId` query) replay,
 * streamed assistant deltas, typing and handoff events, 401 for expired tokens, Origin checks,
 * availability computed in the tenant's zone and answered in the request's zone, bookings with
 * Idempotency-Key replay and 409 + nearest alternatives.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { z } from 'zod';
import {
  AvailabilityQuerySchema,
  AvailabilityResponseSchema,
  ContactRequestSchema,
  ContactResponseSchema,
  CreateBookingRequestSchema,
  CreateBookingResponseSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  IdempotencyKeySchema,
  ListMessagesQuerySchema,
  ListMessagesResponseSchema,
  ListServicesResponseSchema,
  PostMessageRequestSchema,
  PostMessageResponseSchema,
  ProblemSchema,
  RateConversationRequestSchema,
  SlotTakenProblemSchema,
  StreamQuerySchema,
  widgetEventSchemas,
  type Card,
  type CreateBookingRequest,
  type CreateBookingResponse,
  type HandoffState,
  type Slot,
  type StreamErrorEvent,
  type WidgetBotSettings,
  type WidgetEventData,
  type WidgetEventName,
  type WidgetIdentity,
  type WidgetMessage,
  type WidgetService,
} from '../../core/wire/widget.ts';

export type FakeReply =
  | {
      text: string;
      cards?: Card[];
      chunkSize?: number;
      delayMs?: number;
      /** Stop streaming once this many characters went out, until `until` settles (a test cuts the stream there). */
      hold?: { afterChars: number; until: Promise<void> };
    }
  | { error: StreamErrorEvent['code'] }
  | null;
export type ReplyFn = (text: string, context: { conversationId: string; fake: WidgetFake }) => FakeReply | Promise<FakeReply>;

export interface HostPage {
  html: string;
  headers?: Record<string, string>;
}

export interface WidgetFakeOptions {
  /** Directory with widget.js and the panel files (buildWidget's outDir). */
  widgetDir: string;
  botKey?: string;
  bot?: Partial<WidgetBotSettings>;
  /** Origins allowed to start sessions; default: the fake's own origin. */
  allowedOrigins?: string[];
  pages?: Record<string, HostPage>;
  reply?: ReplyFn;
  services?: WidgetService[];
  /** Tenant zone the opening hours are in. */
  tenantTimeZone?: string;
  /** Opening hours (tenant zone), hourly slots: [open, close). */
  hours?: [number, number];
  /** Delay between streamed deltas. */
  deltaDelayMs?: number;
  /** `retry:` sent to EventSource (ms); short so reconnect tests are quick. */
  sseRetryMs?: number;
}

interface Session {
  token: string;
  visitorId: string;
  conversationId: string;
  identity?: WidgetIdentity;
  expiresAt: number;
}
interface StoredEvent {
  id: number;
  event: WidgetEventName;
  data: unknown;
}
interface Conversation {
  id: string;
  visitorId: string;
  messages: WidgetMessage[];
  events: StoredEvent[];
  streams: Set<ServerResponse>;
  handoff: HandoffState;
}
export interface StoredBooking extends CreateBookingResponse {
  serviceId: string;
  request: CreateBookingRequest;
  idempotencyKey: string;
}
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body?: unknown;
  status?: number;
}

export interface WidgetFake {
  url: string;
  origin: string;
  botKey: string;
  serviceIds: string[];
  state: {
    sessions: Map<string, Session>;
    conversations: Map<string, Conversation>;
    bookings: StoredBooking[];
    contacts: { conversationId: string; email: string; text: string }[];
    /** Latest rating per conversation. */
    ratings: Map<string, { rating: 'up' | 'down'; comment?: string }>;
    /** Panel openings per conversation (POST …/opened). */
    opened: Map<string, number>;
    requests: LoggedRequest[];
    /** Slot starts (ms) made unavailable without a booking: simulates another shopper winning a race. */
    taken: Set<number>;
  };
  setReply(fn: ReplyFn): void;
  setPage(path: string, page: HostPage): void;
  /** Free slots the fake would offer for a service in [from, to) (tenant rules). */
  freeSlots(serviceId: string, from: DateTime, to: DateTime): Slot[];
  takeSlot(start: string): void;
  /** Appends an event to a conversation and sends it to its open streams. */
  emit<N extends WidgetEventName>(conversationId: string, event: N, data: WidgetEventData<N>): number;
  /** A human agent writes (takes over first when `takeOver`). */
  agentSay(conversationId: string, text: string, options?: { takeOver?: boolean; agentName?: string }): string;
  setHandoff(conversationId: string, handoff: HandoffState): void;
  /** Cuts every open event stream (clients reconnect with Last-Event-ID). */
  dropStreams(): void;
  /** While down, every API request and stream is cut without an answer (server unreachable). */
  setDown(down: boolean): void;
  expireTokens(): void;
  /** The single conversation when a test has exactly one. */
  onlyConversation(): Conversation;
  close(): Promise<void>;
}

const DEFAULT_SERVICES: WidgetService[] = [
  { id: '6f1c1a57-6a8e-4d8e-9b1f-3c2a1d0e5f01', name: 'Bike fitting', durationMinutes: 60, description: 'We set up your bike for you.' },
  { id: '6f1c1a57-6a8e-4d8e-9b1f-3c2a1d0e5f02', name: 'Repair check', durationMinutes: 30, price: { amount: '25.00', currency: 'EUR' } },
];

export async function startWidgetFake(options: WidgetFakeOptions): Promise<WidgetFake> {
  const botKey = options.botKey ?? 'pk_test_fake_bot_0001';
  const services = options.services ?? DEFAULT_SERVICES;
  const tenantZone = options.tenantTimeZone ?? 'Europe/Berlin';
  const [openHour, closeHour] = options.hours ?? [9, 17];
  const deltaDelay = options.deltaDelayMs ?? 25;
  const sseRetry = options.sseRetryMs ?? 250;
  const pages = new Map(Object.entries(options.pages ?? {}));
  let reply: ReplyFn = options.reply ?? ((text) => ({ text: `You said: ${text}` }));
  let down = false;
  let eventCounter = 0; // one counter for all conversations keeps ids increasing per conversation too
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const state: WidgetFake['state'] = {
    sessions: new Map(),
    conversations: new Map(),
    bookings: [],
    contacts: [],
    ratings: new Map(),
    opened: new Map(),
    requests: [],
    taken: new Set(),
  };
  const idempotency = new Map<string, { body: string; status: number; payload: unknown }>();

  const bot: WidgetBotSettings = {
    name: 'Velo Assistant',
    greeting: 'Hi! Ask me about bikes or book a fitting.',
    locale: 'en',
    theme: { accentColor: '#0f766e', accentTextColor: '#ffffff' },
    ...options.bot,
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      console.error('[widget fake]', error);
      if (!res.headersSent) problem(res, 500, 'internal', 'Internal error');
      else res.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const allowedOrigins = new Set(options.allowedOrigins ?? [origin]);

  // ------------------------------------------------------------ helpers

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  }
  function problem(res: ServerResponse, status: number, slug: string, title: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const body = ProblemSchema.parse({ type: `/problems/${slug}`, title, status, ...extra });
    res.writeHead(status, { 'Content-Type': 'application/problem+json', ...headers });
    res.end(JSON.stringify(body));
  }
  function invalid(res: ServerResponse, error: z.ZodError) {
    problem(res, 422, 'validation', 'Validation failed', {
      detail: 'The request has invalid fields; see `errors`.',
      errors: error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
    });
  }
  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (!raw) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return Symbol.for('invalid-json');
    }
  }
  function cors(req: IncomingMessage, res: ServerResponse) {
    const o = req.headers.origin;
    if (o && allowedOrigins.has(o)) {
      res.setHeader('Access-Control-Allow-Origin', o);
      res.setHeader('Vary', 'Origin');
    }
  }
  function auth(req: IncomingMessage, queryToken?: string): Session | null {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : queryToken;
    const session = token ? state.sessions.get(token) : undefined;
    return session && session.expiresAt > Date.now() ? session : null;
  }

  function newConversation(visitorId: string): Conversation {
    const conversation: Conversation = {
      id: randomUUID(),
      visitorId,
      messages: [],
      events: [],
      streams: new Set(),
      handoff: { active: false, agentName: null },
    };
    state.conversations.set(conversation.id, conversation);
    return conversation;
  }

  function writeEvent(res: ServerResponse, e: StoredEvent) {
    res.write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
  }

  /**
   * Live text of a streaming answer, as the real server sends it: not logged; its id is a position
   * (`<last logged id>.<message ref>.<end>`), its `offset` where the text starts.
   */
  function writeLive(res: ServerResponse, conversation: Conversation, message: WidgetMessage, offset: number) {
    const data = { messageId: message.id, role: 'assistant', delta: message.text.slice(offset), offset };
    const id = `${conversation.events.at(-1)?.id ?? 0}.${message.id.slice(0, 8)}.${message.text.length}`;
    res.write(`id: ${id}\nevent: message.delta\ndata: ${JSON.stringify(widgetEventSchemas['message.delta'].parse(data))}\n\n`);
  }

  function emit<N extends WidgetEventName>(conversationId: string, event: N, data: WidgetEventData<N>): number {
    const conversation = state.conversations.get(conversationId);
    if (!conversation) throw new Error(`no conversation ${conversationId}`);
    const stored: StoredEvent = { id: ++eventCounter, event, data: widgetEventSchemas[event].parse(data) };
    conversation.events.push(stored);
    for (const res of conversation.streams) writeEvent(res, stored);
    return stored.id;
  }

  const nowIso = () => DateTime.now().setZone(tenantZone).toISO({ suppressMilliseconds: true })!;

  async function runAssistant(conversation: Conversation, text: string) {
    if (conversation.handoff.active) return; // a person answers; the bot stays quiet
    emit(conversation.id, 'typing', { role: 'assistant', active: true });
    await sleep(deltaDelay * 2);
    let answer: FakeReply;
    try {
      answer = await reply(text, { conversationId: conversation.id, fake });
    } catch {
      answer = { error: 'INTERNAL' };
    }
    if (!answer) {
      emit(conversation.id, 'typing', { role: 'assistant', active: false });
      return;
    }
    if ('error' in answer) {
      emit(conversation.id, 'error', { code: answer.error, message: 'The assistant could not answer.' });
      return;
    }
    const message: WidgetMessage = { id: randomUUID(), role: 'assistant', text: '', cards: [], status: 'streaming', createdAt: nowIso() };
    conversation.messages.push(message);
    emit(conversation.id, 'message.created', { messageId: message.id, role: 'assistant', text: '', createdAt: message.createdAt });
    const size = answer.chunkSize ?? 6;
    let held = false;
    for (let i = 0; i < answer.text.length; i += size) {
      await sleep(answer.delayMs ?? deltaDelay);
      const delta = answer.text.slice(i, i + size);
      const offset = message.text.length;
      message.text += delta;
      for (const res of conversation.streams) writeLive(res, conversation, message, offset);
      if (answer.hold && !held && message.text.length >= answer.hold.afterChars) {
        held = true;
        await answer.hold.until;
      }
    }
    message.text = answer.text;
    message.cards = answer.cards ?? [];
    message.status = 'complete';
    emit(conversation.id, 'message.completed', {
      messageId: message.id,
      role: 'assistant',
      text: message.text,
      ...(message.cards.length ? { cards: message.cards } : {}),
    });
    emit(conversation.id, 'typing', { role: 'assistant', active: false });
  }

  // ------------------------------------------------------------ booking rules

  const serviceById = (id: string) => services.find((s) => s.id === id);
  const isBooked = (serviceId: string, startMs: number) =>
    state.taken.has(startMs) || state.bookings.some((b) => b.serviceId === serviceId && Date.parse(b.start) === startMs);

  /** Hourly slots in opening hours (tenant zone), at least one hour ahead, not booked. */
  function freeSlots(serviceId: string, from: DateTime, to: DateTime): Slot[] {
    const service = serviceById(serviceId);
    if (!service) return [];
    const earliest = DateTime.now().plus({ hours: 1 });
    const slots: Slot[] = [];
    let day = from.setZone(tenantZone).startOf('day');
    const end = to.setZone(tenantZone);
    while (day < end) {
      for (let h = openHour; h < closeHour; h++) {
        const start = day.set({ hour: h });
        const finish = start.plus({ minutes: service.durationMinutes });
        if (start < from || start >= end || start < earliest || isBooked(serviceId, start.toMillis())) continue;
        slots.push({ start: start.toISO({ suppressMilliseconds: true })!, end: finish.toISO({ suppressMilliseconds: true })! });
      }
      day = day.plus({ days: 1 });
    }
    return slots;
  }
  /** Reads a `from`/`to` value: a date in `zone` (a `to` date means through its end), or an instant. */
  function readBound(value: string, zone: string, isEnd: boolean): DateTime {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      const d = DateTime.fromISO(value, { zone });
      return isEnd ? d.plus({ days: 1 }) : d;
    }
    return DateTime.fromISO(value, { setZone: true });
  }
  const inZone = (slot: Slot, zone: string): Slot => ({
    start: DateTime.fromISO(slot.start).setZone(zone).toISO({ suppressMilliseconds: true })!,
    end: DateTime.fromISO(slot.end).setZone(zone).toISO({ suppressMilliseconds: true })!,
  });

  // ------------------------------------------------------------ routes

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const logged: LoggedRequest = { method: req.method ?? 'GET', path, query, headers: req.headers };
    state.requests.push(logged);
    res.on('finish', () => (logged.status = res.statusCode));

    // Static: the loader, the panel files, test images and host pages.
    if (req.method === 'GET' && (path === '/widget.js' || /^\/widget\/[\w.-]+\.js$/.test(path))) {
      const file = path === '/widget.js' ? 'widget.js' : path.slice('/widget/'.length);
      try {
        const body = await readFile(join(options.widgetDir, file));
        // Module scripts are fetched with CORS: a shop on another origin needs this header.
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-cache' });
        res.end(body);
      } catch {
        problem(res, 404, 'not-found', 'Not found');
      }
      return;
    }
    if (req.method === 'GET' && path.startsWith('/fake-assets/')) {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml' });
      res.end('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#0f766e"/></svg>');
      return;
    }
    const page = pages.get(path);
    if (req.method === 'GET' && page) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...page.headers });
      res.end(page.html);
      return;
    }

    if (!path.startsWith('/widget/v1/')) return problem(res, 404, 'not-found', 'Not found');
    if (down) {
      req.socket.destroy();
      return;
    }
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key, Last-Event-ID',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    logged.body = body;
    if (body === Symbol.for('invalid-json')) return problem(res, 400, 'bad-request', 'Bad request', { detail: 'The body is not JSON.' });
    const route = path.slice('/widget/v1'.length);

    if (req.method === 'POST' && route === '/sessions') {
      if (req.headers.origin && !allowedOrigins.has(req.headers.origin)) return problem(res, 403, 'forbidden', 'Forbidden', { detail: 'Origin not allowed.' });
      const parsed = CreateSessionRequestSchema.safeParse(body);
      if (!parsed.success) return invalid(res, parsed.error);
      if (parsed.data.botKey !== botKey) return problem(res, 404, 'not-found', 'Not found', { detail: 'Unknown bot.' });
      const visitorId = parsed.data.visitorId ?? randomUUID();
      const conversation =
        [...state.conversations.values()].find((c) => c.visitorId === visitorId) ?? newConversation(visitorId);
      const session: Session = {
        token: `vt_${randomBytes(24).toString('hex')}`,
        visitorId,
        conversationId: conversation.id,
        expiresAt: Date.now() + 3_600_000,
        ...(parsed.data.identity ? { identity: parsed.data.identity } : {}),
      };
      state.sessions.set(session.token, session);
      return send(
        res,
        201,
        CreateSessionResponseSchema.parse({
          visitorToken: session.token,
          visitorId,
          conversationId: conversation.id,
          expiresAt: new Date(session.expiresAt).toISOString(),
          identified: Boolean(parsed.data.identity),
          bot,
          handoff: conversation.handoff,
        }),
      );
    }

    const conversationRoute = /^\/conversations\/([^/]+)\/(messages|events|contact|rating|opened)$/.exec(route);
    const session = auth(req, conversationRoute?.[2] === 'events' ? query.token : undefined);
    if (!session) return problem(res, 401, 'unauthorized', 'Unauthorized', { detail: 'Visitor token missing or expired.' }, { 'WWW-Authenticate': 'Bearer' });

    if (conversationRoute) {
      const [, id, what] = conversationRoute;
      const conversation = state.conversations.get(id!);
      if (!conversation || session.conversationId !== id) return problem(res, 404, 'not-found', 'Not found');

      if (what === 'messages' && req.method === 'GET') {
        const q = ListMessagesQuerySchema.safeParse(query);
        if (!q.success) return invalid(res, q.error);
        const end = q.data.cursor ? Number(q.data.cursor) : conversation.messages.length;
        const start = Math.max(0, end - q.data.limit);
        const last = conversation.events.at(-1);
        return send(
          res,
          200,
          ListMessagesResponseSchema.parse({
            items: conversation.messages.slice(start, end),
            nextCursor: start > 0 ? String(start) : null,
            lastEventId: last ? String(last.id) : null,
          }),
        );
      }
      if (what === 'messages' && req.method === 'POST') {
        const parsed = PostMessageRequestSchema.safeParse(body);
        if (!parsed.success) return invalid(res, parsed.error);
        const { text, clientMessageId } = parsed.data;
        const existing = clientMessageId ? conversation.messages.find((m) => m.clientMessageId === clientMessageId) : undefined;
        if (existing) return send(res, 202, PostMessageResponseSchema.parse({ messageId: existing.id }));
        const message: WidgetMessage = {
          id: randomUUID(),
          role: 'user',
          text,
          cards: [],
          status: 'complete',
          createdAt: nowIso(),
          ...(clientMessageId ? { clientMessageId } : {}),
        };
        conversation.messages.push(message);
        emit(conversation.id, 'message.created', {
          messageId: message.id,
          role: 'user',
          text,
          createdAt: message.createdAt,
          ...(clientMessageId ? { clientMessageId } : {}),
        });
        send(res, 202, PostMessageResponseSchema.parse({ messageId: message.id }));
        void runAssistant(conversation, text);
        return;
      }
      if (what === 'contact' && req.method === 'POST') {
        const parsed = ContactRequestSchema.safeParse(body);
        if (!parsed.success) return invalid(res, parsed.error);
        state.contacts.push({ conversationId: conversation.id, ...parsed.data });
        return send(res, 202, ContactResponseSchema.parse({ id: randomUUID() }));
      }
      if (what === 'opened' && req.method === 'POST') {
        state.opened.set(conversation.id, (state.opened.get(conversation.id) ?? 0) + 1);
        res.writeHead(204);
        res.end();
        return;
      }
      if (what === 'rating' && req.method === 'POST') {
        const parsed = RateConversationRequestSchema.safeParse(body);
        if (!parsed.success) return invalid(res, parsed.error);
        state.ratings.set(conversation.id, parsed.data); // rating again replaces the earlier one
        res.writeHead(204);
        res.end();
        return;
      }
      if (what === 'events' && req.method === 'GET') {
        const q = StreamQuerySchema.safeParse(query);
        if (!q.success) return invalid(res, q.error);
        const header = req.headers['last-event-id'];
        const [seq, ref, end] = ((typeof header === 'string' && header) || q.data.lastEventId || '0').split('.');
        const after = Number(seq);
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
          Connection: 'keep-alive',
          'X-Accel-Buffering': 'no',
        });
        res.write(`retry: ${sseRetry}\n\n`);
        for (const e of conversation.events) if (e.id > after) writeEvent(res, e);
        // The text of an answer still streaming: from where the resumed position says, else whole.
        for (const m of conversation.messages) {
          if (m.status !== 'streaming') continue;
          const from = ref && m.id.startsWith(ref) ? Number(end) : 0;
          if (from < m.text.length) writeLive(res, conversation, m, from);
        }
        conversation.streams.add(res);
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        req.on('close', () => {
          clearInterval(keepAlive);
          conversation.streams.delete(res);
        });
        return;
      }
      return problem(res, 404, 'not-found', 'Not found');
    }

    if (req.method === 'GET' && route === '/services') {
      return send(res, 200, ListServicesResponseSchema.parse({ items: services, nextCursor: null }));
    }

    if (req.method === 'GET' && route === '/availability') {
      const q = AvailabilityQuerySchema.safeParse(query);
      if (!q.success) return invalid(res, q.error);
      const zone = q.data.timeZone ?? tenantZone;
      const from = readBound(q.data.from, zone, false);
      const to = readBound(q.data.to, zone, true);
      if (to < from || to.diff(from, 'days').days > 62) {
        return problem(res, 422, 'validation', 'Validation failed', { errors: [{ path: 'to', message: 'range must be 0..62 days' }] });
      }
      if (!serviceById(q.data.serviceId)) return problem(res, 404, 'not-found', 'Not found', { detail: 'Unknown service.' });
      const slots = freeSlots(q.data.serviceId, from, to).map((s) => inZone(s, zone));
      return send(res, 200, AvailabilityResponseSchema.parse({ timeZone: zone, slots }));
    }

    if (req.method === 'POST' && route === '/bookings') {
      const keyHeader = req.headers['idempotency-key'];
      const key = IdempotencyKeySchema.safeParse(keyHeader);
      if (!key.success) return problem(res, 400, 'bad-request', 'Bad request', { detail: 'Idempotency-Key header required.' });
      const parsed = CreateBookingRequestSchema.safeParse(body);
      if (!parsed.success) return invalid(res, parsed.error);
      const fingerprint = JSON.stringify(parsed.data);
      const seen = idempotency.get(key.data);
      if (seen) {
        if (seen.body !== fingerprint) return problem(res, 422, 'idempotency-mismatch', 'Idempotency-Key reused with a different body');
        return send(res, seen.status, seen.payload, seen.status >= 400 ? { 'Content-Type': 'application/problem+json' } : {});
      }
      const service = serviceById(parsed.data.serviceId);
      if (!service) return problem(res, 422, 'validation', 'Validation failed', { errors: [{ path: 'serviceId', message: 'unknown service' }] });
      const start = DateTime.fromISO(parsed.data.start, { setZone: true });
      const startMs = start.toMillis();
      const local = start.setZone(tenantZone);
      const onGrid = local.minute === 0 && local.second === 0 && local.hour >= openHour && local.hour < closeHour;
      if (!onGrid || startMs < Date.now()) {
        return problem(res, 422, 'validation', 'Validation failed', { errors: [{ path: 'start', message: 'not a bookable slot' }] });
      }
      const zone = parsed.data.timeZone ?? tenantZone;
      if (isBooked(service.id, startMs)) {
        // Nearest free slots of the same service within a week either side, soonest first.
        const nearby = freeSlots(service.id, start.minus({ days: 7 }), start.plus({ days: 7 }))
          .sort((a, b) => Math.abs(Date.parse(a.start) - startMs) - Math.abs(Date.parse(b.start) - startMs))
          .slice(0, 3)
          .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
          .map((s) => inZone(s, zone));
        const payload = SlotTakenProblemSchema.parse({
          type: '/problems/conflict',
          title: 'Conflict',
          status: 409,
          detail: 'This time was just booked.',
          alternatives: nearby,
        });
        idempotency.set(key.data, { body: fingerprint, status: 409, payload });
        res.writeHead(409, { 'Content-Type': 'application/problem+json' });
        res.end(JSON.stringify(payload));
        return;
      }
      const id = randomUUID();
      const booking = CreateBookingResponseSchema.parse({
        id,
        status: 'confirmed',
        start: start.setZone(zone).toISO({ suppressMilliseconds: true }),
        end: start.plus({ minutes: service.durationMinutes }).setZone(zone).toISO({ suppressMilliseconds: true }),
        manageUrl: `${origin}/manage/${id}?sig=${randomBytes(8).toString('hex')}`,
      });
      state.bookings.push({ ...booking, serviceId: service.id, request: parsed.data, idempotencyKey: key.data });
      idempotency.set(key.data, { body: fingerprint, status: 201, payload: booking });
      return send(res, 201, booking);
    }

    return problem(res, 404, 'not-found', 'Not found');
  }

  // ------------------------------------------------------------ test controls

  const fake: WidgetFake = {
    url: origin,
    origin,
    botKey,
    serviceIds: services.map((s) => s.id),
    state,
    setReply(fn) {
      reply = fn;
    },
    setPage(path, p) {
      pages.set(path, p);
    },
    freeSlots,
    takeSlot(start) {
      state.taken.add(Date.parse(start));
    },
    emit,
    agentSay(conversationId, text, opts = {}) {
      const conversation = state.conversations.get(conversationId)!;
      if (opts.takeOver) fake.setHandoff(conversationId, { active: true, agentName: opts.agentName ?? null });
      const message: WidgetMessage = { id: randomUUID(), role: 'agent', text, cards: [], status: 'complete', createdAt: nowIso() };
      conversation.messages.push(message);
      emit(conversationId, 'message.created', { messageId: message.id, role: 'agent', text, createdAt: message.createdAt });
      return message.id;
    },
    setHandoff(conversationId, handoff) {
      state.conversations.get(conversationId)!.handoff = handoff;
      emit(conversationId, 'handoff', handoff);
    },
    dropStreams() {
      for (const c of state.conversations.values()) {
        for (const res of c.streams) res.socket?.destroy();
        c.streams.clear();
      }
    },
    setDown(value) {
      down = value;
      if (value) fake.dropStreams();
    },
    expireTokens() {
      for (const s of state.sessions.values()) s.expiresAt = 0;
    },
    onlyConversation() {
      const all = [...state.conversations.values()];
      if (all.length !== 1) throw new Error(`expected one conversation, found ${all.length}`);
      return all[0]!;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
