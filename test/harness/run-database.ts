// One database per test run: `rebill_test_<epoch ms>_<random>`, migrated by the same deploy code as
// `npm run db:migrate:deploy`, dropped in teardown. The timestamp in the name lets a later run
// recognise databases a crashed run left behind.
import { randomBytes } from 'node:crypto';
import { withDatabase } from '../../prisma/tools/database-url.mjs';
import { deployMigrations, dropDatabase, listDatabases } from '../../prisma/tools/migrations.mjs';

const RUN_DATABASE = /^rebill_test_(\d{13})_[0-9a-f]+$/;
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** `<epoch ms>_<8 hex>`: unique per run, sortable, and dated. */
export function newRunId(now: number): string {
  return `${now}_${randomBytes(4).toString('hex')}`;
}

export function runDatabaseName(runId: string): string {
  return `rebill_test_${runId}`;
}

/** True for a run database created more than a day before `now`. */
export function isStaleRunDatabase(name: string, now: number): boolean {
  const createdAt = RUN_DATABASE.exec(name)?.[1];
  return createdAt !== undefined && now - Number(createdAt) > STALE_AFTER_MS;
}

/**
 * Creates and migrates the run's database beside `serverUrl`'s database (same server, same
 * `?schema=`). Returns its URL and how long migrating took.
 */
export async function createRunDatabase(
  serverUrl: string,
  runId: string,
): Promise<{ url: string; seconds: number }> {
  const url = withDatabase(serverUrl, runDatabaseName(runId));
  const started = performance.now();
  try {
    await deployMigrations({ databaseUrl: url });
  } catch (error) {
    await dropDatabase(url).catch(() => undefined);
    throw error;
  }
  return { url, seconds: (performance.now() - started) / 1000 };
}

export async function dropRunDatabase(url: string): Promise<void> {
  await dropDatabase(url);
}

/** Drops run databases older than a day (left by crashed runs). Returns their names. */
export async function dropStaleRunDatabases(serverUrl: string, now: number): Promise<string[]> {
  const stale = (await listDatabases(serverUrl, 'rebill\\_test\\_%')).filter((name) =>
    isStaleRunDatabase(name, now),
  );
  for (const name of stale) await dropDatabase(serverUrl, name);
  return stale;
}
