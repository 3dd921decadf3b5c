import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express from 'express';
import helmet from 'helmet';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_ONLY_HEADERS, SseStreams, type SseStream } from '../../../core/chat/sse.ts';
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

  it('takes its connection over from the HTTP server: request, response and parser are let go, and it still streams, frames its chunks and ends', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sse = new SseStreams();
    // Collected objects are reported by a FinalizationRegistry (a WeakRef would keep them for the job).
    const collected = new Set<string>();
    const registry = new FinalizationRegistry<string>((what) => collected.add(what));
    let socket: import('node:net').Socket | undefined;
    let stream: SseStream | undefined;
    const app = express();
    app.get('/c/:id/events', (req, res) => {
      stream = sse.open(req, res, { headers: { 'X-Test': 'yes' } });
      registry.register(req, 'request');
      registry.register(res, 'response');
      socket = req.socket;
    });
    server = await listen(app, 0, '127.0.0.1');
    const controller = new AbortController();
    const answer = await fetch(`http://127.0.0.1:${server.port}/c/1/events`, { signal: controller.signal });
    expect(answer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers.get('x-test')).toBe('yes');
    expect(answer.headers.get('connection')).toBe('close');
    await until(() => stream?.handedOver === true);
    // Nothing of Node's HTTP server is left on the connection: no parser, none of its listeners.
    expect((socket as { parser?: unknown }).parser ?? null).toBeNull();
    expect(socket!.listenerCount('data')).toBe(0);
    for (let i = 0; i < 50 && collected.size < 2; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect([...collected].sort()).toEqual(['request', 'response']);
    // Events after the hand-over arrive whole (the client would reject a badly framed chunk) and the
    // stream's end is the chunked body's proper end, not a cut connection.
    stream!.send(1, 'message.created', { text: 'after the hand-over: ünïcode ✓' });
    stream!.send(2, 'message.created', { text: 'x'.repeat(70_000) });
    setTimeout(() => stream!.end(), 20);
    const text = await answer.text();
    expect(text).toContain('id: 1\nevent: message.created\ndata: {"text":"after the hand-over: ünïcode ✓"}\n\n');
    expect(text).toContain(`id: 2\nevent: message.created\ndata: {"text":"${'x'.repeat(70_000)}"}\n\n`);
    expect(sse.size).toBe(0);
    await until(() => socket!.destroyed);
  });

  it('after the hand-over, a client that goes away still ends its stream and runs its close handlers once', async () => {
    const sse = new SseStreams();
    const { opened, url } = await serve(sse);
    const client = await connect(url + '?caller=a');
    await until(() => opened[0]!.handedOver);
    let closed = 0;
    opened[0]!.onClose(() => closed++);
    client.req.destroy();
    await until(() => sse.size === 0);
    expect(closed).toBe(1);
  });

  it('ends handed-over streams on closeAll (shutdown), so the server can close', async () => {
    const sse = new SseStreams();
    const { opened, url } = await serve(sse);
    const clientA = await connect(url + '?caller=a');
    const clientB = await connect(url + '?caller=b');
    await until(() => opened.every((s) => s.handedOver));
    sse.closeAll();
    await Promise.all([clientA.ended, clientB.ended]);
    expect(sse.size).toBe(0);
  });
});
