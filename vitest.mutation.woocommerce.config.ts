import { defineConfig } from 'vitest/config';
import base from './vitest.mutation.config.ts';

/** What stryker.woocommerce.config.mjs runs against each mutant: the WooCommerce plugin's unit and contract tests. */
export default defineConfig({ ...base, test: { ...base.test, include: ['tests/unit/plugins/woocommerce*.test.ts', 'tests/contract/woocommerce*.test.ts'] } });
