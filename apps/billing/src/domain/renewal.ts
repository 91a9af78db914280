// The renewal engine's decisions, pure: which period a renewal charges (and which it skips), and
// what a charge's outcome does to the subscription. The worker's runner only reads rows, calls
// Klarna and writes what these functions return.
//
// Policy for periods that come due while an earlier one is in dunning (weekly plans whose dunning
// outlasts a period): a subscription has at most ONE open invoice. While PAST_DUE, no new period
// is invoiced; the past-due period stays the current one. When the customer pays it, the periods
// that came due meanwhile follow the plan's catch-up policy at once (CURRENT_ONLY: the period
// containing now is charged, the ones between are recorded as skipped; EACH_MISSED: each is
// charged, up to its maximum). When dunning gives up, the final action (cancel or unpaid) ends
// billing, so nothing piles up behind a failing token. No decline overwrites another.
import { periodRange, type BillingAnchor, type BillingPeriod } from './billing-period.js';
import { dueCharges, type CatchUpPolicy } from './catch-up.js';
import type { ChargeOutcomeClass } from './decline-classification.js';
import {
  graceEndsAt as graceEndOf,
  nextDunningStep,
  SAME_KEY_REPLAY_WINDOW_MS,
  type DunningPolicy,
  type FinalAction,
} from './dunning-policy.js';
import { nextAction, type NextAction } from './next-action.js';
import type { SubscriptionStatus } from './subscription-state.js';

/** A billing phase: its anchor, and the global index of its first period (indices never restart). */
export interface PhaseSchedule {
  readonly anchor: BillingAnchor;
  readonly firstPeriodIndex: number;
}

export interface SkippedRange {
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly periodStart: Date;
  readonly periodEnd: Date;
}

export type PeriodPlan =
  | { readonly kind: 'NOT_DUE'; readonly dueAt: Date }
  | { readonly kind: 'CHARGE'; readonly period: BillingPeriod; readonly skipped: SkippedRange | null };

/**
 * The next period to invoice after `lastInvoicedIndex` (null: none yet), by the plan's catch-up
 * policy. Returned indices are global; the oldest chargeable period comes first, so a run after
 * downtime charges one period at a time and the next run (due at once) takes the following one.
 */
export function planNextPeriod(
  phase: PhaseSchedule,
  lastInvoicedIndex: number | null,
  policy: CatchUpPolicy,
  now: Date,
): PeriodPlan {
  const localLast =
    lastInvoicedIndex === null || lastInvoicedIndex < phase.firstPeriodIndex
      ? null
      : lastInvoicedIndex - phase.firstPeriodIndex;
  const plan = dueCharges({ anchor: phase.anchor, lastChargedPeriodIndex: localLast }, now, policy);
  const first = plan.charges[0];
  if (first === undefined) return { kind: 'NOT_DUE', dueAt: plan.nextDueAt };
  const global = (n: number) => n + phase.firstPeriodIndex;
  const skipped =
    plan.skipped === null
      ? null
      : {
          fromIndex: global(plan.skipped.fromIndex),
          toIndex: global(plan.skipped.toIndex),
          periodStart: periodRange(phase.anchor, plan.skipped.fromIndex).start,
          periodEnd: periodRange(phase.anchor, plan.skipped.toIndex).end,
        };
  return {
    kind: 'CHARGE',
    period: { index: global(first.index), start: first.start, end: first.end },
    skipped,
  };
}

/**
 * The phase a period is billed in: the one with the greatest `firstPeriodIndex` <= `periodIndex`
 * (phases never overlap: each runs until the next one's first period). Undefined when every phase
 * starts later. A phase that starts in the future (a plan change from the next period) is thus
 * used only once its first period is the one being billed.
 */
export function phaseForPeriod<P extends { readonly firstPeriodIndex: number }>(
  phases: readonly P[],
  periodIndex: number,
): P | undefined {
  let found: P | undefined;
  for (const phase of phases) {
    if (phase.firstPeriodIndex > periodIndex) continue;
    if (found === undefined || phase.firstPeriodIndex > found.firstPeriodIndex) found = phase;
  }
  return found;
}

/**
 * The period index a renewal run works on, from the subscription's newest invoice: an OPEN one is
 * being charged (a retry, a re-send, a held one) or settled; otherwise the next period after it is
 * the one to invoice (0 when nothing was invoiced). The phase billing it is
 * `phaseForPeriod(phases, billedPeriodIndex(...))`: planNextPeriod numbers on from there.
 */
export function billedPeriodIndex(
  newestInvoice: { readonly periodIndex: number; readonly status: string } | null,
): number {
  if (newestInvoice === null) return 0;
  return newestInvoice.status === 'OPEN' ? newestInvoice.periodIndex : newestInvoice.periodIndex + 1;
}

/** The subscription columns a renewal decision both reads and writes. */
interface RenewalColumns {
  readonly status: SubscriptionStatus;
  readonly pauseAtPeriodEnd: boolean;
  readonly periodIndex: number;
  readonly currentPeriodStart: Date | null;
  readonly currentPeriodEnd: Date | null;
  readonly paidThroughPeriodIndex: number | null;
  readonly pastDuePeriodIndex: number | null;
  readonly pastDueSince: Date | null;
  readonly dunningAttempt: number;
  readonly nextRetryAt: Date | null;
  readonly graceEndsAt: Date | null;
  readonly requiresNewToken: boolean;
}

/** The subscription columns a renewal decision reads. */
export interface RenewalSubscription extends RenewalColumns {
  readonly cancelAtPeriodEnd: boolean;
  readonly trialEndsAt: Date | null;
}

/** The subscription columns a renewal decision writes (with the next action). */
export interface RenewalPatch extends RenewalColumns {
  readonly pausedAt?: Date;
  readonly canceledAt?: Date;
  readonly endedAt?: Date;
  readonly endedReason?: string;
  readonly next: NextAction | null;
}

export type InvoiceEffect =
  | { readonly kind: 'PAID' }
  | { readonly kind: 'OPEN' }
  | { readonly kind: 'UNCOLLECTIBLE' }
  | { readonly kind: 'HELD'; readonly reason: string };

export interface ChargedAttempt {
  readonly period: BillingPeriod;
  /** Number of this attempt on its invoice; 1 is the renewal itself. */
  readonly attemptNumber: number;
  /** When its idempotency key was first sent (bounds same-key replays). */
  readonly firstSentAt: Date;
}

/** What one charge outcome decides. */
export type ChargeDecision =
  /** Recorded: the subscription and its invoice change as given. */
  | {
      readonly kind: 'SETTLE';
      readonly patch: RenewalPatch;
      readonly invoice: InvoiceEffect;
      readonly attempt: 'APPROVED' | 'DECLINED' | 'FAILED' | 'UNKNOWN';
      readonly event: string;
    }
  /** The outcome is not known yet: send the same attempt (same key) again at `at`. */
  | { readonly kind: 'RESEND'; readonly at: Date };

const RESEND_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];

function keep(sub: RenewalSubscription): RenewalPatch {
  return {
    status: sub.status,
    periodIndex: sub.periodIndex,
    currentPeriodStart: sub.currentPeriodStart,
    currentPeriodEnd: sub.currentPeriodEnd,
    paidThroughPeriodIndex: sub.paidThroughPeriodIndex,
    pastDuePeriodIndex: sub.pastDuePeriodIndex,
    pastDueSince: sub.pastDueSince,
    dunningAttempt: sub.dunningAttempt,
    nextRetryAt: sub.nextRetryAt,
    graceEndsAt: sub.graceEndsAt,
    requiresNewToken: sub.requiresNewToken,
    pauseAtPeriodEnd: sub.pauseAtPeriodEnd,
    next: null,
  };
}

function withNext(patch: RenewalPatch, sub: RenewalSubscription): RenewalPatch {
  return {
    ...patch,
    next: nextAction({
      status: patch.status,
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
      pauseAtPeriodEnd: patch.pauseAtPeriodEnd,
      trialEndsAt: sub.trialEndsAt,
      currentPeriodEnd: patch.currentPeriodEnd,
      signup: { kind: 'NONE' },
      dunning:
        patch.status === 'PAST_DUE' && patch.graceEndsAt !== null
          ? { nextRetryAt: patch.nextRetryAt, graceEndsAt: patch.graceEndsAt }
          : null,
    }),
  };
}

/**
 * The decision for one charge outcome of the attempt `charged` (for the period being charged: a
 * renewal's new period, or the past-due one on a dunning retry).
 */
export function decideChargeOutcome(
  sub: RenewalSubscription,
  charged: ChargedAttempt,
  outcome: ChargeOutcomeClass,
  policy: DunningPolicy,
  now: Date,
): ChargeDecision {
  const { period } = charged;
  switch (outcome.kind) {
    case 'APPROVED': {
      const paidThrough = Math.max(sub.paidThroughPeriodIndex ?? -1, period.index);
      const patch: RenewalPatch = {
        ...keep(sub),
        status: 'ACTIVE',
        periodIndex: Math.max(sub.periodIndex, period.index),
        currentPeriodStart: period.start,
        currentPeriodEnd: period.end,
        paidThroughPeriodIndex: paidThrough,
        pastDuePeriodIndex: null,
        pastDueSince: null,
        dunningAttempt: 0,
        nextRetryAt: null,
        graceEndsAt: null,
      };
      return {
        kind: 'SETTLE',
        patch: withNext(patch, sub),
        invoice: { kind: 'PAID' },
        attempt: 'APPROVED',
        event: 'renewal.paid',
      };
    }
    case 'DECLINED': {
      const firstFailureAt =
        sub.pastDuePeriodIndex === period.index && sub.pastDueSince !== null ? sub.pastDueSince : now;
      const step = nextDunningStep(policy, {
        attemptNumber: charged.attemptNumber,
        attemptSentAt: charged.firstSentAt,
        firstFailureAt,
        declineCategory: outcome.category,
        now,
      });
      const graceEndsAt = graceEndOf(policy, firstFailureAt);
      const base: RenewalPatch = {
        ...keep(sub),
        status: 'PAST_DUE',
        // The declined period becomes the current one: service continues through grace.
        periodIndex: Math.max(sub.periodIndex, period.index),
        currentPeriodStart: period.start,
        currentPeriodEnd: period.end,
        pastDuePeriodIndex: period.index,
        pastDueSince: firstFailureAt,
        dunningAttempt: charged.attemptNumber,
        graceEndsAt,
        requiresNewToken: sub.requiresNewToken || outcome.category === 'HARD',
      };
      if (step.kind === 'RETRY_AT') {
        const patch = { ...base, nextRetryAt: step.at };
        return {
          kind: 'SETTLE',
          patch: withNext(patch, sub),
          invoice: { kind: 'OPEN' },
          attempt: 'DECLINED',
          event: 'renewal.declined',
        };
      }
      // Given up (hard decline or retries spent): the final action at the grace end.
      const patch = { ...base, nextRetryAt: null };
      if (graceEndsAt.getTime() <= now.getTime()) {
        const ended = finalAction(sub, patch, policy.finalAction, now);
        return { ...ended, attempt: 'DECLINED' };
      }
      return {
        kind: 'SETTLE',
        patch: withNext(patch, sub),
        invoice: { kind: 'OPEN' },
        attempt: 'DECLINED',
        event: 'renewal.dunning_exhausted',
      };
    }
    case 'FAILED':
      return held(
        sub,
        `Klarna rejected the charge (${outcome.reason}); fix the cause and release the invoice`,
        'FAILED',
      );
    case 'TRANSIENT': {
      if (now.getTime() - charged.firstSentAt.getTime() >= SAME_KEY_REPLAY_WINDOW_MS) {
        return held(
          sub,
          'The charge outcome is unknown and its idempotency key is past Klarna’s replay window; check Klarna before releasing',
          'UNKNOWN',
        );
      }
      return { kind: 'RESEND', at: resendAt(charged, now) };
    }
  }
}

function resendAt(charged: ChargedAttempt, now: Date): Date {
  const sinceFirst = now.getTime() - charged.firstSentAt.getTime();
  const step = RESEND_DELAYS_MS.findIndex((d) => d > sinceFirst);
  const delay = RESEND_DELAYS_MS[step === -1 ? RESEND_DELAYS_MS.length - 1 : step] ?? 60_000;
  return new Date(now.getTime() + delay);
}

function held(sub: RenewalSubscription, reason: string, attempt: 'FAILED' | 'UNKNOWN'): ChargeDecision {
  // Nothing runs for the subscription until an operator releases the invoice.
  return {
    kind: 'SETTLE',
    patch: { ...keep(sub), next: null },
    invoice: { kind: 'HELD', reason },
    attempt,
    event: 'renewal.held',
  };
}

function finalAction(
  sub: RenewalSubscription,
  patch: RenewalPatch,
  action: FinalAction,
  now: Date,
): Omit<Extract<ChargeDecision, { kind: 'SETTLE' }>, 'attempt'> {
  if (action === 'CANCEL') {
    return {
      kind: 'SETTLE',
      patch: {
        ...patch,
        status: 'CANCELED',
        nextRetryAt: null,
        canceledAt: now,
        endedAt: now,
        endedReason: 'DUNNING_EXHAUSTED',
        next: null,
      },
      invoice: { kind: 'UNCOLLECTIBLE' },
      event: 'subscription.canceled_unpaid',
    };
  }
  return {
    kind: 'SETTLE',
    patch: withNext({ ...patch, status: 'UNPAID', nextRetryAt: null }, sub),
    invoice: { kind: 'UNCOLLECTIBLE' },
    event: 'subscription.marked_unpaid',
  };
}

/** GRACE_END: the past-due period was not paid by the end of grace; the plan's final action. */
export function decideGraceEnd(
  sub: RenewalSubscription,
  policy: DunningPolicy,
  now: Date,
): Omit<Extract<ChargeDecision, { kind: 'SETTLE' }>, 'attempt'> {
  return finalAction(sub, { ...keep(sub), nextRetryAt: null }, policy.finalAction, now);
}

/** CANCEL_AT_PERIOD_END: the paid period ended and the merchant asked to cancel then. */
export function decideCancelAtPeriodEnd(sub: RenewalSubscription, now: Date): RenewalPatch {
  return {
    ...keep(sub),
    status: 'CANCELED',
    nextRetryAt: null,
    canceledAt: now,
    endedAt: now,
    endedReason: 'CANCELED_AT_PERIOD_END',
    next: null,
  };
}

/** PAUSE_AT_PERIOD_END: the paid period ended; nothing is charged until a resume. */
export function decidePauseAtPeriodEnd(sub: RenewalSubscription, now: Date): RenewalPatch {
  return { ...keep(sub), status: 'PAUSED', pauseAtPeriodEnd: false, pausedAt: now, next: null };
}

/** The next action again for an unchanged subscription (e.g. a renewal not due yet). */
export function recomputeNext(sub: RenewalSubscription): RenewalPatch {
  return withNext(keep(sub), sub);
}
