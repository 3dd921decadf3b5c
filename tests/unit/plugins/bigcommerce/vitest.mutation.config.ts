import path from 'node:path';
import { defineConfig } from 'vitest/config';

// vitest.mutation.config.ts narrowed to the BigCommerce plugin's tests, for Stryker on plugins/bigcommerce alone
// (the full set would load every plugin's tests for each mutant): see stryker.config.mjs next to it.
const here = (p: string) => path.resolve(process.cwd(), p);
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@concierge\/plugin-sdk\/testkit$/, replacement: here('./plugins/sdk/testkit/index.ts') },
      { find: /^@concierge\/plugin-sdk$/, replacement: here('./plugins/sdk/index.ts') },
    ],
  },
  test: {
    include: ['tests/unit/plugins/bigcommerce/**/*.test.ts', 'tests/contract/bigcommerce.contract.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
