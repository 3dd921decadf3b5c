import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Lifecycle } from '../lifecycle/lifecycle.ts';
import type { Metrics } from './metrics.ts';
import { buildOpenApiDocument, createRegistry } from './openapi.ts';
import { HttpProblem, problemErrorHandler, problems, sendProblem } from './problem.ts';
import { defineRoute, mountRoute, reply, type RouteDef } from './route.ts';

/** A slice of the HTTP surface owned by one module. */
export interface HttpModule {
  name: string;
  /** Mounted before the JSON body parser (raw-body routes such as webhooks). */
  mountRaw?(app: Express): void;
  /** Declared routes: validated and documented in OpenAPI. */
  routes?: RouteDef[];
  /** Anything else (static files, SSE, HTML pages), mounted after the declared routes. */
  mount?(app: Express): void;
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
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Secrets that travel in URLs (manage links, the event stream's ?token=) never reach the log. */
export function redactUrl(url: string): string {
  return url.replace(/\/manage\/[^/?#]+/g, '/manage/[redacted]').replace(/([?&](?:token|access_token|code|key)=)[^&#]*/gi, '$1[redacted]');
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

export function createHttpApp(options: HttpAppOptions): Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy === 'true' ? true : options.trustProxy === 'false' ? false : options.trustProxy);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Tokens and cookies never reach the log.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', 'req.query.token'],
      serializers: {
        req: (req: { url?: string }) => {
          if (req.url) req.url = redactUrl(req.url);
          return req;
        },
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
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

  app.use(express.json({ limit: options.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(express.urlencoded({ extended: false, limit: options.bodyLimit }));

  const routes = [...healthRoutes(options), ...options.modules.flatMap((m) => m.routes ?? [])];
  const router: Router = express.Router();
  for (const route of routes) mountRoute(router, route);
  app.use(router);

  let document: unknown;
  app.get('/api/openapi.json', (_req, res) => {
    document ??= buildOpenApiDocument(createRegistry(), routes, { version: options.version, serverUrl: options.publicUrl });
    res.json(document);
  });
  const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  app.get('/api/docs', (_req, res) => {
    res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Concierge API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script><script src="/api/docs/init.js"></script></body></html>`);
  });
  app.get('/api/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(`window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui' });`);
  });
  app.use('/api/docs/assets', express.static(swaggerDir, { index: false, maxAge: '1d' }));

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  for (const module of options.modules) module.mount?.(app);

  app.use((req, res) => {
    sendProblem(res, new HttpProblem(404, 'not-found', 'Not found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(problemErrorHandler(logger));
  return app;
}
