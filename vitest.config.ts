import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The SDK package resolves to its sources through tsconfig.json "paths" (decision 0017).
  resolve: { tsconfigPaths: true },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/global-db.ts'],
    // Each file gets its own database (a copy of a migrated template), so files run in parallel.
    pool: 'forks',
    // Most test time is spent waiting on PostgreSQL, sockets and Chromium, not on the CPU: more
    // workers than cores keep both cores busy (VITEST_MAX_WORKERS overrides).
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 4),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
