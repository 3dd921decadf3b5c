import { OutgoingMessage } from 'node:http';
import type { Request, Response } from 'express';

/**
 * Server-sent event streams of this instance: headers that keep proxies from buffering,
 * `: keep-alive` comments on idle streams, and every stream ended on shutdown.
 *
 * One timer serves all streams (10,000 idle streams must not mean 10,000 timers); a stream
 * keeps only its response, a timestamp, its cap key and its close handlers: one `close` listener
 * on the response, no closures of its own (issue 13: memory per idle stream).
 */

export interface SseStreamsOptions {
  /** Comment sent when a stream was silent this long. Default 20 s (the wire contract says ≤ 25 s). */
  heartbeatMs?: number;
  /** Checked on every tick; when true every stream ends (graceful shutdown). */
  isStopping?: () => boolean;
  /** A client that does not read: past this many buffered bytes its stream is ended (it reconnects and replays). */
  maxBufferedBytes?: number;
  onCountChange?: (open: number) => void;
}

/**
 * Open streams per caller (issue 14): one visitor or one merchant token may hold this many; the
 * next one closes the OLDEST (it is the likeliest to be a dead tab or a half-open connection a
 * reconnecting client left behind, so a real client is never locked out, while a flood never
 * holds more than the cap). A closed EventSource reconnects on its own if it is still wanted.
 */
export const STREAM_CAPS = { perVisitor: 8, perMerchantToken: 20 } as const;

/**
 * helmet's headers that only a document uses (policies for scripts, frames, windows, referrers,
 * legacy download and XSS filters). Kept on an event stream: HSTS, `nosniff`, CORP and CORS.
 */
export const DOCUMENT_ONLY_HEADERS = [
  'Content-Security-Policy',
  'Cross-Origin-Opener-Policy',
  'Origin-Agent-Cluster',
  'Referrer-Policy',
  'X-DNS-Prefetch-Control',
  'X-Download-Options',
  'X-Frame-Options',
  'X-Permitted-Cross-Domain-Policies',
  'X-XSS-Protection',
] as const;

/**
 * Node keeps a response's header map (an internal symbol, `kOutHeaders`: [name, value] pairs in a
 * dictionary-mode object) for the response's whole life, so getHeader() works after the fact. An
 * event stream's headers are on the wire once it is open and nothing asks for them again; dropping
 * the map saves ~1.6 KB per open stream (10,000 idle streams: 16 MB). Null is the map's own state
 * for a response written with writeHead() alone: every reader in Node checks for it, and getHeader()
 * then answers undefined. Found by its description; a Node that named it otherwise keeps the map
 * (and tests/unit/chat/sse.test.ts fails, so we learn of it).
 */
export const OUT_HEADERS: symbol | undefined = Object.getOwnPropertySymbols(new OutgoingMessage()).find((s) => s.description === 'kOutHeaders');

export class SseStream {
  lastWriteAt = Date.now();
  private ended = false;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(
    readonly res: Response,
    private readonly owner: SseStreams,
    /** The caller key its cap counts it under (STREAM_CAPS), if any. */
    readonly capKey?: string,
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  /** One event: `id:`, `event:`, one `data:` line of JSON. */
  send(id: number | string | undefined, event: string, data: unknown): void {
    if (this.ended) return;
    const idLine = id === undefined ? '' : `id: ${id}\n`;
    this.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Moves the client's resume position (`Last-Event-ID` of its next reconnect) without an event: a block with only `id:`. */
  position(id: string): void {
    if (this.ended) return;
    this.write(`id: ${id}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  private write(chunk: string): void {
    if (this.ended) return;
    this.lastWriteAt = Date.now();
    this.res.write(chunk);
    if (this.res.writableLength > this.owner.maxBufferedBytes) this.end();
  }

  onClose(handler: () => void): void {
    if (this.ended) handler();
    else this.closeHandlers.push(handler);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.owner.forget(this);
    if (!this.res.writableEnded) this.res.end();
    for (const handler of this.closeHandlers.splice(0)) {
      try {
        handler();
      } catch {
        /* a subscriber that fails to close must not keep the others open */
      }
    }
  }
}

export class SseStreams {
  readonly maxBufferedBytes: number;
  private readonly streams = new Set<SseStream>();
  /** Streams by caller key, oldest first. */
  private readonly byKey = new Map<string, SseStream[]>();
  private readonly heartbeatMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SseStreamsOptions = {}) {
    this.heartbeatMs = options.heartbeatMs ?? 20_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Writes the stream headers and registers the stream; the response's close (client gone) ends it. */
  open(req: Request, res: Response, options: { retryMs?: number; headers?: Record<string, string>; cap?: { key: string; max: number } } = {}): SseStream {
    const stream = new SseStream(res, this, options.cap?.key);
    if (options.cap) this.admit(stream, options.cap.key, options.cap.max);
    res.status(200);
    // Headers for documents mean nothing on an event stream (it is never rendered, framed or
    // navigated), and Node keeps every header for the response's life: ~3 KB per stream for hours.
    for (const name of DOCUMENT_ONLY_HEADERS) res.removeHeader(name);
    res.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and friends: do not buffer the stream.
      'X-Accel-Buffering': 'no',
      ...options.headers,
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    // The router's continuation (its closures, the final handler) would otherwise stay reachable
    // from the request for the stream's whole life (~1.5 KB each); nothing calls it once a stream is open.
    req.next = undefined;
    // So would the route's parameters and the response's locals, each a dictionary-mode object
    // (~340 B), and the router's parsed URL (~250 B with its pieces of the URL string): all read
    // before the stream opened, nothing reads them after (req.path parses the URL again if asked).
    (req as { params: unknown }).params = undefined;
    (res as { locals: unknown }).locals = undefined;
    (req as { _parsedUrl?: unknown })._parsedUrl = undefined;
    // And Node's map of the headers just sent (~1.6 KB): see OUT_HEADERS.
    if (OUT_HEADERS) (res as unknown as Record<symbol, unknown>)[OUT_HEADERS] = null;
    if (options.retryMs !== undefined) res.write(`retry: ${options.retryMs}\n\n`);
    else res.write(': open\n\n');
    this.streams.add(stream);
    this.options.onCountChange?.(this.streams.size);
    // The response closes when the client goes away as well as when the stream ends here; end() is
    // idempotent, so a plain listener (no `once` wrapper) is enough.
    res.on('close', () => stream.end());
    if (this.stopped) stream.end();
    this.ensureTimer();
    return stream;
  }

  /** @internal */
  forget(stream: SseStream): void {
    if (this.streams.delete(stream)) this.options.onCountChange?.(this.streams.size);
    if (stream.capKey !== undefined) this.release(stream, stream.capKey);
  }

  /** Counts the stream under its caller key, ending that caller's oldest streams beyond `max`. */
  private admit(stream: SseStream, key: string, max: number): void {
    const list = this.byKey.get(key) ?? [];
    while (list.length >= Math.max(1, max)) list.shift()!.end();
    list.push(stream);
    // Set after the loop: an ended stream's release() drops the key once its list ran empty.
    this.byKey.set(key, list);
  }

  private release(stream: SseStream, key: string): void {
    const list = this.byKey.get(key);
    if (!list) return;
    const i = list.indexOf(stream);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byKey.delete(key);
  }

  /** Ends every stream (shutdown); new ones are ended at once. */
  closeAll(): void {
    this.stopped = true;
    for (const stream of [...this.streams]) stream.end();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private ensureTimer(): void {
    if (this.timer || this.stopped) return;
    const tick = Math.min(1_000, Math.max(50, Math.floor(this.heartbeatMs / 4)));
    this.timer = setInterval(() => this.tick(), tick);
    this.timer.unref();
  }

  private tick(): void {
    if (this.options.isStopping?.()) {
      this.closeAll();
      return;
    }
    if (this.streams.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const due = Date.now() - this.heartbeatMs;
    for (const stream of this.streams) if (stream.lastWriteAt <= due) stream.comment('keep-alive');
  }
}
