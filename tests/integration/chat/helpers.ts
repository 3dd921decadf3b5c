import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Application } from '../../../core/bootstrap.ts';
import { widgetEventSchemas, type CreateSessionResponse, type WidgetEventName } from '../../../core/wire/widget.ts';

/** Test helpers for the chat engine: a store with a bot and products, and a widget client that reads SSE like a browser. */

export const STORE_ORIGIN = 'https://shop.example';

export interface TestStore {
  tenantId: string;
  botId: string;
  botKey: string;
}

export async function createStore(
  application: Application,
  options: { name?: string; origins?: string[]; persona?: string; locale?: string; identitySecretEncrypted?: string | null; products?: { handle: string; title: string; description: string; priceCents: number; tags?: string[] }[] } = {},
): Promise<TestStore> {
  const { tenancy, catalog } = application.repositories;
  const tenant = await tenancy.createTenant({ name: options.name ?? `Store ${randomBytes(3).toString('hex')}`, timeZone: 'Europe/Berlin' });
  const bot = await tenancy.createBot(tenant.id, {
    name: 'Shop Assistant',
    allowedOrigins: options.origins ?? [STORE_ORIGIN],
    locale: options.locale ?? 'en',
    timeZone: 'Europe/Berlin',
    greeting: 'Hi!',
    persona: options.persona ?? null,
    identitySecretEncrypted: options.identitySecretEncrypted ?? null,
  });
  if (options.products?.length) {
    await catalog.upsertProducts(
      tenant.id,
      options.products.map((p) => ({ source: 'manual', handle: p.handle, title: p.title, description: p.description, priceCents: p.priceCents, currency: 'EUR', url: `/products/${p.handle}`, tags: p.tags ?? [], variants: [] })),
    );
  }
  return { tenantId: tenant.id, botId: bot.id, botKey: bot.public_key };
}

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: any;
}

/** An SSE client over fetch: collects events, can wait for one, and can be cut like a dropped connection. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** What EventSource would send as `Last-Event-ID` on a reconnect. */
  lastEventId: string | undefined;
  status = 0;
  headers: Headers | undefined;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  private done: Promise<void>;
  ended = false;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.done = this.run(url, headers);
  }

  private async run(url: string, headers: Record<string, string>) {
    try {
      const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: this.controller.signal });
      this.status = res.status;
      this.headers = res.headers;
      this.notify();
      if (!res.body) return;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.parse(block);
        }
      }
    } catch {
      /* aborted or cut */
    } finally {
      this.ended = true;
      this.notify();
    }
  }

  private parse(block: string) {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    let sawField = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') {
        id = value;
        // As EventSource: an id moves the resume position even in a block without data.
        this.lastEventId = value;
      }
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else continue;
      sawField = true;
    }
    if (!sawField || data.length === 0) return;
    this.events.push({ id, event, data: JSON.parse(data.join('\n')) });
    this.notify();
  }

  private notify() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `predicate` holds for the collected events (or the stream ends / times out). */
  async until(predicate: (events: SseEvent[]) => boolean, timeoutMs = 20_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for events; got ${JSON.stringify(this.events.map((e) => [e.id, e.event]))}`);
      if (this.ended) throw new Error(`stream ended (status ${this.status}); got ${JSON.stringify(this.events.map((e) => [e.id, e.event]))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events;
  }

  async opened(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.status === 0 && !this.ended) {
      if (Date.now() > deadline) throw new Error('stream did not open');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Like a dropped connection: the client stops reading. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  /** The resume position, as EventSource keeps it (the last `id:` seen, with or without an event). */
  lastId(): string | undefined {
    return this.lastEventId;
  }
}

/** Every event must match the wire contract, and ids must increase strictly. */
/**
 * Checks a stream (or streams a client read one after the other, resuming with the last id) against
 * the wire contract: every payload matches its schema; logged events have increasing decimal ids;
 * live deltas carry a position id (`<last logged id>.<message ref>.<end>`) and continue their
 * message's text exactly where this client's text of it ends — nothing twice, nothing skipped —
 * and none comes after its message's completion.
 */
export function expectWireEvents(events: SseEvent[]): void {
  let last = 0;
  const text = new Map<string, string>();
  const completedIds = new Set<string>();
  for (const e of events) {
    const schema = widgetEventSchemas[e.event as WidgetEventName];
    expect(schema, `unknown event ${e.event}`).toBeDefined();
    schema.parse(e.data);
    if (e.event === 'message.delta') {
      const have = text.get(e.data.messageId) ?? '';
      expect(e.data.offset, 'a live delta continues where the text ends').toBe(have.length);
      expect(completedIds.has(e.data.messageId), 'no delta after its completion').toBe(false);
      text.set(e.data.messageId, have + e.data.delta);
      const [seq, ref, end] = String(e.id).split('.');
      expect(e.id).toMatch(/^\d+\.[0-9a-f]{8}\.\d+$/);
      expect(Number(seq)).toBeGreaterThanOrEqual(last);
      expect([ref, Number(end)]).toEqual([(e.data.messageId as string).slice(0, 8), have.length + e.data.delta.length]);
      continue;
    }
    expect(e.id).toMatch(/^\d+$/);
    expect(Number(e.id)).toBeGreaterThan(last);
    last = Number(e.id);
    if (e.event === 'message.completed') completedIds.add(e.data.messageId);
  }
}

/** The answer's text as the live deltas of these events built it (offsets checked by expectWireEvents). */
export function liveText(events: SseEvent[], messageId?: string): string {
  return events
    .filter((e) => e.event === 'message.delta' && (messageId === undefined || e.data.messageId === messageId))
    .map((e) => e.data.delta as string)
    .join('');
}

/** Only the logged events (those with a plain id): the same on every instance and in every replay. */
export const loggedEvents = (events: SseEvent[]) => events.filter((e) => e.event !== 'message.delta');

/** A widget as the browser runs it: session, messages, the event stream. */
export class WidgetClient {
  session!: CreateSessionResponse;

  constructor(
    readonly baseUrl: string,
    readonly origin = STORE_ORIGIN,
  ) {}

  async start(botKey: string, body: Record<string, unknown> = {}): Promise<CreateSessionResponse> {
    const res = await fetch(`${this.baseUrl}/widget/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.origin },
      body: JSON.stringify({ botKey, ...body }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    this.session = (await res.json()) as CreateSessionResponse;
    return this.session;
  }

  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.session.visitorToken}`, origin: this.origin, 'content-type': 'application/json' };
  }

  async send(text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await fetch(`${this.baseUrl}/widget/v1/conversations/${this.session.conversationId}/messages`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ text, ...extra }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    return ((await res.json()) as { messageId: string }).messageId;
  }

  stream(lastEventId?: string, via: 'query' | 'header' = 'query', baseUrl = this.baseUrl): SseClient {
    const url = new URL(`${baseUrl}/widget/v1/conversations/${this.session.conversationId}/events`);
    url.searchParams.set('token', this.session.visitorToken);
    const headers: Record<string, string> = { origin: this.origin };
    if (lastEventId && via === 'query') url.searchParams.set('lastEventId', lastEventId);
    if (lastEventId && via === 'header') headers['last-event-id'] = lastEventId;
    return new SseClient(url.toString(), headers);
  }
}

/** The assistant's completed messages in a stream. */
export const completed = (events: SseEvent[]) => events.filter((e) => e.event === 'message.completed' && e.data.role === 'assistant');
