// What to charge when the scheduler looks at a subscription, possibly after downtime.
//
// Policy (a value, per plan or per deployment):
// - CURRENT_ONLY (default): charge only the period containing `now`; every earlier uncharged period
//   is skipped and reported as a skipped range (the customer is not billed for service time Rebill
//   could not bill on time, and never gets a burst of charges after an outage).
// - EACH_MISSED { maxCharges }: one charge per uncharged period up to `now`, at most `maxCharges`,
//   keeping the most recent ones (the current period always included); older ones are skipped.
// Every returned charge names its own period index and indices are > lastChargedPeriodIndex,
// ascending and distinct, so with the attempt row unique per (subscription, period, attempt) the
// same period can never be charged twice, however often the plan is recomputed.
import { z } from 'zod';
import {
  periodAt,
  periodBoundary,
  periodRange,
  type BillingAnchor,
  type BillingPeriod,
} from './billing-period.js';
import { InvalidInputError } from './errors.js';

export type CatchUpPolicy =
  { readonly kind: 'CURRENT_ONLY' } | { readonly kind: 'EACH_MISSED'; readonly maxCharges: number };

export const DEFAULT_CATCH_UP_POLICY: CatchUpPolicy = Object.freeze({ kind: 'CURRENT_ONLY' });

export const MAX_CATCH_UP_CHARGES = 120;

export const catchUpPolicySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('CURRENT_ONLY') }),
  z.object({
    kind: z.literal('EACH_MISSED'),
    maxCharges: z
      .int({ error: 'must be an integer' })
      .min(1, { error: 'must be at least 1' })
      .max(MAX_CATCH_UP_CHARGES, { error: `must be at most ${MAX_CATCH_UP_CHARGES}` }),
  }),
]);

export interface BillingProgress {
  readonly anchor: BillingAnchor;
  /** Highest period index already charged (attempted to a final outcome), null before the first charge. */
  readonly lastChargedPeriodIndex: number | null;
}

export interface SkippedPeriods {
  /** Inclusive range of period indices that will never be charged. */
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly count: number;
}

export interface CatchUpPlan {
  /** Periods to charge now, oldest first. Empty when nothing is due. */
  readonly charges: readonly BillingPeriod[];
  readonly skipped: SkippedPeriods | null;
  /** When the next period after everything above becomes due (for `next_charge_at`). */
  readonly nextDueAt: Date;
}

export function dueCharges(
  progress: BillingProgress,
  now: Date,
  policy: CatchUpPolicy = DEFAULT_CATCH_UP_POLICY,
): CatchUpPlan {
  const last = progress.lastChargedPeriodIndex;
  if (last !== null && (!Number.isSafeInteger(last) || last < 0)) {
    throw new InvalidInputError('lastChargedPeriodIndex', 'must be a non-negative integer or null');
  }
  const maxCharges = checkPolicy(policy);
  const { anchor } = progress;
  const current = periodAt(anchor, now);
  const firstUncharged = last === null ? 0 : last + 1;

  if (current < firstUncharged) {
    return { charges: [], skipped: null, nextDueAt: periodBoundary(anchor, firstUncharged) };
  }
  const firstCharged = Math.max(firstUncharged, current - maxCharges + 1);
  const charges: BillingPeriod[] = [];
  for (let n = firstCharged; n <= current; n += 1) charges.push(periodRange(anchor, n));
  const skipped =
    firstCharged > firstUncharged
      ? { fromIndex: firstUncharged, toIndex: firstCharged - 1, count: firstCharged - firstUncharged }
      : null;
  return { charges, skipped, nextDueAt: periodBoundary(anchor, current + 1) };
}

function checkPolicy(policy: CatchUpPolicy): number {
  switch (policy.kind) {
    case 'CURRENT_ONLY':
      return 1;
    case 'EACH_MISSED':
      if (
        !Number.isSafeInteger(policy.maxCharges) ||
        policy.maxCharges < 1 ||
        policy.maxCharges > MAX_CATCH_UP_CHARGES
      ) {
        throw new InvalidInputError(
          'policy.maxCharges',
          `must be an integer from 1 to ${MAX_CATCH_UP_CHARGES}`,
        );
      }
      return policy.maxCharges;
  }
}
