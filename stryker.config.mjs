// Mutation testing (issue #10): `npm run test:mutation`, not part of `npm test`.
// Mutates the plugin SDK and the platform plugins, and runs their unit and contract tests against
// each mutant (vitest.mutation.config.ts). Folders that do not exist yet simply match nothing.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // related: false — the tests import the SDK by its package name, which vitest cannot relate to files.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [
    'plugins/sdk/**/*.ts',
    '!plugins/sdk/types.ts',
    '!plugins/sdk/testkit/**',
    '!plugins/sdk/dist/**',
    'plugins/shopify/**/*.ts',
    '!plugins/shopify/**/*.test.ts',
    'plugins/woocommerce/**/*.ts',
    '!plugins/woocommerce/**/*.test.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 80, break: null },
};
