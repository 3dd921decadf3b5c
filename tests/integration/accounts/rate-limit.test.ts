import express from 'express';
import { rateLimit } from 'express-rate-limit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Database } from '../../../core/db/database.ts';
import { problemErrorHandler } from '../../../core/http/problem.ts';
import { listen } from '../../../core/http/server.ts';
import { RateLimitCounters } from '../../../core/security/rate-limit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import pino from 'pino';

/** The PostgreSQL counter store (core/security/rate-limit.ts), as two instances would use it. */
describe('rate-limit counters in PostgreSQL', () => {
  let t: TestDatabase;
  let other: Database;
  let now = new Date('2026-11-22T10:00:00Z');
  const clock = () => now;
  const advance = (seconds: number) => (now = new Date(now.getTime() + seconds * 1000));

  beforeAll(async () => {
    t = await createTestDatabase();
    other = Database.connect(t.url, { poolMax: 10 }); // a second instance's own pool
  });
  afterAll(async () => {
    await other.close();
    await t.drop();
  });

  it('counts a hit in one message to PostgreSQL, whose commit does not wait for the disk', async () => {
    const c = new RateLimitCounters(t.db, clock);
    await c.hit('one-message', 60); // the pool's connection exists before counting
    const query = vi.spyOn(pg.Client.prototype, 'query');
    let sent: string[];
    try {
      expect((await c.hit('one-message', 60)).count).toBe(2);
    } finally {
      sent = query.mock.calls.map((call) => (typeof call[0] === 'string' ? call[0] : (call[0] as { text: string }).text));
      query.mockRestore();
    }
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain(`set_config('synchronous_commit', 'off', true)`);
    expect(sent[0]).toContain('INSERT INTO rate_limit_counters');
    // The setting was for that one implicit transaction: the connection is back to durable commits.
    expect((await t.db.knex.raw('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on');
  });

  it('sends the hits of the moment in one message, in key order, each with its own count', async () => {
    const c = new RateLimitCounters(t.db, clock);
    const d = new RateLimitCounters(other, clock);
    await c.hit('group:warm', 60);
    const query = vi.spyOn(pg.Client.prototype, 'query');
    let states: { count: number }[];
    let sent: string[];
    try {
      // Two instances, each with a burst on shared keys, in opposite orders.
      states = await Promise.all([
        ...['group:b', 'group:a', 'group:b', 'group:c', 'group:b'].map((key) => c.hit(key, 60)),
        ...['group:c', 'group:b', 'group:a'].map((key) => d.hit(key, 60)),
      ]);
    } finally {
      sent = query.mock.calls.map((call) => (typeof call[0] === 'string' ? call[0] : (call[0] as { text: string }).text)).filter((text) => text.includes('rate_limit_counters'));
      query.mockRestore();
    }
    // One message per instance; its statements in key order.
    expect(sent).toHaveLength(2);
    for (const text of sent) {
      const keys = [...text.matchAll(/VALUES \('(group:[a-z])'/g)].map((m) => m[1]);
      expect(keys).toEqual([...keys].sort());
    }
    expect((await c.get('group:a'))?.count).toBe(2);
    expect((await c.get('group:b'))?.count).toBe(4);
    expect((await c.get('group:c'))?.count).toBe(2);
    // Every hit on a key got its own count, and one instance's in the order it made them.
    const bCounts = [0, 2, 4].map((i) => states[i]!.count);
    expect(bCounts).toEqual([...bCounts].sort((x, y) => x - y));
    expect([...bCounts, states[6]!.count].sort((x, y) => x - y)).toEqual([1, 2, 3, 4]);
  });

  it('fails only the hit that cannot be counted when its message fails', async () => {
    const c = new RateLimitCounters(t.db, clock);
    const results = await Promise.allSettled([c.hit('fine:1', 60), c.hit('bad\u0000key', 60), c.hit('fine:2', 60)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await c.get('fine:1'))?.count).toBe(1);
    expect((await c.get('fine:2'))?.count).toBe(1);
  });

  it('counts hits in a fixed window and starts again when it ends', async () => {
    const c = new RateLimitCounters(t.db, clock);
    expect((await c.hit('w:1', 60)).count).toBe(1);
    expect((await c.hit('w:1', 60)).count).toBe(2);
    const third = await c.hit('w:1', 60);
    expect(third.count).toBe(3);
    expect(third.resetAt.toISOString()).toBe('2026-11-22T10:01:00.000Z');
    advance(61);
    expect((await c.hit('w:1', 60)).count).toBe(1);
    await c.decrement('w:1');
    expect((await c.get('w:1'))?.count).toBe(0);
    await c.reset('w:1');
    expect(await c.get('w:1')).toBeUndefined();
  });

  it('lets free attempts through, then doubles the wait after each counted one', async () => {
    const c = new RateLimitCounters(t.db, clock);
    const policy = { windowSeconds: 3600, freeAttempts: 2, baseDelaySeconds: 10, maxDelaySeconds: 25 };
    expect(await c.attempt('b:1', policy)).toEqual({ allowed: true, count: 1 });
    expect(await c.attempt('b:1', policy)).toEqual({ allowed: true, count: 2 });
    expect(await c.attempt('b:1', policy)).toEqual({ allowed: false, count: 2, retryAfterSeconds: 10 });
    advance(4);
    expect(await c.attempt('b:1', policy)).toEqual({ allowed: false, count: 2, retryAfterSeconds: 6 }); // refused attempts do not count
    advance(6);
    expect(await c.attempt('b:1', policy)).toEqual({ allowed: true, count: 3 });
    expect(await c.attempt('b:1', policy)).toEqual({ allowed: false, count: 3, retryAfterSeconds: 20 });
    advance(20);
    expect((await c.attempt('b:1', policy)).allowed).toBe(true);
    expect(await c.attempt('b:1', policy)).toEqual({ allowed: false, count: 4, retryAfterSeconds: 25 }); // capped
    advance(3600);
    expect(await c.attempt('b:1', policy)).toEqual({ allowed: true, count: 1 }); // a new window
  });

  it('lets exactly the free attempts through when two instances race', async () => {
    const policy = { windowSeconds: 3600, freeAttempts: 5, baseDelaySeconds: 60, maxDelaySeconds: 600 };
    const one = new RateLimitCounters(t.db, clock);
    const two = new RateLimitCounters(other, clock);
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? one : two).attempt('race:1', policy)));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect((await one.get('race:1'))?.count).toBe(5);
  });

  it('answers 429 problem+json with Retry-After through its middleware, shared by instances', async () => {
    const build = (db: Database) => {
      const app = express();
      app.get('/x', new RateLimitCounters(db, clock).limit({ name: 'test', windowSeconds: 60, limit: 2, keyOf: () => 'client' }), (_req, res) => {
        res.json({ ok: true });
      });
      app.use(problemErrorHandler(pino({ level: 'silent' })));
      return listen(app, 0, '127.0.0.1');
    };
    const [s1, s2] = await Promise.all([build(t.db), build(other)]);
    try {
      expect((await fetch(`http://127.0.0.1:${s1.port}/x`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${s2.port}/x`)).status).toBe(200);
      const third = await fetch(`http://127.0.0.1:${s1.port}/x`);
      expect(third.status).toBe(429);
      expect(third.headers.get('content-type')).toMatch(/problem\+json/);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await s1.close(100);
      await s2.close(100);
    }
  });

  it('serves express-rate-limit as its store', async () => {
    const app = express();
    app.use(rateLimit({ windowMs: 60_000, limit: 1, store: new RateLimitCounters(t.db, clock).expressStore(60_000, 'erl-test:'), validate: false }));
    app.get('/y', (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(app, 0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/y`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/y`)).status).toBe(429);
    } finally {
      await server.close(100);
    }
  });

  it('sweeps windows that ended', async () => {
    const c = new RateLimitCounters(t.db, clock);
    await c.hit('old:1', 1);
    advance(5);
    expect(await c.sweep()).toBeGreaterThanOrEqual(1);
    expect(await c.get('old:1')).toBeUndefined();
  });
});
