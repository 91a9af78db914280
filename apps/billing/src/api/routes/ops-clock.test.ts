// The operator clock endpoints through app.inject, on a database of this file's own (the clock
// row is a singleton) and real Redis for the quiescence probe.
import { randomUUID } from 'node:crypto';
import {
  createDatabaseFromTemplate,
  createTestRedis,
  dropDatabase,
  testBullmqPrefix,
} from '@rebill/test/harness';
import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerSilentProcess, resetSharedClock, silentLog } from '../../clock/clock.test-support.js';
import { createClockOperations, type ClockOperationsDeps } from '../../clock/operations.js';
import { createQuiescenceProbe, type QuiescenceProbe } from '../../clock/quiescence.js';
import { QUEUES } from '../../queue/catalog.js';
import { readClockState } from '../../store/clock-state.js';
import type { Db } from '../../store/db.js';
import { createPrismaClient, disconnect } from '../../store/prisma-client.js';
import { registerOpsClockRoutes } from './ops-clock.js';

const TOKEN = 'operator-token-for-tests-0123456789';
const DAY = 86_400_000;

let databaseUrl: string;
let db: Db;
let redis: Redis;
let prefix: string;
let probe: QuiescenceProbe;
let queue: Queue;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
  redis = createTestRedis();
  prefix = `${testBullmqPrefix()}:ops-clock`;
  probe = createQuiescenceProbe({ db, redis, bullPrefix: prefix, sandbox: null });
  queue = new Queue(QUEUES.subscriptions, { connection: redis, prefix });
});

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await probe.close();
  await redis.quit();
  await disconnect(db);
  await dropDatabase(databaseUrl);
});

beforeEach(() => resetSharedClock(db));

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await queue.obliterate({ force: true });
});

async function buildApp(
  overrides: Partial<ClockOperationsDeps> = {},
  token: { operatorToken: string | undefined } = { operatorToken: TOKEN },
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  apps.push(app);
  const ops = createClockOperations({
    db,
    mode: 'virtual',
    sandbox: null,
    quiet: probe,
    log: silentLog,
    ackTimeoutMs: 2_000,
    quietTimeoutMs: 5_000,
    pollMs: 50,
    ...overrides,
  });
  registerOpsClockRoutes(app, { ops, operatorToken: token.operatorToken });
  await app.ready();
  return app;
}

const auth = { authorization: `Bearer ${TOKEN}` };

function advance(app: FastifyInstance, payload: unknown, headers: Record<string, string> = auth) {
  return app.inject({ method: 'POST', url: '/internal/clock/advance', headers, payload: payload as string });
}

describe('operator clock routes', () => {
  it('do not exist without an operator token', async () => {
    for (const token of [undefined, '']) {
      const app = await buildApp({}, { operatorToken: token });
      expect((await app.inject({ method: 'GET', url: '/internal/clock', headers: auth })).statusCode).toBe(
        404,
      );
      expect((await advance(app, { by: 'P1D' })).statusCode).toBe(404);
    }
  });

  it.each([
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['the token with another scheme', { authorization: `Basic ${TOKEN}` }],
    ['a token that only starts right', { authorization: `Bearer ${TOKEN}x` }],
  ])('answer 401 problem+json to %s', async (_what, headers: Record<string, string>) => {
    const app = await buildApp();
    for (const res of [
      await app.inject({ method: 'GET', url: '/internal/clock', headers }),
      await advance(app, { by: 'P1D' }, headers),
    ]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['www-authenticate']).toContain('Bearer');
      expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
    expect(await readClockState(db)).toBeNull();
  });

  it('advance moves the clock and answers when done', async () => {
    const app = await buildApp();

    const res = await advance(app, { by: 'P2D' });

    expect(res.statusCode).toBe(200);
    const body = res.json<{ from: string; to: string; steps: number; tookMs: number }>();
    expect(body.steps).toBe(2);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(2 * DAY);
    expect(await readClockState(db)).toEqual({ offsetMs: 2 * DAY, generation: 2 });
    const audit = await db.auditEvent.findFirst({ where: { entityType: 'ClockState' } });
    expect(audit).toMatchObject({ actorKind: 'OPERATOR', actorId: 'operator-token' });
  });

  it('advance takes a coarser step when asked', async () => {
    const app = await buildApp();

    const res = await advance(app, { by: 'P6D', step: 'P3D' });

    expect(res.statusCode).toBe(200);
    expect(res.json<{ steps: number }>().steps).toBe(2);
    expect(await readClockState(db)).toEqual({ offsetMs: 6 * DAY, generation: 2 });
  });

  it('GET shows mode, now, offset, generation and live processes', async () => {
    const app = await buildApp();
    await advance(app, { by: '6h' });
    const id = randomUUID();
    await registerSilentProcess(db, { id, role: 'worker', pid: 77 });

    const res = await app.inject({ method: 'GET', url: '/internal/clock', headers: auth });

    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      mode: 'virtual',
      offsetMs: 6 * 3_600_000,
      generation: 1,
      processes: [{ id, role: 'worker', pid: 77, hostname: 'test-host', clockGeneration: 0 }],
    });
    expect(Math.abs(Date.parse(body.now as string) - (Date.now() + 6 * 3_600_000))).toBeLessThan(2_000);
  });

  it.each([
    ['a missing body', undefined, 'by'],
    ['a missing by', {}, 'by'],
    ['a number', { by: 86_400 }, 'by'],
    ['a calendar month', { by: 'P1M' }, 'by'],
    ['nonsense', { by: 'tomorrow' }, 'by'],
    ['zero', { by: 'PT0S' }, 'by'],
    ['an unknown field', { by: 'P1D', dryRun: true }, 'dryRun'],
    ['a step under a minute', { by: 'P1D', step: '30s' }, 'step'],
    ['a step over a week', { by: 'P30D', step: 'P8D' }, 'step'],
  ])('answers 400 problem+json naming the field for %s', async (_what, payload, field) => {
    const app = await buildApp();

    const res = await advance(app, payload);

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, title: 'Bad Request', field });
    expect(await readClockState(db)).toBeNull();
  });

  it('answers 400 problem+json for a body that is not JSON', async () => {
    const app = await buildApp();

    const res = await advance(app, '{"by": ', { ...auth, 'content-type': 'application/json' });

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, field: 'body' });
  });

  it('answers 409 in system mode', async () => {
    const app = await buildApp({ mode: 'system' });

    const res = await advance(app, { by: 'P1D' });

    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json<{ detail: string }>().detail).toContain('system mode');
    const view = await app.inject({ method: 'GET', url: '/internal/clock', headers: auth });
    expect(view.json()).toMatchObject({ mode: 'system', offsetMs: 0, generation: 0 });
  });

  it('answers 504 with the busy reasons when work is not done in time', async () => {
    const app = await buildApp({ quietTimeoutMs: 300 });
    await queue.add('run-next-action', {});

    const res = await advance(app, { by: 'P1D' });

    expect(res.statusCode).toBe(504);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      status: 504,
      busy: ['subscriptions queue: 1 waiting'],
      steps: 1,
    });
  });

  it('answers 504 naming a process that does not follow the clock', async () => {
    const app = await buildApp({ ackTimeoutMs: 300 });
    await registerSilentProcess(db, { id: randomUUID(), role: 'scheduler', pid: 31337 });

    const res = await advance(app, { by: 'P1D' });

    expect(res.statusCode).toBe(504);
    const body = res.json<{ detail: string; lagging: unknown[] }>();
    expect(body.detail).toContain('scheduler (pid 31337');
    expect(body.lagging).toEqual([
      { role: 'scheduler', pid: 31337, hostname: 'test-host', clockGeneration: 0 },
    ]);
  });
});
