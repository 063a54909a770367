import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test tiers. `unit` (test/unit/**) needs neither Java nor DynamoDB Local and runs in seconds
 * (`npm run test:unit`); `cdk` (test/cdk/**, stack assertions) needs no DynamoDB either; `dynamodb`
 * (everything else: integration, e2e, browser) shares one DynamoDB Local, which its global setup starts
 * only when one of its files runs. `npm test` runs them all.
 */
export default defineConfig({
  test: {
    setupFiles: ['test/support/setup-env.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A leftover .only must fail CI rather than silently skip the rest.
    allowOnly: false,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'cdk', include: ['test/cdk/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'dynamodb',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/**', 'test/cdk/**'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
