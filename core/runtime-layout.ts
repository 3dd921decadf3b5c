import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Where things are at run time. The server runs from its TypeScript sources (tests, `npm run dev`)
// or compiled (`npm run build:server` → dist/server: what `npm start`, the image and the benchmarks
// run; decision 0027). The code's own folders are found from this file, the package's from above it.

const here = fileURLToPath(import.meta.url);

/** The folder holding core/, adapters/, plugins/ and migrations/: the checkout, or dist/server. */
export const CODE_ROOT = path.resolve(path.dirname(here), '..');

/** `.ts` when running the sources, `.js` when compiled: the extension of every module beside this one. */
export const MODULE_EXTENSION = path.extname(here);

/** The package (package.json, and dist/ with the widget and the dashboard): the nearest folder at or above the code with a package.json. */
export const PACKAGE_ROOT = packageRootAbove(CODE_ROOT);

function packageRootAbove(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json at or above ${from}`);
  }
}
