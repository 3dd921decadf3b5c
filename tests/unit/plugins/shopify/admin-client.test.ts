import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginError } from '@concierge/plugin-sdk';
import { API_VERSION, budgetWaitMs, classifyFailure, createAdminClient, type ShopBucket } from '../../../../plugins/shopify/admin-client.ts';
import { createUpstream } from '../../../../plugins/shopify/upstream.ts';

/** A scripted Admin GraphQL endpoint: each request takes the next answer; requests are recorded. */
type Answer = { status?: number; body: unknown; headers?: Record<string, string> };
let script: Answer[] = [];
const seen: { host?: string; path?: string; token?: string; body: string }[] = [];
let server: http.Server;
let origin: string;

const cost = (available: number, requested = 10, restoreRate = 50) => ({ cost: { requestedQueryCost: requested, actualQueryCost: requested, throttleStatus: { maximumAvailable: 1000, currentlyAvailable: available, restoreRate } } });
const ok = (data: unknown, available = 990, requested = 10): Answer => ({ body: { data, extensions: cost(available, requested) } });
const throttled = (available: number, requested: number): Answer => ({ body: { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }], extensions: { cost: { ...cost(available, requested).cost, actualQueryCost: null } } } });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ host: req.headers.host, path: req.url, token: req.headers['x-shopify-access-token'] as string, body });
      const answer = script.shift() ?? { status: 500, body: { errors: 'script exhausted' } };
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(over: { tokens?: string[]; now?: () => number; maxThrottleWaits?: number; bucket?: ShopBucket } = {}) {
  const sleeps: number[] = [];
  const refreshed: string[] = [];
  const tokens = over.tokens ?? ['t1', 't2'];
  let current = tokens[0]!;
  const admin = createAdminClient({
    shop: 'a.myshopify.com',
    upstream: createUpstream(origin),
    token: async () => current,
    onUnauthorized: async (failed) => {
      refreshed.push(failed);
      current = tokens[tokens.indexOf(failed) + 1] ?? failed;
      return current;
    },
    sleep: async (ms) => void sleeps.push(ms),
    now: over.now ?? (() => 1_000_000),
    ...(over.maxThrottleWaits !== undefined ? { maxThrottleWaits: over.maxThrottleWaits } : {}),
    ...(over.bucket ? { bucket: over.bucket } : {}),
  });
  return { admin, sleeps, refreshed };
}

describe('shopify admin client (shopify-api-node graphql through the upstream route)', () => {
  it('sends the pinned API version to the upstream with the shop in the Host header', async () => {
    seen.length = 0;
    script = [ok({ shop: { name: 'A' } })];
    const { admin } = client();
    expect(await admin.query('{ shop { name } }')).toEqual({ shop: { name: 'A' } });
    expect(API_VERSION).toBe('2025-10');
    expect(seen[0]).toMatchObject({ host: 'a.myshopify.com', path: '/admin/api/2025-10/graphql.json', token: 't1' });
    expect(JSON.parse(seen[0]!.body)).toEqual({ query: '{ shop { name } }' });
    expect(admin.throttle).toEqual({ maximumAvailable: 1000, currentlyAvailable: 990, restoreRate: 50 });
  });

  it('waits out THROTTLED answers for as long as the bucket needs, then answers', async () => {
    script = [throttled(10, 110), throttled(60, 110), ok({ n: 1 })];
    const { admin, sleeps } = client();
    expect(await admin.query('{ n }')).toEqual({ n: 1 });
    expect(sleeps).toEqual([2000, 1000]);
    expect(admin.stats).toMatchObject({ calls: 3, throttled: 2, waitedMs: 3000 });
  });

  it('waits before a query whose last cost does not fit what is left in the bucket', async () => {
    let now = 1_000_000;
    script = [ok({ n: 1 }, 50, 200), ok({ n: 2 }, 900, 200)];
    const { admin, sleeps } = client({ now: () => now });
    await admin.query('{ n }');
    now += 1000; // 50 points restored
    await admin.query('{ n }');
    expect(sleeps).toEqual([2000]); // (200 - 100) / 50 s
  });

  it('on 401 takes a refreshed token once and retries; a second 401 is UPSTREAM_AUTH', async () => {
    seen.length = 0;
    script = [{ status: 401, body: { errors: '[API] Invalid API key or access token' } }, ok({ n: 1 })];
    const first = client();
    expect(await first.admin.query('{ n }')).toEqual({ n: 1 });
    expect(first.refreshed).toEqual(['t1']);
    expect(seen.map((s) => s.token)).toEqual(['t1', 't2']);

    script = [{ status: 401, body: {} }, { status: 401, body: {} }];
    const second = client();
    await expect(second.admin.query('{ n }')).rejects.toMatchObject({ code: 'UPSTREAM_AUTH' });
    expect(second.refreshed).toEqual(['t1']);
  });

  it('retries 5xx a few times with back-off, then says retryable; other GraphQL errors fail', async () => {
    script = [{ status: 502, body: {} }, ok({ n: 1 })];
    const a = client();
    expect(await a.admin.query('{ n }')).toEqual({ n: 1 });
    expect(a.sleeps).toEqual([200]);

    script = [{ status: 503, body: {} }, { status: 503, body: {} }, { status: 503, body: {} }, { status: 503, body: {} }];
    const b = client();
    await expect(b.admin.query('{ n }')).rejects.toMatchObject({ code: 'UPSTREAM_RETRYABLE' });
    expect(b.sleeps).toEqual([200, 400, 800]);

    script = [{ body: { errors: [{ message: 'Field x does not exist' }] } }];
    await expect(client().admin.query('{ x }')).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });

    script = [{ status: 403, body: { errors: 'scope' } }];
    await expect(client().admin.query('{ x }')).rejects.toMatchObject({ code: 'UPSTREAM_AUTH' });
  });

  it('an unreachable upstream is retryable, never a crash', async () => {
    const admin = createAdminClient({
      shop: 'a.myshopify.com',
      upstream: createUpstream('http://127.0.0.1:9'),
      token: async () => 't',
      onUnauthorized: async (t) => t,
      sleep: async () => {},
    });
    await expect(admin.query('{ n }')).rejects.toMatchObject({ code: 'UPSTREAM_RETRYABLE' });
  });

  it('computes the budget wait from the last status and restore since then', () => {
    const status = { maximumAvailable: 1000, currentlyAvailable: 100, restoreRate: 50 };
    expect(budgetWaitMs(undefined, 100, 0)).toBe(0);
    expect(budgetWaitMs({ status, at: 0 }, undefined, 0)).toBe(0);
    expect(budgetWaitMs({ status, at: 0 }, 100, 0)).toBe(0);
    expect(budgetWaitMs({ status, at: 0 }, 150, 0)).toBe(1000);
    expect(budgetWaitMs({ status, at: 0 }, 150, 500)).toBe(500);
    expect(budgetWaitMs({ status, at: 0 }, 150, 5000)).toBe(0);
    expect(budgetWaitMs({ status: { ...status, restoreRate: 0 }, at: 0 }, 150, 0)).toBe(0);
    expect(budgetWaitMs({ status: { ...status, currentlyAvailable: 990 }, at: 0 }, 1000, 60_000)).toBe(0);
    expect(budgetWaitMs({ status: { ...status, maximumAvailable: 120 }, at: 0 }, 150, 60_000)).toBe(600);
  });

  it('classifies failures', () => {
    expect(classifyFailure({ extensions: { code: 'THROTTLED' } })).toEqual({ kind: 'throttled', waitMs: 1000 });
    expect(classifyFailure({ response: { statusCode: 200, body: { errors: [{ extensions: { code: 'THROTTLED' } }], extensions: { cost: { requestedQueryCost: 101, throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 100, restoreRate: 50 } } } } } })).toMatchObject({ kind: 'throttled', waitMs: 50 });
    expect(classifyFailure({ response: { statusCode: 429, headers: { 'retry-after': '2' } } })).toEqual({ kind: 'throttled', waitMs: 2000 });
    expect(classifyFailure({ response: { statusCode: 429, headers: {} } })).toEqual({ kind: 'throttled', waitMs: 1000 });
    expect(classifyFailure({ response: { statusCode: 401 } })).toEqual({ kind: 'unauthorized' });
    expect(classifyFailure({ response: { statusCode: 403 }, message: 'no' })).toEqual({ kind: 'forbidden', message: 'no' });
    expect(classifyFailure({ response: { statusCode: 500 }, message: 'x' })).toEqual({ kind: 'transient', message: 'x' });
    expect(classifyFailure({ code: 'ECONNRESET', message: 'x' })).toEqual({ kind: 'transient', message: 'x' });
    expect(classifyFailure({ response: { statusCode: 404 }, message: 'x' })).toEqual({ kind: 'failed', message: 'x' });
    expect(classifyFailure(undefined)).toEqual({ kind: 'failed', message: 'request failed' });
  });

  it('gives up as retryable after too many THROTTLED answers in a row, with the wait it was told', async () => {
    script = [throttled(0, 500), throttled(0, 500), throttled(0, 500)];
    const { admin, sleeps } = client({ maxThrottleWaits: 2 });
    const error = await admin.query('{ n }').catch((e: unknown) => e);
    expect(isPluginError(error, 'UPSTREAM_RETRYABLE') && [error.message, error.details.retryAfterSeconds]).toEqual(['Shopify kept throttling a.myshopify.com', 10]);
    expect(sleeps).toEqual([10_000, 10_000]);
    expect(admin.stats).toMatchObject({ calls: 3, throttled: 3, waitedMs: 20_000 });
    // The bucket Shopify reported with the refusal is what the next query plans with.
    expect(admin.throttle).toEqual({ maximumAvailable: 1000, currentlyAvailable: 0, restoreRate: 50 });
  });

  it('says what failed, for whom, in every coded error (never the token)', async () => {
    const message = async (answers: Answer[]) => {
      script = answers;
      const error = await client({ tokens: ['secret-token'] }).admin.query('{ x }').catch((e: unknown) => e);
      return isPluginError(error) ? `${error.code}: ${error.message}` : String(error);
    };
    expect(await message([{ status: 401, body: {} }, { status: 401, body: {} }])).toBe('UPSTREAM_AUTH: Shopify refused the token of a.myshopify.com');
    expect(await message([{ status: 403, body: { errors: 'scope' } }])).toMatch(/^UPSTREAM_AUTH: Shopify refused the request for a\.myshopify\.com: .*403/);
    expect(await message(Array(4).fill({ status: 503, body: {} }))).toMatch(/^UPSTREAM_RETRYABLE: Shopify is unavailable for a\.myshopify\.com: .*503/);
    expect(await message([{ body: { errors: [{ message: 'Field x does not exist' }] } }])).toBe('UPSTREAM_FAILED: Shopify GraphQL error for a.myshopify.com: Field x does not exist');
    expect(await message([{ status: 403, body: { errors: 'scope' } }])).not.toContain('secret-token');
  });

  it('remembers each document\'s cost in the shop\'s bucket, shared by the clients of that shop', async () => {
    const bucket: ShopBucket = { costs: new Map() };
    script = [ok({ n: 1 }, 100, 300)];
    await client({ bucket }).admin.query('{ expensive }');
    expect(bucket.costs.get('{ expensive }')).toBe(300);
    expect(bucket.known).toEqual({ status: { maximumAvailable: 1000, currentlyAvailable: 100, restoreRate: 50 }, at: 1_000_000 });
    // Another client of the same shop: the expensive document waits for the bucket, a cheap unknown one does not.
    script = [ok({ n: 2 }), ok({ n: 3 })];
    const other = client({ bucket });
    await other.admin.query('{ cheap }');
    expect(other.sleeps).toEqual([]);
    bucket.known = { status: { maximumAvailable: 1000, currentlyAvailable: 100, restoreRate: 50 }, at: 1_000_000 };
    await other.admin.query('{ expensive }');
    expect(other.sleeps).toEqual([4000]);
    expect(other.admin.stats).toMatchObject({ calls: 2, waitedMs: 4000 });
  });

  it('reads THROTTLED answers: the wait from the missing points, at least 50 ms; without usable cost figures 1 s', () => {
    const answer = (cost: unknown) => ({ response: { statusCode: 200, body: { errors: [{ extensions: { code: 'THROTTLED' } }], extensions: { cost } } } });
    const status = (currentlyAvailable: number, restoreRate = 50) => ({ maximumAvailable: 1000, currentlyAvailable, restoreRate });
    expect(classifyFailure(answer({ requestedQueryCost: 200, throttleStatus: status(100) }))).toEqual({ kind: 'throttled', waitMs: 2000, status: status(100) });
    expect(classifyFailure(answer({ requestedQueryCost: 100, throttleStatus: status(100) }))).toMatchObject({ waitMs: 50 });
    expect(classifyFailure(answer({ requestedQueryCost: 50, throttleStatus: status(100) }))).toMatchObject({ waitMs: 50 });
    expect(classifyFailure(answer({ requestedQueryCost: 103, throttleStatus: status(100, 1000) }))).toMatchObject({ waitMs: 50 });
    expect(classifyFailure(answer({ requestedQueryCost: 200, throttleStatus: status(100, 0) }))).toEqual({ kind: 'throttled', waitMs: 1000 });
    expect(classifyFailure(answer({ throttleStatus: status(100) }))).toEqual({ kind: 'throttled', waitMs: 1000 });
    expect(classifyFailure(answer({ requestedQueryCost: 200 }))).toEqual({ kind: 'throttled', waitMs: 1000 });
    expect(classifyFailure({ response: { statusCode: 429, headers: { 'retry-after': ['3', '9'] } } })).toEqual({ kind: 'throttled', waitMs: 3000 });
    expect(classifyFailure({ response: { statusCode: 429, headers: { 'retry-after': '0' } } })).toEqual({ kind: 'throttled', waitMs: 1000 });
    expect(classifyFailure({ response: { statusCode: 429, headers: { 'retry-after': 'soon' } } })).toEqual({ kind: 'throttled', waitMs: 1000 });
    expect(classifyFailure({ response: { statusCode: 401, body: { errors: 'x' } } })).toEqual({ kind: 'unauthorized' });
    expect(classifyFailure({ response: { statusCode: 403 } })).toEqual({ kind: 'forbidden', message: 'forbidden' });
    expect(classifyFailure({ response: { statusCode: 502 } })).toEqual({ kind: 'transient', message: 'upstream unavailable' });
    expect(classifyFailure({ response: { statusCode: 499 }, message: 'x' })).toEqual({ kind: 'failed', message: 'x' });
    expect(classifyFailure({ code: 'ERR_GOT_REQUEST_ERROR', message: 'bad request' })).toEqual({ kind: 'failed', message: 'bad request' });
    expect(classifyFailure({ message: 'plain' })).toEqual({ kind: 'failed', message: 'plain' });
  });
});
