import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Level, Logger } from 'pino';
import { isEventStreamRequest, onEventStreamClosed } from './event-stream-request.ts';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id (requestLog): in the X-Request-Id answer header and in every log line of the request. */
    id?: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Secrets that travel in URLs (manage links, the event stream's ?token=, the session token Shopify
 * puts in its app URL as ?id_token=, which is also a merchant credential here) never reach the log.
 */
export function redactUrl(url: string): string {
  return url.replace(/\/manage\/[^/?#]+/g, '/manage/[redacted]').replace(/([?&](?:token|access_token|id_token|code|key)=)[^&#]*/gi, '$1[redacted]');
}

/** Paths whose success is not worth a line (probes and scrapes); their failures still are. */
const QUIET = new Set(['/healthz', '/metrics']);

/**
 * The line an event stream's close writes. Built outside the middleware, so that the closure holds
 * these values alone: a stream may leave Node's HTTP server once open (core/chat/sse.ts) and outlive
 * its request and response, which a closure made inside the middleware would keep alive.
 */
function streamCloseLog(log: Logger, reqId: string, method: string, url: string, started: number): (status: number) => void {
  return (status) => {
    const level: Level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (log.isLevelEnabled(level)) log[level]({ reqId, method, url: redactUrl(url), status, ms: Date.now() - started }, 'event stream closed');
  };
}

/**
 * One line per request when it ends (issue 13: logging that costs nothing it need not): a request
 * id (a valid incoming X-Request-Id, else a new one, echoed in the response), then at the end
 * `{ reqId, method, url, status, ms }`, `error` for a 5xx and `warn` for a 4xx. Nothing is built
 * per request beyond the id and one `close` listener (pino-http made a child logger per request and
 * serialized the request into it, headers and all, whatever the level). Headers are never logged,
 * so neither are the credentials they carry; the URL goes through `redactUrl`. An event stream
 * (GET …/events) lives for hours: its line says so when it closes.
 */
export function requestLog(logger: Logger): RequestHandler {
  const streams = logger.child({ component: 'event-stream' });
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = Date.now();
    const url = req.originalUrl;
    if (isEventStreamRequest(req)) {
      const closed = streamCloseLog(streams, id, req.method, url, started);
      res.once('close', () => closed(res.statusCode));
      onEventStreamClosed(res, closed);
      next();
      return;
    }
    res.once('close', () => {
      const status = res.statusCode;
      // The client went away before the answer was complete: worth knowing, not an error of ours.
      const aborted = !res.writableFinished;
      const level: Level = status >= 500 ? 'error' : status >= 400 || aborted ? 'warn' : 'info';
      if (level === 'info' && QUIET.has(req.path)) return;
      if (!logger.isLevelEnabled(level)) return;
      const line = { reqId: id, method: req.method, url: redactUrl(url), status, ms: Date.now() - started, ...(aborted ? { aborted: true } : {}) };
      logger[level](line, aborted ? 'request aborted' : 'request completed');
    });
    next();
  };
}
