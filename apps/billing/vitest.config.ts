import { defineConfig } from 'vitest/config';

// Pure tests (domain, config, secrets, ids, the vault's crypto, the Klarna client's parsing,
// durations) run without any server; everything else gets the per-run PostgreSQL database and
// Redis prefix from the integration harness.
const pure = [
  'src/domain/**/*.test.ts',
  'src/config/**/*.test.ts',
  'src/secrets/**/*.test.ts',
  'src/ids/**/*.test.ts',
  'src/vault/**/*.test.ts',
  'src/klarna/**/*.test.ts',
  'src/clock/duration.test.ts',
  'src/clock/clock-config.test.ts',
  'src/store/store-boundary.test.ts',
  'src/lifecycle/decide.test.ts',
  'src/webhooks/transaction-hint.test.ts',
  'src/money/reconcile.test.ts',
  'src/scheduler/plan-pages.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: pure } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['src/**/*.test.ts'],
          exclude: pure,
          globalSetup: ['../../test/harness/global-setup.ts'],
        },
      },
    ],
  },
});
