import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { problemSchema, problems, zodIssuesToFieldErrors, type FieldError } from './problem.ts';

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
  if (result.success) return result.data;
  errors.push(...zodIssuesToFieldErrors(result.error, location));
  return undefined as z.output<T>;
}

export function mountRoute(router: Router, route: RouteDef): void {
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
      next(error);
    }
  };
  router[spec.method](spec.path, ...(spec.before ?? []), run);
}

export function registerRouteDoc(registry: OpenAPIRegistry, route: RouteDef): void {
  const { spec } = route;
  const responses: RouteConfig['responses'] = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema } } } : {}),
    };
  }
  const problemResponse = { description: 'Problem details', content: { 'application/problem+json': { schema: problemSchema } } };
  responses.default ??= problemResponse;
  if (spec.body || spec.query || spec.params) responses['422'] ??= { ...problemResponse, description: 'Validation failed' };

  registry.registerPath({
    method: spec.method,
    path: spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
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
