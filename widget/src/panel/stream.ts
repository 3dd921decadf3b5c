/**
 * The conversation's event stream over EventSource. EventSource reconnects by itself and sends
 * `Last-Event-ID`; when it gives up (the server refused, e.g. an expired token) this wrapper
 * asks for a fresh URL (new token, `lastEventId` = the last applied id) and starts over with backoff.
 */
import { WIDGET_EVENT_NAMES } from './event-names.ts';
import type { WidgetStreamEvent } from '../../../core/wire/widget.ts';

export type StreamStatus = 'connecting' | 'open' | 'down';

export interface StreamOptions {
  /** URL to connect to; called for every fresh EventSource so it can carry a new token and position. */
  url: () => Promise<string>;
  onEvent: (event: WidgetStreamEvent) => void;
  onStatus: (status: StreamStatus) => void;
  /** How many failed attempts in a row count as "down" (the widget then offers the email form). */
  downAfter?: number;
}

export interface ConversationStream {
  close(): void;
  /** Reconnect now (after `online`, or when the page becomes visible again). */
  kick(): void;
}

export function openStream(options: StreamOptions): ConversationStream {
  let source: EventSource | null = null;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const downAfter = options.downAfter ?? 2;

  const dispatch = (name: WidgetStreamEvent['event']) => (e: Event) => {
    const msg = e as MessageEvent<string>;
    // The server's "error" event shares its name with EventSource's connection error, which has no data.
    if (typeof msg.data !== 'string') return;
    try {
      options.onEvent({ event: name, id: msg.lastEventId, data: JSON.parse(msg.data) } as WidgetStreamEvent);
    } catch {
      /* a malformed event is skipped, never fatal */
    }
  };

  const schedule = () => {
    clearTimeout(timer);
    const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
    timer = setTimeout(connect, delay);
  };

  async function connect() {
    if (closed) return;
    clearTimeout(timer);
    source?.close();
    source = null;
    options.onStatus(failures >= downAfter ? 'down' : 'connecting');
    let href: string;
    try {
      href = await options.url();
    } catch {
      failures++;
      options.onStatus(failures >= downAfter ? 'down' : 'connecting');
      schedule();
      return;
    }
    if (closed) return;
    const es = new EventSource(href);
    source = es;
    for (const name of WIDGET_EVENT_NAMES) es.addEventListener(name, dispatch(name));
    es.onopen = () => {
      failures = 0;
      options.onStatus('open');
    };
    es.onerror = (e) => {
      if (typeof (e as MessageEvent).data === 'string') return; // the server's "error" event
      failures++;
      if (es.readyState === EventSource.CLOSED) {
        // EventSource gave up (non-200 answer): get a fresh URL ourselves.
        options.onStatus(failures >= downAfter ? 'down' : 'connecting');
        schedule();
      } else if (failures >= downAfter) options.onStatus('down');
    };
  }

  void connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
    kick() {
      if (!closed && source?.readyState !== EventSource.OPEN) void connect();
    },
  };
}
