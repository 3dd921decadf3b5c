import { defineConfig } from 'vitest/config';
import base from '../../../../vitest.mutation.config.ts';

// vitest.mutation.config.ts narrowed to the Shopify plugin's own tests (unit + the four Shopify contract
// files), for Stryker on plugins/shopify alone: see stryker.config.mjs next to it. The 10,000-product bulk
// sync test is left out of the mutation run only (≈ 8 s for every mutant it covers); the smaller bulk
// tests run the same code paths (plan, poll, Range reads, page ends, fallbacks).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/unit/plugins/shopify/**/*.test.ts', 'tests/contract/shopify.contract.test.ts', 'tests/contract/shopify-plugin.contract.test.ts', 'tests/contract/shopify-bulk.contract.test.ts', 'tests/contract/shopify-plugin-edges.contract.test.ts'],
    testNamePattern: /^(?!.*10,000-product shop)/,
    maxWorkers: 1,
  },
});
