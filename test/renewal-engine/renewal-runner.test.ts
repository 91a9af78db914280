// The renewal runner against the real sandbox over HTTP on real PostgreSQL and Redis, one next
// action at a time: approvals advance the period and are captured at once; declines follow the
// plan's dunning policy; transient failures are re-sent with the same key; a job that outlived
// its next action charges nothing; downtime follows the catch-up policy, visibly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLifecycleCommand } from '../../apps/billing/src/lifecycle/commands.js';
import { systemActor } from '../../apps/billing/src/store/audit.js';
import { RenewalFixture, type Merchant } from './support/renewal-fixture.js';

const START = new Date('2026-01-31T09:00:00.000Z');
let f: RenewalFixture;

/** A subscription's outbox events (merchant webhooks), by type. */
async function outboxTypes(subscriptionId: string): Promise<string[]> {
  const events = await f.db.outboxEvent.findMany({ where: { subscriptionId }, select: { type: true } });
  return events.map((e) => e.type).sort();
}
let merchant: Merchant;
let monthly: { planVersionId: string; currency: string };

beforeAll(async () => {
  f = await RenewalFixture.start(START);
  merchant = await f.merchant();
  monthly = await f.plan(merchant);
});
afterAll(async () => {
  await f.stop();
});

async function rule(body: unknown): Promise<void> {
  const res = await f.sandbox.sim('POST', '/scenarios', body);
  expect(res.status).toBe(201);
}

describe('a renewal', () => {
  it('is charged once, captured at once, and the period advances', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    const row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({
      status: 'ACTIVE',
      periodIndex: 0,
      paidThroughPeriodIndex: 0,
      nextActionKind: 'RENEWAL',
    });
    // The new action is in the scheduler's queue, unleased, for the next sweep.
    expect(
      await f.db.subscriptionNextAction.findUniqueOrThrow({ where: { subscriptionId: sub.id } }),
    ).toMatchObject({
      kind: 'RENEWAL',
      dueAt: row.nextActionAt,
      leaseUntil: null,
    });
    // Jan 31 10:00 Stockholm: the next period starts on the last day of February, same local time.
    expect(row.currentPeriodEnd?.toISOString()).toBe('2026-02-28T09:00:00.000Z');
    const invoice = await f.db.invoice.findFirstOrThrow({
      where: { subscriptionId: sub.id },
      include: { charges: { include: { captures: true } } },
    });
    expect(invoice.status).toBe('PAID');
    expect(invoice.charges).toHaveLength(1);
    expect(invoice.charges[0]?.captures).toHaveLength(1);
    const attempt = await f.db.chargeAttempt.findFirstOrThrow({ where: { invoiceId: invoice.id } });
    const ledger = await f.ledger(attempt.reference);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ state: 'COMPLETED', captured_amount: 999, customer_token: sub.token });

    // The same job again (a stalled twin): the next action moved, nothing is charged.
    expect(await f.sandboxCharges(sub.id)).toBe(1);
  });

  it('a job queued before the subscription changed charges nothing', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    const payload = f.payload('RENEWAL', START, sub.id);
    await f.db.subscription.update({
      where: { id: sub.id },
      data: { status: 'CANCELED', nextActionAt: null, nextActionKind: null },
    });
    f.nowMs = START.getTime();
    const { runRenewalAction } = await import('../../apps/billing/src/renewal/run-renewal.js');
    expect(await runRenewalAction(f.deps, payload)).toBe('STALE');
    expect(await f.sandboxCharges(sub.id)).toBe(0);
    expect(await f.db.invoice.count({ where: { subscriptionId: sub.id } })).toBe(0);
  });

  it('canceled while Klarna answers: the approval is recorded under the lock, the subscription stays canceled', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    f.nowMs = START.getTime();
    // The cancel commits between the attempt's transaction and the outcome's (as an API cancel
    // would: under the lock, version + 1): the lock-free approval finds the version moved.
    const cancelFirst = {
      ...f.deps,
      gateway: {
        ...f.deps.gateway,
        chargeToken: async (...args: Parameters<typeof f.deps.gateway.chargeToken>) => {
          await f.db.subscription.update({
            where: { id: sub.id },
            data: {
              status: 'CANCELED',
              canceledAt: START,
              endedAt: START,
              nextActionAt: null,
              nextActionKind: null,
              version: { increment: 1 },
            },
          });
          return f.deps.gateway.chargeToken(...args);
        },
      },
    };
    const { runRenewalAction } = await import('../../apps/billing/src/renewal/run-renewal.js');
    expect(await runRenewalAction(cancelFirst, f.payload('RENEWAL', START, sub.id))).toBe('CHARGED');
    expect(await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } })).toMatchObject({
      status: 'CANCELED',
      paidThroughPeriodIndex: null,
    });
    expect(await f.db.charge.count({ where: { subscriptionId: sub.id } })).toBe(1);
    const actions = await f.db.auditEvent.findMany({
      where: { subscriptionId: sub.id },
      select: { action: true },
    });
    expect(actions.map((a) => a.action)).toContain('renewal.paid_after_end');
    expect(actions.map((a) => a.action)).not.toContain('subscription.renewed');
  });

  it('soft declines are retried on the policy schedule with new attempts, then recover', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    await rule({
      match: { customer_token: sub.token },
      outcome: { result: 'DECLINED', reason: 'TECHNICAL_ERROR' },
      times: 2,
    });
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    let row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({
      status: 'PAST_DUE',
      pastDuePeriodIndex: 0,
      nextActionKind: 'DUNNING_RETRY',
      dunningAttempt: 1,
    });
    expect(row.nextActionAt?.getTime()).toBe(START.getTime() + 24 * 3_600_000);
    expect((await f.advanceToNextAndRun(sub.id)).kind).toBe('DUNNING_RETRY');
    row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row.nextActionAt?.getTime()).toBe(START.getTime() + 72 * 3_600_000);
    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'DUNNING_RETRY', result: 'CHARGED' });
    row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({
      status: 'ACTIVE',
      pastDuePeriodIndex: null,
      paidThroughPeriodIndex: 0,
      nextActionKind: 'RENEWAL',
      dunningAttempt: 0,
    });
    const attempts = await f.db.chargeAttempt.findMany({
      where: { subscriptionId: sub.id },
      orderBy: { attemptNumber: 'asc' },
    });
    expect(attempts.map((a) => [a.attemptNumber, a.status])).toEqual([
      [1, 'DECLINED'],
      [2, 'DECLINED'],
      [3, 'APPROVED'],
    ]);
    expect(new Set(attempts.map((a) => a.idempotencyKey)).size).toBe(3);
    expect(await f.sandboxCharges(sub.id)).toBe(1);
    // The merchant's webhook events, written in the same transactions as the changes.
    expect(await outboxTypes(sub.id)).toEqual([
      'charge.captured',
      'subscription.past_due',
      'subscription.payment_failed',
      'subscription.payment_failed',
      'subscription.recovered',
      'subscription.renewed',
    ]);
  });

  it('a hard decline stops at once, needs a new token, and cancels at the grace end', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    await rule({
      match: { customer_token: sub.token },
      outcome: { result: 'DECLINED', reason: 'PERMANENT' },
      times: 'always',
    });
    f.nowMs = START.getTime();
    const observed = f.settled.length;
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    // The observer (the worker's decline metrics) hears of the decline once, after the commit.
    expect(f.settled.slice(observed)).toEqual([
      expect.objectContaining({ kind: 'DECLINED', category: 'HARD', reason: 'PERMANENT' }),
    ]);
    let row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({
      status: 'PAST_DUE',
      requiresNewToken: true,
      nextActionKind: 'GRACE_END',
      nextRetryAt: null,
    });
    expect(row.nextActionAt?.getTime()).toBe(START.getTime() + 7 * 24 * 3_600_000);
    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'GRACE_END', result: 'CHANGED' });
    row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ status: 'CANCELED', endedReason: 'DUNNING_EXHAUSTED', nextActionKind: null });
    expect((await f.db.invoice.findFirstOrThrow({ where: { subscriptionId: sub.id } })).status).toBe(
      'UNCOLLECTIBLE',
    );
    expect(await f.db.chargeAttempt.count({ where: { subscriptionId: sub.id } })).toBe(1);
    expect(await outboxTypes(sub.id)).toEqual([
      'subscription.canceled',
      'subscription.past_due',
      'subscription.payment_failed',
      'subscription.requires_new_token',
    ]);
  });

  it('5xx and timeouts are re-sent with the same key inside the job: one transaction', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    await rule({
      match: { customer_token: sub.token },
      outcome: { result: 'HTTP_ERROR', status: 503 },
      times: 1,
    });
    await rule({ match: { customer_token: sub.token }, outcome: { result: 'DROP' }, times: 1 });
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    const attempts = await f.db.chargeAttempt.findMany({ where: { subscriptionId: sub.id } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.status).toBe('APPROVED');
    expect(await f.sandboxCharges(sub.id)).toBe(1);
  });

  it('an outcome still unknown after the in-job re-sends goes back to the sweep, same attempt', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    await rule({
      match: { customer_token: sub.token },
      outcome: { result: 'HTTP_ERROR', status: 500 },
      times: 4,
    });
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('RESEND_LATER');
    const row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ status: 'ACTIVE', nextActionKind: 'RENEWAL' });
    expect(row.nextActionAt?.getTime()).toBeGreaterThan(START.getTime());
    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'RENEWAL', result: 'CHARGED' });
    const attempts = await f.db.chargeAttempt.findMany({ where: { subscriptionId: sub.id } });
    // Two runs of the job, one attempt and one key: the second run's send was answered.
    expect(attempts.map((a) => [a.status, a.sendCount])).toEqual([['APPROVED', 2]]);
  });

  it('an unknown outcome past the replay window is held for an operator, never a new attempt', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    await rule({
      match: { customer_token: sub.token },
      outcome: { result: 'HTTP_ERROR', status: 500 },
      times: 'always',
    });
    f.nowMs = START.getTime();
    let last = await f.runDue(sub.id);
    for (let i = 0; i < 60 && last === 'RESEND_LATER'; i += 1)
      last = (await f.advanceToNextAndRun(sub.id)).result;
    expect(last).toBe('HELD');
    const row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row.nextActionKind).toBeNull();
    const invoice = await f.db.invoice.findFirstOrThrow({ where: { subscriptionId: sub.id } });
    expect(invoice.heldAt).not.toBeNull();
    expect(invoice.holdReason).toMatch(/unknown/);
    const attempts = await f.db.chargeAttempt.findMany({ where: { subscriptionId: sub.id } });
    expect(attempts.map((a) => a.status)).toEqual(['UNKNOWN']);
  });

  it('429 throttles the merchant’s Klarna account without burning an attempt; other merchants go on', async () => {
    // A merchant of its own: its Klarna account stays throttled after this test.
    const limited = await f.merchant();
    const limitedPlan = await f.plan(limited);
    const other = await f.merchant();
    const otherPlan = await f.plan(other);
    const [sub] = await f.subscriptions(limited, limitedPlan, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    const [sub2] = await f.subscriptions(limited, limitedPlan, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    const [theirs] = await f.subscriptions(other, otherPlan, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined || sub2 === undefined || theirs === undefined) throw new Error('seed');
    await rule({
      match: { customer_token: sub.token },
      outcome: { result: 'HTTP_ERROR', status: 429 },
      times: 'always',
    });
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('RESEND_LATER');
    // The same account is left alone until the back-off ends; another account is charged now.
    expect(await f.runDue(sub2.id)).toBe('THROTTLED');
    expect(await f.runDue(theirs.id)).toBe('CHARGED');
    const attempts = await f.db.chargeAttempt.findMany({ where: { subscriptionId: sub.id } });
    expect(attempts.map((a) => a.status)).toEqual(['PENDING']);
    expect(await f.db.chargeAttempt.count({ where: { subscriptionId: sub2.id } })).toBe(1);
    const row2 = await f.db.subscription.findUniqueOrThrow({ where: { id: sub2.id } });
    expect(row2.nextActionAt?.getTime()).toBeGreaterThan(START.getTime());
  });

  it('after downtime, CURRENT_ONLY charges the current period and records the skipped ones', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    f.nowMs = new Date('2026-06-15T00:00:00Z').getTime();
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    const skipped = await f.db.skippedPeriodRange.findMany({ where: { subscriptionId: sub.id } });
    expect(skipped.map((s) => [s.fromIndex, s.toIndex, s.reason])).toEqual([[0, 3, 'CATCH_UP_POLICY']]);
    const invoice = await f.db.invoice.findFirstOrThrow({ where: { subscriptionId: sub.id } });
    expect(invoice.periodIndex).toBe(4);
    expect(invoice.periodStart.toISOString()).toBe('2026-05-31T08:00:00.000Z');
    expect(await f.sandboxCharges(sub.id)).toBe(1);
  });

  it('a pause takes effect at the period end; a resume starts a new phase, charged at once, numbering on', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    const command = (type: 'PAUSE' | 'RESUME') =>
      runLifecycleCommand(
        f.db,
        {
          merchantId: merchant.merchantId,
          subscriptionId: sub.id,
          actor: systemActor('test'),
          now: f.clock.now(),
        },
        { type },
      );
    f.nowMs = START.getTime() + 10 * 86_400_000;
    expect(await command('PAUSE')).toEqual({ kind: 'done', changed: true });
    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'PAUSE_AT_PERIOD_END', result: 'CHANGED' });
    let row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ status: 'PAUSED', nextActionKind: null });
    expect(row.pausedAt?.toISOString()).toBe('2026-02-28T09:00:00.000Z');

    // Two months paused: nothing is charged; then a resume on 15 May at noon.
    f.nowMs = new Date('2026-05-15T12:00:00Z').getTime();
    expect(await command('RESUME')).toEqual({ kind: 'done', changed: true });
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({
      status: 'ACTIVE',
      periodIndex: 1,
      paidThroughPeriodIndex: 1,
      nextActionKind: 'RENEWAL',
    });
    expect(row.currentPeriodStart?.toISOString()).toBe('2026-05-15T12:00:00.000Z');
    expect(row.currentPeriodEnd?.toISOString()).toBe('2026-06-15T12:00:00.000Z');
    const invoices = await f.db.invoice.findMany({
      where: { subscriptionId: sub.id },
      orderBy: { periodIndex: 'asc' },
    });
    expect(invoices.map((i) => [i.periodIndex, i.status])).toEqual([
      [0, 'PAID'],
      [1, 'PAID'],
    ]);
    expect(await f.db.skippedPeriodRange.count({ where: { subscriptionId: sub.id } })).toBe(0);
    expect(await f.sandboxCharges(sub.id)).toBe(2);
    expect(await outboxTypes(sub.id)).toEqual([
      'charge.captured',
      'charge.captured',
      'subscription.paused',
      'subscription.renewed',
      'subscription.renewed',
      'subscription.resumed',
    ]);
  });

  it('a trial ends with the first charge; a trial whose first charge is declined goes into dunning', async () => {
    const [paid, declined] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (paid === undefined || declined === undefined) throw new Error('seed');
    await f.db.subscription.updateMany({
      where: { id: { in: [paid.id, declined.id] } },
      data: { status: 'TRIALING', trialEndsAt: START, currentPeriodEnd: null, nextActionKind: 'TRIAL_END' },
    });
    await rule({
      match: { customer_token: declined.token },
      outcome: { result: 'DECLINED' },
      times: 'always',
    });
    f.nowMs = START.getTime();
    expect(await f.runDue(paid.id)).toBe('CHARGED');
    expect(await f.runDue(declined.id)).toBe('CHARGED');
    expect(await f.db.subscription.findUniqueOrThrow({ where: { id: paid.id } })).toMatchObject({
      status: 'ACTIVE',
      paidThroughPeriodIndex: 0,
      nextActionKind: 'RENEWAL',
    });
    expect(await f.db.subscription.findUniqueOrThrow({ where: { id: declined.id } })).toMatchObject({
      status: 'PAST_DUE',
      pastDuePeriodIndex: 0,
      nextActionKind: 'DUNNING_RETRY',
    });
  });

  it('a request Klarna refuses (403) holds the invoice for an operator with the reason; nothing runs', async () => {
    const [sub] = await f.subscriptions(merchant, monthly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    await rule({
      match: { customer_token: sub.token },
      outcome: { result: 'HTTP_ERROR', status: 403 },
      times: 'always',
    });
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('HELD');
    const row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ status: 'ACTIVE', nextActionKind: null });
    const invoice = await f.db.invoice.findFirstOrThrow({ where: { subscriptionId: sub.id } });
    expect(invoice.status).toBe('OPEN');
    expect(invoice.holdReason).toContain('HTTP_403:FORBIDDEN');
    const attempts = await f.db.chargeAttempt.findMany({ where: { subscriptionId: sub.id } });
    expect(attempts.map((a) => [a.status, a.errorCode])).toEqual([['FAILED', 'HTTP_403:FORBIDDEN']]);
  });

  it('a weekly plan whose dunning outlasts a period: one open invoice; on recovery the catch-up policy decides', async () => {
    const weekly = await f.plan(merchant, {
      interval: 'WEEK',
      dunningPolicy: {
        retryOffsetsHours: [24, 400],
        maxAttempts: 3,
        gracePeriodDays: 21,
        finalAction: 'CANCEL',
      },
    });
    const [sub] = await f.subscriptions(merchant, weekly, [
      { anchorAt: START, timeZone: 'Europe/Stockholm' },
    ]);
    if (sub === undefined) throw new Error('seed');
    await rule({ match: { customer_token: sub.token }, outcome: { result: 'DECLINED' }, times: 2 });
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'DUNNING_RETRY', result: 'CHARGED' });
    // Period 1 began a week after the anchor; while period 0 is past due it is not invoiced.
    let row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ status: 'PAST_DUE', pastDuePeriodIndex: 0, nextActionKind: 'DUNNING_RETRY' });
    expect(row.nextActionAt?.getTime()).toBe(START.getTime() + 400 * 3_600_000);
    expect(await f.db.invoice.count({ where: { subscriptionId: sub.id } })).toBe(1);
    // Day 16.7: the third attempt pays period 0; the renewal runs at once, in period 2.
    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'DUNNING_RETRY', result: 'CHARGED' });
    row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ status: 'ACTIVE', paidThroughPeriodIndex: 0, nextActionKind: 'RENEWAL' });
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    const invoices = await f.db.invoice.findMany({
      where: { subscriptionId: sub.id },
      orderBy: { periodIndex: 'asc' },
    });
    expect(invoices.map((i) => [i.periodIndex, i.status])).toEqual([
      [0, 'PAID'],
      [2, 'PAID'],
    ]);
    const skipped = await f.db.skippedPeriodRange.findMany({ where: { subscriptionId: sub.id } });
    expect(skipped.map((r) => [r.fromIndex, r.toIndex])).toEqual([[1, 1]]);
    expect(await f.sandboxCharges(sub.id)).toBe(2);
  });
});
