// Mutation testing of plugins/woocommerce alone (issue #11): the same setup as stryker.config.mjs, but
// only the WooCommerce plugin is mutated and only its unit and contract tests run against each mutant,
// so one engineer can measure it on a shared machine in minutes, not hours.
//   npx stryker run stryker.woocommerce.config.mjs --concurrency 1
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: ['plugins/woocommerce/**/*.ts', '!plugins/woocommerce/**/*.test.ts'],
  vitest: { ...base.vitest, configFile: 'vitest.mutation.woocommerce.config.ts' },
  tempDirName: '.stryker-tmp/woocommerce',
  incremental: true,
  incrementalFile: 'reports/mutation/woocommerce-incremental.json',
  htmlReporter: { fileName: 'reports/mutation/woocommerce.html' },
  jsonReporter: { fileName: 'reports/mutation/woocommerce.json' },
};
