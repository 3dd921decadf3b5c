/**
 * The one base of coded domain errors (issue 16). Services throw these and know nothing of HTTP;
 * each routes file maps the codes it can meet to problem+json in one table (core/http/domain-problems.ts).
 */

/** One invalid field: `path` as the caller sent it (`body.email`, `query.cursor`). */
export interface FieldProblem {
  path: string;
  message: string;
}

export interface DomainErrorDetails {
  /** Invalid fields (a problem's `errors`). */
  fields?: FieldProblem[];
  /** When the caller may try again (a problem's `Retry-After`). */
  retryAfterSeconds?: number;
  /** Further facts the caller may read (e.g. `{ readOnly: true }`); shown as they are. */
  extras?: Record<string, unknown>;
}

export abstract class DomainError<Code extends string = string, Details extends DomainErrorDetails = DomainErrorDetails> extends Error {
  constructor(
    /** Stable; tables and callers branch on it. The message may change. */
    readonly code: Code,
    message: string,
    readonly details: Details = {} as Details,
  ) {
    super(message);
    // The subclass's own name (`CatalogError`) in logs and stack traces.
    this.name = new.target.name;
  }
}

/** How one code is answered over HTTP; a routes file keeps one table of these per error type. */
export interface ProblemSpec {
  status: number;
  /** `type` is `/problems/<slug>`; every slug has its page (core/http/problem-pages.ts). */
  slug: string;
  title: string;
  /** Fixed headers (e.g. `WWW-Authenticate`); `Retry-After` comes from `details.retryAfterSeconds`. */
  headers?: Record<string, string>;
  /** Adds `code` (the error's code) to the answer, for clients that branch on it. */
  exposeCode?: boolean;
}

export type ProblemTable<Code extends string> = { readonly [K in Code]: ProblemSpec };

/** The message of an error that carries `fields` and has nothing more specific to say. */
export const INVALID_FIELDS_MESSAGE = 'The request has invalid fields; see `errors`.';
