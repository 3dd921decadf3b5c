import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * What `npm run test:mutation` (Stryker) runs against each mutant: the SDK and plugin unit and
 * contract tests only (no database, no browser). The SDK is aliased to the files next to this
 * config, so inside Stryker's sandbox the tests load the mutated copy, not the workspace link.
 */
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@concierge\/plugin-sdk\/testkit$/, replacement: here('./plugins/sdk/testkit/index.ts') },
      { find: /^@concierge\/plugin-sdk$/, replacement: here('./plugins/sdk/index.ts') },
    ],
  },
  test: {
    // MUTATION_TESTS narrows the run to some files (comma-separated globs), e.g. the kit's own tests for the testkit.
    include: process.env.MUTATION_TESTS?.split(',') ?? ['tests/unit/plugins/**/*.test.ts', 'tests/contract/**/*.test.ts', 'plugins/*/test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 2),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
