// Where the test run's Postgres and Redis come from: DATABASE_URL / REDIS_URL, else containers
// started with testcontainers when a Docker engine answers, else a clear failure.
const POSTGRES_IMAGE = 'postgres:16-alpine';
const REDIS_IMAGE = 'redis:7-alpine';

export interface TestServers {
  /** Any database on the Postgres server; the run creates its own database beside it. */
  databaseUrl: string;
  redisUrl: string;
  /** Stops whatever this run started. */
  stop: () => Promise<void>;
}

export const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
export const START_REDIS =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no';

export function missingServersMessage(missing: readonly string[]): string {
  return [
    `Integration tests need PostgreSQL and Redis: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set,`,
    'and no Docker engine answered, so testcontainers cannot start them. Either start them locally:',
    `  ${START_POSTGRES}`,
    `  ${START_REDIS}`,
    'and point the tests at them:',
    '  export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rebill REDIS_URL=redis://127.0.0.1:6379',
    'or start a Docker engine (testcontainers then runs Postgres 16 and Redis 7).',
  ].join('\n');
}

export async function resolveTestServers(env: NodeJS.ProcessEnv = process.env): Promise<TestServers> {
  const fromEnv = { databaseUrl: env.DATABASE_URL || undefined, redisUrl: env.REDIS_URL || undefined };
  if (fromEnv.databaseUrl !== undefined && fromEnv.redisUrl !== undefined) {
    return { databaseUrl: fromEnv.databaseUrl, redisUrl: fromEnv.redisUrl, stop: () => Promise.resolve() };
  }
  const missing = [
    ...(fromEnv.databaseUrl === undefined ? ['DATABASE_URL'] : []),
    ...(fromEnv.redisUrl === undefined ? ['REDIS_URL'] : []),
  ];
  if (!(await dockerAnswers())) throw new Error(missingServersMessage(missing));
  return startContainers(fromEnv);
}

async function dockerAnswers(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

interface StartedServer {
  url: string;
  stop: () => Promise<unknown>;
}

async function startContainers(fromEnv: {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
}): Promise<TestServers> {
  const [postgres, redis] = await Promise.all([
    fromEnv.databaseUrl === undefined
      ? startPostgres()
      : { url: fromEnv.databaseUrl, stop: () => Promise.resolve() },
    fromEnv.redisUrl === undefined ? startRedis() : { url: fromEnv.redisUrl, stop: () => Promise.resolve() },
  ]);
  return {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    stop: async () => {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}

async function startPostgres(): Promise<StartedServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
    .withUsername('postgres')
    .withPassword('postgres')
    .start();
  return { url: container.getConnectionUri(), stop: () => container.stop() };
}

async function startRedis(): Promise<StartedServer> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer(REDIS_IMAGE).start();
  return { url: container.getConnectionUrl(), stop: () => container.stop() };
}
