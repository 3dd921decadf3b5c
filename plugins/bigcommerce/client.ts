import { PluginError, type PluginHttpClient } from '@concierge/plugin-sdk';

/**
 * One request to the store's API (`{apiUrl}/stores/{hash}/v2|v3/...`, `X-Auth-Token`). Refused
 * credentials (401, 403) → UPSTREAM_AUTH; 429 and 5xx → UPSTREAM_RETRYABLE with BigCommerce's
 * `X-Rate-Limit-Time-Reset-Ms` as `retryAfterSeconds`; 404 → undefined; 204 → `[]` (v2's empty list).
 */
export interface StoreApi {
  http: PluginHttpClient;
  apiUrl: string;
  storeHash: string;
  accessToken: string;
}

export function retryAfterSeconds(response: Response): number {
  const ms = Number(response.headers.get('x-rate-limit-time-reset-ms'));
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 1;
}

export async function storeRequest<T>(api: StoreApi, path: string, init: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown } = {}): Promise<T | undefined> {
  const url = `${api.apiUrl.replace(/\/+$/, '')}/stores/${api.storeHash}/${path}`;
  const response = await api.http.fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'x-auth-token': api.accessToken, accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (response.status === 401 || response.status === 403) throw new PluginError('UPSTREAM_AUTH', `BigCommerce refused the store's token (${response.status})`);
  if (response.status === 404) return undefined;
  if (response.status === 429 || response.status >= 500) {
    throw new PluginError('UPSTREAM_RETRYABLE', `BigCommerce answered ${response.status}`, { retryAfterSeconds: retryAfterSeconds(response) });
  }
  if (!response.ok) throw new PluginError('UPSTREAM_FAILED', `BigCommerce answered ${response.status} to ${init.method ?? 'GET'} ${path.split('?')[0]}`);
  if (response.status === 204) return [] as T;
  return (await response.json()) as T;
}
