import Shopify from 'shopify-api-node';
import { PluginError } from '@concierge/plugin-sdk';
import type { Upstream } from './upstream.ts';

/** The Admin API version every call is pinned to (GraphQL only: REST Admin is legacy). */
export const API_VERSION = '2025-10';

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long to wait before a query of `cost` fits the bucket, given what Shopify last reported. */
export function budgetWaitMs(known: { status: ThrottleStatus; at: number } | undefined, cost: number | undefined, now: number): number {
  if (!known || cost === undefined || known.status.restoreRate <= 0) return 0;
  const restored = ((now - known.at) / 1000) * known.status.restoreRate;
  const available = Math.min(known.status.maximumAvailable, known.status.currentlyAvailable + restored);
  if (available >= cost) return 0;
  return Math.ceil(((cost - available) / known.status.restoreRate) * 1000);
}

export type Failure =
  | { kind: 'throttled'; waitMs: number; status?: ThrottleStatus }
  | { kind: 'unauthorized' }
  | { kind: 'forbidden'; message: string }
  | { kind: 'transient'; waitMs?: number; message: string }
  | { kind: 'failed'; message: string };

interface GotLikeError {
  message?: string;
  code?: string;
  extensions?: { code?: string };
  response?: { statusCode?: number; headers?: Record<string, string | string[] | undefined>; body?: unknown };
}

/** Reads a shopify-api-node (got) error: THROTTLED with its cost extension, 401/403, 429/5xx/network. */
export function classifyFailure(error: unknown): Failure {
  const e = (error ?? {}) as GotLikeError;
  const body = (e.response?.body ?? undefined) as { errors?: { extensions?: { code?: string } }[]; extensions?: { cost?: { requestedQueryCost?: number; throttleStatus?: ThrottleStatus } } } | undefined;
  const code = e.extensions?.code ?? (Array.isArray(body?.errors) ? body.errors[0]?.extensions?.code : undefined);
  const status = e.response?.statusCode;
  if (code === 'THROTTLED') {
    const cost = body?.extensions?.cost;
    const throttle = cost?.throttleStatus;
    if (throttle && throttle.restoreRate > 0 && typeof cost?.requestedQueryCost === 'number') {
      const missing = Math.max(0, cost.requestedQueryCost - throttle.currentlyAvailable);
      return { kind: 'throttled', waitMs: Math.max(50, Math.ceil((missing / throttle.restoreRate) * 1000)), status: throttle };
    }
    return { kind: 'throttled', waitMs: 1000 };
  }
  if (status === 401) return { kind: 'unauthorized' };
  if (status === 403) return { kind: 'forbidden', message: e.message ?? 'forbidden' };
  if (status === 429) {
    const header = e.response?.headers?.['retry-after'];
    const seconds = Number(Array.isArray(header) ? header[0] : header);
    return { kind: 'throttled', waitMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000 };
  }
  if ((status !== undefined && status >= 500) || (status === undefined && e.code !== undefined && e.code !== 'ERR_GOT_REQUEST_ERROR')) {
    return { kind: 'transient', message: e.message ?? 'upstream unavailable' };
  }
  return { kind: 'failed', message: e.message ?? 'request failed' };
}

export interface AdminClientOptions {
  shop: string;
  upstream: Upstream;
  /** The token to use now (refreshed before expiry by the caller). */
  token(): Promise<string>;
  /** Called once per query when Shopify says 401: returns a token refreshed (once across instances). */
  onUnauthorized(failedToken: string): Promise<string>;
  sleep?: Sleep;
  now?: () => number;
  /** Consecutive THROTTLED answers tolerated for one query before giving up as retryable. */
  maxThrottleWaits?: number;
  timeoutMs?: number;
  /** What is known about the shop's bucket, shared by every client of one shop in this process. */
  bucket?: ShopBucket;
}

export interface ShopBucket {
  known?: { status: ThrottleStatus; at: number };
  costs: Map<string, number>;
}

export interface AdminClient {
  query<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
  /** Last throttle status Shopify reported (for progress and benches). */
  readonly throttle: ThrottleStatus | undefined;
  readonly stats: { calls: number; throttled: number; waitedMs: number };
}

/**
 * Admin GraphQL through shopify-api-node's `graphql()`. Cost-aware: waits before a query whose
 * last known cost does not fit the bucket, and waits out THROTTLED answers rather than failing.
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const maxThrottleWaits = options.maxThrottleWaits ?? 100;
  const bucket: ShopBucket = options.bucket ?? { costs: new Map() };
  const costs = bucket.costs;
  const stats = { calls: 0, throttled: 0, waitedMs: 0 };
  let client: Shopify | undefined;
  let clientToken: string | undefined;

  const clientFor = (token: string): Shopify => {
    if (!client || clientToken !== token) {
      client = new Shopify({ shopName: options.shop, accessToken: token, apiVersion: API_VERSION, agent: { https: options.upstream.agent }, timeout: options.timeoutMs ?? 30_000 });
      clientToken = token;
    }
    return client;
  };
  const wait = async (ms: number) => {
    stats.waitedMs += ms;
    await sleep(ms);
  };

  return {
    get throttle() {
      return bucket.known?.status;
    },
    stats,
    async query<T>(document: string, variables?: Record<string, unknown>): Promise<T> {
      let token = await options.token();
      let refreshed = false;
      let throttles = 0;
      let transient = 0;
      for (;;) {
        const shopify = clientFor(token);
        const before = budgetWaitMs(bucket.known, costs.get(document), now());
        if (before > 0) await wait(before);
        stats.calls += 1;
        try {
          const data = (await shopify.graphql(document, variables)) as T;
          const limits = shopify.callGraphqlLimits;
          if (limits.max !== undefined && limits.remaining !== undefined && limits.restoreRate !== undefined) {
            bucket.known = { status: { maximumAvailable: limits.max, currentlyAvailable: limits.remaining, restoreRate: limits.restoreRate }, at: now() };
          }
          if (limits.requestedQueryCost !== undefined) costs.set(document, limits.requestedQueryCost);
          return data;
        } catch (error) {
          // Only the classification travels on: got's error carries the request headers (the access token).
          const failure = classifyFailure(error);
          if (failure.kind === 'throttled') {
            stats.throttled += 1;
            if (++throttles > maxThrottleWaits) throw new PluginError('UPSTREAM_RETRYABLE', `Shopify kept throttling ${options.shop}`, { retryAfterSeconds: Math.ceil(failure.waitMs / 1000) });
            if (failure.status) bucket.known = { status: failure.status, at: now() };
            await wait(failure.waitMs);
            continue;
          }
          if (failure.kind === 'unauthorized' && !refreshed) {
            refreshed = true;
            token = await options.onUnauthorized(token);
            continue;
          }
          if (failure.kind === 'unauthorized') throw new PluginError('UPSTREAM_AUTH', `Shopify refused the token of ${options.shop}`);
          if (failure.kind === 'forbidden') throw new PluginError('UPSTREAM_AUTH', `Shopify refused the request for ${options.shop}: ${failure.message}`);
          if (failure.kind === 'transient') {
            if (++transient <= 3) {
              await wait(200 * 2 ** (transient - 1));
              continue;
            }
            throw new PluginError('UPSTREAM_RETRYABLE', `Shopify is unavailable for ${options.shop}: ${failure.message}`);
          }
          throw new PluginError('UPSTREAM_FAILED', `Shopify GraphQL error for ${options.shop}: ${failure.message}`);
        }
      }
    },
  };
}
