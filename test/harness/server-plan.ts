// The order in which the harness looks for its servers, as a pure decision over injected probes:
// a variable that is set wins; for the unset ones, testcontainers when a Docker engine answers,
// else the local default server when it answers, else a message that says what to start.

/** The local servers a developer or CI most likely runs (trust auth, default ports). */
export const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

export const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
export const START_REDIS =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no';

export interface ServerProbes {
  dockerAnswers: () => Promise<boolean>;
  postgresAnswers: (databaseUrl: string) => Promise<boolean>;
  redisAnswers: (redisUrl: string) => Promise<boolean>;
}

export type ServerSource =
  { kind: 'env'; url: string } | { kind: 'container' } | { kind: 'local'; url: string };

export type ServerVariable = 'DATABASE_URL' | 'REDIS_URL';

export type ServerPlan =
  | { kind: 'ready'; postgres: ServerSource; redis: ServerSource }
  | { kind: 'missing'; missing: ServerVariable[]; message: string };

export async function planTestServers(env: NodeJS.ProcessEnv, probes: ServerProbes): Promise<ServerPlan> {
  const databaseUrl = env.DATABASE_URL || undefined;
  const redisUrl = env.REDIS_URL || undefined;
  if (databaseUrl !== undefined && redisUrl !== undefined) {
    return {
      kind: 'ready',
      postgres: { kind: 'env', url: databaseUrl },
      redis: { kind: 'env', url: redisUrl },
    };
  }
  if (await probes.dockerAnswers()) {
    return {
      kind: 'ready',
      postgres: databaseUrl === undefined ? { kind: 'container' } : { kind: 'env', url: databaseUrl },
      redis: redisUrl === undefined ? { kind: 'container' } : { kind: 'env', url: redisUrl },
    };
  }
  const [postgres, redis] = await Promise.all([
    databaseUrl === undefined
      ? localServer(LOCAL_DATABASE_URL, probes.postgresAnswers)
      : ({ kind: 'env', url: databaseUrl } as const),
    redisUrl === undefined
      ? localServer(LOCAL_REDIS_URL, probes.redisAnswers)
      : ({ kind: 'env', url: redisUrl } as const),
  ]);
  const missing: ServerVariable[] = [
    ...(postgres === undefined ? (['DATABASE_URL'] as const) : []),
    ...(redis === undefined ? (['REDIS_URL'] as const) : []),
  ];
  if (postgres === undefined || redis === undefined) {
    return { kind: 'missing', missing, message: missingServersMessage(missing) };
  }
  return { kind: 'ready', postgres, redis };
}

async function localServer(
  url: string,
  answers: (url: string) => Promise<boolean>,
): Promise<ServerSource | undefined> {
  return (await answers(url)) ? { kind: 'local', url } : undefined;
}

const LOCAL_DEFAULT: Record<ServerVariable, string> = {
  DATABASE_URL: LOCAL_DATABASE_URL,
  REDIS_URL: LOCAL_REDIS_URL,
};

export function missingServersMessage(missing: readonly ServerVariable[]): string {
  return [
    `Integration tests need PostgreSQL and Redis. ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set,`,
    'no Docker engine answered (so testcontainers cannot start them), and no local server answered at:',
    ...missing.map((name) => `  ${LOCAL_DEFAULT[name]} (for ${name})`),
    'Start them locally (the tests then find them on their default ports):',
    `  ${START_POSTGRES}`,
    `  ${START_REDIS}`,
    'or point the tests at other servers, in the environment or in a .env file at the repository root:',
    '  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rebill REDIS_URL=redis://127.0.0.1:6379',
    'or start a Docker engine (testcontainers then runs Postgres 16 and Redis 7).',
  ].join('\n');
}
