// Whether a server answers at a URL: a short connect-and-query with no retries, so a run without
// local servers learns it within seconds.
import pg from 'pg';
import { assertRedisAnswers } from './redis-keys.js';

const PROBE_TIMEOUT_MS = 3000;

export async function postgresAnswers(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  // A refused or dropped connection surfaces through connect()/query(); no unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function redisAnswers(redisUrl: string): Promise<boolean> {
  return assertRedisAnswers(redisUrl).then(
    () => true,
    () => false,
  );
}
