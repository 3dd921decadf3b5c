import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody } from '../../../core/http/json-body.ts';

/**
 * core/http/json-body.ts reads the common JSON request itself and hands everything else to
 * express.json: the same request must come out the same either way. Each case goes to two servers,
 * one with the short path in front of express.json and one with express.json alone.
 */
describe('the short JSON body path answers as express.json does', () => {
  const LIMIT = 1024;
  const handled: unknown[] = [];
  const servers: http.Server[] = [];
  let short = '';
  let general = '';
  /** Requests the short path handed to express.json. */
  let handedOn = 0;

  const start = async (parser: RequestHandler): Promise<string> => {
    const app = express();
    app.use(parser);
    app.post('/echo', (req, res) => {
      handled.push(req.body);
      res.json({ body: req.body as unknown });
    });
    const errors: ErrorRequestHandler = (error: { type?: string; status?: number }, _req, res, _next) => {
      res.status(error.status ?? 500).json({ error: error.type ?? 'unknown' });
    };
    app.use(errors);
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    const bodyParser = () => express.json({ limit: LIMIT, type: ['application/json', 'application/*+json'] });
    const fallback = bodyParser();
    short = await start(
      jsonBody(LIMIT, (req, res, next) => {
        handedOn += 1;
        fallback(req, res, next);
      }),
    );
    general = await start(bodyParser());
  });
  afterAll(() => {
    for (const server of servers) server.close();
  });

  const both = async (body: string | Buffer, headers: Record<string, string>) => {
    const send = async (base: string) => {
      const res = await fetch(`${base}/echo`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    return { short: await send(short), general: await send(general) };
  };

  // [name, body, headers, read by the short path itself]
  const cases: [string, string | Buffer, Record<string, string>, boolean][] = [
    ['an object', '{"text":"hello","n":1}', { 'content-type': 'application/json' }, true],
    ['an array', '[1,2]', { 'content-type': 'application/json' }, true],
    ['a UTF-8 charset, quoted, any case', '{"a":"ü"}', { 'content-type': 'Application/JSON; charset="UTF-8"' }, true],
    ['a byte-order mark', '\ufeff{"a":1}', { 'content-type': 'application/json' }, true],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { 'content-type': 'application/json' }, true],
    ['an empty body', '', { 'content-type': 'application/json' }, true],
    ['whitespace only', ' \n ', { 'content-type': 'application/json' }, true],
    ['a scalar', '"just a string"', { 'content-type': 'application/json' }, true],
    ['a number after whitespace', '  42', { 'content-type': 'application/json' }, true],
    ['broken JSON', '{"a":', { 'content-type': 'application/json' }, true],
    ['a body over the limit', JSON.stringify({ a: 'x'.repeat(2000) }), { 'content-type': 'application/json' }, false],
    ['another charset', '{"a":1}', { 'content-type': 'application/json; charset=latin1' }, false],
    ['a compressed body', gzipSync('{"a":"zipped"}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' }, false],
    ['a +json type', '{"a":1}', { 'content-type': 'application/merge-patch+json' }, false],
    ['another type', 'a=1', { 'content-type': 'text/plain' }, false],
  ];
  for (const [name, body, headers, own] of cases) {
    it(name, async () => {
      const before = handedOn;
      const { short: a, general: b } = await both(body, headers);
      expect(a).toEqual(b);
      expect(handedOn - before).toBe(own ? 0 : 1);
    });
  }

  it('answers errors with body-parser’s types (core/http/problem.ts maps them)', async () => {
    const { short: broken } = await both('{"a":', { 'content-type': 'application/json' });
    expect(broken).toEqual({ status: 400, body: { error: 'entity.parse.failed' } });
    const { short: scalar } = await both('"x"', { 'content-type': 'application/json' });
    expect(scalar).toEqual({ status: 400, body: { error: 'entity.parse.failed' } });
  });

  it('drops a request whose client goes away mid-body, and goes on serving', async () => {
    const before = handled.length;
    const { port } = new URL(short);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"half":');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await fetch(`${short}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ok":true}' });
    expect(await after.json()).toEqual({ body: { ok: true } });
    expect(handled.slice(before)).toEqual([{ ok: true }]);
  });
});
