// The harness itself: a migrated database of the run's own, and Redis confined to the run's prefix. Checked with plain `pg` and ioredis: no app code involved.
import { readdirSync } from 'node:fs';
import { Queue } from 'bullmq';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestRedis,
  testBullmqPrefix,
  testDatabaseUrl,
  testRedisKeyPrefix,
  withDatabaseClient,
} from './index.js';
import { isStaleRunDatabase, newRunId, runDatabaseName } from './run-database.js';

const MIGRATION_FOLDERS = readdirSync(new URL('../../prisma/migrations/', import.meta.url), {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

async function currentDatabase(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ database: string }>('SELECT current_database() AS database');
  return rows[0]?.database ?? '';
}

async function appliedMigrations(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ migration_name: string }>(`
    SELECT migration_name FROM _prisma_migrations
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL
    ORDER BY migration_name`);
  return rows.map((row) => row.migration_name);
}

describe('per-run database', () => {
  it('is a fresh rebill_test_* database, never a shared one', async () => {
    const database = await withDatabaseClient(testDatabaseUrl(), currentDatabase);

    expect(database).toMatch(/^rebill_test_\d{13}_[0-9a-f]{8}$/);
    expect(['postgres', 'rebill']).not.toContain(database);
    expect(new URL(testDatabaseUrl()).pathname).toBe(`/${database}`);
  });

  it('has every migration in prisma/migrations applied', async () => {
    const applied = await withDatabaseClient(testDatabaseUrl(), appliedMigrations);

    expect(MIGRATION_FOLDERS.length).toBeGreaterThan(0);
    expect(applied).toEqual(MIGRATION_FOLDERS);
  });
});

describe('Redis key prefix', () => {
  let redis: Redis;
  let queue: Queue;

  beforeAll(() => {
    redis = createTestRedis();
    queue = new Queue('harness-probe', { connection: redis, prefix: testBullmqPrefix() });
  });

  afterAll(async () => {
    await queue.close();
    await redis.quit();
  });

  it('is rebill-test:<runId>:', () => {
    expect(testRedisKeyPrefix()).toMatch(/^rebill-test:\d{13}_[0-9a-f]{8}:$/);
  });

  it('confines BullMQ queues to the run prefix', async () => {
    const added = await queue.add('probe', { answer: 42 });

    const fetched = added.id === undefined ? undefined : await queue.getJob(added.id);

    expect(fetched?.data).toEqual({ answer: 42 });
    const runKeys = await redis.keys(`${testRedisKeyPrefix()}harness-probe:*`);
    expect(runKeys.length).toBeGreaterThan(0);
    expect(await redis.keys('bull:harness-probe:*')).toEqual([]);
  });
});

describe('run database names', () => {
  const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

  it('embed the creation time so later runs can find leftovers', () => {
    const name = runDatabaseName(newRunId(NOW));

    expect(name).toMatch(new RegExp(`^rebill_test_${NOW}_[0-9a-f]{8}$`));
    expect(isStaleRunDatabase(name, NOW + 60_000)).toBe(false);
    expect(isStaleRunDatabase(name, NOW + 25 * 60 * 60 * 1000)).toBe(true);
  });

  it('never mark other databases as stale', () => {
    const muchLater = NOW + 365 * 24 * 60 * 60 * 1000;

    for (const name of ['rebill', 'rebill_test', 'rebill_test_template', 'postgres', 'rebill_test_12_ab']) {
      expect(isStaleRunDatabase(name, muchLater)).toBe(false);
    }
  });
});
