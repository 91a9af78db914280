// vitest fixtures for billing tests on the run's database (in the spirit of trigger.dev's
// `postgresTest`): `databaseTest('...', async ({ prisma }) => ...)`. The harness only hands out the
// database URL (provide/inject from test/harness/global-setup.ts); billing builds its own client
// from it with its own factory, so the harness never imports billing code.
import { test } from 'vitest';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';

export const databaseTest = test
  // Replaced by the value global-setup provides under the same name; without it, say why.
  .extend('testDatabaseUrl', { scope: 'worker', injected: true }, (): string => {
    throw new Error(
      'testDatabaseUrl was not provided: run this test in the integration project, whose globalSetup is test/harness/global-setup.ts',
    );
  })
  // One client per test file, closed when the file's tests are done.
  .extend('prisma', { scope: 'file' }, ({ testDatabaseUrl }, { onCleanup }) => {
    const prisma = createPrismaClient({ databaseUrl: testDatabaseUrl });
    onCleanup(() => disconnect(prisma));
    return prisma;
  });
