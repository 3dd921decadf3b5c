import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPluginError, type CoreEvent } from '@concierge/plugin-sdk';
import { createTestContext, memoryKeyValueStore, testHttpClient } from '@concierge/plugin-sdk/testkit';

/** The testkit's helpers plugin authors build their unit tests on: they must behave like the host's. */

describe('memoryKeyValueStore', () => {
  it('keeps, replaces and deletes values; a TTL ends them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const kv = memoryKeyValueStore();
      expect(await kv.get('a')).toBeUndefined();
      await kv.set('a', { n: 1 });
      await kv.set('b', 'kept', { ttlSeconds: 0 });
      expect(await kv.get('a')).toEqual({ n: 1 });
      await kv.set('a', { n: 2 }, { ttlSeconds: 10 });
      vi.advanceTimersByTime(10_000);
      expect(await kv.get('a'), 'at the second it expires').toEqual({ n: 2 });
      vi.advanceTimersByTime(1);
      expect(await kv.get('a'), 'after its TTL').toBeUndefined();
      vi.advanceTimersByTime(3_600_000);
      expect(await kv.get('b'), 'no TTL: kept').toBe('kept');
      await kv.delete('b');
      expect(await kv.get('b')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('testHttpClient', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('passes the request through', async () => {
    const res = await testHttpClient().fetch(`${url}/echo`, { method: 'POST', headers: { authorization: 'Bearer t' } });
    expect(await res.json()).toEqual({ method: 'POST', auth: 'Bearer t' });
  });

  it('turns a timeout (its default, or the one asked for) and a refused connection into UPSTREAM_RETRYABLE', async () => {
    const started = Date.now();
    const slow = await testHttpClient(200).fetch(`${url}/slow`).catch((e: unknown) => e);
    expect(isPluginError(slow, 'UPSTREAM_RETRYABLE'), String(slow)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
    const asked = await testHttpClient().fetch(`${url}/slow`, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(isPluginError(asked, 'UPSTREAM_RETRYABLE')).toBe(true);
    const refused = await testHttpClient().fetch('http://127.0.0.1:9/').catch((e: unknown) => e);
    expect(isPluginError(refused, 'UPSTREAM_RETRYABLE')).toBe(true);
    expect((refused as Error).message).toContain('http://127.0.0.1:9/');
    expect((refused as Error).cause).toBeInstanceOf(Error);
  });

  it("honours the caller's own abort signal", async () => {
    const controller = new AbortController();
    const pending = testHttpClient(60_000).fetch(`${url}/slow`, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(isPluginError(await pending, 'UPSTREAM_RETRYABLE')).toBe(true);
  });
});

describe('createTestContext', () => {
  it('fills what the host gives, lets the caller override it, and collects emitted events', async () => {
    const emitted: CoreEvent[] = [];
    const ctx = createTestContext({ externalId: 'shop-1', secrets: { token: 'a' } }, emitted);
    expect(ctx).toMatchObject({ pluginId: 'test', externalId: 'shop-1', environment: 'test', publicUrl: 'http://localhost:3000', config: {}, settings: {}, secrets: { token: 'a' } });
    expect(ctx.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx.installationId).toMatch(/^[0-9a-f-]{36}$/);
    ctx.logger.info('quiet');
    ctx.logger.debug('quiet');
    ctx.logger.warn('quiet');
    ctx.logger.error('quiet');
    await ctx.kv.set('k', 1);
    expect(await ctx.kv.get('k')).toBe(1);
    await ctx.emit({ type: 'shop.redact' });
    expect(emitted).toEqual([{ type: 'shop.redact' }]);
  });

  it('rotateSecrets runs one update at a time on the latest secrets; undefined keeps them; a failed update does not block the next', async () => {
    const ctx = createTestContext({ secrets: { version: 1 } });
    const seen: number[] = [];
    const bump = () =>
      ctx.rotateSecrets(async (current) => {
        const { version } = current as { version: number };
        seen.push(version);
        await new Promise((r) => setTimeout(r, 5));
        return { version: version + 1 };
      });
    const results = await Promise.all([bump(), bump(), bump()]);
    expect(seen).toEqual([1, 2, 3]);
    expect(results).toEqual([{ version: 2 }, { version: 3 }, { version: 4 }]);
    expect(ctx.secrets).toEqual({ version: 4 });
    expect(await ctx.rotateSecrets(async () => undefined)).toEqual({ version: 4 });
    await expect(ctx.rotateSecrets(async () => Promise.reject(new Error('refresh refused')))).rejects.toThrow('refresh refused');
    expect(await bump()).toEqual({ version: 5 });
  });
});
