import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodRange, type BillingAnchor } from './billing-period.js';
import type { CatchUpPolicy } from './catch-up.js';
import type { ChargeOutcomeClass } from './decline-classification.js';
import { DEFAULT_DUNNING_POLICY, type DunningPolicy } from './dunning-policy.js';
import {
  decideCancelAtPeriodEnd,
  decideChargeOutcome,
  decideGraceEnd,
  decidePauseAtPeriodEnd,
  billedPeriodIndex,
  phaseForPeriod,
  planNextPeriod,
  type RenewalSubscription,
} from './renewal.js';

const T = (iso: string) => new Date(iso);
const HOUR = 3_600_000;
const anchor: BillingAnchor = {
  anchorAt: T('2026-01-31T09:00:00Z'),
  timeZone: 'Europe/Stockholm',
  interval: 'MONTH',
  intervalCount: 1,
};
const phase = { anchor, firstPeriodIndex: 0 };
const CURRENT: CatchUpPolicy = { kind: 'CURRENT_ONLY' };

describe('phaseForPeriod', () => {
  // Signup phase from 0, a resume from 4, a plan change waiting for period 7.
  const phases = [
    { firstPeriodIndex: 0, id: 'signup' },
    { firstPeriodIndex: 7, id: 'change' },
    { firstPeriodIndex: 4, id: 'resume' },
  ];
  it.each<[number, string | undefined]>([
    [0, 'signup'],
    [3, 'signup'],
    [4, 'resume'],
    [6, 'resume'],
    [7, 'change'],
    [20, 'change'],
  ])('period %d is billed in the %s phase', (index, expected) => {
    expect(phaseForPeriod(phases, index)?.id).toBe(expected);
  }); // prettier-ignore

  it('no phase starts by the period: undefined', () => {
    expect(phaseForPeriod([{ firstPeriodIndex: 2 }], 1)).toBeUndefined();
    expect(phaseForPeriod([], 0)).toBeUndefined();
  });

  it.each<[string, { periodIndex: number; status: string } | null, number]>([
    ['nothing invoiced: period 0', null, 0],
    ['an open invoice (retry, re-send, held): its own period', { periodIndex: 6, status: 'OPEN' }, 6],
    ['a paid invoice: the next period', { periodIndex: 6, status: 'PAID' }, 7],
    ['an uncollectible one: the next period', { periodIndex: 6, status: 'UNCOLLECTIBLE' }, 7],
  ])('billedPeriodIndex: %s', (_name, invoice, expected) => {
    expect(billedPeriodIndex(invoice)).toBe(expected);
  });

  it('a dunning retry of period 6 stays on the old phase while a change waits for period 7', () => {
    expect(phaseForPeriod(phases, billedPeriodIndex({ periodIndex: 6, status: 'OPEN' }))?.id).toBe('resume');
    expect(phaseForPeriod(phases, billedPeriodIndex({ periodIndex: 6, status: 'PAID' }))?.id).toBe('change');
  });
});

describe('planNextPeriod', () => {
  it.each<[string, number | null, string, CatchUpPolicy, unknown]>([
    ['first period at the anchor', null, '2026-01-31T09:00:00Z', CURRENT, { kind: 'CHARGE', index: 0, skipped: null }],
    ['not due before the anchor', null, '2026-01-31T08:59:59Z', CURRENT, { kind: 'NOT_DUE', dueAt: '2026-01-31T09:00:00.000Z' }],
    ['period 1 on the last day of February', 0, '2026-02-28T09:00:00Z', CURRENT, { kind: 'CHARGE', index: 1, skipped: null }],
    ['period 1 not due a second early', 0, '2026-02-28T08:59:59Z', CURRENT, { kind: 'NOT_DUE', dueAt: '2026-02-28T09:00:00.000Z' }],
    ['downtime, current only: skips 1..2', 0, '2026-05-15T00:00:00Z', CURRENT, { kind: 'CHARGE', index: 3, skipped: [1, 2] }],
    ['downtime, each missed (2): the older of the two first', 0, '2026-05-15T00:00:00Z', { kind: 'EACH_MISSED', maxCharges: 2 }, { kind: 'CHARGE', index: 2, skipped: [1, 1] }],
    ['downtime, each missed (10): nothing skipped', 0, '2026-05-15T00:00:00Z', { kind: 'EACH_MISSED', maxCharges: 10 }, { kind: 'CHARGE', index: 1, skipped: null }],
  ])('%s', (_name, last, now, policy, expected) => {
    const plan = planNextPeriod(phase, last, policy, T(now));
    const view =
      plan.kind === 'NOT_DUE'
        ? { kind: plan.kind, dueAt: plan.dueAt.toISOString() }
        : { kind: plan.kind, index: plan.period.index, skipped: plan.skipped === null ? null : [plan.skipped.fromIndex, plan.skipped.toIndex] };
    expect(view).toEqual(expected);
  }); // prettier-ignore

  it('a resumed phase numbers on from the last period, from its own anchor', () => {
    const resumed = { anchor: { ...anchor, anchorAt: T('2026-07-10T12:00:00Z') }, firstPeriodIndex: 6 };
    const plan = planNextPeriod(resumed, 5, CURRENT, T('2026-07-10T12:00:00Z'));
    expect(plan).toMatchObject({ kind: 'CHARGE', skipped: null });
    if (plan.kind !== 'CHARGE') return;
    expect(plan.period.index).toBe(6);
    expect(plan.period.start.toISOString()).toBe('2026-07-10T12:00:00.000Z');
    expect(plan.period.end.toISOString()).toBe('2026-08-10T12:00:00.000Z');
  });

  it('charges each period once: indices strictly increase, the period charged has started, skipped ranges are contiguous (property)', () => {
    const zones = ['Europe/Stockholm', 'America/New_York', 'Australia/Sydney', 'UTC', 'Asia/Kolkata'];
    fc.assert(
      fc.property(
        fc.date({ min: T('2020-01-01T00:00:00Z'), max: T('2030-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(...zones),
        fc.constantFrom('DAY', 'WEEK', 'MONTH', 'YEAR' as const),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 90 * 24 }), { minLength: 1, maxLength: 20 }),
        fc.oneof(fc.constant(CURRENT), fc.integer({ min: 1, max: 5 }).map((n): CatchUpPolicy => ({ kind: 'EACH_MISSED', maxCharges: n }))),
        (anchorAt, timeZone, interval, intervalCount, stepsHours, policy) => {
          const a: BillingAnchor = { anchorAt, timeZone, interval, intervalCount };
          let last: number | null = null;
          let now = anchorAt.getTime();
          const seen = new Set<number>();
          for (const step of stepsHours) {
            now += step * HOUR;
            for (let i = 0; i < 200; i += 1) {
              const plan = planNextPeriod({ anchor: a, firstPeriodIndex: 0 }, last, policy, new Date(now));
              if (plan.kind === 'NOT_DUE') {
                expect(plan.dueAt.getTime()).toBeGreaterThan(now);
                break;
              }
              const expectedNext = last === null ? 0 : last + 1;
              const from = plan.skipped?.fromIndex ?? plan.period.index;
              expect(from).toBe(expectedNext);
              if (plan.skipped !== null) expect(plan.skipped.toIndex + 1).toBe(plan.period.index);
              expect(plan.period.start.getTime()).toBeLessThanOrEqual(now);
              expect(plan.period).toEqual(periodRange(a, plan.period.index));
              expect(seen.has(plan.period.index)).toBe(false);
              seen.add(plan.period.index);
              last = plan.period.index;
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  }); // prettier-ignore
});

const active: RenewalSubscription = {
  status: 'ACTIVE',
  cancelAtPeriodEnd: false,
  pauseAtPeriodEnd: false,
  trialEndsAt: null,
  periodIndex: 0,
  currentPeriodStart: T('2026-01-31T09:00:00Z'),
  currentPeriodEnd: T('2026-02-28T09:00:00Z'),
  paidThroughPeriodIndex: 0,
  pastDuePeriodIndex: null,
  pastDueSince: null,
  dunningAttempt: 0,
  nextRetryAt: null,
  graceEndsAt: null,
  requiresNewToken: false,
};
const period1 = { index: 1, start: T('2026-02-28T09:00:00Z'), end: T('2026-03-31T08:00:00Z') };
const NOW = T('2026-02-28T09:00:05Z');
const first = { period: period1, attemptNumber: 1, firstSentAt: NOW };
const soft: ChargeOutcomeClass = { kind: 'DECLINED', category: 'SOFT', reason: null, customerAction: 'NONE' };
const hard: ChargeOutcomeClass = {
  kind: 'DECLINED',
  category: 'HARD',
  reason: 'PERMANENT',
  customerAction: 'RETOKENIZE',
};
const unpaidPolicy: DunningPolicy = { ...DEFAULT_DUNNING_POLICY, finalAction: 'MARK_UNPAID' };

describe('decideChargeOutcome', () => {
  it('an approval advances the period and schedules the next renewal at its end', () => {
    const d = decideChargeOutcome(active, first, { kind: 'APPROVED' }, DEFAULT_DUNNING_POLICY, NOW);
    expect(d).toMatchObject({ kind: 'SETTLE', attempt: 'APPROVED', invoice: { kind: 'PAID' } });
    if (d.kind !== 'SETTLE') return;
    expect(d.patch).toMatchObject({
      status: 'ACTIVE',
      periodIndex: 1,
      paidThroughPeriodIndex: 1,
      currentPeriodEnd: period1.end,
    });
    expect(d.patch.next).toEqual({ kind: 'RENEWAL', at: period1.end });
  });

  it('an approval of a subscription asked to cancel or pause schedules that at the period end', () => {
    for (const [flags, kind] of [[{ cancelAtPeriodEnd: true }, 'CANCEL_AT_PERIOD_END'], [{ pauseAtPeriodEnd: true }, 'PAUSE_AT_PERIOD_END']] as const) {
      const d = decideChargeOutcome({ ...active, ...flags }, first, { kind: 'APPROVED' }, DEFAULT_DUNNING_POLICY, NOW);
      expect(d.kind === 'SETTLE' ? d.patch.next : null).toEqual({ kind, at: period1.end });
    }
  }); // prettier-ignore

  it('a soft decline opens dunning: PAST_DUE, the period current, a retry at the first offset', () => {
    const d = decideChargeOutcome(active, first, soft, DEFAULT_DUNNING_POLICY, NOW);
    expect(d).toMatchObject({ kind: 'SETTLE', attempt: 'DECLINED', invoice: { kind: 'OPEN' } });
    if (d.kind !== 'SETTLE') return;
    expect(d.patch).toMatchObject({ status: 'PAST_DUE', pastDuePeriodIndex: 1, pastDueSince: NOW, dunningAttempt: 1, periodIndex: 1 });
    expect(d.patch.next).toEqual({ kind: 'DUNNING_RETRY', at: new Date(NOW.getTime() + 24 * HOUR) });
    expect(d.patch.graceEndsAt).toEqual(new Date(NOW.getTime() + 7 * 24 * HOUR));
  }); // prettier-ignore

  it('retries keep the first failure as the grace start; the last one gives up at the grace end', () => {
    const pastDue: RenewalSubscription = { ...active, status: 'PAST_DUE', pastDuePeriodIndex: 1, pastDueSince: NOW, dunningAttempt: 4, graceEndsAt: new Date(NOW.getTime() + 7 * 24 * HOUR) };
    const later = new Date(NOW.getTime() + 120 * HOUR);
    const d = decideChargeOutcome(pastDue, { ...first, attemptNumber: 5, firstSentAt: later }, soft, DEFAULT_DUNNING_POLICY, later);
    expect(d.kind === 'SETTLE' ? d.patch.next : null).toEqual({ kind: 'GRACE_END', at: new Date(NOW.getTime() + 7 * 24 * HOUR) });
  }); // prettier-ignore

  it('a hard decline stops retrying, needs a new token, and waits for the grace end', () => {
    const d = decideChargeOutcome(active, first, hard, DEFAULT_DUNNING_POLICY, NOW);
    if (d.kind !== 'SETTLE') throw new Error('expected SETTLE');
    expect(d.patch).toMatchObject({ status: 'PAST_DUE', requiresNewToken: true, nextRetryAt: null });
    expect(d.patch.next?.kind).toBe('GRACE_END');
  });

  it('a decline after the grace end applies the final action at once', () => {
    const late = new Date(NOW.getTime() + 30 * 24 * HOUR);
    const pastDue: RenewalSubscription = { ...active, status: 'PAST_DUE', pastDuePeriodIndex: 1, pastDueSince: NOW };
    const cancel = decideChargeOutcome(pastDue, { ...first, attemptNumber: 2 }, hard, DEFAULT_DUNNING_POLICY, late);
    expect(cancel).toMatchObject({ kind: 'SETTLE', invoice: { kind: 'UNCOLLECTIBLE' }, patch: { status: 'CANCELED', endedReason: 'DUNNING_EXHAUSTED', next: null } });
    const unpaid = decideChargeOutcome(pastDue, { ...first, attemptNumber: 2 }, hard, unpaidPolicy, late);
    expect(unpaid).toMatchObject({ kind: 'SETTLE', invoice: { kind: 'UNCOLLECTIBLE' }, patch: { status: 'UNPAID', next: null } });
  }); // prettier-ignore

  it('a transient outcome resends the same attempt, backing off, until the replay window closes; then holds', () => {
    const transient: ChargeOutcomeClass = { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_503' };
    const d1 = decideChargeOutcome(active, first, transient, DEFAULT_DUNNING_POLICY, NOW);
    expect(d1).toEqual({ kind: 'RESEND', at: new Date(NOW.getTime() + 60_000) });
    const d2 = decideChargeOutcome(active, first, transient, DEFAULT_DUNNING_POLICY, new Date(NOW.getTime() + 3 * HOUR));
    expect(d2).toEqual({ kind: 'RESEND', at: new Date(NOW.getTime() + 4 * HOUR) });
    const d3 = decideChargeOutcome(active, first, transient, DEFAULT_DUNNING_POLICY, new Date(NOW.getTime() + 23 * HOUR));
    expect(d3).toMatchObject({ kind: 'SETTLE', attempt: 'UNKNOWN', invoice: { kind: 'HELD' }, patch: { status: 'ACTIVE', next: null } });
  }); // prettier-ignore

  it('a FAILED outcome (Klarna rejected the request) holds the invoice with the reason', () => {
    const d = decideChargeOutcome(active, first, { kind: 'FAILED', reason: 'HTTP_400', alert: true }, DEFAULT_DUNNING_POLICY, NOW);
    expect(d).toMatchObject({ kind: 'SETTLE', attempt: 'FAILED', patch: { next: null } });
    expect(d.kind === 'SETTLE' && d.invoice.kind === 'HELD' ? d.invoice.reason : '').toContain('HTTP_400');
  }); // prettier-ignore
});

describe('the period-end actions', () => {
  const pastDue: RenewalSubscription = {
    ...active,
    status: 'PAST_DUE',
    pastDuePeriodIndex: 1,
    pastDueSince: NOW,
  };
  it('GRACE_END applies the final action', () => {
    expect(decideGraceEnd(pastDue, DEFAULT_DUNNING_POLICY, NOW).patch).toMatchObject({
      status: 'CANCELED',
      next: null,
    });
    expect(decideGraceEnd(pastDue, unpaidPolicy, NOW).patch).toMatchObject({ status: 'UNPAID', next: null });
  });
  it('CANCEL_AT_PERIOD_END and PAUSE_AT_PERIOD_END end billing', () => {
    expect(decideCancelAtPeriodEnd(active, NOW)).toMatchObject({ status: 'CANCELED', endedReason: 'CANCELED_AT_PERIOD_END', next: null });
    expect(decidePauseAtPeriodEnd({ ...active, pauseAtPeriodEnd: true }, NOW)).toMatchObject({ status: 'PAUSED', pauseAtPeriodEnd: false, pausedAt: NOW, next: null });
  }); // prettier-ignore
});
