import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createBillingAnchor, periodAt, periodBoundary, type BillingAnchor } from './billing-period.js';
import { catchUpPolicySchema, dueCharges, MAX_CATCH_UP_CHARGES, type CatchUpPolicy } from './catch-up.js';
import { InvalidInputError } from './errors.js';

const zone = 'Europe/Stockholm';
const anchor = createBillingAnchor({
  anchorAt: DateTime.fromISO('2024-01-31T10:00', { zone }).toJSDate(),
  timeZone: zone,
  interval: 'MONTH',
  intervalCount: 1,
});
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toJSDate();
const indices = (plan: ReturnType<typeof dueCharges>) => plan.charges.map((c) => c.index);

describe('dueCharges', () => {
  it('charges period 0 at the anchor and nothing before it', () => {
    expect(dueCharges({ anchor, lastChargedPeriodIndex: null }, at('2024-01-31T09:59'))).toEqual({
      charges: [],
      skipped: null,
      nextDueAt: anchor.anchorAt,
    });
    const plan = dueCharges({ anchor, lastChargedPeriodIndex: null }, at('2024-01-31T10:00'));
    expect(indices(plan)).toEqual([0]);
    expect(plan.charges[0]?.start).toEqual(anchor.anchorAt);
    expect(plan.charges[0]?.end).toEqual(at('2024-02-29T10:00'));
    expect(plan.nextDueAt).toEqual(at('2024-02-29T10:00'));
  });

  it('has nothing to do while the current period is already charged', () => {
    const plan = dueCharges({ anchor, lastChargedPeriodIndex: 1 }, at('2024-03-15T00:00'));
    expect(plan).toEqual({ charges: [], skipped: null, nextDueAt: at('2024-03-31T10:00') });
  });

  it('charges a renewal once its period starts', () => {
    const plan = dueCharges({ anchor, lastChargedPeriodIndex: 1 }, at('2024-03-31T10:00'));
    expect(indices(plan)).toEqual([2]);
    expect(plan.skipped).toBeNull();
  });

  it('CURRENT_ONLY (default) skips missed periods after downtime and records them', () => {
    const now = at('2024-07-05T00:00'); // in period 5 (Jun 30 - Jul 31)
    const plan = dueCharges({ anchor, lastChargedPeriodIndex: 1 }, now);
    expect(indices(plan)).toEqual([5]);
    expect(plan.skipped).toEqual({ fromIndex: 2, toIndex: 4, count: 3 });
    expect(plan.nextDueAt).toEqual(at('2024-07-31T10:00'));
    expect(dueCharges({ anchor, lastChargedPeriodIndex: 1 }, now, { kind: 'CURRENT_ONLY' })).toEqual(plan);
  });

  it('EACH_MISSED charges every missed period when under the cap', () => {
    const plan = dueCharges({ anchor, lastChargedPeriodIndex: 1 }, at('2024-07-05T00:00'), {
      kind: 'EACH_MISSED',
      maxCharges: 6,
    });
    expect(indices(plan)).toEqual([2, 3, 4, 5]);
    expect(plan.skipped).toBeNull();
  });

  it('EACH_MISSED keeps the most recent periods up to the cap and skips older ones', () => {
    const plan = dueCharges({ anchor, lastChargedPeriodIndex: 1 }, at('2024-07-05T00:00'), {
      kind: 'EACH_MISSED',
      maxCharges: 2,
    });
    expect(indices(plan)).toEqual([4, 5]);
    expect(plan.skipped).toEqual({ fromIndex: 2, toIndex: 3, count: 2 });
  });

  it('EACH_MISSED from a never-charged subscription starts at period 0', () => {
    const plan = dueCharges({ anchor, lastChargedPeriodIndex: null }, at('2024-03-01T00:00'), {
      kind: 'EACH_MISSED',
      maxCharges: 12,
    });
    expect(indices(plan)).toEqual([0, 1]);
  });

  it('rejects bad input naming the field', () => {
    expect(() => dueCharges({ anchor, lastChargedPeriodIndex: -1 }, at('2024-03-01T00:00'))).toThrow(
      expect.objectContaining({ field: 'lastChargedPeriodIndex' }),
    );
    expect(() =>
      dueCharges({ anchor, lastChargedPeriodIndex: 1 }, at('2024-03-01T00:00'), {
        kind: 'EACH_MISSED',
        maxCharges: 0,
      }),
    ).toThrow(InvalidInputError);
    const parsed = catchUpPolicySchema.safeParse({
      kind: 'EACH_MISSED',
      maxCharges: MAX_CATCH_UP_CHARGES + 1,
    });
    expect(parsed.error?.issues[0]?.path).toEqual(['maxCharges']);
    expect(catchUpPolicySchema.parse({ kind: 'CURRENT_ONLY' })).toEqual({ kind: 'CURRENT_ONLY' });
  });
});

describe('dueCharges properties', () => {
  const policyArb: fc.Arbitrary<CatchUpPolicy> = fc.oneof(
    fc.constant<CatchUpPolicy>({ kind: 'CURRENT_ONLY' }),
    fc.integer({ min: 1, max: 10 }).map((maxCharges): CatchUpPolicy => ({ kind: 'EACH_MISSED', maxCharges })),
  );
  const anchorArb: fc.Arbitrary<BillingAnchor> = fc
    .record({
      ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1) }),
      zone: fc.constantFrom('UTC', 'Europe/Stockholm', 'America/New_York', 'Australia/Lord_Howe'),
      interval: fc.constantFrom('DAY' as const, 'WEEK' as const, 'MONTH' as const),
      intervalCount: fc.integer({ min: 1, max: 3 }),
    })
    .map(({ ms, zone: timeZone, interval, intervalCount }) =>
      createBillingAnchor({ anchorAt: new Date(ms), timeZone, interval, intervalCount }),
    );

  it('never returns a period twice and covers exactly the uncharged periods up to now', () => {
    fc.assert(
      fc.property(
        anchorArb,
        fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
        fc.integer({ min: -5, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        policyArb,
        (a, last, periodsLater, fraction, policy) => {
          const start = periodBoundary(a, periodsLater).getTime();
          const end = periodBoundary(a, periodsLater + 1).getTime();
          const now = new Date(start + Math.floor((end - start) * fraction));
          const plan = dueCharges({ anchor: a, lastChargedPeriodIndex: last }, now, policy);
          const current = periodAt(a, now);
          const firstUncharged = last === null ? 0 : last + 1;
          const charged = indices(plan);

          // Distinct, ascending, uncharged, not in the future.
          charged.forEach((n, i) => {
            expect(n).toBeGreaterThanOrEqual(firstUncharged);
            expect(n).toBeLessThanOrEqual(current);
            if (i > 0) expect(n).toBe(charged[i - 1]! + 1);
          });
          const cap = policy.kind === 'CURRENT_ONLY' ? 1 : policy.maxCharges;
          expect(charged.length).toBeLessThanOrEqual(cap);
          // Skipped + charged = every uncharged period up to now, with the current one charged.
          const due = Math.max(0, current - firstUncharged + 1);
          expect(charged.length + (plan.skipped?.count ?? 0)).toBe(due);
          if (due > 0) expect(charged.at(-1)).toBe(current);
          if (plan.skipped) expect(plan.skipped.toIndex + 1).toBe(charged[0]);
          expect(plan.nextDueAt.getTime()).toBeGreaterThan(now.getTime());

          // Once charged, asking again at the same moment yields nothing new.
          const after = charged.at(-1) ?? last;
          expect(dueCharges({ anchor: a, lastChargedPeriodIndex: after }, now, policy).charges).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
