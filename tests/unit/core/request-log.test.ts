import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseStreams, type SseStream } from '../../../core/chat/sse.ts';
import { requestLog } from '../../../core/http/request-log.ts';

describe('request log', () => {
  const lines: Array<Record<string, unknown>> = [];
  let server: ReturnType<express.Express['listen']>;
  let base: string;
  const sse = new SseStreams();
  const opened: SseStream[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const app = express();
    app.use(requestLog(pino({ level: 'info' }, sink)));
    app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
    app.get('/ok', (req, res) => void res.json({ id: req.id }));
    app.get('/missing', (_req, res) => void res.status(404).json({}));
    app.get('/broken', (_req, res) => void res.status(500).json({}));
    app.get('/c/1/events', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
    });
    app.get('/c/2/events', (req, res) => void opened.push(sse.open(req, res)));
    await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => {
    sse.closeAll();
    server.close(() => resolve());
    server.closeAllConnections();
  }));

  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('writes one line per request when it ends: id, method, redacted URL, status, time; never a header', async () => {
    lines.length = 0;
    const res = await fetch(`${base}/ok?token=s3cret-value&x=1`, { headers: { authorization: 'Bearer very-secret-token', cookie: 'sid=cookie-secret' } });
    const { id } = (await res.json()) as { id: string };
    await settle();
    expect(res.headers.get('x-request-id')).toBe(id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'request completed', reqId: id, method: 'GET', url: '/ok?token=[redacted]&x=1', status: 200 });
    expect(typeof lines[0]!.ms).toBe('number');
    const text = JSON.stringify(lines);
    for (const secret of ['very-secret-token', 'cookie-secret', 's3cret-value']) expect(text).not.toContain(secret);
  });

  it('keeps a valid incoming X-Request-Id and replaces one that is not', async () => {
    lines.length = 0;
    const kept = await fetch(`${base}/ok`, { headers: { 'x-request-id': 'edge-1234.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-1234.abc');
    const replaced = await fetch(`${base}/ok`, { headers: { 'x-request-id': 'no spaces <or> markup' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await settle();
    expect(lines.map((l) => l.reqId)).toEqual(['edge-1234.abc', replaced.headers.get('x-request-id')]);
  });

  it('logs a 4xx as warn and a 5xx as error, and a healthy probe not at all', async () => {
    lines.length = 0;
    await fetch(`${base}/healthz`);
    await fetch(`${base}/missing`);
    await fetch(`${base}/broken`);
    await settle();
    expect(lines.map((l) => [l.url, l.level])).toEqual([
      ['/missing', 40],
      ['/broken', 50],
    ]);
  });

  it('gives an event stream one line when it closes, under its own component', async () => {
    lines.length = 0;
    const controller = new AbortController();
    const res = await fetch(`${base}/c/1/events?token=stream-secret`, { signal: controller.signal });
    await res.body!.getReader().read();
    controller.abort();
    await settle();
    expect(lines).toEqual([expect.objectContaining({ component: 'event-stream', msg: 'event stream closed', url: '/c/1/events?token=[redacted]', status: 200 })]);
  });

  it('still logs the close of a stream that took its connection over from the HTTP server', async () => {
    lines.length = 0;
    const controller = new AbortController();
    const res = await fetch(`${base}/c/2/events?token=stream-secret`, { signal: controller.signal });
    await res.body!.getReader().read();
    for (let i = 0; i < 100 && !opened[0]?.handedOver; i++) await settle();
    expect(opened[0]!.handedOver).toBe(true);
    expect(lines).toEqual([]);
    controller.abort();
    await settle();
    expect(lines).toEqual([expect.objectContaining({ component: 'event-stream', msg: 'event stream closed', url: '/c/2/events?token=[redacted]', status: 200 })]);
  });
});
