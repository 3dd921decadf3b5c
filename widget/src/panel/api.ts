/**
 * HTTP client of the widget API (core/wire/widget.ts). Bearer visitor token, no cookies.
 * A 401 means the token expired: the client asks for a fresh session once and repeats the call.
 */
import type {
  AvailabilityQuery,
  AvailabilityResponse,
  ContactRequest,
  ContactResponse,
  CreateBookingRequest,
  CreateBookingResponse,
  CreateSessionRequest,
  CreateSessionResponse,
  ListMessagesResponse,
  ListServicesResponse,
  PostMessageRequest,
  PostMessageResponse,
  Problem,
} from '../../../core/wire/widget.ts';

/** The server answered with an error status; `problem` is its problem+json body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: (Problem & Record<string, unknown>) | null,
  ) {
    super(problem?.title ?? `HTTP ${status}`);
  }
}
/** No answer at all (offline, DNS, CORS, server down). */
export class NetworkError extends Error {}

interface CallOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  auth?: boolean;
}

export interface WidgetApi {
  token(): string | null;
  /** Called on a 401 to get a new token (starts a new session). */
  onUnauthorized(refresh: () => Promise<void>): void;
  createSession(body: CreateSessionRequest): Promise<CreateSessionResponse>;
  listMessages(conversationId: string, cursor?: string): Promise<ListMessagesResponse>;
  postMessage(conversationId: string, body: PostMessageRequest): Promise<PostMessageResponse>;
  contact(conversationId: string, body: ContactRequest): Promise<ContactResponse>;
  /** The shopper opened the panel (analytics `widget.opened`). */
  opened(conversationId: string): Promise<void>;
  rate(conversationId: string, rating: 'up' | 'down'): Promise<void>;
  listServices(): Promise<ListServicesResponse>;
  availability(query: AvailabilityQuery): Promise<AvailabilityResponse>;
  createBooking(body: CreateBookingRequest, idempotencyKey: string): Promise<CreateBookingResponse>;
  eventsUrl(conversationId: string, lastEventId: string | null): string;
}

export function createApi(apiBase: string): WidgetApi {
  const base = `${apiBase}widget/v1`;
  let token: string | null = null;
  let refresh: (() => Promise<void>) | null = null;

  const url = (path: string, query?: CallOptions['query']) => {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.href;
  };

  async function call<T>(method: string, path: string, options: CallOptions = {}, retried = false): Promise<T> {
    const auth = options.auth !== false;
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && token) headers.Authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(url(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      throw new NetworkError(String(error));
    }
    if (res.status === 401 && auth && !retried && refresh) {
      await refresh();
      return call<T>(method, path, options, true);
    }
    if (!res.ok) {
      let problem: ApiError['problem'] = null;
      try {
        problem = (await res.json()) as ApiError['problem'];
      } catch {
        /* not JSON: keep the status only */
      }
      throw new ApiError(res.status, problem);
    }
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  const conv = (id: string) => `/conversations/${encodeURIComponent(id)}`;

  return {
    token: () => token,
    onUnauthorized(fn) {
      refresh = fn;
    },
    async createSession(body) {
      const session = await call<CreateSessionResponse>('POST', '/sessions', { body, auth: false });
      token = session.visitorToken;
      return session;
    },
    listMessages: (id, cursor) => call('GET', `${conv(id)}/messages`, { query: { cursor } }),
    postMessage: (id, body) => call('POST', `${conv(id)}/messages`, { body }),
    contact: (id, body) => call('POST', `${conv(id)}/contact`, { body }),
    opened: (id) => call('POST', `${conv(id)}/opened`),
    rate: (id, rating) => call('POST', `${conv(id)}/rating`, { body: { rating } }),
    listServices: () => call('GET', '/services'),
    availability: (query) => call('GET', '/availability', { query: { ...query } }),
    createBooking: (body, key) => call('POST', '/bookings', { body, headers: { 'Idempotency-Key': key } }),
    eventsUrl: (id, lastEventId) => url(`${conv(id)}/events`, { token: token ?? '', lastEventId: lastEventId ?? undefined }),
  };
}

/** Random URL-safe id (idempotency keys, clientMessageIds); works outside secure contexts too. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
