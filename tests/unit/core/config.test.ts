import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDotEnv } from '../../../core/config.ts';

function problemsOf(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.http.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe('/srv/app/.data');
    expect(config.demoSeed).toBe(true);
    expect(config.http.publicUrl).toBe('http://localhost:3000');
  });

  it('lists every problem at once, naming each variable', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x/y', SMTP_URL: 'mail.example.com', LOG_LEVEL: 'loud' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'SMTP_URL']);
    expect(problems.find((p) => p.variable === 'DATABASE_URL')?.message).toMatch(/postgres:\/\//);
  });

  it('rejects a port out of range', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual([{ variable: 'PORT', message: 'must be 0..65535' }]);
  });

  it('requires SECRET_KEY and a mail transport in production, naming both in one message, and no demo seeding there by default', () => {
    expect(problemsOf({ NODE_ENV: 'production' }).map((p) => p.variable)).toEqual(['SECRET_KEY', 'SMTP_URL']);
    expect(problemsOf({ NODE_ENV: 'production', PORT: 'x' }).map((p) => p.variable)).toEqual(['PORT', 'SECRET_KEY', 'SMTP_URL']);
    const config = loadConfig({ NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40), SMTP_URL: 'smtp://mail.example.com:587' });
    expect(config.demoSeed).toBe(false);
    expect(config.mail.transport).toBe('smtp');
  });

  it('takes MAIL_TRANSPORT=log as the explicit choice to drop mail, and never the dev outbox in production', () => {
    expect(loadConfig({ NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40), MAIL_TRANSPORT: 'log' }).mail.transport).toBe('log');
    expect(problemsOf({ NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40), MAIL_TRANSPORT: 'outbox' }).map((p) => p.variable)).toEqual(['MAIL_TRANSPORT']);
    expect(problemsOf({ MAIL_TRANSPORT: 'smtp' }).map((p) => p.variable)).toEqual(['SMTP_URL']);
    expect(problemsOf({ MAIL_TRANSPORT: 'pigeon' }).map((p) => p.variable)).toEqual(['MAIL_TRANSPORT']);
    expect(loadConfig({}).mail.transport).toBe('outbox');
    expect(loadConfig({ SMTP_URL: 'smtp://localhost:25' }).mail.transport).toBe('smtp');
  });

  it('protects /metrics: a separate listener, else a bearer token, else open in development and off in production', () => {
    const prod = { NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40), MAIL_TRANSPORT: 'log' };
    expect(loadConfig(prod).metrics.mode).toBe('off');
    expect(loadConfig({}).metrics.mode).toBe('open');
    expect(loadConfig({ ...prod, METRICS_TOKEN: 't'.repeat(32) }).metrics).toMatchObject({ mode: 'token', token: 't'.repeat(32) });
    expect(loadConfig({ ...prod, METRICS_LISTEN: '127.0.0.1:9464' }).metrics).toMatchObject({ mode: 'listener', listen: { host: '127.0.0.1', port: 9464 } });
    expect(loadConfig({ METRICS_LISTEN: '9464' }).metrics.listen).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(loadConfig({ METRICS_LISTEN: '[::1]:9464' }).metrics.listen).toEqual({ host: '::1', port: 9464 });
    expect(problemsOf({ METRICS_LISTEN: 'localhost:http', METRICS_TOKEN: 'short' }).map((p) => p.variable).sort()).toEqual(['METRICS_LISTEN', 'METRICS_TOKEN']);
  });

  it('takes DATABASE_LISTEN_URL for the LISTEN connection (around PgBouncer)', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@pgbouncer:6432/app', DATABASE_LISTEN_URL: 'postgres://u@postgres:5432/app' });
    expect(config.databaseListenUrl).toBe('postgres://u@postgres:5432/app');
    expect(problemsOf({ DATABASE_LISTEN_URL: 'redis://x' }).map((p) => p.variable)).toEqual(['DATABASE_LISTEN_URL']);
  });

  it('treats empty values as unset and keeps PLUGIN_ variables for the plugins', () => {
    const config = loadConfig({ PORT: '', PLUGIN_SHOPIFY_API_KEY: 'abc', UNRELATED: 'x' });
    expect(config.http.port).toBe(3000);
    expect(config.pluginEnv).toEqual({ PLUGIN_SHOPIFY_API_KEY: 'abc' });
  });

  it('wants ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(problemsOf({ ADMIN_EMAIL: 'a@b.example' }).map((p) => p.variable)).toEqual(['ADMIN_PASSWORD']);
  });

  it('the error message names every variable for the operator', () => {
    try {
      loadConfig({ PORT: '-1', DATABASE_URL: 'nope' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/DATABASE_URL/);
      return;
    }
    throw new Error('expected a ConfigError');
  });

  it('loads .env when present, without overriding what the environment already sets', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'concierge-dotenv-'));
    const name = `CONCIERGE_DOTENV_${process.pid}`;
    try {
      expect(loadDotEnv(dir)).toBeUndefined();
      await writeFile(path.join(dir, '.env'), `${name}_A=from-file\n${name}_B=from-file\n`);
      process.env[`${name}_B`] = 'from-env';
      expect(loadDotEnv(dir)).toBe(path.join(dir, '.env'));
      expect(process.env[`${name}_A`]).toBe('from-file');
      expect(process.env[`${name}_B`]).toBe('from-env');
    } finally {
      delete process.env[`${name}_A`];
      delete process.env[`${name}_B`];
      await rm(dir, { recursive: true, force: true });
    }
  });
});
