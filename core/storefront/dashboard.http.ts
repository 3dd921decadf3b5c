import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { HttpModule } from '../http/app.ts';
import { escapeHtml } from '../http/html.ts';
import { HttpProblem, sendProblem } from '../http/problem.ts';

/** The dashboard framed by a platform's admin for one connected account (from the plugin host's `EmbeddedAdmin`). */
export interface EmbeddedDashboardPage {
  frameAncestors: string[];
  scripts: string[];
  meta: Record<string, string>;
}

/** Replaces (or adds) directives of a CSP header value, keeping the others. */
export function withDirectives(policy: string, changes: Record<string, string>): string {
  const directives = policy
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean)
    .filter((d) => !Object.hasOwn(changes, d.split(/\s+/)[0]!.toLowerCase()));
  return [...directives, ...Object.entries(changes).map(([name, value]) => `${name} ${value}`)].join(';');
}

/** `tags` before anything else the page loads: after `<meta charset>`, else at the start of `<head>`, else after the doctype. */
export function injectFirstInHead(html: string, tags: string): string {
  for (const anchor of [/<meta\s+charset=["']?[\w-]+["']?\s*\/?>/i, /<head\b[^>]*>/i, /<!doctype html>/i]) {
    const match = anchor.exec(html);
    if (match) return `${html.slice(0, match.index + match[0].length)}\n    ${tags}${html.slice(match.index + match[0].length)}`;
  }
  return `${tags}\n${html}`;
}

const queryOf = (req: Request): Record<string, string> => Object.fromEntries(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'));

/**
 * Serves the merchant dashboard (storefront-apps/dashboard, built into dist/dashboard) at /admin:
 * hashed assets under /admin/assets/ cached for a year, and index.html for every other path under
 * /admin so deep links (/admin/conversations/:id, /admin/reset-password#token=…) open the app.
 * The app's CSP (script-src 'self') applies; the page has no inline script. Links are
 * origin-relative, so the dashboard works at whatever origin serves it. Nobody may frame it
 * (frame-ancestors 'none'), except, for `?embedded=…` of an account with an active installation,
 * that platform's admin (Shopify's embedded app: the shop and admin.shopify.com), with the
 * platform's admin SDK injected as the page's first script.
 */
export function dashboardHttpModule(options: { distDir: string; embedded?: (query: Record<string, string>) => Promise<EmbeddedDashboardPage | undefined> }): HttpModule {
  const index = path.join(options.distDir, 'index.html');
  const embeddedPage = async (req: Request): Promise<EmbeddedDashboardPage | undefined> => (options.embedded && req.query.embedded !== undefined ? options.embedded(queryOf(req)) : undefined);

  /**
   * Framing: inside a platform's admin, only that account's admin may frame the page (CSP
   * frame-ancestors, Shopify's rule for embedded apps) and its admin SDK is the one other script;
   * everywhere else nobody may (`extra` = 'self' for the preview page the dashboard frames).
   */
  const frameHeaders = (res: Response, page: EmbeddedDashboardPage | undefined, self: boolean) => {
    const policy = String(res.getHeader('Content-Security-Policy') ?? "default-src 'self'");
    if (page) {
      res.setHeader('Content-Security-Policy', withDirectives(policy, { 'frame-ancestors': [...(self ? ["'self'"] : []), ...page.frameAncestors].join(' '), 'script-src': ["'self'", ...page.scripts].join(' ') }));
      res.removeHeader('X-Frame-Options');
    } else {
      res.setHeader('Content-Security-Policy', withDirectives(policy, { 'frame-ancestors': self ? "'self'" : "'none'" }));
      res.setHeader('X-Frame-Options', self ? 'SAMEORIGIN' : 'DENY');
    }
  };

  const sendIndex = (req: Request, res: Response, next: NextFunction) => {
    if (!existsSync(index)) {
      sendProblem(res, new HttpProblem(503, 'dashboard-not-built', 'Dashboard not built', 'Run `npm run build:dashboard` to build the dashboard.'));
      return;
    }
    void (async () => {
      const page = await embeddedPage(req);
      frameHeaders(res, page, false);
      if (!page) {
        res.setHeader('Cache-Control', 'no-cache');
        res.sendFile(index);
        return;
      }
      // The platform's admin SDK first, classic and synchronous (App Bridge must load before any other script).
      const head = [
        ...Object.entries(page.meta).map(([name, content]) => `<meta name="${escapeHtml(name)}" content="${escapeHtml(content)}" />`),
        `<meta name="concierge-embedded" content="${escapeHtml(new URLSearchParams(queryOf(req)).toString())}" />`,
        ...page.scripts.map((src) => `<script src="${escapeHtml(src)}"></script>`),
      ].join('\n    ');
      const html = injectFirstInHead(await readFile(index, 'utf8'), head);
      res.setHeader('Cache-Control', 'no-store');
      res.type('html').send(html);
    })().catch(next);
  };
  return {
    name: 'dashboard',
    mount(app: Express) {
      app.use('/admin/assets', express.static(path.join(options.distDir, 'assets'), { index: false, immutable: true, maxAge: '365d', fallthrough: true }));
      // A missing asset is a 404, never the HTML page (a stale tab would otherwise parse HTML as JS).
      app.use('/admin/assets', (_req, res) => sendProblem(res, new HttpProblem(404, 'not-found', 'Not found', 'No such dashboard asset.')));
      // The widget preview page (framed by the get-started page: same origin, and inside a platform's admin that admin too).
      app.get('/admin/preview.html', (req, res, next) => {
        const file = path.join(options.distDir, 'preview.html');
        if (!existsSync(file)) return sendProblem(res, new HttpProblem(404, 'not-found', 'Not found', 'The dashboard is not built.'));
        embeddedPage(req)
          .then((page) => {
            frameHeaders(res, page && { ...page, scripts: [] }, true);
            res.setHeader('Cache-Control', 'no-cache');
            res.sendFile(file);
          })
          .catch(next);
      });
      app.get('/admin', sendIndex);
      app.get('/admin/{*rest}', sendIndex);
    },
  };
}
