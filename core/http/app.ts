import { createHash, timingSafeEqual } from 'node:crypto';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
// A real import (not require.resolve), so the dependency rules see swagger-ui-dist as a runtime dependency.
import swaggerUiPath from 'swagger-ui-dist/absolute-path.js';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Lifecycle } from '../lifecycle/lifecycle.ts';
import { jsonBody } from './json-body.ts';
import type { Metrics } from './metrics.ts';
import { buildOpenApiDocument, createRegistry } from './openapi.ts';
import { HttpProblem, problemErrorHandler, problems, sendProblem, type ErrorMapping } from './problem.ts';
import { problemPageRoutes } from './problem-pages.ts';
import { requestLog } from './request-log.ts';
import { defineRoute, mountRoute, reply, type RouteDef } from './route.ts';

/** A slice of the HTTP surface owned by one module. */
export interface HttpModule {
  name: string;
  /** Mounted before the JSON body parser (raw-body routes such as webhooks). */
  mountRaw?(app: Express): void;
  /** Declared routes: validated and documented in OpenAPI. */
  routes?: RouteDef[];
  /** Describes in OpenAPI what `mountRaw`/`mount` serve (raw-body webhooks, platform redirects). */
  document?(registry: OpenAPIRegistry): void;
  /** Anything else (static files, SSE, HTML pages), mounted after the declared routes. */
  mount?(app: Express): void;
  /**
   * The module's coded errors and their problem tables (`mapErrors`), registered once: its declared
   * routes try them first; the app's error handler knows them all (for errors from shared guards).
   */
  errors?: readonly ErrorMapping[];
}

export interface HttpAppOptions {
  logger: Logger;
  db: Database;
  metrics: Metrics;
  lifecycle: Lifecycle;
  modules: HttpModule[];
  bodyLimit: string;
  trustProxy: string;
  publicUrl: string;
  version: string;
  /**
   * `/metrics` on this app: `open` (default; development and tests), `token` (bearer METRICS_TOKEN),
   * or `off` (production without a token, or served by `metricsApp` on METRICS_LISTEN instead).
   */
  metricsAccess?: { mode: 'open' | 'token' | 'off'; token?: string };
}

function healthRoutes(options: HttpAppOptions): RouteDef[] {
  const status = z.object({ status: z.string() }).meta({ id: 'HealthStatus' });
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      responses: { 200: { description: 'Alive', schema: status } },
      handler: () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database answers and the instance is not shutting down',
      tags: ['operations'],
      responses: { 200: { description: 'Ready', schema: status }, 503: { description: 'Not ready' } },
      handler: async () => {
        if (options.lifecycle.isStopping) throw problems.unavailable('This instance is shutting down.');
        try {
          await options.db.ping();
        } catch {
          throw problems.unavailable('The database is not reachable.');
        }
        return reply(200, { status: 'ready' });
      },
    }),
  ];
}

/** For a path some declared route serves, the `Allow` value (its methods); undefined for an unknown path. */
export function methodsByPath(routes: RouteDef[]): (path: string) => string | undefined {
  const byPattern = new Map<string, { regex: RegExp; methods: Set<string> }>();
  for (const { spec } of routes) {
    let entry = byPattern.get(spec.path);
    if (!entry) {
      const source = spec.path
        .split(/(:[A-Za-z0-9_]+)/)
        .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      entry = { regex: new RegExp(`^${source}/?$`), methods: new Set() };
      byPattern.set(spec.path, entry);
    }
    entry.methods.add(spec.method.toUpperCase());
    if (spec.method === 'get') entry.methods.add('HEAD');
  }
  return (path) => {
    const methods = new Set<string>();
    for (const entry of byPattern.values()) if (entry.regex.test(path)) for (const m of entry.methods) methods.add(m);
    return methods.size > 0 ? [...methods].sort().join(', ') : undefined;
  };
}

/**
 * A concrete path is matched before a templated one (OpenAPI's rule): `GET /api/v1/products/bulk`
 * is a method the concrete path `/api/v1/products/bulk` does not take (405, Allow: POST), not
 * `GET /api/v1/products/{id}` with the id "bulk" (a 422 that would send a developer the wrong way).
 */
function concretePathMethods(routes: RouteDef[]): (path: string, method: string) => string | undefined {
  const byPath = new Map<string, Set<string>>();
  for (const { spec } of routes) {
    if (spec.path.includes(':')) continue;
    const methods = byPath.get(spec.path) ?? new Set<string>();
    methods.add(spec.method.toUpperCase());
    if (spec.method === 'get') methods.add('HEAD');
    byPath.set(spec.path, methods);
  }
  return (path, method) => {
    const methods = byPath.get(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
    if (!methods || methods.has(method) || method === 'OPTIONS') return undefined;
    return [...methods].sort().join(', ');
  };
}

/** BODY_LIMIT ("100kb", "1mb": core/config.ts) in bytes, as express.json reads it (1 kb = 1,024 bytes). */
function byteCount(limit: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(limit);
  if (!match) throw new TypeError(`not a body limit: ${limit}`);
  return Number(match[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[match[2]!.toLowerCase() as 'b' | 'kb' | 'mb'];
}

export function createHttpApp(options: HttpAppOptions): Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy === 'true' ? true : options.trustProxy === 'false' ? false : options.trustProxy);
  app.set('query parser', 'simple');

  app.use(requestLog(logger));
  app.use(metrics.middleware());
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Swagger UI and the dashboard load only from this origin.
          'script-src': ["'self'"],
          'img-src': ["'self'", 'data:', 'https:'],
          'connect-src': ["'self'"],
        },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
  );

  for (const module of options.modules) module.mountRaw?.(app);

  app.use(jsonBody(byteCount(options.bodyLimit), express.json({ limit: options.bodyLimit, type: ['application/json', 'application/*+json'] })));
  app.use(express.urlencoded({ extended: false, limit: options.bodyLimit }));

  const routes = [...healthRoutes(options), ...problemPageRoutes(), ...options.modules.flatMap((m) => m.routes ?? [])];
  const router: Router = express.Router();
  const errorsOf = new Map(options.modules.flatMap((m) => (m.routes ?? []).map((route) => [route, m.errors ?? []] as const)));
  for (const route of routes) mountRoute(router, route, errorsOf.get(route));
  const concreteAllow = concretePathMethods(routes);
  app.use((req, res, next) => {
    const allow = concreteAllow(req.path, req.method);
    if (!allow) return next();
    sendProblem(res, new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `${req.path} takes ${allow}, not ${req.method}.`, {}, { Allow: allow }));
  });
  app.use(router);

  let document: unknown;
  app.get('/api/openapi.json', (_req, res) => {
    if (!document) {
      const registry = createRegistry();
      for (const module of options.modules) module.document?.(registry);
      document = buildOpenApiDocument(registry, routes, { version: options.version, serverUrl: options.publicUrl });
    }
    res.json(document);
  });
  const swaggerDir = swaggerUiPath();
  app.get('/api/docs', (_req, res) => {
    res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Concierge API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script><script src="/api/docs/init.js"></script></body></html>`);
  });
  app.get('/api/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(`window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui' });`);
  });
  app.use('/api/docs/assets', express.static(swaggerDir, { index: false, maxAge: '1d' }));

  const metricsAccess = options.metricsAccess ?? { mode: 'open' };
  if (metricsAccess.mode === 'open') app.get('/metrics', metricsHandler(metrics));
  if (metricsAccess.mode === 'token') app.get('/metrics', requireBearer(metricsAccess.token ?? ''), metricsHandler(metrics));

  for (const module of options.modules) module.mount?.(app);

  const allowed = methodsByPath(routes);
  app.use((req, res) => {
    const allow = allowed(req.path);
    if (allow) {
      sendProblem(res, new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `${req.path} takes ${allow}, not ${req.method}.`, {}, { Allow: allow }));
      return;
    }
    sendProblem(res, new HttpProblem(404, 'not-found', 'Not found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(problemErrorHandler(logger, options.modules.flatMap((m) => m.errors ?? [])));
  return app;
}

function metricsHandler(metrics: Metrics): express.RequestHandler {
  return async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/** `Authorization: Bearer <token>`, compared in constant time (over digests, so lengths leak nothing). */
function requireBearer(token: string): express.RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (token !== '' && timingSafeEqual(createHash('sha256').update(given).digest(), expected)) return next();
    sendProblem(res, problems.unauthorized('Send the metrics token (`Authorization: Bearer <METRICS_TOKEN>`).'));
  };
}

/** The separate metrics listener (METRICS_LISTEN): `/metrics` and nothing else, never the API. */
export function metricsApp(metrics: Metrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(metrics));
  app.use((req, res) => {
    sendProblem(res, new HttpProblem(404, 'not-found', 'Not found', `This listener serves only GET /metrics.`));
  });
  return app;
}
