import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { hasNul, NUL_MESSAGE, wellFormed } from '../wire/text.ts';
import { ProblemSchema } from '../wire/shapes.ts';
import { problems, toHttpError, zodIssuesToFieldErrors, type ErrorMapping, type FieldError } from './problem.ts';

/**
 * One declaration per route: the zod schemas validate the request and generate the
 * OpenAPI document, so the two can never drift apart (conventions: one schema per wire shape).
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>>;

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** Express syntax (`/api/v1/bots/:id`); converted to `{id}` for OpenAPI. */
  path: string;
  summary: string;
  description?: string;
  /** Stable name for client generators; derived from the method and path when absent. */
  operationId?: string;
  tags: string[];
  /** Security scheme names from the OpenAPI document (e.g. "bearer", "visitor"); none = public. */
  security?: string[];
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /** Runs before validation (auth, rate limits). */
  before?: RequestHandler[];
  handler: (input: { params: z.output<P>; query: z.output<Q>; body: z.output<B>; req: Request; res: Response }) => unknown;
}

export interface RouteDef {
  spec: RouteSpec<AnyObject, AnyObject, z.ZodType>;
}

export function defineRoute<P extends AnyObject = z.ZodObject<{}>, Q extends AnyObject = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): RouteDef {
  return { spec: spec as unknown as RouteSpec<AnyObject, AnyObject, z.ZodType> };
}

/**
 * What a handler may return: a Reply (status, headers, JSON body), any other value (200 JSON),
 * or nothing (204), unless it wrote the response itself.
 */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export function reply(status: number, body?: unknown, headers?: Record<string, string>): Reply {
  return new Reply(status, body, headers);
}

function validate<T extends z.ZodType>(schema: T | undefined, value: unknown, location: string, errors: FieldError[]): z.output<T> {
  if (!schema) return value as z.output<T>;
  const result = schema.safeParse(value);
  if (result.success) return storable(result.data, location, errors) as z.output<T>;
  errors.push(...zodIssuesToFieldErrors(result.error, location));
  return undefined as z.output<T>;
}

/**
 * The one rule for strings entering PostgreSQL (core/wire/text.ts): every validated string of every
 * declared route is checked here, so a route added later gets it for free. NUL → 422 naming the
 * field (free-text fields strip it in their schema first); unpaired surrogates → U+FFFD.
 */
export function storable(value: unknown, path: string, errors: FieldError[]): unknown {
  if (typeof value === 'string') {
    if (hasNul(value)) errors.push({ path, message: NUL_MESSAGE });
    return wellFormed(value);
  }
  if (Array.isArray(value)) return value.map((item, i) => storable(item, `${path}.${i}`, errors));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const shown = wellFormed(key.replace(/\u0000/g, '\\0'));
      if (shown !== key) errors.push({ path: `${path}.${shown}`, message: 'this key has characters that cannot be stored (NUL or an unpaired surrogate)' });
      out[key] = storable(item, `${path}.${shown}`, errors);
    }
    return out;
  }
  return value;
}

/** `errors`: the coded errors the route's module maps (HttpModule.errors), tried before the app's shared ones. */
export function mountRoute(router: Router, route: RouteDef, errors: readonly ErrorMapping[] = []): void {
  const { spec } = route;
  const run = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const errors: FieldError[] = [];
      if (spec.body && req.body === undefined) {
        // express.json leaves the body undefined for a missing or non-JSON body.
        errors.push({ path: 'body', message: 'a JSON body (Content-Type: application/json) is required' });
      }
      const params = validate(spec.params, req.params, 'params', errors);
      const query = validate(spec.query, req.query, 'query', errors);
      const body = errors.length === 0 ? validate(spec.body, req.body, 'body', errors) : undefined;
      if (errors.length > 0) throw problems.validation(errors);
      const result = await spec.handler({ params, query, body, req, res });
      if (res.headersSent || res.writableEnded) return;
      if (result instanceof Reply) {
        for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
        res.status(result.status);
        if (result.body === undefined) res.end();
        else res.json(result.body);
      } else if (result === undefined) {
        res.status(204).end();
      } else {
        res.json(result);
      }
    } catch (error) {
      next(toHttpError(error, errors));
    }
  };
  router[spec.method](spec.path, ...(spec.before ?? []), run);
}

/** `get /api/v1/bots/:id` → `getBotsById`; `post /widget/v1/sessions` → `postWidgetSessions`. */
export function operationIdOf(spec: Pick<RouteSpec<AnyObject, AnyObject, z.ZodType>, 'method' | 'path' | 'operationId'>): string {
  if (spec.operationId) return spec.operationId;
  const words = spec.path
    .split('/')
    .filter((segment) => segment !== '' && segment !== 'api' && !/^v\d+$/.test(segment))
    .flatMap((segment) => (segment.startsWith(':') ? ['by', segment.slice(1)] : segment.split(/[^A-Za-z0-9]+/)))
    .filter(Boolean);
  return [spec.method, ...words].map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

const PROBLEM_STATUS_TEXT: Record<number, string> = {
  400: 'Bad request (malformed JSON, invalid link or token)',
  401: 'Not authenticated (missing, invalid or expired token)',
  403: 'Not allowed (role, origin or CSRF check)',
  404: 'No such resource',
  413: 'The request body is too large',
  415: 'Unsupported media type or charset',
  422: 'Validation failed: `errors` names each field',
};

/**
 * Every error answer of an operation, documented with the problem schema as
 * `application/problem+json` (issue 14/15): the route's own 4xx/5xx entries keep their text but
 * always get the problem schema, and the answers the shared machinery gives are added.
 */
export function registerRouteDoc(registry: OpenAPIRegistry, route: RouteDef): void {
  const { spec } = route;
  const problemContent = { 'application/problem+json': { schema: ProblemSchema } };
  const responses: RouteConfig['responses'] = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    if (Number(status) >= 400) {
      responses[status] = { description: response.description, content: problemContent };
      continue;
    }
    responses[status] = {
      description: response.description,
      ...(response.schema ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema } } } : {}),
    };
  }
  const add = (status: number) => {
    responses[String(status)] ??= { description: PROBLEM_STATUS_TEXT[status] ?? 'Problem details', content: problemContent };
  };
  if (spec.security?.length) add(401);
  if (spec.security?.includes('bearer')) add(403);
  if (spec.params) add(404);
  if (spec.body) {
    add(400);
    add(413);
    add(415);
  }
  if (spec.body || spec.query || spec.params) add(422);
  responses.default ??= { description: 'Problem details (any other error, e.g. 429 with Retry-After or 503)', content: problemContent };

  registry.registerPath({
    method: spec.method,
    path: spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
    operationId: operationIdOf(spec),
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: spec.security?.map((name) => ({ [name]: [] })),
    request: {
      params: spec.params as z.ZodObject | undefined,
      query: spec.query as z.ZodObject | undefined,
      ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } }, required: true } } : {}),
    },
    responses,
  });
}
