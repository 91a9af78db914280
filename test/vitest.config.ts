import { defineConfig } from 'vitest/config';

// Two projects on the same per-run database and Redis prefix (global setup):
// - `tools`: the harness, CI scripts, migration tooling and the Klarna client against the sandbox;
// - `system`: whole Rebill worlds (four role processes each against the sandbox). Each file starts
//   its own world, so the files run one after another: two cores run one world well, not three.
export default defineConfig({
  test: {
    exclude: ['node_modules/**'],
    globalSetup: ['./harness/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'tools', include: ['**/*.test.ts'], exclude: ['node_modules/**', 'system/**'] },
      },
      {
        extends: true,
        test: {
          name: 'system',
          include: ['system/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
        },
      },
    ],
  },
});
