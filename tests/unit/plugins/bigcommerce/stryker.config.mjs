// Stryker on plugins/bigcommerce only, with the plugin's own tests (issue 17's mutation bar):
//   npx stryker run tests/unit/plugins/bigcommerce/stryker.config.mjs
import base from '../../../../stryker.config.mjs';

export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'tests/unit/plugins/bigcommerce/vitest.mutation.config.ts' },
  mutate: ['plugins/bigcommerce/**/*.ts'],
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/bigcommerce.json' },
};
