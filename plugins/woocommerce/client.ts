import WooModule from '@woocommerce/woocommerce-rest-api';
import { PluginError } from '@concierge/plugin-sdk';

/**
 * The WooCommerce REST v3 client (`@woocommerce/woocommerce-rest-api`): OAuth 1.0a over http, Basic
 * over https — the library decides by the site's scheme. Errors become coded PluginErrors.
 */

type WooClass = typeof WooModule.default;
// Under Node's ESM loader the CommonJS package's default export is its module object and the class
// is its `default`; bundlers/vitest unwrap it already. Take whichever is the class.
const wrapped = (WooModule as unknown as { default?: WooClass }).default;
export const WooCommerceRestApi: WooClass = typeof wrapped === 'function' ? wrapped : (WooModule as unknown as WooClass);

export interface WooCredentials {
  siteUrl: string;
  consumerKey: string;
  consumerSecret: string;
  /**
   * The site's permalink setting. `plain` (WordPress's "Plain" permalinks: no rewrite rules, so no
   * `/wp-json/`): the REST API is reached as `index.php?rest_route=/wc/v3/…`, as WordPress's own
   * rest_url() does. `index.php` rather than `/?rest_route=`: WooCommerce signs OAuth 1.0a over
   * `home_url(path)`, which has no trailing slash for the bare home, while the client signs `site/`.
   */
  permalinks?: Permalinks;
}

export type Permalinks = 'pretty' | 'plain';

/** The client library's `wpAPIPrefix` for a permalink setting (it builds `{url}/{prefix}/{version}/{endpoint}`). */
export const restPrefix = (permalinks: Permalinks = 'pretty') => (permalinks === 'plain' ? 'index.php?rest_route=' : 'wp-json');

export interface WooResponse<T> {
  data: T;
  headers: Record<string, string | undefined>;
}

interface AxiosLikeError {
  response?: { status: number; data?: { code?: string; message?: string }; headers?: Record<string, string | undefined> };
  code?: string;
  message?: string;
}

const TIMEOUT_MS = 15_000;

/** Maps a failed request to a PluginError; `undefined` for a 404 (the caller decides what it means). */
export function upstreamError(error: unknown, what: string): PluginError | undefined {
  const e = error as AxiosLikeError;
  const status = e?.response?.status;
  const wooCode = e?.response?.data?.code;
  if (status === 404) return undefined;
  if (status === 401 || status === 403) return new PluginError('UPSTREAM_AUTH', `WooCommerce refused the API key (${status} ${wooCode ?? ''}) during ${what}`.trim());
  if (status === undefined || status === 429 || status >= 500) {
    const retryAfter = Number(e?.response?.headers?.['retry-after']);
    return new PluginError('UPSTREAM_RETRYABLE', `WooCommerce unreachable or busy during ${what} (${status ?? e?.code ?? 'network error'})`, {
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    });
  }
  return new PluginError('UPSTREAM_FAILED', `WooCommerce answered ${status} ${wooCode ?? ''} during ${what}`.trim());
}

export class WooClient {
  private readonly api: InstanceType<WooClass>;

  constructor(credentials: WooCredentials) {
    this.api = new WooCommerceRestApi({
      url: credentials.siteUrl,
      consumerKey: credentials.consumerKey,
      consumerSecret: credentials.consumerSecret,
      version: 'wc/v3',
      wpAPIPrefix: restPrefix(credentials.permalinks),
      timeout: TIMEOUT_MS,
      // Never follow a redirect to somewhere else with our signature or Basic credentials.
      axiosConfig: { maxRedirects: 0 },
    });
  }

  /** GET; `undefined` for 404. */
  async get<T>(endpoint: string, params: Record<string, string | number> = {}, what = `GET ${endpoint}`): Promise<WooResponse<T> | undefined> {
    const query = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
    try {
      const res = await this.api.get(endpoint, query);
      return { data: res.data as T, headers: res.headers as Record<string, string | undefined> };
    } catch (error) {
      const mapped = upstreamError(error, what);
      if (mapped) throw mapped;
      return undefined;
    }
  }

  async post<T>(endpoint: string, body: unknown): Promise<T> {
    try {
      return (await this.api.post(endpoint, body)).data as T;
    } catch (error) {
      throw upstreamError(error, `POST ${endpoint}`) ?? new PluginError('UPSTREAM_FAILED', `WooCommerce has no ${endpoint}`);
    }
  }

  /** DELETE with force=true; a 404 (already gone) is fine. */
  async delete(endpoint: string): Promise<void> {
    try {
      await this.api.delete(endpoint, { force: 'true' } as never);
    } catch (error) {
      const mapped = upstreamError(error, `DELETE ${endpoint}`);
      if (mapped) throw mapped;
    }
  }
}
