import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { HttpModule } from '../http/app.ts';
import { HttpProblem, sendProblem } from '../http/problem.ts';

/**
 * Serves the built widget: `/widget.js` (the loader; short cache so fixes reach stores fast)
 * and `/widget/*` (hashed panel chunks; cached for a year, CORS-open for cross-origin import()).
 */
export function widgetAssetsHttpModule(options: { distDir: string }): HttpModule {
  return {
    name: 'widget-assets',
    mount(app: Express) {
      const loader = path.join(options.distDir, 'widget.js');
      app.get('/widget.js', (_req, res) => {
        if (!existsSync(loader)) {
          sendProblem(res, new HttpProblem(503, 'widget-not-built', 'Widget not built', 'Run `npm run build` to build the widget.'));
          return;
        }
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        res.sendFile(loader);
      });
      app.use(
        '/widget',
        (_req, res, next) => {
          res.setHeader('Access-Control-Allow-Origin', '*');
          next();
        },
        express.static(options.distDir, { index: false, immutable: true, maxAge: '365d', fallthrough: true }),
      );
    },
  };
}
