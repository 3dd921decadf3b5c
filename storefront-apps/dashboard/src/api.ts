/**
 * The dashboard's HTTP client: same-origin, session cookies (HttpOnly) set by sign-in with
 * `"mode": "cookie"`; unsafe methods send the CSRF token from the readable `concierge_csrf`
 * cookie as `X-CSRF-Token`. A 401 refreshes the session once; when that fails the app goes back
 * to sign-in and returns to the same page afterwards.
 * Embedded in a platform's admin (embedded.ts): a fresh session token per request as
 * `Authorization: Bearer`, no cookies; a 401 is retried once with a new token.
 */
import type { Page, Problem } from '../../../core/wire/merchant.ts';
import { authHeaders, credentials, embedded } from './embedded.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: (Problem & Record<string, unknown>) | null,
  ) {
    super(describeProblem(status, problem));
  }
}
export class NetworkError extends Error {}

/** A problem+json in words: the detail, then each invalid field. */
function describeProblem(status: number, problem: (Problem & Record<string, unknown>) | null): string {
  if (!problem) return `HTTP ${status}`;
  const fields = Array.isArray(problem.errors) ? (problem.errors as { path: string; message: string }[]).map((e) => `${e.path.replace(/^body\./, '')}: ${e.message}`) : [];
  return [problem.detail ?? problem.title, ...fields].filter(Boolean).join(' — ');
}

export const csrfToken = () => {
  const m = /(?:^|;\s*)concierge_csrf=([^;]*)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : '';
};

let onExpired: () => void = () => undefined;
export function onSessionExpired(fn: () => void) {
  onExpired = fn;
}

let refreshing: Promise<boolean> | null = null;
function refresh(): Promise<boolean> {
  refreshing ??= fetch('/api/v1/auth/refresh', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
    body: '{}',
  })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => setTimeout(() => (refreshing = null), 0));
  return refreshing;
}

/** A refused answer as an ApiError, with its problem+json when it has one. */
async function failure(res: Response): Promise<ApiError> {
  let problem = null;
  try {
    problem = (await res.json()) as Problem & Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, problem);
}

export interface CallOptions {
  /** Public routes (sign-in, reset): a 401 is an answer, not an expired session. */
  anonymous?: boolean;
  query?: Record<string, string | number | boolean | undefined | null>;
}

export async function api<T>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
  let url = path;
  if (options.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    if ([...q].length) url += `?${q}`;
  }
  const send = async () => {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...(await authHeaders()) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && !embedded) headers['x-csrf-token'] = csrfToken();
    return fetch(url, { method, credentials, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  };
  let res: Response;
  try {
    res = await send();
    if (res.status === 401 && !options.anonymous) {
      if (embedded || (await refresh())) res = await send();
      if (res.status === 401) onExpired();
    }
  } catch {
    throw new NetworkError();
  }
  if (!res.ok) throw await failure(res);
  const text = res.status === 204 ? '' : await res.text();
  if (!text) return undefined as T;
  return ((res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text) as T;
}

export const get = <T>(path: string, query?: CallOptions['query']) => api<T>('GET', path, undefined, { query });
export const post = <T>(path: string, body: unknown = {}, options?: CallOptions) => api<T>('POST', path, body, options);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T>(path: string, body?: unknown) => api<T>('DELETE', path, body);

/** Every page of a cursor list (for small lists such as services). */
export async function all<T>(path: string, query: CallOptions['query'] = {}): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await get<Page<T>>(path, { ...query, cursor: cursor ?? undefined });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < 1000);
  return out;
}

/** A file from the API (CSV export) saved by the browser: fetched with this page's credentials, so it works embedded too. */
export async function download(path: string, filename: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(path, { credentials, headers: await authHeaders() });
  } catch {
    throw new NetworkError();
  }
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function errorText(error: unknown, fallback: string, offline: string): string {
  if (error instanceof NetworkError) return offline;
  if (error instanceof ApiError) return error.message || fallback;
  return fallback;
}
