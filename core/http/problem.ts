import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';

/** RFC 9457 problem details: the one error shape of the whole HTTP API (design.md §10). */

export interface FieldError {
  path: string;
  message: string;
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    /** Short slug for `type` (e.g. "validation" → "/problems/validation"). */
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extras: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  toJSON(): Record<string, unknown> {
    return { ...this.extras, type: `/problems/${this.slug}`, title: this.title, status: this.status, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

export const problems = {
  badRequest: (detail: string, extras?: Record<string, unknown>) => new HttpProblem(400, 'bad-request', 'Bad request', detail, extras),
  validation: (errors: FieldError[], detail = 'The request has invalid fields; see `errors`.') =>
    new HttpProblem(422, 'validation', 'Validation failed', detail, { errors }),
  unauthorized: (detail = 'Authentication is required.') =>
    new HttpProblem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer' }),
  forbidden: (detail = 'You may not do this.') => new HttpProblem(403, 'forbidden', 'Forbidden', detail),
  notFound: (detail = 'No such resource.') => new HttpProblem(404, 'not-found', 'Not found', detail),
  conflict: (detail: string, extras?: Record<string, unknown>) => new HttpProblem(409, 'conflict', 'Conflict', detail, extras),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem(429, 'rate-limited', 'Too many requests', detail, {}, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) }),
  unavailable: (detail: string) => new HttpProblem(503, 'unavailable', 'Service unavailable', detail),
};

export function zodIssuesToFieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => {
    const segments = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    return { path: segments.join('.') || '(root)', message: issue.message };
  });
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(problem.status);
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.type('application/problem+json').send(JSON.stringify(problem.toJSON()));
}

/** What body-parser and friends throw, mapped to problems; anything unknown becomes a logged 500 without details. */
function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof z.ZodError) return problems.validation(zodIssuesToFieldErrors(error));
  const e = error as { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string; limit?: number };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new HttpProblem(413, 'payload-too-large', 'Payload too large', `The request body exceeds the limit of ${e.limit ?? '?'} bytes.`);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', e.message);
    case 'request.aborted':
      return new HttpProblem(400, 'request-aborted', 'Request aborted', 'The client aborted the request.');
    default:
      break;
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpProblem(status, 'client-error', 'Bad request', e.expose ? e.message : undefined);
  }
  return undefined;
}

export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toProblem(error);
    if (problem) {
      if (problem.status >= 500) logger.error({ err: error, reqId: req.id }, problem.title);
      sendProblem(res, problem);
      return;
    }
    logger.error({ err: error, reqId: req.id }, 'unhandled error');
    sendProblem(res, new HttpProblem(500, 'internal', 'Internal server error', 'Something went wrong on our side; it has been logged.'));
  };
}
