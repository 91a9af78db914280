// A plan change from the next period, through the renewal runner against the real sandbox over
// HTTP: the current period is billed (and, past due, collected) on the old version; the next period
// is invoiced in the new phase at the new amount, and the subscription terms sent to Klarna name
// the new plan. No proration: nothing is charged or refunded when the plan changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeSubscriptionPlan } from '../../apps/billing/src/lifecycle/commands.js';
import { systemActor } from '../../apps/billing/src/store/audit.js';
import { RenewalFixture, type Merchant } from './support/renewal-fixture.js';

const START = new Date('2026-01-31T09:00:00.000Z');
const PERIOD_0_END = '2026-02-28T09:00:00.000Z';
let f: RenewalFixture;
let merchant: Merchant;
let basic: { planId: string; planVersionId: string; currency: string };
let pro: { planId: string; planVersionId: string; currency: string };

beforeAll(async () => {
  f = await RenewalFixture.start(START);
  merchant = await f.merchant();
  basic = await f.plan(merchant, { name: 'Basic', amountMinor: 999 });
  pro = await f.plan(merchant, { name: 'Pro', amountMinor: 1999 });
});
afterAll(async () => {
  await f.stop();
});

function changePlan(subscriptionId: string, planId: string) {
  return changeSubscriptionPlan(
    f.db,
    { merchantId: merchant.merchantId, subscriptionId, actor: systemActor('test'), now: f.clock.now() },
    { planId, planVersion: null },
  );
}

/** The charges the runner sent for `subscriptionId`: amount and the plan named in the terms. */
function sentFor(subscriptionId: string) {
  return f.chargeInputs
    .filter((c) => c.subscription?.reference === subscriptionId)
    .map((c) => ({
      amount: c.amountMinor,
      name: c.subscription?.name,
      plan: c.subscription?.billingPlans.map((p) => ({ amount: p.amountMinor, from: p.from })),
      lines: c.lineItems?.map((l) => [l.name, l.totalAmountMinor]),
    }));
}

async function invoices(subscriptionId: string) {
  return (await f.db.invoice.findMany({ where: { subscriptionId }, orderBy: { periodIndex: 'asc' } })).map(
    (i) => [i.periodIndex, i.status, i.amountMinor, i.planVersionId === pro.planVersionId ? 'pro' : 'basic'],
  );
}

describe('a plan change from the next period', () => {
  it('bills the current period on the old version and period N+1 on the new one, with the new terms', async () => {
    const [sub] = await f.subscriptions(merchant, basic, [{ anchorAt: START, timeZone: 'Europe/Stockholm' }]);
    if (sub === undefined) throw new Error('seed');
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('CHARGED');

    f.nowMs = START.getTime() + 5 * 86_400_000;
    expect(await changePlan(sub.id, pro.planId)).toEqual({ kind: 'done', changed: true });
    const phases = await f.db.subscriptionPhase.findMany({
      where: { subscriptionId: sub.id },
      orderBy: { firstPeriodIndex: 'asc' },
    });
    expect(
      phases.map((p) => [p.planVersionId, p.firstPeriodIndex, p.anchorAt.toISOString(), p.timeZone]),
    ).toEqual([
      [basic.planVersionId, 0, START.toISOString(), 'Europe/Stockholm'],
      [pro.planVersionId, 1, PERIOD_0_END, 'Europe/Stockholm'],
    ]);
    // No proration: nothing sent when the plan changed, and the renewal stays due at the period end.
    expect(await f.sandboxCharges(sub.id)).toBe(1);
    const row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row.nextActionAt?.toISOString()).toBe(PERIOD_0_END);
    // A run before the new phase starts charges nothing.
    expect(await f.runDue(sub.id)).toBe('NOT_DUE');

    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'RENEWAL', result: 'CHARGED' });
    expect(await invoices(sub.id)).toEqual([
      [0, 'PAID', 999, 'basic'],
      [1, 'PAID', 1999, 'pro'],
    ]);
    const period1 = await f.db.invoice.findFirstOrThrow({
      where: { subscriptionId: sub.id, periodIndex: 1 },
    });
    expect(period1.periodStart.toISOString()).toBe(PERIOD_0_END);
    expect(period1.periodEnd.toISOString()).toBe('2026-03-28T09:00:00.000Z');
    const attempt = await f.db.chargeAttempt.findFirstOrThrow({ where: { invoiceId: period1.id } });
    expect((await f.ledger(attempt.reference))[0]).toMatchObject({
      state: 'COMPLETED',
      captured_amount: 1999,
    });
    expect(sentFor(sub.id)).toEqual([
      { amount: 999, name: 'Basic', plan: [{ amount: 999, from: '2026-01-31' }], lines: [['Basic', 999]] },
      { amount: 1999, name: 'Pro', plan: [{ amount: 1999, from: '2026-02-28' }], lines: [['Pro', 1999]] },
    ]);
    expect(await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } })).toMatchObject({
      status: 'ACTIVE',
      periodIndex: 1,
      paidThroughPeriodIndex: 1,
      nextActionKind: 'RENEWAL',
    });
  });

  it('while a dunning retry is queued: the retry collects the past-due period on the old version, the next period is the new one', async () => {
    const [sub] = await f.subscriptions(merchant, basic, [{ anchorAt: START, timeZone: 'Europe/Stockholm' }]);
    if (sub === undefined) throw new Error('seed');
    const rule = await f.sandbox.sim('POST', '/scenarios', {
      match: { customer_token: sub.token },
      outcome: { result: 'DECLINED', reason: 'TECHNICAL_ERROR' },
      times: 1,
    });
    expect(rule.status).toBe(201);
    f.nowMs = START.getTime();
    expect(await f.runDue(sub.id)).toBe('CHARGED');
    let row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ status: 'PAST_DUE', pastDuePeriodIndex: 0, nextActionKind: 'DUNNING_RETRY' });
    const retryAt = row.nextActionAt;

    // The change lands while the retry is queued: the retry stays what it was.
    f.nowMs = START.getTime() + 3_600_000;
    expect(await changePlan(sub.id, pro.planId)).toEqual({ kind: 'done', changed: true });
    row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ nextActionKind: 'DUNNING_RETRY', nextActionAt: retryAt });

    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'DUNNING_RETRY', result: 'CHARGED' });
    expect(await invoices(sub.id)).toEqual([[0, 'PAID', 999, 'basic']]);
    const attempts = await f.db.chargeAttempt.findMany({
      where: { subscriptionId: sub.id },
      orderBy: { attemptNumber: 'asc' },
    });
    expect(attempts.map((a) => [a.attemptNumber, a.status, a.amountMinor])).toEqual([
      [1, 'DECLINED', 999],
      [2, 'APPROVED', 999],
    ]);

    expect(await f.advanceToNextAndRun(sub.id)).toEqual({ kind: 'RENEWAL', result: 'CHARGED' });
    expect(await invoices(sub.id)).toEqual([
      [0, 'PAID', 999, 'basic'],
      [1, 'PAID', 1999, 'pro'],
    ]);
    // The retry went out with the old plan's terms; period 1 with the new plan's.
    expect(sentFor(sub.id).map((s) => [s.amount, s.name, s.plan?.[0]?.from])).toEqual([
      [999, 'Basic', '2026-01-31'],
      [999, 'Basic', '2026-01-31'],
      [1999, 'Pro', '2026-02-28'],
    ]);
    expect(await f.sandboxCharges(sub.id)).toBe(2);
  });
});
