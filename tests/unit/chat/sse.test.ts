import http from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_ONLY_HEADERS, OUT_HEADERS, SseStreams, type SseStream } from '../../../core/chat/sse.ts';
import { listen, type RunningServer } from '../../../core/http/server.ts';

/**
 * The stream plumbing an idle event stream keeps for hours (issue 13 keeps it lean): a client
 * that goes away ends its stream and runs its close handlers, the per-caller cap (issue 14)
 * ends the oldest stream and forgets closed ones, and idle streams get `: keep-alive`.
 */

let server: RunningServer | undefined;
const clients: http.ClientRequest[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await server?.close(100);
  server = undefined;
});

async function serve(sse: SseStreams, max = 2) {
  const opened: SseStream[] = [];
  const app = express();
  app.get('/events', (req, res) => {
    opened.push(sse.open(req, res, { cap: { key: String(req.query.caller), max } }));
  });
  server = await listen(app, 0, '127.0.0.1');
  return { opened, url: `http://127.0.0.1:${server.port}/events` };
}

/** Opens a stream; `ended` settles when the server ends it, `text()` is what arrived so far. */
function connect(url: string) {
  return new Promise<{ req: http.ClientRequest; text: () => string; ended: Promise<void> }>((resolve, reject) => {
    let text = '';
    const req = http.get(url, { agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      const ended = new Promise<void>((done) => res.once('end', done));
      res.once('data', () => resolve({ req, text: () => text, ended }));
    });
    req.on('error', reject);
    clients.push(req);
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('SseStreams', () => {
  it('ends a stream whose client went away and runs its close handlers once', async () => {
    const sse = new SseStreams();
    const { opened, url } = await serve(sse);
    const client = await connect(url + '?caller=a');
    let closed = 0;
    opened[0]!.onClose(() => closed++);
    expect(sse.size).toBe(1);

    client.req.destroy();
    await until(() => sse.size === 0);
    expect(opened[0]!.closed).toBe(true);
    expect(closed).toBe(1);
  });

  it('ends the oldest stream of a caller over its cap, and counts only open ones', async () => {
    const sse = new SseStreams();
    const { opened, url } = await serve(sse, 2);
    const first = await connect(url + '?caller=a');
    const second = await connect(url + '?caller=a');
    await connect(url + '?caller=b');
    await connect(url + '?caller=a');
    await first.ended;
    expect(opened.map((s) => s.closed)).toEqual([true, false, false, false]);

    // A stream the client closed no longer counts: the next one ends nobody.
    second.req.destroy();
    await until(() => opened[1]!.closed);
    await connect(url + '?caller=a');
    expect(opened.map((s) => s.closed)).toEqual([true, true, false, false, false]);
    expect(sse.size).toBe(3);
  });

  it('with a cap of one, every new stream of the caller ends the one before', async () => {
    const sse = new SseStreams();
    const { opened, url } = await serve(sse, 1);
    for (let i = 0; i < 3; i++) await connect(url + '?caller=a');
    await until(() => sse.size === 1);
    expect(opened.map((s) => s.closed)).toEqual([true, true, false]);
  });

  it("drops helmet's document-only headers from a stream and keeps HSTS, nosniff and CORP", async () => {
    const sse = new SseStreams({});
    const app = express();
    app.use(helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' } }));
    app.get('/events', (req, res) => void sse.open(req, res));
    app.get('/page', (_req, res) => void res.send('<p>page</p>'));
    server = await listen(app, 0, '127.0.0.1');
    const page = await fetch(`http://127.0.0.1:${server.port}/page`);
    const names = (headers: Headers) => [...headers.keys()];
    // The document keeps every one of them (the list names only headers helmet really sends).
    for (const name of DOCUMENT_ONLY_HEADERS) expect(names(page.headers)).toContain(name.toLowerCase());
    const controller = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${server.port}/events`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    for (const name of DOCUMENT_ONLY_HEADERS) expect(names(stream.headers)).not.toContain(name.toLowerCase());
    expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
    expect(stream.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(stream.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    controller.abort();
    sse.closeAll();
  });

  it('sends `: keep-alive` on a stream that was silent for the heartbeat interval', async () => {
    const sse = new SseStreams({ heartbeatMs: 200 });
    const { url } = await serve(sse);
    const client = await connect(url + '?caller=a');
    await until(() => client.text().includes(': keep-alive\n\n'));
    sse.closeAll();
    await client.ended;
  });

  it('lets go of what an open stream no longer needs (header map, params, locals) and still streams and ends', async () => {
    // Node's internal name for the header map: if a Node version renames it, the saving is silently
    // gone (OUT_HEADERS undefined); this says so.
    expect(OUT_HEADERS).toBeDefined();
    const sse = new SseStreams();
    let kept: { headerMap: unknown; contentType: unknown; params: unknown; locals: unknown; parsedUrl: unknown } | undefined;
    const app = express();
    app.get('/c/:id/events', (req, res) => {
      const stream = sse.open(req, res, { headers: { 'X-Test': 'yes' } });
      kept = { headerMap: (res as unknown as Record<symbol, unknown>)[OUT_HEADERS!], contentType: res.getHeader('Content-Type'), params: req.params, locals: res.locals, parsedUrl: (req as { _parsedUrl?: unknown })._parsedUrl };
      // The path can still be asked for (the request log does when the stream closes).
      expect(req.path).toBe('/c/1/events');
      stream.send(1, 'message.created', { text: 'after the release' });
      setTimeout(() => stream.end(), 20);
    });
    server = await listen(app, 0, '127.0.0.1');
    const answer = await fetch(`http://127.0.0.1:${server.port}/c/1/events`);
    expect(answer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers.get('x-test')).toBe('yes');
    expect(await answer.text()).toContain('event: message.created\ndata: {"text":"after the release"}');
    expect(kept).toEqual({ headerMap: null, contentType: undefined, params: undefined, locals: undefined, parsedUrl: undefined });
    expect(sse.size).toBe(0);
  });
});
