import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { passwordProblems } from '../../../core/accounts/password-policy.ts';
import { startTestApp } from '../../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { call } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** With no user at all, the first start creates "My Store" and its owner. */
describe('first start', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const fresh = async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    return database;
  };
  const users = async (database: TestDatabase) => Number((await database.db.knex('users').count<{ c: number }[]>('* as c'))[0]!.c);

  it('generates a strong password for the owner of "My Store", once', async () => {
    const database = await fresh();
    const app = await startTestApp({}, { database, firstOwner: true });
    try {
      const first = app.application.firstStart!;
      expect(first).toMatchObject({ email: 'owner@my-store.example', generated: true });
      expect(passwordProblems(first.password)).toEqual([]);
      expect(first.password.length).toBeGreaterThanOrEqual(20);
      const login = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: first.email, password: first.password } });
      expect(login.status, login.text).toBe(200);
      expect(login.body).toMatchObject({ tenant: { id: first.tenantId, name: 'My Store' }, user: { role: 'owner' } });
    } finally {
      await app.stop();
    }
    const again = await startTestApp({}, { database, firstOwner: true });
    try {
      expect(again.application.firstStart).toBeUndefined();
      expect(await users(database)).toBe(1);
    } finally {
      await again.stop();
    }
  });

  it('uses ADMIN_EMAIL and ADMIN_PASSWORD when given, and refuses a password below the policy', async () => {
    const weakDb = await fresh();
    await expect(startTestApp({ ADMIN_EMAIL: 'boss@shop.example', ADMIN_PASSWORD: 'password1' }, { database: weakDb, firstOwner: true })).rejects.toThrow(/ADMIN_PASSWORD does not meet the password policy.*uppercase/);
    expect(await users(weakDb)).toBe(0);

    const database = await fresh();
    const app = await startTestApp({ ADMIN_EMAIL: 'Boss@Shop.example', ADMIN_PASSWORD: 'Own-The-Shop-9' }, { database, firstOwner: true });
    try {
      expect(app.application.firstStart).toMatchObject({ email: 'boss@shop.example', generated: false });
      expect((await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: 'boss@shop.example', password: 'Own-The-Shop-9' } })).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it('creates one owner when two instances start on an empty database at once', async () => {
    const database = await fresh();
    const apps = await Promise.all([startTestApp({}, { database, firstOwner: true }), startTestApp({}, { database, firstOwner: true })]);
    try {
      expect(apps.filter((a) => a.application.firstStart)).toHaveLength(1);
      expect(await users(database)).toBe(1);
    } finally {
      for (const a of apps) await a.stop();
    }
  });

  it('leaves it to the demo seed when the demo is on', async () => {
    const database = await fresh();
    const app = await startTestApp({ DEMO_SEED: 'true' }, { database, firstOwner: true });
    try {
      expect(app.application.demo?.admin).toBeDefined();
      expect(app.application.firstStart).toBeUndefined();
      expect(await users(database)).toBe(1);
    } finally {
      await app.stop();
    }
  });

  it('npm start without a terminal writes the generated password to a file of its owner, never to the log', async () => {
    const database = await createTestDatabase({ migrated: false });
    cleanups.push(() => database.drop());
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'concierge-first-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'core/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'trace', DEMO_SEED: 'false', DATABASE_URL: database.url, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 300 && !/"msg":"Concierge is ready"/.test(stdout); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const file = path.join(dataDir, 'first-login.txt');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const password = /First start: created the store "My Store"[\s\S]*?password: (\S+)/.exec(await readFile(file, 'utf8'))?.[1];
    expect(password).toBeDefined();
    expect(passwordProblems(password!)).toEqual([]);
    expect(stdout).not.toContain(password!);
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((line) => JSON.parse(line).file === file)).toBe(true);
  });
});
