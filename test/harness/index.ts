// What integration tests import: `import { ... } from '@rebill/test/harness'`. URLs and key
// prefixes of the run's own database and Redis that global-setup.ts prepared, and database helpers
// on plain `pg`. Nothing here imports from apps/: each app builds its own clients and fixtures
// from these URLs (billing: apps/billing/src/testing).
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type {} from './provided-context.js';

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
