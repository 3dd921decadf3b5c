import { expect } from 'vitest';

/** Small fetch helpers for the accounts tests: JSON in, status + JSON (or text) out. */
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(base: string, method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${base}${path}`, { method, headers, body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body) });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** A 4xx problem+json whose `type` (and, if given, an `errors` path) names the problem. */
export function expectProblem(answer: Answer, status: number, type?: string, errorPath?: string | RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (type) expect(answer.body.type).toBe(`/problems/${type}`);
  if (errorPath) {
    const paths = (answer.body.errors ?? []).map((e: { path: string }) => e.path);
    expect(paths.some((p: string) => (typeof errorPath === 'string' ? p === errorPath : errorPath.test(p))), JSON.stringify(answer.body)).toBe(true);
  }
}

let counter = 0;
/** A unique, valid address per call. */
export const uniqueEmail = (label = 'person') => `${label}-${process.pid}-${Date.now().toString(36)}-${++counter}@shop.example`;

/** Satisfies the policy; fixed so the suite hashes few distinct passwords. */
export const GOOD_PASSWORD = 'Tailor-Made-2026';

/** Cookies from Set-Cookie headers, as a name → value map. */
export function cookiesOf(headers: Headers): Record<string, { value: string; attributes: string }> {
  const out: Record<string, { value: string; attributes: string }> = {};
  for (const line of headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair!.indexOf('=');
    out[pair!.slice(0, eq).trim()] = { value: decodeURIComponent(pair!.slice(eq + 1)), attributes: attrs.join(';').trim() };
  }
  return out;
}
