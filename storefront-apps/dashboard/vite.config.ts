/**
 * Builds the merchant dashboard into dist/dashboard/ (served by the core at /admin, see
 * core/storefront/dashboard.http.ts): index.html plus hashed assets under /admin/assets/.
 * Each page is its own chunk (route-level splitting); uPlot only lands in the analytics chunk.
 *
 * CLI: npx vite build --config storefront-apps/dashboard/vite.config.ts   (npm run build:dashboard)
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const appRoot = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(appRoot, '../..');

export interface DashboardBuildOptions {
  /** Absolute, or relative to the repository root. Default dist/dashboard. */
  outDir?: string;
  logLevel?: InlineConfig['logLevel'];
}

export function dashboardConfig(options: DashboardBuildOptions = {}): InlineConfig {
  return {
    root: appRoot,
    base: '/admin/',
    publicDir: false,
    logLevel: options.logLevel ?? 'info',
    // The same bundle whatever NODE_ENV the caller has (see widget/vite.config.ts).
    mode: 'production',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    resolve: { conditions: ['module', 'browser', 'production'] },
    plugins: [solid()],
    build: {
      outDir: resolve(repoRoot, options.outDir ?? 'dist/dashboard'),
      emptyOutDir: true,
      target: ['es2020', 'chrome87', 'edge88', 'firefox78', 'safari14'],
      // No inline script anywhere (CSP script-src 'self'): no module-preload polyfill snippet.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      minify: true,
      cssMinify: true,
      rolldownOptions: { input: { index: resolve(appRoot, 'index.html'), preview: resolve(appRoot, 'preview.html') } },
    },
  };
}

/** Builds the dashboard (tests and benches); returns the output directory. */
export async function buildDashboard(options: DashboardBuildOptions = {}): Promise<string> {
  const config = dashboardConfig(options);
  await build({ ...config, configFile: false });
  return config.build!.outDir!;
}

export default dashboardConfig();
