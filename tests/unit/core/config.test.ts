import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../core/config.ts';

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

  it('requires SECRET_KEY in production and no demo seeding there by default', () => {
    expect(problemsOf({ NODE_ENV: 'production' }).map((p) => p.variable)).toEqual(['SECRET_KEY']);
    const config = loadConfig({ NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40) });
    expect(config.demoSeed).toBe(false);
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
});
