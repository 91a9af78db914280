// The harness itself: a migrated database of the run's own, per-file clones of it, and Redis
// confined to the run's prefix. Checked with plain `pg` and ioredis: no app code involved.
import { readdirSync } from 'node:fs';
import { Queue } from 'bullmq';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDatabaseFromTemplate,
  createTestRedis,
  dropDatabase,
  testBullmqPrefix,
  testDatabaseUrl,
  testRedisKeyPrefix,
  withDatabaseClient,
} from './index.js';
import { withMaintenanceClient } from './pg-clients.js';
import {
  cloneDatabaseName,
  isRunDatabaseName,
  isStaleRunDatabase,
  newRunId,
  runDatabaseName,
} from './run-database.js';

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

async function databaseExists(name: string): Promise<boolean> {
  return withMaintenanceClient(testDatabaseUrl(), async (admin) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  });
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

describe('template database and per-file databases', () => {
  const runDatabase = (): string => new URL(testDatabaseUrl()).pathname.slice(1);

  it('keeps a template copy of the run database that nobody may connect to', async () => {
    const template = new URL(inject('testTemplateDatabaseUrl')).pathname.slice(1);

    expect(template).toBe(`${runDatabase()}_tpl`);
    const allowsConnections = await withMaintenanceClient(testDatabaseUrl(), async (admin) => {
      const { rows } = await admin.query<{ datallowconn: boolean }>(
        'SELECT datallowconn FROM pg_database WHERE datname = $1',
        [template],
      );
      return rows[0]?.datallowconn;
    });
    expect(allowsConnections).toBe(false);
  });

  it('clones a migrated database of its own, then drops it', async () => {
    const url = await createDatabaseFromTemplate();
    const name = new URL(url).pathname.slice(1);

    expect(name).toMatch(new RegExp(`^${runDatabase()}_[0-9a-f]{8}$`));
    expect(isRunDatabaseName(name)).toBe(true);
    expect(await withDatabaseClient(url, currentDatabase)).toBe(name);
    expect(await withDatabaseClient(url, appliedMigrations)).toEqual(MIGRATION_FOLDERS);

    await dropDatabase(url);

    expect(await databaseExists(name)).toBe(false);
  });

  it('gives every clone its own data', async () => {
    const [first, second] = await Promise.all([createDatabaseFromTemplate(), createDatabaseFromTemplate()]);
    try {
      await withDatabaseClient(first, (client) => client.query('CREATE TABLE only_in_first (id int)'));

      const inSecond = await withDatabaseClient(second, async (client) => {
        const { rows } = await client.query<{ found: string | null }>(
          "SELECT to_regclass('only_in_first')::text AS found",
        );
        return rows[0]?.found;
      });

      expect(first).not.toBe(second);
      expect(inSecond).toBeNull();
    } finally {
      await Promise.all([dropDatabase(first), dropDatabase(second)]);
    }
  });

  it('refuses to drop a database the harness did not create', async () => {
    const url = new URL(testDatabaseUrl());
    url.pathname = '/rebill';

    await expect(dropDatabase(url.toString())).rejects.toThrow('refusing to drop rebill');
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

  it("mark a crashed run's template and clones as stale too", () => {
    const template = `${runDatabaseName(newRunId(NOW))}_tpl`;
    const clone = cloneDatabaseName(template);

    expect(clone).toMatch(new RegExp(`^rebill_test_${NOW}_[0-9a-f]{8}_[0-9a-f]{8}$`));
    for (const name of [template, clone]) {
      expect(isStaleRunDatabase(name, NOW + 60_000)).toBe(false);
      expect(isStaleRunDatabase(name, NOW + 25 * 60 * 60 * 1000)).toBe(true);
    }
  });

  it('never mark other databases as stale', () => {
    const muchLater = NOW + 365 * 24 * 60 * 60 * 1000;

    for (const name of [
      'rebill',
      'rebill_test',
      'rebill_test_template',
      'postgres',
      'rebill_test_12_ab',
      `rebill_test_${NOW}_abcd1234_other`,
    ]) {
      expect(isStaleRunDatabase(name, muchLater)).toBe(false);
    }
  });
});
