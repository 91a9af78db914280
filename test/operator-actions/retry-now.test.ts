// "Retry now" against the sandbox over HTTP on real PostgreSQL and Redis: the operator's retry is
// the engine's own DUNNING_RETRY job moved to now, so a double click enqueues one job, the
// automatic job queued for later finds its action moved, and an attempt in flight refuses it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryNow, type RetryNowDeps } from '../../apps/billing/src/operator-actions/retry-now.js';
import { runRenewalAction } from '../../apps/billing/src/renewal/run-renewal.js';
import type { RenewalFixture } from '../renewal-engine/support/renewal-fixture.js';
import { startOperatorWorld, type OperatorWorld } from './support/operator-world.js';

const START = new Date('2026-01-31T09:00:00.000Z');
const HOUR = 3_600_000;
let world: OperatorWorld;
let f: RenewalFixture;
let deps: RetryNowDeps;

beforeAll(async () => {
  world = await startOperatorWorld(START);
  f = world.f;
  deps = { db: f.db, clock: f.clock, subscriptions: world.queue, leaseMs: 60_000 };
});
afterAll(() => world.close());

/** A subscription whose first renewal was declined (soft): PAST_DUE, its retry due in 24 h. */
async function pastDue() {
  const sub = await f.pastDue(world.merchant, world.plan, START);
  return { id: sub.id, automaticAt: sub.retryAt };
}

const queuedJobs = (subscriptionId: string) => world.queuedJobs(subscriptionId);

async function status(subscriptionId: string) {
  return (await f.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } })).status;
}

describe('retry now', () => {
  it('runs the dunning retry at once as the engine’s job: a declined renewal recovers, audited', async () => {
    const sub = await pastDue();
    f.nowMs = START.getTime() + HOUR;
    const result = await retryNow(deps, {
      subscriptionId: sub.id,
      merchantId: world.merchant.merchantId,
      operatorId: 'op-ada',
    });
    expect(result).toMatchObject({ kind: 'ENQUEUED', dueAt: new Date(f.nowMs) });
    const [job, ...others] = await queuedJobs(sub.id);
    expect(others).toEqual([]);
    expect(job).toEqual({ subscriptionId: sub.id, kind: 'DUNNING_RETRY', dueAtMs: f.nowMs });
    if (job === undefined) throw new Error('no job');
    expect(await runRenewalAction(f.deps, job)).toBe('CHARGED');
    expect(await status(sub.id)).toBe('ACTIVE');
    expect(await f.sandboxCharges(sub.id)).toBe(1);
    const audited = await f.db.auditEvent.findFirstOrThrow({
      where: { subscriptionId: sub.id, action: 'subscription.retry_requested' },
    });
    expect(audited).toMatchObject({ actorKind: 'OPERATOR', actorId: 'op-ada' });
    // The automatic retry queued for later finds its action gone; a second retry now is refused.
    expect(await runRenewalAction(f.deps, f.payload('DUNNING_RETRY', sub.automaticAt, sub.id))).toBe('STALE');
    expect(await retryNow(deps, { subscriptionId: sub.id, operatorId: 'op-ada' })).toEqual({
      kind: 'NOT_PAST_DUE',
      status: 'ACTIVE',
    });
  });

  it('a double click enqueues one job and charges once', async () => {
    const sub = await pastDue();
    f.nowMs = START.getTime() + 2 * HOUR;
    const input = { subscriptionId: sub.id, operatorId: 'op-ada' };
    const results = await Promise.all([retryNow(deps, input), retryNow(deps, input)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['ALREADY_QUEUED', 'ENQUEUED']);
    const jobs = await queuedJobs(sub.id);
    expect(jobs).toHaveLength(1);
    const results2 = await Promise.all(jobs.map((j) => runRenewalAction(f.deps, j)));
    expect(results2).toEqual(['CHARGED']);
    expect(await f.sandboxCharges(sub.id)).toBe(1);
  });

  it('while the automatic retry is in flight, retry now is refused and the period is charged once', async () => {
    const sub = await pastDue();
    f.nowMs = sub.automaticAt.getTime();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = {
      ...f.deps,
      gateway: {
        ...f.deps.gateway,
        chargeToken: async (...args: Parameters<typeof f.deps.gateway.chargeToken>) => {
          await gate;
          return f.deps.gateway.chargeToken(...args);
        },
      },
    };
    const automatic = runRenewalAction(held, f.payload('DUNNING_RETRY', sub.automaticAt, sub.id));
    // The automatic job has written and counted attempt 2 before calling Klarna.
    await expect
      .poll(() =>
        f.db.chargeAttempt.count({ where: { subscriptionId: sub.id, attemptNumber: 2, sendCount: 1 } }),
      )
      .toBe(1);
    expect(await retryNow(deps, { subscriptionId: sub.id, operatorId: 'op-ada' })).toMatchObject({
      kind: 'ATTEMPT_IN_FLIGHT',
    });
    release();
    expect(await automatic).toBe('CHARGED');
    expect(await queuedJobs(sub.id)).toEqual([]);
    expect(await f.sandboxCharges(sub.id)).toBe(1);
    expect(await status(sub.id)).toBe('ACTIVE');
  });

  it('refuses what it must not retry', async () => {
    const cases = [
      { name: 'another merchant', change: {}, scope: randomUUID(), expected: { kind: 'NOT_FOUND' } },
      {
        name: 'a token needing replacement',
        change: { requiresNewToken: true },
        expected: { kind: 'TOKEN_NOT_USABLE' },
      },
      {
        name: 'retries over',
        change: { nextActionKind: 'GRACE_END' as const },
        expected: { kind: 'NO_RETRY_SCHEDULED' },
      },
      { name: 'a held invoice', change: {}, hold: true, expected: { kind: 'HELD' } },
    ];
    for (const c of cases) {
      const sub = await pastDue();
      await f.db.subscription.update({ where: { id: sub.id }, data: c.change });
      if (c.hold === true) {
        await f.db.invoice.updateMany({
          where: { subscriptionId: sub.id },
          data: { heldAt: new Date(f.nowMs), holdReason: 'test' },
        });
      }
      const result = await retryNow(deps, {
        subscriptionId: sub.id,
        merchantId: c.scope,
        operatorId: 'op-ada',
      });
      expect(result, c.name).toMatchObject(c.expected);
      expect(await queuedJobs(sub.id), c.name).toEqual([]);
    }
  });
});
