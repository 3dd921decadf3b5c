import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { definePlugin } from '@concierge/plugin-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../../adapters/db/embedded-postgres.ts';
import { startTestApp } from '../../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * Runs the server's sources (`core/main.ts` under tsx, as `npm run dev` does) with the given
 * environment; `npm start` runs the same code compiled (tests/integration/ops/production-install.test.ts).
 */
function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'core/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('the process', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('exits non-zero naming DATABASE_URL and PORT when they are invalid', async () => {
    const run = startProcess({ DATABASE_URL: 'not a url', PORT: '99999' });
    expect(await run.exited).not.toBe(0);
    const { stderr } = run.output();
    expect(stderr).toMatch(/DATABASE_URL/);
    expect(stderr).toMatch(/PORT/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/); // a message for the operator, not a stack trace
  });

  it('starts on a database, serves the demo store, and stops cleanly on SIGTERM', async () => {
    const database: TestDatabase = await createTestDatabase({ migrated: false });
    cleanups.push(() => database.drop());
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'concierge-proc-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const run = startProcess({ DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    let url: string | undefined;
    for (let i = 0; i < 300 && !url; i++) {
      url = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"Concierge is ready"/.exec(run.output().stdout)?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 100));
    }
    expect(url, run.output().stderr).toBeDefined();
    const port = new URL(url!).port;
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toMatch(/<script async src="[^"]+\/widget\.js" data-bot="pk_[A-Za-z0-9_-]{38}"><\/script>/);
    // Not a terminal: no banner, JSON lines only; the generated login went to a file.
    for (const line of run.output().stdout.split('\n').filter((l) => l.trim() !== '')) expect(() => JSON.parse(line), line).not.toThrow();
    expect(await readFile(path.join(dataDir, 'first-login.txt'), 'utf8')).toMatch(/password: \S{12,}/);
    // The test connects as a superuser, which bypasses RLS: it sees what the demo seed wrote.
    const products = await database.db.knex.raw('SELECT count(*)::int AS n FROM products');
    expect(products.rows[0].n).toBe(20);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses a second embedded database on the same data dir with a clear message', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'concierge-lock-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await startEmbeddedPostgres({ dataDir });
    cleanups.push(() => first.stop());
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/already in use by process \d+.*DATABASE_URL/s);
  });

  it('finishes a request in flight on shutdown, then refuses new connections', async () => {
    let release!: () => void;
    const slow = definePlugin({
      manifest: { id: 'slow', name: 'slow', version: '1.0.0', coreRange: '^0.1.0' },
      routes: [
        {
          method: 'GET',
          path: '/wait',
          handle: () => new Promise((resolve) => (release = () => resolve({ status: 200, body: { finished: true } }))),
        },
      ],
    });
    const app = await startTestApp({}, { pluginCandidates: [{ id: 'slow', load: async () => ({ default: slow }) }] });
    const inFlight = fetch(`${app.url}/plugins/slow/wait`);
    await new Promise((r) => setTimeout(r, 100));
    const stopping = app.application.stop();
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ finished: true });
    await stopping;
    await app.stop();
  });
});
