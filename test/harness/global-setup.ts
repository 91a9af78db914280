// vitest globalSetup: one migrated Postgres database (plus a template copy of it for per-file
// databases) and one Redis key prefix per test run, handed to tests with provide/inject (see
// provided-context.ts), removed again in teardown.
import type { TestProject } from 'vitest/node';
import { redactUrl } from '../../prisma/tools/database-url.mjs';
import { loadEnvFileIfPresent } from './env-file.js';
import { REDIS_KEY_PREFIX_ROOT } from './provided-context.js';
import { assertRedisAnswers, deleteKeysWithPrefix } from './redis-keys.js';
import {
  createRunDatabase,
  createTemplateDatabase,
  dropRunDatabases,
  dropStaleRunDatabases,
  newRunId,
} from './run-database.js';
import { START_POSTGRES, START_REDIS } from './server-plan.js';
import { resolveTestServers } from './servers.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (loadEnvFileIfPresent()) console.info('[harness] read .env');
  const servers = await resolveTestServers();
  console.info(
    `[harness] PostgreSQL from ${servers.sources.postgres} (${redactUrl(servers.databaseUrl)}), ` +
      `Redis from ${servers.sources.redis} (${redactUrl(servers.redisUrl)})`,
  );
  const runId = newRunId(Date.now());
  const redisKeyPrefix = `${REDIS_KEY_PREFIX_ROOT}${runId}:`;
  let databaseUrl: string;
  let templateUrl: string;
  try {
    await assertRedisAnswers(servers.redisUrl).catch((error: unknown) => {
      throw new Error(
        `Redis at ${redactUrl(servers.redisUrl)} does not answer (${String(error)}). Local Redis: ${START_REDIS}`,
      );
    });
    const database = await createRunDatabase(servers.databaseUrl, runId).catch((error: unknown) => {
      throw new Error(
        `Could not create the test database on ${redactUrl(servers.databaseUrl)} (${String(error)}). ` +
          `Local PostgreSQL: ${START_POSTGRES}`,
      );
    });
    databaseUrl = database.url;
    templateUrl = await createTemplateDatabase(databaseUrl).catch(async (error: unknown) => {
      await dropRunDatabases(database.url).catch(() => undefined);
      throw error;
    });
    console.info(`[harness] ${redactUrl(databaseUrl)} migrated in ${database.seconds.toFixed(2)} s`);
  } catch (error) {
    await servers.stop();
    throw error;
  }

  project.provide('testDatabaseUrl', databaseUrl);
  project.provide('testTemplateDatabaseUrl', templateUrl);
  project.provide('testRedisUrl', servers.redisUrl);
  project.provide('testRedisKeyPrefix', redisKeyPrefix);

  // Runs after the tests whether they passed or not.
  return async function teardown() {
    const cleanup = await Promise.allSettled([
      dropRunDatabases(databaseUrl),
      deleteKeysWithPrefix(servers.redisUrl, redisKeyPrefix),
    ]);
    try {
      const stale = await dropStaleRunDatabases(servers.databaseUrl, Date.now());
      if (stale.length > 0) console.info(`[harness] dropped ${stale.length} stale test database(s)`);
    } catch (error) {
      console.warn(`[harness] could not drop stale test databases: ${String(error)}`);
    } finally {
      await servers.stop();
    }
    const failure = cleanup.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  };
}
