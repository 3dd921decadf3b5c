/**
 * Server-sent events for the dashboard. Outside a platform's admin: the browser's EventSource (the
 * session cookie goes along). Embedded, an EventSource cannot send `Authorization`, so the stream is
 * read with `fetch` and a fresh session token on every (re)connect; it keeps EventSource's surface and
 * habits (named events, `id:` → `Last-Event-ID` on reconnect, `retry:`, a refused stream is CLOSED).
 */
import { authHeaders, embedded } from './embedded.ts';

export interface EventStream {
  readonly readyState: number;
  onerror: ((event: Event) => void) | null;
  addEventListener(name: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

class TokenEventStream implements EventStream {
  readyState = CONNECTING;
  onerror: ((event: Event) => void) | null = null;
  private readonly listeners = new Map<string, Set<(event: MessageEvent<string>) => void>>();
  private controller: AbortController | null = null;
  private lastEventId = '';
  private retryMs = 1000;

  constructor(private readonly url: string) {
    void this.run();
  }

  addEventListener(name: string, listener: (event: MessageEvent<string>) => void) {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
  }

  close() {
    this.readyState = CLOSED;
    this.controller?.abort();
  }

  private async run() {
    while (this.readyState !== CLOSED) {
      this.controller = new AbortController();
      let refused = false;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...(await authHeaders()) };
        if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
        const res = await fetch(this.url, { headers, credentials: 'omit', cache: 'no-store', signal: this.controller.signal });
        if (!res.ok || !res.body) {
          refused = res.status >= 400 && res.status < 500;
          throw new Error(`HTTP ${res.status}`);
        }
        if (this.readyState === CLOSED) return;
        this.readyState = OPEN;
        await this.read(res.body);
      } catch {
        /* reconnect below, as EventSource does */
      }
      if (this.readyState === CLOSED) return;
      this.readyState = refused ? CLOSED : CONNECTING;
      this.onerror?.(new Event('error'));
      if (refused) return;
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
    }
  }

  private async read(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let event = '';
    let data: string[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done || this.readyState === CLOSED) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) this.dispatch(event || 'message', data.join('\n'));
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
        else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
      }
    }
  }

  private dispatch(name: string, data: string) {
    const event = new MessageEvent<string>(name, { data, lastEventId: this.lastEventId });
    for (const listener of this.listeners.get(name) ?? []) listener(event);
  }
}

export const STREAM_CLOSED = CLOSED;

/** An event stream of the merchant API with this page's credentials. */
export function openEventStream(url: string): EventStream {
  return embedded ? new TokenEventStream(url) : (new EventSource(url) as unknown as EventStream);
}
