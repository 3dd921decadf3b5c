// Stryker on plugins/shopify only, with the plugin's own tests (issue 10's mutation bar ≥ 80 %):
//   npx stryker run tests/unit/plugins/shopify/stryker.config.mjs --concurrency 1
// Cheaper than the root config: only the Shopify tests load (vitest.mutation.config.ts next to this),
// coverageAnalysis perTest runs only the tests that reach a mutant, and the incremental file lets a
// re-run reuse every result whose mutant and covering tests did not change.
// SHOPIFY_MUTATE=signatures,tokens narrows the run to those files of plugins/shopify (own report and
// incremental file per selection), so a shared machine can measure it in parts.
import base from '../../../../stryker.config.mjs';

const only = process.env.SHOPIFY_MUTATE?.split(',').filter(Boolean);
const suffix = only ? `-${only.join('+')}` : '';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'tests/unit/plugins/shopify/vitest.mutation.config.ts' },
  mutate: only ? only.map((name) => `plugins/shopify/${name}.ts`) : ['plugins/shopify/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  // A mutant that stalls a test (a poll that never ends) is a timeout, i.e. detected: say so after 8 s, not 30.
  timeoutMS: 8_000,
  tempDirName: '.stryker-tmp/shopify',
  incremental: true,
  incrementalFile: `reports/mutation/shopify${suffix}-incremental.json`,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  htmlReporter: { fileName: `reports/mutation/shopify${suffix}.html` },
  jsonReporter: { fileName: `reports/mutation/shopify${suffix}.json` },
};
