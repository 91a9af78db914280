// The order the harness looks for servers in, with the probes replaced by answers.
import { describe, expect, it } from 'vitest';
import {
  LOCAL_DATABASE_URL,
  LOCAL_REDIS_URL,
  missingServersMessage,
  planTestServers,
  START_POSTGRES,
  START_REDIS,
  type ServerProbes,
} from './server-plan.js';

const ENV_DATABASE = 'postgresql://app@db.example:5433/rebill';
const ENV_REDIS = 'redis://cache.example:6380';

interface Answers {
  docker: boolean;
  postgres: boolean;
  redis: boolean;
}

/** Probes that answer as told and record what was asked. */
function probes(answers: Answers): ServerProbes & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    dockerAnswers: () => {
      asked.push('docker');
      return Promise.resolve(answers.docker);
    },
    postgresAnswers: (url) => {
      asked.push(`postgres ${url}`);
      return Promise.resolve(answers.postgres);
    },
    redisAnswers: (url) => {
      asked.push(`redis ${url}`);
      return Promise.resolve(answers.redis);
    },
  };
}

const everything: Answers = { docker: true, postgres: true, redis: true };
const nothing: Answers = { docker: false, postgres: false, redis: false };

describe('planTestServers', () => {
  it('takes DATABASE_URL and REDIS_URL when both are set, without probing anything', async () => {
    const probe = probes(everything);

    const plan = await planTestServers({ DATABASE_URL: ENV_DATABASE, REDIS_URL: ENV_REDIS }, probe);

    expect(plan).toEqual({
      kind: 'ready',
      postgres: { kind: 'env', url: ENV_DATABASE },
      redis: { kind: 'env', url: ENV_REDIS },
    });
    expect(probe.asked).toEqual([]);
  });

  it('prefers testcontainers over local servers when a Docker engine answers', async () => {
    const probe = probes(everything);

    const plan = await planTestServers({}, probe);

    expect(plan).toEqual({ kind: 'ready', postgres: { kind: 'container' }, redis: { kind: 'container' } });
    expect(probe.asked).toEqual(['docker']);
  });

  it('starts a container only for the variable that is unset', async () => {
    const plan = await planTestServers({ DATABASE_URL: ENV_DATABASE }, probes(everything));

    expect(plan).toEqual({
      kind: 'ready',
      postgres: { kind: 'env', url: ENV_DATABASE },
      redis: { kind: 'container' },
    });
  });

  it('falls back to the local default servers when no Docker engine answers', async () => {
    const probe = probes({ docker: false, postgres: true, redis: true });

    const plan = await planTestServers({ DATABASE_URL: '', REDIS_URL: '' }, probe);

    expect(plan).toEqual({
      kind: 'ready',
      postgres: { kind: 'local', url: 'postgresql://postgres@127.0.0.1:5432/postgres' },
      redis: { kind: 'local', url: 'redis://127.0.0.1:6379' },
    });
    expect(probe.asked).toEqual(['docker', `postgres ${LOCAL_DATABASE_URL}`, `redis ${LOCAL_REDIS_URL}`]);
  });

  it('probes only the local server whose variable is unset', async () => {
    const probe = probes({ docker: false, postgres: false, redis: true });

    const plan = await planTestServers({ DATABASE_URL: ENV_DATABASE }, probe);

    expect(plan).toEqual({
      kind: 'ready',
      postgres: { kind: 'env', url: ENV_DATABASE },
      redis: { kind: 'local', url: LOCAL_REDIS_URL },
    });
    expect(probe.asked).toEqual(['docker', `redis ${LOCAL_REDIS_URL}`]);
  });

  it('says what to start when neither Docker nor a local server answers', async () => {
    const plan = await planTestServers({}, probes(nothing));

    expect(plan).toEqual({
      kind: 'missing',
      missing: ['DATABASE_URL', 'REDIS_URL'],
      message: missingServersMessage(['DATABASE_URL', 'REDIS_URL']),
    });
  });

  it('names only the server that is missing', async () => {
    const plan = await planTestServers({}, probes({ docker: false, postgres: true, redis: false }));

    expect(plan).toMatchObject({ kind: 'missing', missing: ['REDIS_URL'] });
  });
});

describe('missingServersMessage', () => {
  it('names the unset variables, the addresses tried, and the commands that start the servers', () => {
    const message = missingServersMessage(['DATABASE_URL', 'REDIS_URL']);

    expect(message).toContain('DATABASE_URL and REDIS_URL are not set');
    expect(message).toContain('no Docker engine answered');
    expect(message).toContain(LOCAL_DATABASE_URL);
    expect(message).toContain(LOCAL_REDIS_URL);
    expect(message).toContain(START_POSTGRES);
    expect(message).toContain(START_REDIS);
    expect(message).toContain('.env');
  });

  it('uses the singular for one variable', () => {
    const message = missingServersMessage(['REDIS_URL']);

    expect(message).toContain('REDIS_URL is not set');
    expect(message).not.toContain(LOCAL_DATABASE_URL);
  });
});
