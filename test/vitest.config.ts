import { defineConfig } from 'vitest/config';

// One global setup for the run (a migrated database, its template, a Redis prefix), provided to
// both projects:
// - `tools`: the harness, CI scripts, migration tooling and the Klarna client against the sandbox;
// - `system`: whole Rebill worlds (four role processes each against the sandbox). Each file starts
//   its own world, so the files run one after another: two cores run one world well, not three.
const common = { exclude: ['node_modules/**'], testTimeout: 60_000, hookTimeout: 180_000 };

export default defineConfig({
  test: {
    globalSetup: ['./harness/global-setup.ts'],
    projects: [
      {
        test: {
          ...common,
          name: 'tools',
          include: ['**/*.test.ts'],
          exclude: [...common.exclude, 'system/**'],
        },
      },
      {
        test: {
          ...common,
          name: 'system',
          include: ['system/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
        },
      },
    ],
  },
});
