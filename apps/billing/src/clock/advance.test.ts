// advanceVirtualClock and the quiescence probe against real PostgreSQL (a database of this file's
// own: the clock row is a singleton) and real Redis (BullMQ under this file's own prefix).
import { randomUUID } from 'node:crypto';
import {
  createDatabaseFromTemplate,
  createTestRedis,
  dropDatabase,
  testBullmqPrefix,
} from '@rebill/test/harness';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QUEUES } from '../queue/catalog.js';
import { readClockState } from '../store/clock-state.js';
import type { Db } from '../store/db.js';
import { createPrismaClient, disconnect } from '../store/prisma-client.js';
import { insertWebhookEvent } from '../store/webhook-events.js';
import { advanceVirtualClock, type AdvanceOptions } from './advance.js';
import { pause, registerSilentProcess, resetSharedClock, silentLog } from './clock.test-support.js';
import { createProcessClock, type ProcessClock } from './process-clock.js';
import { createQuiescenceProbe, type QuiescenceProbe } from './quiescence.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let databaseUrl: string;
let db: Db;
let redis: Redis;
let prefix: string;
let probe: QuiescenceProbe;
let subscriptions: Queue;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
  redis = createTestRedis();
  prefix = `${testBullmqPrefix()}:clock-advance`;
  probe = createQuiescenceProbe({ db, redis, bullPrefix: prefix, sandbox: null });
  subscriptions = new Queue(QUEUES.subscriptions, { connection: redis, prefix });
});

afterAll(async () => {
  await probe.close();
  await subscriptions.close();
  await deleteKeys(`${prefix}:*`);
  await redis.quit();
  await disconnect(db);
  await dropDatabase(databaseUrl);
});

beforeEach(async () => {
  await resetSharedClock(db);
  await db.subscription.deleteMany();
  await db.customer.deleteMany();
  await db.webhookEvent.deleteMany();
  await db.merchant.deleteMany();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await subscriptions.obliterate({ force: true });
});

async function deleteKeys(pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

function advance(overrides: Partial<AdvanceOptions> = {}) {
  return advanceVirtualClock({
    db,
    mode: 'virtual',
    by: DAY,
    sandbox: null,
    quiet: probe,
    ackTimeoutMs: 5_000,
    quietTimeoutMs: 15_000,
    log: silentLog,
    actor: { kind: 'OPERATOR', id: 'test' },
    pollMs: 50,
    quietGapMs: 100,
    ...overrides,
  });
}

async function startProcess(role: string): Promise<ProcessClock> {
  const own = createPrismaClient({ databaseUrl });
  const clock = createProcessClock({ mode: 'virtual', role, db: own, databaseUrl, log: silentLog });
  await clock.start();
  cleanups.push(async () => {
    await clock.stop();
    await disconnect(own);
  });
  return clock;
}

/** Whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/** A subscription whose stored next action is `kind` at `at`. */
async function subscriptionWithNextAction(kind: 'FINALIZE' | 'RENEWAL', at: Date): Promise<string> {
  const now = new Date();
  const merchant = await db.merchant.create({
    data: {
      name: 'Clock test',
      timeZone: 'Europe/Stockholm',
      klarnaPartnerAccountId: `krn:partner:global:account:test:${randomUUID()}`,
      invoicePrefix: 'CLK',
      createdAt: now,
      updatedAt: now,
    },
  });
  const customer = await db.customer.create({
    data: { merchantId: merchant.id, externalRef: 'c-1', createdAt: now, updatedAt: now },
  });
  const subscription = await db.subscription.create({
    data: {
      merchantId: merchant.id,
      customerId: customer.id,
      timeZone: 'Europe/Stockholm',
      currency: 'EUR',
      returnUrl: 'https://merchant.example/return',
      nextActionAt: at,
      nextActionKind: kind,
      createdAt: now,
      updatedAt: now,
    },
  });
  return subscription.id;
}

describe('advanceVirtualClock', () => {
  it('rejects a bad duration and refuses to move a system clock', async () => {
    expect(await advance({ by: 0 })).toMatchObject({ kind: 'invalid', field: 'by' });
    expect(await advance({ by: -DAY })).toMatchObject({ kind: 'invalid', field: 'by' });
    expect(await advance({ by: 1.5 })).toMatchObject({ kind: 'invalid', field: 'by' });
    expect(await advance({ stepMs: 0 })).toMatchObject({ kind: 'invalid', field: 'stepMs' });
    expect(await advance({ mode: 'system' })).toMatchObject({
      kind: 'system-mode',
      message: expect.stringContaining('CLOCK_MODE=virtual') as unknown,
    });
    expect(await readClockState(db)).toBeNull();
  });

  it('moves a 3-day jump in 3 steps of a day, each one applied by the running process', async () => {
    const scheduler = await startProcess('scheduler');

    const outcome = await advance({ by: 3 * DAY });

    expect(outcome).toMatchObject({ kind: 'advanced', steps: 3 });
    if (outcome.kind !== 'advanced') return;
    expect(outcome.to.getTime() - outcome.from.getTime()).toBe(3 * DAY);
    expect(Math.abs(outcome.from.getTime() - Date.now())).toBeLessThan(outcome.tookMs + 1_000);
    expect(await readClockState(db)).toEqual({ offsetMs: 3 * DAY, generation: 3 });
    expect(scheduler.generation).toBe(3);
    expect(Math.abs(scheduler.now().getTime() - (Date.now() + 3 * DAY))).toBeLessThan(1_000);
    // Each step is audited as a system-wide operator action.
    const audits = await db.auditEvent.findMany({
      where: { entityType: 'ClockState', action: 'clock.advanced' },
      orderBy: { id: 'asc' },
    });
    expect(audits.map((a) => [a.actorKind, a.actorId, a.merchantId])).toEqual([
      ['OPERATOR', 'test', null],
      ['OPERATOR', 'test', null],
      ['OPERATOR', 'test', null],
    ]);
    expect(audits.map((a) => (a.after as { offsetMs: number }).offsetMs)).toEqual([DAY, 2 * DAY, 3 * DAY]);
  });

  it('cuts a remainder into a last, shorter step', async () => {
    const outcome = await advance({ by: DAY + 12 * HOUR });
    expect(outcome).toMatchObject({ kind: 'advanced', steps: 2 });
    expect(await readClockState(db)).toEqual({ offsetMs: DAY + 12 * HOUR, generation: 2 });
    expect(await advance({ by: 2 * HOUR, stepMs: HOUR })).toMatchObject({ kind: 'advanced', steps: 2 });
  });

  it('waits for every live process to apply the step, and names the one that never does', async () => {
    await startProcess('api');
    await registerSilentProcess(db, { id: randomUUID(), role: 'worker', pid: 4242 });
    // Gone for a minute: not live, so not waited for.
    await registerSilentProcess(db, { id: randomUUID(), role: 'webhooks', pid: 99, lastSeenAgoMs: 60_000 });

    const outcome = await advance({ by: 2 * DAY, ackTimeoutMs: 600 });

    expect(outcome).toMatchObject({ kind: 'lagging', generation: 1, steps: 1 });
    if (outcome.kind !== 'lagging') return;
    expect(outcome.message).toContain('worker (pid 4242 on test-host, at generation 0)');
    expect(outcome.message).not.toContain('webhooks');
    expect(outcome.message).not.toContain('api');
    expect(outcome.laggards.map((p) => p.pid)).toEqual([4242]);
    // The step taken stays; the second one never started.
    expect(outcome.reached.getTime() - outcome.from.getTime()).toBe(DAY);
    expect(await readClockState(db)).toEqual({ offsetMs: DAY, generation: 1 });
  });

  it('waits until a job waiting in a queue has been worked off', async () => {
    await subscriptions.add('run-next-action', { note: 'waiting before the advance' });
    const pending = track(advance());

    await pause(1_000);
    expect(pending.settled).toBe(false);
    const connection = createTestRedis();
    const worker = new Worker(QUEUES.subscriptions, () => Promise.resolve(), { connection, prefix });
    cleanups.push(async () => {
      await worker.close();
      await connection.quit();
    });

    const outcome = await pending.promise;
    expect(outcome).toMatchObject({ kind: 'advanced', steps: 1 });
    if (outcome.kind === 'advanced') expect(outcome.tookMs).toBeGreaterThanOrEqual(1_000);
    expect(await subscriptions.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
  });

  it('waits until a due subscription next action is no longer due', async () => {
    const id = await subscriptionWithNextAction('FINALIZE', new Date(Date.now() + HOUR));
    const pending = track(advance());

    await pause(1_000);
    expect(pending.settled).toBe(false);
    // What the worker would do: run it and store the next one (none here).
    await db.subscription.update({ where: { id }, data: { nextActionAt: null, nextActionKind: null } });

    expect(await pending.promise).toMatchObject({ kind: 'advanced', steps: 1 });
  });

  it('gives up after the quiet timeout, saying what is still busy', async () => {
    await subscriptions.add('run-next-action', { note: 'nobody works this queue' });
    await subscriptionWithNextAction('FINALIZE', new Date(Date.now() - HOUR));

    const outcome = await advance({ quietTimeoutMs: 500 });

    expect(outcome).toMatchObject({ kind: 'busy', steps: 1 });
    if (outcome.kind !== 'busy') return;
    expect(outcome.busy).toEqual(['subscription next actions: 1 due', 'subscriptions queue: 1 waiting']);
    expect(outcome.message).toContain('subscriptions queue: 1 waiting');
  });
});

describe('createQuiescenceProbe', () => {
  it('is quiet with nothing due, nothing queued and no sandbox', async () => {
    await subscriptionWithNextAction('FINALIZE', new Date(Date.now() + HOUR));
    await subscriptionWithNextAction('RENEWAL', new Date(Date.now() + 3 * HOUR));

    expect(await probe.check(new Date())).toEqual({ quiet: true, busy: [] });
    // An hour later the finalize is due.
    expect(await probe.check(new Date(Date.now() + 2 * HOUR))).toEqual({
      quiet: false,
      busy: ['subscription next actions: 1 due'],
    });
  });

  it('names due webhook events and every unfinished job state', async () => {
    const now = new Date();
    await insertWebhookEvent(db, {
      id: randomUUID(),
      eventId: randomUUID(),
      eventType: 'payment.request.state-change.completed',
      occurredAt: now,
      receivedAt: now,
      nextAttemptAt: new Date(now.getTime() - 1_000),
      subjectAccountId: null,
      merchantId: null,
      klarnaPaymentRequestId: null,
      signingKeyId: 'krn:partner:global:notification:signing-key:test',
      payload: {},
      sealed: null,
    });
    await subscriptions.add('run-next-action', {}, { delay: 60_000 });
    await subscriptions.add('run-next-action', {});
    await subscriptions.add('run-next-action', {}, { priority: 5 });

    const report = await probe.check(now);

    expect(report.quiet).toBe(false);
    expect(report.busy).toEqual([
      'webhook events: 1 due to apply',
      'subscriptions queue: 1 waiting, 1 delayed, 1 prioritized',
    ]);
  });
});
