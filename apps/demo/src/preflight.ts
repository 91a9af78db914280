// Before anything starts: do PostgreSQL and Redis answer? If not, say what to start (no stack trace).
import { Redis } from 'ioredis';
import pg from 'pg';
import { pgConfigOf, redactUrl } from '../../../prisma/tools/database-url.mjs';

export type Preflight = { readonly kind: 'ok' } | { readonly kind: 'unreachable'; readonly message: string };

const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';
const TIMEOUT_MS = 3_000;

export async function checkServers(databaseUrl: string, redisUrl: string): Promise<Preflight> {
  const [postgres, redis] = await Promise.all([postgresProblem(databaseUrl), redisProblem(redisUrl)]);
  const problems = [
    postgres === null ? null : `PostgreSQL does not answer at ${redactUrl(databaseUrl)}: ${postgres}`,
    redis === null ? null : `Redis does not answer at ${redisUrl}: ${redis}`,
  ].filter((line): line is string => line !== null);
  if (problems.length === 0) return { kind: 'ok' };
  return {
    kind: 'unreachable',
    message: [
      ...problems,
      '',
      `Start ${problems.length === 1 ? 'it' : 'them'}, then run \`npm start\` again. On Debian:`,
      ...(postgres === null ? [] : [`  ${START_POSTGRES}`]),
      ...(redis === null ? [] : [`  ${START_REDIS}`]),
      'or with Docker:',
      '  docker compose up -d postgres redis',
      '(DATABASE_URL and REDIS_URL point the demo at other servers.)',
    ].join('\n'),
  };
}

/** Why PostgreSQL does not answer, or null when it does. */
async function postgresProblem(databaseUrl: string): Promise<string | null> {
  const client = new pg.Client({
    ...pgConfigOf(databaseUrl, { database: 'postgres', searchPath: false }),
    connectionTimeoutMillis: TIMEOUT_MS,
  });
  // A failed connection may still emit 'error' later; it is answered by the rejection below.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return reason(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisProblem(redisUrl: string): Promise<string | null> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return reason(error);
  } finally {
    redis.disconnect();
  }
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code} ${error.message}`
      : error.message;
  }
  return String(error);
}
