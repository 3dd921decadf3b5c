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

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int('must be a whole number').min(0, 'must be 0..65535').max(65535, 'must be 0..65535').default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: httpUrl.optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().default('loopback'),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb').default('100kb'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  SMTP_URL: smtpUrl.optional(),
  MAIL_FROM: z.string().min(3).default('Concierge <no-reply@concierge.local>'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: httpUrl.optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  ADMIN_EMAIL: z.email('must be an email address').optional(),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  DEMO_SEED: bool.optional(),
  PLUGINS_DIR: z.string().min(1).optional(),
  CORS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).default(600),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  http: { port: number; host: string; publicUrl: string; trustProxy: string; bodyLimit: string; shutdownTimeoutMs: number };
  /** Absent: the embedded PostgreSQL under dataDir is started. */
  databaseUrl: string | undefined;
  dbPoolMax: number;
  dataDir: string;
  /** Absent outside production: a development key is generated and kept under dataDir. */
  secretKey: string | undefined;
  logLevel: string;
  mail: { smtpUrl: string | undefined; from: string };
  llm: { apiKey: string | undefined; baseUrl: string | undefined; model: string };
  admin: { email: string | undefined; password: string | undefined };
  demoSeed: boolean;
  pluginsDir: string | undefined;
  /** `PLUGIN_<ID>_<NAME>` variables; each plugin's manifest validates its own at start-up. */
  pluginEnv: Record<string, string>;
  corsMaxAgeSeconds: number;
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
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })),
    );
  }
  const e = parsed.data;
  const problems: { variable: string; message: string }[] = [];
  if (e.NODE_ENV === 'production' && !e.SECRET_KEY) {
    problems.push({ variable: 'SECRET_KEY', message: 'is required in production (e.g. `openssl rand -hex 32`)' });
  }
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    problems.push({ variable: e.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together' });
  }
  if (problems.length > 0) throw new ConfigError(problems);

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
    dbPoolMax: e.DB_POOL_MAX,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    secretKey: e.SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    llm: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    admin: { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD },
    demoSeed: e.DEMO_SEED ?? e.NODE_ENV !== 'production',
    pluginsDir: e.PLUGINS_DIR,
    pluginEnv: Object.fromEntries(Object.entries(cleaned).filter(([key]) => key.startsWith('PLUGIN_')) as [string, string][]),
    corsMaxAgeSeconds: e.CORS_MAX_AGE_SECONDS,
  };
}
