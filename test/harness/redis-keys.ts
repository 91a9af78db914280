// Redis housekeeping for a run: reachability check and removal of the run's keys.
import { Redis } from 'ioredis';

function shortLivedClient(redisUrl: string): Redis {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // Connection errors surface through the awaited commands; no unhandled 'error' event noise.
  redis.on('error', () => undefined);
  return redis;
}

/** Fails with the connection error unless Redis replies to PING. */
export async function assertRedisAnswers(redisUrl: string): Promise<void> {
  const redis = shortLivedClient(redisUrl);
  let connectionError: unknown;
  redis.once('error', (error: unknown) => (connectionError = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw connectionError ?? error;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key starting with `prefix`. Returns how many were deleted. */
export async function deleteKeysWithPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = shortLivedClient(redisUrl);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
