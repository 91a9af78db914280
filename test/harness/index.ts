// What integration tests import: `import { ... } from '@rebill/test/harness'`. Everything points at
// the run's own database and Redis key prefix that global-setup.ts prepared.
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { PrismaClient } from '../../apps/billing/src/store/generated/prisma/client.js';
import { createPrismaClient } from '../../apps/billing/src/store/prisma-client.js';
import type {} from './provided-context.js';

export { disconnect } from '../../apps/billing/src/store/prisma-client.js';

/** URL of the run's migrated database. */
export function testDatabaseUrl(): string {
  return inject('testDatabaseUrl');
}

export function testRedisUrl(): string {
  return inject('testRedisUrl');
}

/** `rebill-test:<runId>:`; prefix raw Redis keys with it. */
export function testRedisKeyPrefix(): string {
  return inject('testRedisKeyPrefix');
}

/**
 * BullMQ's `prefix` option for the run (`rebill-test:<runId>`): BullMQ adds the `:` itself, and
 * rejects connections with an ioredis `keyPrefix`, so the prefix goes to Queue/Worker instead.
 */
export function testBullmqPrefix(): string {
  return testRedisKeyPrefix().replace(/:$/, '');
}

/** A Prisma client on the run's database, built by the store's factory. Disconnect it in afterAll. */
export function createTestPrisma(): PrismaClient {
  return createPrismaClient({ databaseUrl: testDatabaseUrl() });
}

/**
 * An ioredis connection to the run's Redis, usable by BullMQ Queue and Worker (pass
 * `prefix: testBullmqPrefix()` alongside it). Close it with `quit()` in afterAll.
 */
export function createTestRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
}

/**
 * Empties every table but Prisma's migration history. Test files run in parallel on the same
 * database, so only use this in a file that owns the database (e.g. `fileParallelism: false`);
 * otherwise isolate data by creating your own merchant.
 */
export async function truncateAllTables(prisma: PrismaClient): Promise<void> {
  const tables = await prisma.$queryRaw<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables
    WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'`;
  if (tables.length === 0) return;
  const names = tables.map(({ tablename }) => `"${tablename.replaceAll('"', '""')}"`).join(', ');
  await prisma.$executeRawUnsafe(`TRUNCATE TABLE ${names} RESTART IDENTITY CASCADE`);
}
