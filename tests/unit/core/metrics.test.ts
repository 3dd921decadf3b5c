import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../../core/http/metrics.ts';

describe('request metrics', () => {
  const metrics = new Metrics();
  let server: ReturnType<express.Express['listen']>;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use(metrics.middleware());
    app.get('/c/:id/messages', (_req, res) => void res.json([]));
    app.get('/c/:id/events', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(': open\n\n');
    });
    await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const count = async (route: string) => {
    const histogram = await metrics.httpDuration.get();
    return histogram.values.find((v) => v.metricName === 'http_request_duration_seconds_count' && v.labels.route === route)?.value ?? 0;
  };

  it('times requests by route template, and leaves event streams out of the latency histogram', async () => {
    await (await fetch(`${base}/c/1/messages`)).arrayBuffer();
    await (await fetch(`${base}/c/2/messages`)).arrayBuffer();
    await (await fetch(`${base}/c/1/events`)).arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await count('/c/:id/messages')).toBe(2);
    expect(await count('/c/:id/events')).toBe(0);
  });
});
