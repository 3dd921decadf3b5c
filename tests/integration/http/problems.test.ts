import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { z } from 'zod';
import { createHttpApp } from '../../../core/http/app.ts';
import { Metrics } from '../../../core/http/metrics.ts';
import { listen, type RunningServer } from '../../../core/http/server.ts';
import { defineRoute, reply } from '../../../core/http/route.ts';
import { Lifecycle } from '../../../core/lifecycle/lifecycle.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

/** The HTTP layer's error contract, through a real server with one declared route. */
describe('problem+json for every failure', () => {
  let t: TestDatabase;
  let server: RunningServer;
  let base: string;
  const created: unknown[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    const echo = defineRoute({
      method: 'post',
      path: '/api/v1/echo/:id',
      summary: 'Echo for tests',
      tags: ['test'],
      params: z.object({ id: z.uuid() }),
      body: z.object({ name: z.string().min(1), count: z.number().int().min(0) }),
      responses: { 201: { description: 'Created' } },
      handler: ({ body }) => {
        created.push(body);
        return reply(201, body);
      },
    });
    const boom = defineRoute({
      method: 'get',
      path: '/api/v1/boom',
      summary: 'Throws',
      tags: ['test'],
      responses: { 200: { description: 'never' } },
      handler: () => {
        throw new Error('secret internal detail at /srv/app/core/x.ts:12');
      },
    });
    const app = createHttpApp({
      logger: pino({ level: 'silent' }),
      db: t.db,
      metrics: new Metrics(),
      lifecycle: new Lifecycle(),
      modules: [{ name: 'test', routes: [echo, boom] }],
      bodyLimit: '1kb',
      trustProxy: 'loopback',
      publicUrl: 'http://localhost',
      version: '0.0.0',
    });
    server = await listen(app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close(1000);
    await t.drop();
  });

  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
  const id = '7a1c9a1e-7f6d-4b2c-9a55-3c8d1f0e2b11';

  it('accepts a valid request', async () => {
    const res = await post(`/api/v1/echo/${id}`, JSON.stringify({ name: 'x', count: 1 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'x', count: 1 });
  });

  it('answers malformed JSON with 400', async () => {
    const res = await post(`/api/v1/echo/${id}`, '{"name": "x",');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ type: '/problems/malformed-json', status: 400, title: 'Malformed JSON' });
  });

  it('answers an oversize body with 413', async () => {
    const res = await post(`/api/v1/echo/${id}`, JSON.stringify({ name: 'x'.repeat(5000), count: 1 }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413, type: '/problems/payload-too-large' });
  });

  it('lists every wrong field with its path', async () => {
    const res = await post('/api/v1/echo/not-a-uuid', JSON.stringify({ name: '', count: 'three' }));
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem.type).toBe('/problems/validation');
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['params.id']);
    const res2 = await post(`/api/v1/echo/${id}`, JSON.stringify({ name: '', count: 'three' }));
    const problem2 = await res2.json();
    expect(problem2.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.count', 'body.name']);
    expect(created).toHaveLength(1);
  });

  it('asks for a JSON body when another content type is sent', async () => {
    const res = await post(`/api/v1/echo/${id}`, 'name=x', 'text/plain');
    expect(res.status).toBe(422);
    expect((await res.json()).errors[0]).toMatchObject({ path: 'body' });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await fetch(`${base}/api/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 404, detail: 'No route for GET /api/v1/nothing-here.' });
  });

  it('hides internals of an unexpected error behind a plain 500 problem', async () => {
    const res = await fetch(`${base}/api/v1/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/secret internal|\/srv\/app|at /);
    expect(JSON.parse(text)).toMatchObject({ status: 500, type: '/problems/internal' });
  });

  it('sets a request id on every answer and keeps a sane one from the client', async () => {
    const res = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const res2 = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(res2.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves health, readiness, metrics and an OpenAPI document that includes the declared route', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/http_request_duration_seconds_bucket/);
    const doc = await (await fetch(`${base}/api/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/echo/{id}'].post.requestBody.content['application/json'].schema.properties.count.type).toBe('integer');
    expect((await fetch(`${base}/api/docs`)).status).toBe(200);
  });
});
