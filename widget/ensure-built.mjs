// `npm start` runs this first: builds the widget only when dist/widget is missing or older than
// its sources (npm ci already builds it through `prepare`), so a start stays fast.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist/widget/build-info.json');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

let builtAt = 0;
try {
  builtAt = statSync(built).mtimeMs;
} catch {
  /* not built yet */
}
const sources = Math.max(newest(path.join(root, 'widget/src')), statSync(path.join(root, 'widget/vite.config.ts')).mtimeMs);
if (builtAt < sources) {
  process.stdout.write('Building the storefront widget…\n');
  const result = spawnSync('npx', ['vite', 'build', '--config', 'widget/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
