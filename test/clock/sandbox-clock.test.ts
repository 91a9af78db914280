// Cross-app: Rebill's shared virtual clock moves the real klarna-sandbox (started in-process, over
// HTTP) along with it, and a clock advance waits for the sandbox's due webhook deliveries. Real
// PostgreSQL (a database of this file's own: the clock row is a singleton) and Redis.
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { advanceVirtualClock, type AdvanceOptions } from '../../apps/billing/src/clock/advance.js';
import { createProcessClock, type ProcessClock } from '../../apps/billing/src/clock/process-clock.js';
import { createQuiescenceProbe, type QuiescenceProbe } from '../../apps/billing/src/clock/quiescence.js';
import {
  createSandboxClock,
  SandboxClockError,
  type SandboxClock,
} from '../../apps/billing/src/clock/sandbox-clock.js';
import { readClockState } from '../../apps/billing/src/store/clock-state.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import { startSandbox, type TestSandbox } from '../../apps/klarna-sandbox/src/testing/harness.js';
import { startReceiver, type Receiver } from '../../apps/klarna-sandbox/src/webhooks/testing/receiver.js';
import { deliveries, registerWebhook } from '../../apps/klarna-sandbox/src/webhooks/testing/setup.js';
import {
  createDatabaseFromTemplate,
  createTestRedis,
  dropDatabase,
  testBullmqPrefix,
} from '../harness/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const log = pino({ level: 'silent' });

let databaseUrl: string;
let db: Db;
let redis: Redis;
let sb: TestSandbox;
let sandboxClock: SandboxClock;
let probe: QuiescenceProbe;
let rebillClock: ProcessClock;
let clockDb: Db;
const receivers: Receiver[] = [];

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
  redis = createTestRedis();
});

afterAll(async () => {
  await redis.quit();
  await disconnect(db);
  await dropDatabase(databaseUrl);
});

// A fresh sandbox and shared clock per test: both clocks start at real time.
beforeEach(async () => {
  await db.$executeRaw`DELETE FROM "RoleProcess"`;
  await db.$executeRaw`DELETE FROM "ClockState"`;
  sb = await startSandbox();
  sandboxClock = createSandboxClock({ baseUrl: sb.baseUrl });
  probe = createQuiescenceProbe({
    db,
    redis,
    bullPrefix: `${testBullmqPrefix()}:sandbox-clock`,
    sandbox: sandboxClock,
  });
  clockDb = createPrismaClient({ databaseUrl });
  rebillClock = createProcessClock({ mode: 'virtual', role: 'scheduler', db: clockDb, databaseUrl, log });
  await rebillClock.start();
});

afterEach(async () => {
  await rebillClock.stop();
  await disconnect(clockDb);
  await probe.close();
  await sb.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function advance(overrides: Partial<AdvanceOptions> = {}) {
  return advanceVirtualClock({
    db,
    mode: 'virtual',
    by: DAY,
    sandbox: sandboxClock,
    quiet: probe,
    ackTimeoutMs: 5_000,
    quietTimeoutMs: 20_000,
    log,
    actor: { kind: 'OPERATOR', id: 'test' },
    pollMs: 50,
    quietGapMs: 100,
    ...overrides,
  });
}

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

/** A simulated payment-request event delivered to `url`. */
async function simulateEvent(url: string): Promise<void> {
  const { webhookId } = await registerWebhook(sb, url);
  const res = await sb.request('POST', `/v2/notification/webhooks/${webhookId}/simulate`, {
    body: { event_type: 'payment.request.state-change.completed', event_version: 'v2' },
  });
  if (res.status !== 202) throw new Error(`simulate: ${res.status} ${res.text}`);
}

async function until<T>(what: string, probeFn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probeFn();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('SandboxClock over HTTP', () => {
  it('reads the sandbox time and only ever moves it forward', async () => {
    const start = await sandboxClock.now();
    expect(Math.abs(start.getTime() - Date.now())).toBeLessThan(1_000);

    await sandboxClock.advanceTo(new Date(start.getTime() + 5 * HOUR));
    const moved = (await sandboxClock.now()).getTime();
    expect(Math.abs(moved - (start.getTime() + 5 * HOUR))).toBeLessThan(1_000);

    await sandboxClock.advanceTo(new Date(start.getTime() + HOUR));
    expect((await sandboxClock.now()).getTime()).toBeGreaterThanOrEqual(moved);
  });

  it('sends the Sandbox-Sim-Token the sandbox asks for', async () => {
    const guarded = await startSandbox({ simToken: 'sim-secret' });
    try {
      const without = createSandboxClock({ baseUrl: guarded.baseUrl });
      await expect(without.now()).rejects.toThrow(SandboxClockError);
      await expect(without.now()).rejects.toThrow('answered 401');
      const withToken = createSandboxClock({ baseUrl: `${guarded.baseUrl}/`, simToken: 'sim-secret' });
      expect(Math.abs((await withToken.now()).getTime() - Date.now())).toBeLessThan(1_000);
    } finally {
      await guarded.close();
    }
  });
});

describe('advancing the shared clock with the sandbox', () => {
  it('moves the sandbox to Rebill time at every step of a 3-day jump', async () => {
    const steps: { target: number; sandboxNow: number }[] = [];
    const watched: SandboxClock = {
      ...sandboxClock,
      async advanceTo(target) {
        await sandboxClock.advanceTo(target);
        steps.push({ target: target.getTime(), sandboxNow: (await sandboxClock.now()).getTime() });
      },
    };

    const outcome = await advance({ by: 3 * DAY, sandbox: watched });

    expect(outcome).toMatchObject({ kind: 'advanced', steps: 3 });
    expect(await readClockState(db)).toEqual({ offsetMs: 3 * DAY, generation: 3 });
    expect(rebillClock.generation).toBe(3);
    // One sandbox move per step, each to Rebill's new now, a day apart.
    expect(steps).toHaveLength(3);
    for (const step of steps) expect(Math.abs(step.sandboxNow - step.target)).toBeLessThan(1_000);
    const [a, b, c] = steps.map((s) => s.target);
    expect(Math.round(((b ?? 0) - (a ?? 0)) / HOUR)).toBe(24);
    expect(Math.round(((c ?? 0) - (b ?? 0)) / HOUR)).toBe(24);
    const sandboxNow = (await sandboxClock.now()).getTime();
    expect(Math.abs(sandboxNow - rebillClock.now().getTime())).toBeLessThan(1_000);
    expect(Math.abs(sandboxNow - (Date.now() + 3 * DAY))).toBeLessThan(1_000);
  });

  it('runs the sandbox webhook retries due on the way, and waits for them', async () => {
    const failing = await receiver(() => 500);
    await simulateEvent(failing.url);
    const [first] = await until('the first attempt', async () => {
      const list = await deliveries(sb);
      return list[0]?.attempts.length === 1 ? list : undefined;
    });
    // The next attempt is 30 s away by Klarna's retry schedule: nothing is due now.
    expect(first?.next_attempt_at).not.toBeNull();
    expect(await probe.check(rebillClock.now())).toEqual({ quiet: true, busy: [] });

    // A day later every retry (30 s ... 12 h) has been attempted and the delivery has failed.
    expect(await advance()).toMatchObject({ kind: 'advanced', steps: 1 });

    const [done] = await deliveries(sb);
    expect(done).toMatchObject({ status: 'FAILED', failure_reason: 'RETRIES_EXHAUSTED' });
    expect(failing.received).toHaveLength(10);
  });

  it('counts a delivery in flight as busy until the sandbox is done with it', async () => {
    const hanging = await receiver(() => 'hang');
    await sb.sim('PUT', '/webhook-faults', { receiver_timeout_ms: 1_500 });
    await simulateEvent(hanging.url);
    await hanging.waitFor(1);

    expect(await probe.check(rebillClock.now())).toEqual({
      quiet: false,
      busy: ['sandbox: 1 webhook deliveries due'],
    });
    // The sandbox gives up on the attempt and schedules the next one 30 s later: quiet again.
    await until('the sandbox to time the attempt out', async () => {
      const report = await probe.check(rebillClock.now());
      return report.quiet ? report : undefined;
    });
    const [d] = await deliveries(sb);
    expect(d?.attempts[0]?.error).toBe('TIMEOUT');
  });

  it('stops with the reason when the sandbox cannot be reached, keeping the step taken', async () => {
    const unreachable = createSandboxClock({ baseUrl: 'http://127.0.0.1:1', requestTimeoutMs: 2_000 });

    const outcome = await advance({ by: 2 * DAY, sandbox: unreachable });

    expect(outcome).toMatchObject({ kind: 'sandbox-failed', steps: 1 });
    if (outcome.kind !== 'sandbox-failed') return;
    expect(outcome.message).toContain("could not move the sandbox's clock: sandbox GET /__sim/clock failed");
    expect(await readClockState(db)).toEqual({ offsetMs: DAY, generation: 1 });
  });
});
