// What integration tests import: `import { ... } from '@rebill/test/harness'`. URLs and key
// prefixes of the run's own database and Redis that global-setup.ts prepared, and database helpers
// on plain `pg`. Nothing here imports from apps/: each app builds its own clients and fixtures
// from these URLs (billing: apps/billing/src/testing).
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { databaseNameOf } from '../../prisma/tools/database-url.mjs';
import type {} from './provided-context.js';
import { cloneDatabaseName, createDatabaseFrom, dropTestDatabase } from './run-database.js';

export { withDatabaseClient } from './pg-clients.js';

/** URL of the run's migrated database, shared by every test file of the run. */
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

/**
 * An ioredis connection to the run's Redis, usable by BullMQ Queue and Worker (pass
 * `prefix: testBullmqPrefix()` alongside it). Close it with `quit()` in afterAll.
 */
export function createTestRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
}

/**
 * A new database of its own, already migrated (a copy of the run's template database), for a test
 * file that must not share state with others, e.g. one that moves a clock stored in the database.
 * Returns its URL; drop it with dropDatabase() in afterAll (teardown drops leftovers of the run).
 */
export async function createDatabaseFromTemplate(): Promise<string> {
  const templateUrl = inject('testTemplateDatabaseUrl');
  return createDatabaseFrom(templateUrl, cloneDatabaseName(databaseNameOf(templateUrl)));
}

/**
 * Drops a database createDatabaseFromTemplate() made, ending sessions still connected to it.
 * Refuses names the harness does not give, so a wrong URL cannot drop a developer's database.
 */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  await dropTestDatabase(databaseUrl);
}
