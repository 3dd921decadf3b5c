// The /admin route on its own: SPA fallback for deep links, hashed assets cached for a year, a
// missing asset is a 404 (never the HTML page), and a clear 503 problem when the app is not built.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardHttpModule, injectFirstInHead, withDirectives, type EmbeddedDashboardPage } from '../../../core/storefront/dashboard.http.ts';

let dir: string;
const servers: import('node:http').Server[] = [];
const HELMET_LIKE = "default-src 'self';frame-ancestors 'self';script-src 'self';object-src 'none'";
async function serve(distDir: string, embedded?: (query: Record<string, string>) => Promise<EmbeddedDashboardPage | undefined>): Promise<string> {
  const app = express();
  app.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', HELMET_LIKE);
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    next();
  });
  dashboardHttpModule({ distDir, embedded }).mount!(app);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dashboard-dist-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="/admin/assets/index-abc.js"></script>');
  await writeFile(path.join(dir, 'preview.html'), '<!doctype html><title>Widget preview</title>');
  await writeFile(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
});
afterAll(async () => {
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('dashboardHttpModule', () => {
  it('answers index.html (not cached) for /admin and every deep link under it', async () => {
    const base = await serve(dir);
    for (const p of ['/admin', '/admin/', '/admin/inbox', '/admin/conversations/5f0c1d2e-0000-4000-8000-000000000000', '/admin/reset-password']) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="app"></div>');
    }
    const preview = await fetch(`${base}/admin/preview.html`);
    expect(await preview.text()).toContain('Widget preview');
  });

  it('serves hashed assets immutable for a year and 404s a missing one as a problem', async () => {
    const base = await serve(dir);
    const asset = await fetch(`${base}/admin/assets/index-abc.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    const missing = await fetch(`${base}/admin/assets/index-old.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('says how to build the dashboard when it is not built', async () => {
    const base = await serve(path.join(dir, 'nowhere'));
    const res = await fetch(`${base}/admin/inbox`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toContain('npm run build:dashboard');
  });

  it("is unframeable ('none', DENY) unless the embedded hook names a page; then only its ancestors frame it and its scripts load first", async () => {
    const asked: Record<string, string>[] = [];
    const base = await serve(dir, async (query) => {
      asked.push(query);
      return query.shop === 'good.myshopify.com'
        ? { frameAncestors: ['https://good.myshopify.com', 'https://admin.shopify.com'], scripts: ['https://cdn.shopify.com/shopifycloud/app-bridge.js'], meta: { 'shopify-api-key': 'k"<x>' } }
        : undefined;
    });
    const plain = await fetch(`${base}/admin/inbox`);
    expect(plain.headers.get('content-security-policy')).toBe("default-src 'self';script-src 'self';object-src 'none';frame-ancestors 'none'");
    expect(plain.headers.get('x-frame-options')).toBe('DENY');
    expect(asked).toEqual([]);

    const bad = await fetch(`${base}/admin?embedded=1&shop=other.myshopify.com`);
    expect(bad.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await bad.text()).not.toContain('app-bridge');

    const good = await fetch(`${base}/admin?embedded=1&shop=good.myshopify.com&host=aG9zdA`);
    expect(good.headers.get('content-security-policy')).toBe(
      "default-src 'self';object-src 'none';frame-ancestors https://good.myshopify.com https://admin.shopify.com;script-src 'self' https://cdn.shopify.com/shopifycloud/app-bridge.js",
    );
    expect(good.headers.get('x-frame-options')).toBeNull();
    expect(good.headers.get('cache-control')).toBe('no-store');
    const html = await good.text();
    expect(html.indexOf('app-bridge.js')).toBeLessThan(html.indexOf('/admin/assets/index-abc.js'));
    expect(html).toContain('<meta name="shopify-api-key" content="k&quot;&lt;x&gt;" />');
    expect(html).toContain('<meta name="concierge-embedded" content="embedded=1&amp;shop=good.myshopify.com&amp;host=aG9zdA" />');

    const preview = await fetch(`${base}/admin/preview.html?embedded=1&shop=good.myshopify.com`);
    expect(preview.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://good.myshopify.com https://admin.shopify.com");
    expect(preview.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(preview.headers.get('content-security-policy')).not.toContain('app-bridge');
  });

  it('withDirectives replaces only the named directives; injectFirstInHead puts tags before every script', () => {
    expect(withDirectives("default-src 'self'; Frame-Ancestors 'self' ;img-src data:", { 'frame-ancestors': "'none'" })).toBe("default-src 'self';img-src data:;frame-ancestors 'none'");
    expect(injectFirstInHead('<!doctype html><html><head><meta charset="utf-8" /><script src="a.js"></script>', '<script src="b.js"></script>')).toBe(
      '<!doctype html><html><head><meta charset="utf-8" />\n    <script src="b.js"></script><script src="a.js"></script>',
    );
    expect(injectFirstInHead('<!doctype html><div></div><script src="a.js"></script>', 'X')).toBe('<!doctype html>\n    X<div></div><script src="a.js"></script>');
  });
});
