// The demo's data: its database migrated by the repository's own migration tool (the code behind
// `npm run db:migrate:deploy`), and its Redis keys. The demo's own database and keys start empty.
import { Redis } from 'ioredis';
import { deployMigrations, dropDatabase } from '../../../prisma/tools/migrations.mjs';
import type { DemoSettings } from './settings.js';

export async function prepareDatabase(settings: DemoSettings): Promise<void> {
  if (settings.ownDatabase) await dropDatabase(settings.databaseUrl);
  await deployMigrations({ databaseUrl: settings.databaseUrl });
}

/** Removes the queues' keys under the demo's prefix (the roles' `{REDIS_PREFIX}`), e.g. a previous run's. */
export async function clearQueues(settings: DemoSettings): Promise<number> {
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${settings.redisPrefix}}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
    return removed;
  } finally {
    await redis.quit();
  }
}
