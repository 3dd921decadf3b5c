// `npm run build:dashboard`: builds storefront-apps/dashboard into dist/dashboard with its own Vite
// config. Until the dashboard exists in this tree it says so and succeeds, so `npm run build` works.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = 'storefront-apps/dashboard/vite.config.ts';
if (!existsSync(path.join(root, config))) {
  process.stdout.write(`build:dashboard: ${config} does not exist; nothing to build.\n`);
  process.exit(0);
}
const watch = process.argv.includes('--watch') ? ['--watch'] : [];
const vite = path.join(root, 'node_modules/vite/bin/vite.js');
const result = spawnSync(process.execPath, [vite, 'build', '--config', config, '--logLevel', 'warn', ...watch], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
