// vitest fixtures for billing tests on the run's database (in the spirit of trigger.dev's
// `postgresTest`): `databaseTest('...', async ({ prisma }) => ...)`. The harness only hands out the
// database URL (provide/inject from test/harness/global-setup.ts); billing builds its own client
// from it with its own factory, so the harness never imports billing code.
import { createDatabaseFromTemplate, dropDatabase } from '@rebill/test/harness';
import { test } from 'vitest';
import { createPipelinedTransactions } from '../store/pipelined-transaction.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';

const withRunDatabase = test
  // Replaced by the value global-setup provides under the same name; without it, say why.
  .extend('testDatabaseUrl', { scope: 'worker', injected: true }, (): string => {
    throw new Error(
      'testDatabaseUrl was not provided: run this test in the integration project, whose globalSetup is test/harness/global-setup.ts',
    );
  });

/**
 * The run's database, shared with every other test file: one client per file, closed after it;
 * and, for the tests that ask for it, the worker's pipelined transactions on the same database.
 */
export const databaseTest = withRunDatabase
  .extend('prisma', { scope: 'file' }, ({ testDatabaseUrl }, { onCleanup }) => {
    const prisma = createPrismaClient({ databaseUrl: testDatabaseUrl });
    onCleanup(() => disconnect(prisma));
    return prisma;
  })
  .extend('transactions', { scope: 'file' }, ({ testDatabaseUrl }, { onCleanup }) => {
    const transactions = createPipelinedTransactions({ databaseUrl: testDatabaseUrl });
    onCleanup(() => transactions.close());
    return transactions;
  });

/**
 * A migrated database of the test's own (a copy of the run's template), dropped after it: for
 * tests whose code reads or changes every row of a table, which rows of other files would disturb.
 */
export const ownDatabaseTest = withRunDatabase
  .extend('databaseUrl', { scope: 'test' }, async ({ testDatabaseUrl: _provided }, { onCleanup }) => {
    const url = await createDatabaseFromTemplate();
    onCleanup(() => dropDatabase(url));
    return url;
  })
  .extend('prisma', { scope: 'test' }, ({ databaseUrl }, { onCleanup }) => {
    const prisma = createPrismaClient({ databaseUrl });
    onCleanup(() => disconnect(prisma));
    return prisma;
  })
  .extend('transactions', { scope: 'test' }, ({ databaseUrl }, { onCleanup }) => {
    const transactions = createPipelinedTransactions({ databaseUrl });
    onCleanup(() => transactions.close());
    return transactions;
  });
