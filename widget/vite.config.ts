/**
 * Builds the storefront widget into dist/widget/:
 *   widget.js           the loader (IIFE, one file; the core serves it at /widget.js)
 *   panel-<hash>.js     the panel (ES module the loader imports on intent; served at /widget/<file>)
 *   build-info.json     { loader, panel, files } so the server knows what it serves
 *
 * The panel is built first; its hashed file name is then compiled into the loader, so the
 * panel can be cached forever while widget.js stays short-lived.
 *
 * CLI: npx vite build --config widget/vite.config.ts
 */
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig, type Plugin } from 'vite';
import solid from 'vite-plugin-solid';

const widgetRoot = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(widgetRoot, '..');

/** Browsers the bundles are lowered for: dynamic import() and ES2020 (Safari 14+, Chrome 87+, Firefox 78+). */
export const WIDGET_TARGETS = ['es2020', 'chrome87', 'edge88', 'firefox78', 'safari14'];

/** build-info.json */
export interface WidgetBuildInfo {
  /** Always "widget.js". */
  loader: string;
  /** Entry file of the panel, relative to the output directory. */
  panel: string;
  /** Every file the loader may request under /widget/ (the panel and its chunks). */
  files: string[];
}

export interface WidgetBuildOptions {
  /** Absolute, or relative to the repository root. Default dist/widget. */
  outDir?: string;
  logLevel?: InlineConfig['logLevel'];
}

/** Vite config of the panel build; its plugin then builds the loader. */
export function widgetConfig(options: WidgetBuildOptions = {}): InlineConfig {
  const outDir = resolve(repoRoot, options.outDir ?? 'dist/widget');
  const logLevel = options.logLevel ?? 'info';
  return {
    root: widgetRoot,
    publicDir: false,
    logLevel,
    // The same bundle whatever NODE_ENV the caller has: under vitest ("test") Vite would resolve
    // Solid's development build, so tests (and dist/widget built by them) would not be what ships.
    mode: 'production',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    resolve: { conditions: ['module', 'browser', 'production'] },
    // Events bound per element, not delegated to `document`: a host page that stops propagation
    // on body, or a closed shadow root, cannot break our buttons.
    plugins: [solid({ solid: { delegateEvents: false } }), loaderBuild(outDir, logLevel)],
    build: {
      outDir,
      emptyOutDir: true,
      target: WIDGET_TARGETS,
      minify: true,
      cssMinify: true,
      lib: { entry: resolve(widgetRoot, 'src/panel/panel.tsx'), formats: ['es'], fileName: () => 'panel-[hash].js' },
      rolldownOptions: { output: { minify: true, chunkFileNames: 'chunk-[hash].js' } },
    },
  };
}

/** After the panel is written: build widget.js with the panel's file name, then build-info.json. */
function loaderBuild(configuredOutDir: string, logLevel: InlineConfig['logLevel']): Plugin {
  const info: WidgetBuildInfo = { loader: 'widget.js', panel: '', files: [] };
  // Where the panel really went (`vite build --outDir x` overrides the config): the loader and
  // build-info.json belong next to it.
  let outDir = configuredOutDir;
  return {
    name: 'concierge-widget-loader',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    buildStart() {
      // `vite build --watch` (npm run dev) rebuilds with the same plugin instance: start each build afresh.
      info.panel = '';
      info.files = [];
    },
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        info.files.push(file.fileName);
        if (file.type === 'chunk' && file.isEntry) info.panel = file.fileName;
      }
    },
    async closeBundle(error?: Error) {
      if (error || !info.panel) return;
      await build({
        configFile: false,
        root: widgetRoot,
        publicDir: false,
        logLevel,
        define: { __CONCIERGE_PANEL_FILE__: JSON.stringify(info.panel) },
        build: {
          outDir,
          emptyOutDir: false,
          target: WIDGET_TARGETS,
          minify: true,
          cssMinify: true,
          lib: { entry: resolve(widgetRoot, 'src/loader.ts'), formats: ['iife'], name: 'ConciergeLoader', fileName: () => 'widget.js' },
          rolldownOptions: { output: { minify: true } },
        },
      });
      info.files.sort();
      await writeFile(resolve(outDir, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
    },
  };
}

/** Builds both bundles (for tests and benches); returns what was written. */
export async function buildWidget(options: WidgetBuildOptions = {}): Promise<WidgetBuildInfo & { outDir: string }> {
  const config = widgetConfig(options);
  await build({ ...config, configFile: false });
  const outDir = config.build!.outDir!;
  const { readFile } = await import('node:fs/promises');
  const info = JSON.parse(await readFile(resolve(outDir, 'build-info.json'), 'utf8')) as WidgetBuildInfo;
  return { ...info, outDir };
}

export default widgetConfig();
