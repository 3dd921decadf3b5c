import { expect } from 'vitest';
import type { FakeShop, FakeShopify } from '../../fakes/shopify/index.ts';
import type { TestSmtp } from '../../fakes/smtp-server.ts';

/** The merchant's path through Shopify's install, as a browser would walk it, against the real app. */

export const PUBLIC_URL = 'https://concierge.test';

export function shopifyEnv(fake: FakeShopify, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PUBLIC_URL,
    PLUGIN_SHOPIFY_API_KEY: fake.apiKey,
    PLUGIN_SHOPIFY_API_SECRET: fake.apiSecret,
    PLUGIN_SHOPIFY_SCOPES: 'read_products,read_orders,read_customers',
    PLUGIN_SHOPIFY_UPSTREAM: fake.url,
    ...extra,
  };
}

export async function call<T = any>(baseUrl: string, path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const { token, ...rest } = init;
  const res = await fetch(`${baseUrl}${path}`, { ...rest, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(rest.headers ?? {}) } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** App URL (signed by Shopify) → authorize on the fake (approved) → callback on the app. */
export async function installFromShopify(appUrl: string, fake: FakeShopify, shop: FakeShop): Promise<void> {
  const install = await fetch(`${appUrl}/plugins/shopify/install?${fake.signInstallQuery(shop).query}`, { redirect: 'manual' });
  expect(install.status, await install.clone().text()).toBe(302);
  const authorize = new URL(install.headers.get('location')!);
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`https://${shop.domain}/admin/oauth/authorize`);
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/plugins/shopify/auth/callback`);
  const approved = await fetch(`${fake.url}${authorize.pathname}${authorize.search}`, { redirect: 'manual', headers: { 'x-shopify-shop-domain': shop.domain } });
  expect(approved.status).toBe(302);
  const back = new URL(approved.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(`${PUBLIC_URL}/plugins/shopify/auth/callback`);
  const done = await fetch(`${appUrl}${back.pathname}${back.search}`, { redirect: 'manual' });
  expect([200, 302], await done.clone().text()).toContain(done.status);
}

/** The owner an install created: the set-password mail's token, then a login. */
export async function ownerToken(appUrl: string, smtp: TestSmtp, email: string, password = 'Shop-Owner-Pass-42'): Promise<string> {
  const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes(email), 15_000);
  const resetToken = /#token=([A-Za-z0-9_.~-]+)/.exec(mail.text ?? '')?.[1];
  expect(resetToken, mail.text ?? '').toBeDefined();
  expect((await call(appUrl, '/api/v1/auth/password-reset/confirm', { method: 'POST', body: JSON.stringify({ token: resetToken, password }) })).status).toBe(204);
  const login = await call<{ accessToken: string }>(appUrl, '/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
  expect(login.status).toBe(200);
  return login.body.accessToken;
}

export interface InstallationItem {
  id: string;
  platform: string;
  externalId: string;
  status: string;
  sync: { status?: string; done: number; total: number | null; lastError: string | null };
}

export async function syncedInstallation(appUrl: string, token: string, count: number, timeoutMs = 120_000): Promise<InstallationItem> {
  return until(
    'the catalog sync',
    async () => {
      const list = await call<{ items: InstallationItem[] }>(appUrl, '/api/v1/installations', { token });
      const item = list.body.items?.[0];
      return item && item.sync.done >= count ? item : undefined;
    },
    timeoutMs,
  );
}
