// `npm start` runs this first (prestart): builds the widget and the dashboard only when their output
// is missing or older than their sources, so a start stays fast and the quick start (`npm ci && npm
// start`) needs no separate build. A production install (no devDependencies) never builds: it
// serves the dist/ it was given, and says so if that is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.env.NODE_ENV === 'production';
const viteInstalled = existsSync(path.join(root, 'node_modules/vite/package.json'));

const targets = [
  { name: 'widget', script: 'build:widget', config: 'widget/vite.config.ts', sources: ['widget/src'], output: 'dist/widget/build-info.json' },
  { name: 'dashboard', script: 'build:dashboard', config: 'storefront-apps/dashboard/vite.config.ts', sources: ['storefront-apps/dashboard'], output: 'dist/dashboard/index.html' },
];

function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
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
  // In production, or without Vite (`npm ci --omit=dev`), whatever was built is what ships.
  if (builtAt > 0 && (production || !viteInstalled)) continue;
  const sourcesAt = Math.max(mtime(config), ...target.sources.map((dir) => newest(path.join(root, dir))));
  if (builtAt >= sourcesAt) continue;
  if (!viteInstalled) {
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
