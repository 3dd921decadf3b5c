// `npm run dev`: the server under `tsx watch` (restarts when a source file changes) and the widget
// and dashboard under `vite build --watch` (rebuilt into dist/, which the server reads per request).
// Ctrl-C stops all of them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);

const children = [];
function run(name, args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' } });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`[dev] ${name} exited (${signal ?? code}); stopping the others\n`);
    stop(code ?? 1);
  });
  children.push(child);
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('widget', [bin('vite', 'bin/vite.js'), 'build', '--watch', '--config', 'widget/vite.config.ts', '--logLevel', 'warn']);
if (existsSync(path.join(root, 'storefront-apps/dashboard/vite.config.ts'))) {
  run('dashboard', [path.join(root, 'scripts/build-dashboard.mjs'), '--watch']);
}
// Restarts on changes to the server's own files; dist/ is served from disk, so rebuilt bundles need no restart.
run('server', [bin('tsx', 'dist/cli.mjs'), 'watch', '--clear-screen=false', '--exclude', 'dist/**', '--exclude', '.data/**', 'core/main.ts']);
