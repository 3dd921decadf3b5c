// `npm start` (and `npm run migrate`) run this first: builds the widget, the dashboard, the SDK package
// and the server (dist/server, decision 0027) only when their output is missing or older than their
// sources, so a start stays fast and the quick start (`npm ci && npm start`) needs no separate build.
// A production install (no devDependencies) never builds: it runs the dist/ it was given, and says
// so if that is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.env.NODE_ENV === 'production';
const installed = (tool) => existsSync(path.join(root, 'node_modules', tool, 'package.json'));

const targets = [
  { name: 'widget', script: 'build:widget', tool: 'vite', config: 'widget/vite.config.ts', sources: ['widget/src'], output: 'dist/widget/build-info.json' },
  { name: 'dashboard', script: 'build:dashboard', tool: 'vite', config: 'storefront-apps/dashboard/vite.config.ts', sources: ['storefront-apps/dashboard'], output: 'dist/dashboard/index.html' },
  { name: 'plugin SDK', script: 'build:sdk', tool: 'typescript', config: 'plugins/sdk/tsconfig.build.json', sources: ['plugins/sdk'], output: 'plugins/sdk/dist/index.js' },
  { name: 'server', script: 'build:server', tool: 'typescript', config: 'tsconfig.server.json', sources: ['core', 'adapters', 'plugins', 'migrations', 'tsconfig.json'], output: 'dist/server/core/main.js' },
];

function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  if (!statSync(dir).isDirectory()) return statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);

let failed = false;
for (const target of targets) {
  const config = path.join(root, target.config);
  if (!existsSync(config)) continue; // not part of this tree (yet)
  const builtAt = mtime(path.join(root, target.output));
  // In production, or without the build tool (`npm ci --omit=dev`), whatever was built is what ships.
  if (builtAt > 0 && (production || !installed(target.tool))) continue;
  const sourcesAt = Math.max(mtime(config), ...target.sources.map((source) => newest(path.join(root, source))));
  if (builtAt >= sourcesAt) continue;
  if (!installed(target.tool)) {
    process.stderr.write(
      `The ${target.name} is not built (${target.output} is missing) and this install has no devDependencies to build it.\n` +
        'Run `npm ci && npm run build` where devDependencies are installed, then ship dist/ with the app.\n',
    );
    failed = true;
    continue;
  }
  process.stdout.write(`Building the ${target.name}…\n`);
  const result = spawnSync('npm', ['run', '--silent', target.script], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
process.exit(failed ? 1 : 0);
