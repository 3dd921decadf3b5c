import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Request, Response } from 'express';
import { takeEventStreamCloseHook } from '../http/event-stream-request.ts';

/**
 * Server-sent event streams of this instance: headers that keep proxies from buffering,
 * `: keep-alive` comments on idle streams, and every stream ended on shutdown.
 *
 * One timer serves all streams (10,000 idle streams must not mean 10,000 timers). Once its
 * headers are out, a stream takes its connection over from Node's HTTP server (SseStream.handOver)
 * and keeps only the socket, a timestamp, its cap key and its close handlers (issue 13: memory per
 * idle stream; docs/decisions/0028).
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
 * Node's own release of a connection's HTTP parser (lib/_http_common.js), the one its server runs
 * when a request upgrades the connection: stops the parser consuming the socket, drops it from the
 * server's connection list and returns it to the pool. An undocumented module of Node's, present
 * from Node 0.x to 24 (tests/unit/chat/sse.test.ts proves the hand-over on the Node that runs it).
 */
const { freeParser } = createRequire(import.meta.url)('node:_http_common') as { freeParser: (parser: unknown, req: unknown, socket: unknown) => void };

/** Every listener Node's HTTP server puts on a connection (per connection: ~11 bound functions and their state). */
const CONNECTION_EVENTS = ['data', 'end', 'close', 'drain', 'error', 'timeout', 'pause', 'resume'] as const;

export class SseStream {
  lastWriteAt = Date.now();
  private ended = false;
  private readonly closeHandlers: (() => void)[] = [];
  /** Until the hand-over: the response. */
  private res: Response | undefined;
  /** After it: the connection itself, and whether the body is chunked (framed here from then on). */
  private socket: Socket | undefined;
  private chunked = false;

  constructor(
    res: Response,
    private readonly owner: SseStreams,
    /** The caller key its cap counts it under (STREAM_CAPS), if any. */
    readonly capKey?: string,
  ) {
    this.res = res;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** True once the stream owns its connection (Node's request and response let go). */
  get handedOver(): boolean {
    return this.socket !== undefined;
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
    const socket = this.socket;
    if (socket) socket.write(this.chunked ? `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n` : chunk);
    else this.res!.write(chunk);
    if ((socket ?? this.res!).writableLength > this.owner.maxBufferedBytes) this.end();
  }

  onClose(handler: () => void): void {
    if (this.ended) handler();
    else this.closeHandlers.push(handler);
  }

  /**
   * Takes the connection over from Node's HTTP server, as a protocol upgrade does: Node forgets
   * the request, the response, the connection's parser and its listeners (~4 KB per stream, for
   * as long as it stays open), and the stream writes to the socket, framing chunks itself. The
   * connection is not reused: the stream's end closes it. Runs after the request's parsing has
   * unwound (a parser may not be freed inside its own callback).
   * @internal
   */
  handOver(req: Request): void {
    const res = this.res;
    const socket = res?.socket;
    if (this.ended || !res || !socket || socket.destroyed) return;
    // A response queued behind another one on the connection (pipelining) stays with Node.
    const queued = res as unknown as { outputData?: unknown[] };
    if ((socket as Socket & { _httpMessage?: unknown })._httpMessage !== res || queued.outputData?.length) return;
    const logClose = takeEventStreamCloseHook(res);
    if (logClose) this.closeHandlers.push(logClose);
    this.chunked = res.chunkedEncoding;
    for (const event of CONNECTION_EVENTS) socket.removeAllListeners(event);
    res.detachSocket(socket);
    const parser = (socket as Socket & { parser?: unknown }).parser;
    if (parser) freeParser(parser, req, socket);
    this.res = undefined;
    this.socket = socket;
    socket.on('error', () => socket.destroy());
    socket.on('end', () => this.end());
    socket.on('close', () => this.end());
    // Read on (and drop) whatever the client sends, so that its close is seen.
    socket.resume();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.owner.forget(this);
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      // The last chunk, then the connection closes (it was never to serve another request).
      const close = () => socket.destroy();
      if (this.chunked) socket.end('0\r\n\r\n', close);
      else socket.end(close);
    } else if (this.res && !this.res.writableEnded) this.res.end();
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
    // navigated): bytes on the wire for nothing.
    for (const name of DOCUMENT_ONLY_HEADERS) res.removeHeader(name);
    res.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // The stream's end closes the connection (it leaves Node's HTTP server): no request follows on it.
      Connection: 'close',
      // nginx and friends: do not buffer the stream.
      'X-Accel-Buffering': 'no',
      ...options.headers,
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    if (options.retryMs !== undefined) res.write(`retry: ${options.retryMs}\n\n`);
    else res.write(': open\n\n');
    this.streams.add(stream);
    this.options.onCountChange?.(this.streams.size);
    // Until the hand-over, the response closes when the client goes away; end() is idempotent.
    res.on('close', () => stream.end());
    if (this.stopped) stream.end();
    else setImmediate(() => stream.handOver(req));
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
