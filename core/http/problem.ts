import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CursorError } from '../kernel/cursor.ts';
import { INVALID_FIELDS_MESSAGE, type DomainErrorDetails, type ProblemSpec, type ProblemTable } from '../kernel/domain-error.ts';
import { RateLimitedError } from '../security/rate-limit.errors.ts';
import type { FieldError } from '../wire/shapes.ts';

/** RFC 9457 problem details: the one error shape of the whole HTTP API (design.md §10). */

export type { FieldError };

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
  validation: (errors: FieldError[], detail = INVALID_FIELDS_MESSAGE) =>
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

/** What a mapping table can answer: a DomainError, or any error with the same shape (the SDK's PluginError). */
export interface CodedError {
  code: string;
  message: string;
  details?: DomainErrorDetails;
}

/** One error type and its table, as a routes file registers it (HttpModule.errors). */
export interface ErrorMapping {
  problemOf(error: unknown): HttpProblem | undefined;
}

/** A coded error as problem+json: the table's status, slug and title; the error's message as `detail`. */
export function problemFrom(error: CodedError, spec: ProblemSpec): HttpProblem {
  const details = error.details ?? {};
  const extras = { ...details.extras, ...(details.fields ? { errors: details.fields } : {}), ...(spec.exposeCode ? { code: error.code } : {}) };
  const headers = { ...spec.headers };
  if (typeof details.retryAfterSeconds === 'number') headers['Retry-After'] = String(Math.max(1, Math.ceil(details.retryAfterSeconds)));
  return new HttpProblem(spec.status, spec.slug, spec.title, error.message, extras, headers);
}

/** Registers `table` for errors of `type`; the table must name every code (the compiler checks). */
export function mapErrors<E extends CodedError>(type: abstract new (...args: never[]) => E, table: ProblemTable<E['code']>): ErrorMapping {
  return {
    problemOf: (error) => {
      if (!(error instanceof type)) return undefined;
      const spec = (table as Record<string, ProblemSpec | undefined>)[error.code];
      return spec && problemFrom(error, spec);
    },
  };
}

/** The problem the first matching mapping gives, or the error unchanged (an HttpProblem, or a 500). */
export function toHttpError(error: unknown, mappings: readonly ErrorMapping[]): unknown {
  for (const mapping of mappings) {
    const problem = mapping.problemOf(error);
    if (problem) return problem;
  }
  return error;
}

/** Errors every module can meet, mapped by every app. */
export const SHARED_ERROR_MAPPINGS: readonly ErrorMapping[] = [
  mapErrors(RateLimitedError, { RATE_LIMITED: { status: 429, slug: 'rate-limited', title: 'Too many requests' } }),
];

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
function toProblem(error: unknown, mappings: readonly ErrorMapping[]): HttpProblem | undefined {
  const mapped = toHttpError(error, [...mappings, ...SHARED_ERROR_MAPPINGS]);
  if (mapped instanceof HttpProblem) return mapped;
  if (error instanceof z.ZodError) return problems.validation(zodIssuesToFieldErrors(error));
  if (error instanceof CursorError) return problems.validation([{ path: error.field, message: error.message }], 'The cursor is not one this list returned; start again without it.');
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

/** `mappings`: the coded errors of the app's modules (errors from shared guards reach it unmapped). */
export function problemErrorHandler(logger: Logger, mappings: readonly ErrorMapping[] = []): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toProblem(error, mappings);
    if (problem) {
      if (problem.status >= 500) logger.error({ err: error, reqId: req.id }, problem.title);
      sendProblem(res, problem);
      return;
    }
    logger.error({ err: error, reqId: req.id }, 'unhandled error');
    sendProblem(res, new HttpProblem(500, 'internal', 'Internal server error', 'Something went wrong on our side; it has been logged.'));
  };
}
