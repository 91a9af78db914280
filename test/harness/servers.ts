// Where the test run's Postgres and Redis come from. For each of DATABASE_URL and REDIS_URL that is
// unset: containers started with testcontainers when a Docker engine answers, else the local
// default server when it answers, else a failure that says what to start.
import { planTestServers, type ServerProbes, type ServerSource } from './server-plan.js';
import { postgresAnswers, redisAnswers } from './server-probes.js';

const POSTGRES_IMAGE = 'postgres:16-alpine';
const REDIS_IMAGE = 'redis:7-alpine';

export interface TestServers {
  /** Any database on the Postgres server; the run creates its own database beside it. */
  databaseUrl: string;
  redisUrl: string;
  /** Where each came from, for the run's log. */
  sources: { postgres: ServerSource['kind']; redis: ServerSource['kind'] };
  /** Stops whatever this run started. */
  stop: () => Promise<void>;
}

export const LIVE_PROBES: ServerProbes = { dockerAnswers, postgresAnswers, redisAnswers };

export async function resolveTestServers(
  env: NodeJS.ProcessEnv = process.env,
  probes: ServerProbes = LIVE_PROBES,
): Promise<TestServers> {
  const plan = await planTestServers(env, probes);
  if (plan.kind === 'missing') throw new Error(plan.message);
  const [postgres, redis] = await Promise.all([
    plan.postgres.kind === 'container' ? startPostgres() : alreadyRunning(plan.postgres.url),
    plan.redis.kind === 'container' ? startRedis() : alreadyRunning(plan.redis.url),
  ]);
  return {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    sources: { postgres: plan.postgres.kind, redis: plan.redis.kind },
    stop: async () => {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
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

function alreadyRunning(url: string): StartedServer {
  return { url, stop: () => Promise.resolve() };
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
