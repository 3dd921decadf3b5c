import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads process.env. Everything else receives a typed Config.
 * A bad value stops the process with one message listing every problem.
 */

const postgresUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
    } catch {
      return false;
    }
  }, 'must be a postgres:// URL with a host and a database name, e.g. postgres://user:pass@127.0.0.1:5432/concierge');

const smtpUrl = z
  .string()
  .refine((value) => /^smtps?:\/\/[^/]+/.test(value), 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587');

const httpUrl = z.string().refine((value) => /^https?:\/\/[^/]+/.test(value), 'must be an http(s):// URL');

/** `9464`, `127.0.0.1:9464` or `[::1]:9464`: where the separate metrics listener binds. */
const listenAddress = z.string().transform((value, ctx) => {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s]+):)?(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    ctx.addIssue({ code: 'custom', message: 'must be PORT or HOST:PORT, e.g. 127.0.0.1:9464' });
    return z.NEVER;
  }
  return { host: (match[1] ?? '0.0.0.0').replace(/^\[|\]$/g, ''), port };
});

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int('must be a whole number').min(0, 'must be 0..65535').max(65535, 'must be 0..65535').default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: httpUrl.optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_LISTEN_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().default('loopback'),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb').default('100kb'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  SMTP_URL: smtpUrl.optional(),
  MAIL_TRANSPORT: z.enum(['smtp', 'log', 'outbox'], 'must be smtp, log or outbox').optional(),
  MAIL_FROM: z.string().min(3).default('Concierge <no-reply@concierge.local>'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: httpUrl.optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  ADMIN_EMAIL: z.email('must be an email address').optional(),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  DEMO_SEED: bool.optional(),
  PLUGINS_DIR: z.string().min(1).optional(),
  CORS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).default(600),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 16`)').optional(),
  METRICS_LISTEN: listenAddress.optional(),
  /** Model tokens per store and calendar month unless the merchant sets its own (issue 14); past it, the offline model answers. */
  LLM_MONTHLY_TOKEN_BUDGET: z.coerce.number().int().min(0).max(1e12).default(2_000_000),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  http: { port: number; host: string; publicUrl: string; trustProxy: string; bodyLimit: string; shutdownTimeoutMs: number };
  /** Absent: the embedded PostgreSQL under dataDir is started. */
  databaseUrl: string | undefined;
  /** A direct connection for LISTEN when DATABASE_URL goes through PgBouncer (transaction mode cannot LISTEN). */
  databaseListenUrl: string | undefined;
  dbPoolMax: number;
  dataDir: string;
  /** Absent outside production: a development key is generated and kept under dataDir. */
  secretKey: string | undefined;
  logLevel: string;
  /** `smtp`: SMTP_URL; `log`: mail is dropped with a log line; `outbox`: files under dataDir, shown at /dev/outbox (never in production). */
  mail: { transport: 'smtp' | 'log' | 'outbox'; smtpUrl: string | undefined; from: string };
  llm: { apiKey: string | undefined; baseUrl: string | undefined; model: string };
  admin: { email: string | undefined; password: string | undefined };
  demoSeed: boolean;
  pluginsDir: string | undefined;
  /** `PLUGIN_<ID>_<NAME>` variables; each plugin's manifest validates its own at start-up. */
  pluginEnv: Record<string, string>;
  corsMaxAgeSeconds: number;
  /**
   * `/metrics`: on its own listener (`listen`), else on the main port behind a bearer `token`, else
   * open outside production and off in production (see docs/decisions/0016).
   */
  metrics: { token: string | undefined; listen: { host: string; port: number } | undefined; mode: 'listener' | 'token' | 'open' | 'off' };
  /** Default monthly token budget of a store that set none (LLM_MONTHLY_TOKEN_BUDGET). */
  llmMonthlyTokenBudget: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n') +
        '\nSee .env.example for every variable.',
    );
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  // Empty strings count as unset: `FOO=` in a .env file should mean "use the default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message }));
  // Presence rules read the raw values, so one message names them together with any bad value.
  const raw = cleaned as Partial<Record<keyof z.input<typeof envSchema>, string>>;
  const production = raw.NODE_ENV === 'production';
  const named = (variable: string) => problems.some((p) => p.variable === variable);
  if (production && !raw.SECRET_KEY) {
    problems.push({ variable: 'SECRET_KEY', message: 'is required in production (e.g. `openssl rand -hex 32`)' });
  }
  const transport = raw.MAIL_TRANSPORT ?? (raw.SMTP_URL ? 'smtp' : production ? undefined : 'outbox');
  if (!named('MAIL_TRANSPORT') && !named('SMTP_URL')) {
    if (production && transport === undefined) {
      problems.push({ variable: 'SMTP_URL', message: 'is required in production (or set MAIL_TRANSPORT=log to drop mail with a log line)' });
    } else if (transport === 'smtp' && !raw.SMTP_URL) {
      problems.push({ variable: 'SMTP_URL', message: 'is required when MAIL_TRANSPORT=smtp' });
    } else if (transport === 'outbox' && production) {
      problems.push({ variable: 'MAIL_TRANSPORT', message: 'outbox is for development (nobody reads it in production): use SMTP_URL, or MAIL_TRANSPORT=log' });
    }
  }
  if ((raw.ADMIN_EMAIL === undefined) !== (raw.ADMIN_PASSWORD === undefined)) {
    problems.push({ variable: raw.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together' });
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;

  const port = e.PORT;
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    http: {
      port,
      host: e.HOST,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
      trustProxy: e.TRUST_PROXY,
      bodyLimit: e.BODY_LIMIT,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    databaseUrl: e.DATABASE_URL,
    databaseListenUrl: e.DATABASE_LISTEN_URL,
    dbPoolMax: e.DB_POOL_MAX,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    secretKey: e.SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    mail: { transport: (transport ?? 'outbox') as Config['mail']['transport'], smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    llm: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    admin: { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD },
    demoSeed: e.DEMO_SEED ?? e.NODE_ENV !== 'production',
    pluginsDir: e.PLUGINS_DIR,
    pluginEnv: Object.fromEntries(Object.entries(cleaned).filter(([key]) => key.startsWith('PLUGIN_')) as [string, string][]),
    corsMaxAgeSeconds: e.CORS_MAX_AGE_SECONDS,
    metrics: {
      token: e.METRICS_TOKEN,
      listen: e.METRICS_LISTEN,
      mode: e.METRICS_LISTEN ? 'listener' : e.METRICS_TOKEN ? 'token' : e.NODE_ENV === 'production' ? 'off' : 'open',
    },
    llmMonthlyTokenBudget: e.LLM_MONTHLY_TOKEN_BUDGET,
  };
}

/**
 * Loads `<cwd>/.env` into the environment when the file exists; variables already set win.
 * main.ts calls it before loadConfig (Node's own loader, the same parser as `--env-file`).
 */
export function loadDotEnv(cwd = process.cwd(), file = '.env'): string | undefined {
  const full = path.resolve(cwd, file);
  if (!existsSync(full)) return undefined;
  process.loadEnvFile(full);
  return full;
}
