import { randomBytes, randomUUID } from 'node:crypto';
import type { ApplicationOptions } from '../../../core/bootstrap.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';

/** Helpers for booking tests: a movable clock, a store with a bot and a merchant, a widget session, JSON calls. */

export const STORE_ORIGIN = 'https://shop.example';

/** A clock tests move by hand (reminders due in a day are due after `advance(24 * 3600_000)`). */
export class TestClock {
  constructor(private ms: number) {}
  now = (): Date => new Date(this.ms);
  set(at: string | Date): void {
    this.ms = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface BookingTestApp extends TestApp {
  clock: TestClock;
}

export async function startBookingApp(
  env: Record<string, string> = {},
  options: ApplicationOptions & { now?: string; database?: TestDatabase } = {},
): Promise<BookingTestApp> {
  const clock = new TestClock(new Date(options.now ?? '2027-03-01T07:00:00Z').getTime()); // Monday 08:00 in Berlin
  const app = await startTestApp(env, { clock: clock.now, ...options });
  return Object.assign(app, { clock });
}

export interface TestStore {
  tenantId: string;
  botId: string;
  botKey: string;
  merchant: TestMerchant;
}

export async function createStore(app: TestApp, options: { name?: string; timeZone?: string; locale?: string } = {}): Promise<TestStore> {
  const { tenancy } = app.application.repositories;
  const tenant = await tenancy.createTenant({ name: options.name ?? `Store ${randomBytes(3).toString('hex')}`, timeZone: options.timeZone ?? 'Europe/Berlin', locale: options.locale ?? 'en' });
  const bot = await tenancy.createBot(tenant.id, { name: 'Assistant', allowedOrigins: [STORE_ORIGIN], locale: options.locale ?? 'en', timeZone: options.timeZone ?? 'Europe/Berlin' });
  const merchant = await createMerchant(app.application, { tenantId: tenant.id });
  return { tenantId: tenant.id, botId: bot.id, botKey: bot.public_key, merchant };
}

export interface JsonAnswer<T = any> {
  status: number;
  type: string;
  headers: Headers;
  body: T;
}

export async function call<T = any>(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<JsonAnswer<T>> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: body as T };
}

/** A new access token for the store's merchant (after a test moved the clock past the old one's 15 minutes). */
export async function refreshMerchant(app: TestApp, store: TestStore): Promise<void> {
  const { accessToken } = await app.application.accounts.issueSession(store.tenantId, store.merchant.userId);
  store.merchant.token = accessToken;
  store.merchant.headers = { ...store.merchant.headers, authorization: `Bearer ${accessToken}` };
}

/** A merchant API client for one store (reads the store's current token on every call). */
export function merchantApi(app: TestApp, store: TestStore) {
  const h = () => store.merchant.headers;
  return {
    get: <T = any>(path: string) => call<T>(`${app.url}${path}`, { headers: h() }),
    post: <T = any>(path: string, body: unknown = {}) => call<T>(`${app.url}${path}`, { method: 'POST', headers: h(), body }),
    put: <T = any>(path: string, body: unknown) => call<T>(`${app.url}${path}`, { method: 'PUT', headers: h(), body }),
    patch: <T = any>(path: string, body: unknown) => call<T>(`${app.url}${path}`, { method: 'PATCH', headers: h(), body }),
    del: <T = any>(path: string) => call<T>(`${app.url}${path}`, { method: 'DELETE', headers: h() }),
  };
}

export const NINE_TO_FIVE = {
  mon: [{ start: '09:00', end: '17:00' }],
  tue: [{ start: '09:00', end: '17:00' }],
  wed: [{ start: '09:00', end: '17:00' }],
  thu: [{ start: '09:00', end: '17:00' }],
  fri: [{ start: '09:00', end: '17:00' }],
};

/** A service and one resource doing it, through the merchant API. */
export async function createBookable(
  app: TestApp,
  store: TestStore,
  service: Record<string, unknown> = {},
  resource: Record<string, unknown> = {},
): Promise<{ serviceId: string; resourceId: string }> {
  const api = merchantApi(app, store);
  const s = await api.post('/api/v1/services', { name: 'Fitting', durationMinutes: 60, minNoticeMinutes: 60, ...service });
  if (s.status !== 201) throw new Error(`service: ${s.status} ${JSON.stringify(s.body)}`);
  const r = await api.post('/api/v1/resources', { name: 'Lena', serviceIds: [s.body.id], timeZone: 'Europe/Berlin', weeklyHours: NINE_TO_FIVE, ...resource });
  if (r.status !== 201) throw new Error(`resource: ${r.status} ${JSON.stringify(r.body)}`);
  return { serviceId: s.body.id, resourceId: r.body.id };
}

/** A visitor session of the store's bot, as the widget opens it. */
export async function widgetSession(app: TestApp, store: TestStore): Promise<{ token: string; conversationId: string; headers: Record<string, string> }> {
  const res = await call(`${app.url}/widget/v1/sessions`, { method: 'POST', headers: { origin: STORE_ORIGIN }, body: { botKey: store.botKey } });
  if (res.status !== 201) throw new Error(`session: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.visitorToken, conversationId: res.body.conversationId, headers: { authorization: `Bearer ${res.body.visitorToken}`, origin: STORE_ORIGIN } };
}

/** A widget API client for one visitor. */
export function widgetApi(app: TestApp, session: { headers: Record<string, string> }) {
  return {
    headers: () => ({ ...session.headers }),
    get: <T = any>(path: string, headers: Record<string, string> = {}) => call<T>(`${app.url}/widget/v1${path}`, { headers: { ...session.headers, ...headers } }),
    book: <T = any>(body: unknown, key: string | null = randomUUID(), headers: Record<string, string> = {}) =>
      call<T>(`${app.url}/widget/v1/bookings`, { method: 'POST', headers: { ...session.headers, ...(key ? { 'idempotency-key': key } : {}), ...headers }, body }),
  };
}

export const customer = (n = 1) => ({ name: `Shopper ${n}`, email: `shopper${n}@example.com` });

/** Rows of a booking table of one tenant, read as the table owner (the test's oracle, not the app's reads). */
export async function count(app: TestApp, table: string, tenantId: string, where: Record<string, unknown> = {}): Promise<number> {
  const [row] = await app.database.db.knex(table).where({ tenant_id: tenantId, ...where }).count<{ count: number }[]>('* as count');
  return Number(row?.count ?? 0);
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 8_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
