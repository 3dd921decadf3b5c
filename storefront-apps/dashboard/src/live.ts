/**
 * The tenant event stream (`GET /api/v1/conversations/events`, SSE with the session cookie, or
 * embedded with a session token: stream.ts):
 * one EventSource while signed in, fanned out to subscribers. EventSource reconnects by itself;
 * after `ready` (first connect and every reconnect) and `resync` subscribers reload what they show.
 */
import { createSignal } from 'solid-js';
import { api } from './api.ts';
import { openEventStream, STREAM_CLOSED, type EventStream } from './stream.ts';

export type LiveListener = (name: string, data: Record<string, unknown>) => void;
const NAMES = ['ready', 'resync', 'message.created', 'message.completed', 'handoff', 'error', 'conversation.updated'];

const [connected, setConnected] = createSignal(false);
export { connected };

class LiveEvents {
  private source: EventStream | null = null;
  private listeners = new Set<LiveListener>();

  start() {
    if (this.source) return;
    const source = openEventStream('/api/v1/conversations/events');
    this.source = source;
    for (const name of NAMES) {
      source.addEventListener(name, (event) => {
        if (name === 'ready') setConnected(true);
        let data: Record<string, unknown> = {};
        try {
          data = JSON.parse(event.data) as Record<string, unknown>;
        } catch {
          /* keep-alive or empty */
        }
        for (const fn of this.listeners) fn(name, data);
      });
    }
    source.onerror = () => {
      setConnected(false);
      // A refused stream (e.g. the access cookie expired) is not retried by the browser: refresh
      // the session through an API call (which signs out when that fails), then reconnect.
      if (source.readyState === STREAM_CLOSED && this.source === source) {
        this.source = null;
        setTimeout(() => {
          void api('GET', '/api/v1/me')
            .then(() => this.start())
            .catch(() => undefined);
        }, 1000);
      }
    };
  }

  stop() {
    this.source?.close();
    this.source = null;
    setConnected(false);
  }

  subscribe(fn: LiveListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

export const liveEvents = new LiveEvents();
