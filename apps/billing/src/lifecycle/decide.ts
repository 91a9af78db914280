// The merchant's lifecycle commands as pure decisions: given the subscription as stored (locked by
// the caller) and the command, what changes, or nothing (a repeat), or an IllegalTransitionError.
// Legality comes from the domain's transitionSubscription; the stored next action from the
// domain's nextAction over the row as it will be. No I/O, no clock: `now` is an input.
//
//   cancel IMMEDIATELY     any started status -> CANCELED now (canceledAt/endedAt, next action
//                          cleared, open invoices not yet charged voided); CANCELED again: no-op
//   cancel AT_PERIOD_END   TRIALING/ACTIVE/PAST_DUE: cancelAtPeriodEnd (next action
//                          CANCEL_AT_PERIOD_END); PAUSED/UNPAID: no paid period runs, so the domain
//                          cancels at once (as IMMEDIATELY); set already or CANCELED: no-op
//   uncancel               clears a scheduled cancel (next action restored); none: no-op; ended: 409
//   pause                  ACTIVE/TRIALING: pauseAtPeriodEnd (next action PAUSE_AT_PERIOD_END at the
//                          period's or trial's end; a scheduled cancel still wins); already
//                          scheduled or PAUSED: no-op; PAST_DUE/UNPAID/ended: 409
//   resume                 PAUSED -> ACTIVE (PAST_DUE if a decline arrived while paused) with a new
//                          phase anchored now numbered after the last period, next action RENEWAL
//                          now; a pause not yet effective: the flag cleared; ACTIVE/TRIALING/PAST_DUE
//                          with nothing scheduled: no-op
//   token revoked          each subscription on the token: requiresNewToken (domain TOKEN_REVOKED)
// A signup in progress (PENDING_TOKENIZATION) takes none of these: its journey ends by itself.
import {
  DomainValidationError,
  IllegalTransitionError,
  nextAction,
  transitionSubscription,
  type CancelMode,
  type NextActionKind,
  type SubscriptionEventType,
  type SubscriptionState,
  type SubscriptionStatus,
} from '../domain/index.js';

/** The subscription columns a lifecycle decision reads. */
export interface LifecycleRow {
  readonly id: string;
  readonly status: SubscriptionStatus;
  readonly tokenId: string | null;
  readonly requiresNewToken: boolean;
  readonly cancelAtPeriodEnd: boolean;
  readonly pauseAtPeriodEnd: boolean;
  readonly pausedAt: Date | null;
  readonly paidThroughPeriodIndex: number | null;
  readonly pastDuePeriodIndex: number | null;
  readonly currentPeriodEnd: Date | null;
  readonly trialEndsAt: Date | null;
  readonly pastDueSince: Date | null;
  readonly nextRetryAt: Date | null;
  readonly graceEndsAt: Date | null;
  readonly canceledAt: Date | null;
  readonly nextActionKind: NextActionKind | null;
  readonly nextActionAt: Date | null;
}

/** The columns a decision writes (the store adds version + 1 and updatedAt). */
export interface LifecyclePatch {
  status?: SubscriptionStatus;
  cancelAtPeriodEnd?: boolean;
  pauseAtPeriodEnd?: boolean;
  pausedAt?: Date | null;
  requiresNewToken?: boolean;
  canceledAt?: Date | null;
  endedAt?: Date | null;
  endedReason?: string | null;
  nextRetryAt?: Date | null;
  nextActionKind?: NextActionKind | null;
  nextActionAt?: Date | null;
}

/** A new billing phase: the same plan version, anchored at `anchorAt`, numbering continued. */
export interface NewPhase {
  readonly anchorAt: Date;
  readonly firstPeriodIndex: number;
}

export type LifecycleDecision =
  | { readonly kind: 'noop' }
  | {
      readonly kind: 'change';
      readonly action: string;
      readonly patch: LifecyclePatch;
      /** Void the subscription's open invoices no charge has taken money for. */
      readonly voidOpenInvoices: boolean;
      readonly newPhase: NewPhase | null;
      readonly before: Record<string, string | boolean | null>;
      readonly after: Record<string, string | boolean | null>;
    };

export type LifecycleCommand =
  | { readonly type: 'CANCEL'; readonly mode: CancelMode }
  | { readonly type: 'UNCANCEL' }
  | { readonly type: 'PAUSE' }
  | { readonly type: 'RESUME'; readonly lastPeriodIndex: number };

export const CANCELED_BY_MERCHANT = 'CANCELED_BY_MERCHANT';

export function domainState(row: LifecycleRow): SubscriptionState {
  return {
    status: row.status,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    tokenUsable: row.tokenId !== null && !row.requiresNewToken,
    tokenId: row.tokenId,
    paidThroughPeriodIndex: row.paidThroughPeriodIndex,
    pastDuePeriodIndex: row.pastDuePeriodIndex,
  };
}

export function decideLifecycle(row: LifecycleRow, command: LifecycleCommand, now: Date): LifecycleDecision {
  if (row.status === 'PENDING_TOKENIZATION') {
    throw illegal(
      row.status,
      command.type,
      'the signup is still in progress; it ends by itself when the journey expires',
    );
  }
  try {
    switch (command.type) {
      case 'CANCEL':
        return decideCancel(row, command.mode, now);
      case 'UNCANCEL':
        return decideUncancel(row);
      case 'PAUSE':
        return decidePause(row);
      case 'RESUME':
        return decideResume(row, command.lastPeriodIndex, now);
    }
  } catch (error) {
    // nextAction missing a date the status needs (e.g. an ACTIVE row without its period end):
    // the stored row is inconsistent, which no request of the caller can fix: refuse, write nothing.
    if (error instanceof DomainValidationError) {
      throw illegal(row.status, command.type, `the subscription's schedule is incomplete (${error.message})`);
    }
    throw error;
  }
}

function decideCancel(row: LifecycleRow, mode: CancelMode, now: Date): LifecycleDecision {
  const next = transitionSubscription(domainState(row), { type: 'CANCEL', mode });
  if (sameState(next, domainState(row))) return { kind: 'noop' };
  if (next.status === 'CANCELED') {
    return change(row, {
      action: 'subscription.canceled',
      patch: {
        status: 'CANCELED',
        canceledAt: now,
        endedAt: now,
        endedReason: CANCELED_BY_MERCHANT,
        pauseAtPeriodEnd: false,
        nextRetryAt: null,
      },
      voidOpenInvoices: true,
      mode,
    });
  }
  return change(row, {
    action: 'subscription.cancel_scheduled',
    patch: { cancelAtPeriodEnd: true },
    mode,
  });
}

function decideUncancel(row: LifecycleRow): LifecycleDecision {
  const next = transitionSubscription(domainState(row), { type: 'UNCANCEL' });
  if (sameState(next, domainState(row))) return { kind: 'noop' };
  return change(row, {
    action: 'subscription.cancel_unscheduled',
    patch: { cancelAtPeriodEnd: false },
  });
}

function decidePause(row: LifecycleRow): LifecycleDecision {
  const state = domainState(row);
  if (row.status === 'PAUSED') return { kind: 'noop' }; // the domain's PAUSE in PAUSED: no change
  // What happens when the period ends: a trial ends first (TRIAL_ENDED), then the pause applies.
  // The domain decides whether that is legal (PAST_DUE, UNPAID and ended ones are refused). A
  // scheduled cancel is left out: when both are asked for, the cancel wins at the period end.
  const atPeriodEnd: SubscriptionState =
    row.status === 'TRIALING'
      ? transitionSubscription({ ...state, cancelAtPeriodEnd: false }, { type: 'TRIAL_ENDED' })
      : state;
  transitionSubscription(atPeriodEnd, { type: 'PAUSE' });
  if (row.pauseAtPeriodEnd) return { kind: 'noop' };
  return change(row, { action: 'subscription.pause_scheduled', patch: { pauseAtPeriodEnd: true } });
}

function decideResume(row: LifecycleRow, lastPeriodIndex: number, now: Date): LifecycleDecision {
  if (row.status === 'PAUSED') {
    const next = transitionSubscription(domainState(row), { type: 'RESUME' });
    return change(row, {
      action: 'subscription.resumed',
      patch: { status: next.status, pauseAtPeriodEnd: false, pausedAt: null },
      newPhase: { anchorAt: now, firstPeriodIndex: lastPeriodIndex + 1 },
      // The new phase's first period starts now: it is due at once.
      currentPeriodEnd: now,
    });
  }
  if (
    row.pauseAtPeriodEnd &&
    (row.status === 'ACTIVE' || row.status === 'TRIALING' || row.status === 'PAST_DUE')
  ) {
    return change(row, { action: 'subscription.pause_unscheduled', patch: { pauseAtPeriodEnd: false } });
  }
  if (row.status === 'TRIALING') return { kind: 'noop' }; // never paused: nothing to resume
  transitionSubscription(domainState(row), { type: 'RESUME' }); // no-op for ACTIVE/PAST_DUE, else throws
  return { kind: 'noop' };
}

/**
 * Whether a subscription on a revoked token changes: the domain's TOKEN_REVOKED for the token it
 * uses. Null when nothing changes (already flagged, another token, ended). A signup in progress
 * on it throws.
 */
export function decideTokenRevoked(row: LifecycleRow, tokenId: string): LifecyclePatch | null {
  if (row.status === 'INCOMPLETE_EXPIRED') return null; // never started: never charges
  if (row.status === 'PENDING_TOKENIZATION') {
    throw illegal(row.status, 'TOKEN_REVOKED', 'a signup is still in progress with this token');
  }
  const state = domainState(row);
  const next = transitionSubscription(state, { type: 'TOKEN_REVOKED', tokenId });
  if (row.status === 'CANCELED' || row.tokenId !== tokenId || row.requiresNewToken) return null;
  return next.tokenUsable ? null : { requiresNewToken: true };
}

function change(
  row: LifecycleRow,
  input: {
    action: string;
    patch: LifecyclePatch;
    voidOpenInvoices?: boolean;
    newPhase?: NewPhase;
    currentPeriodEnd?: Date;
    mode?: CancelMode;
  },
): LifecycleDecision {
  const after = { ...row, ...input.patch };
  const next = nextAction({
    status: after.status,
    cancelAtPeriodEnd: after.cancelAtPeriodEnd,
    pauseAtPeriodEnd: after.pauseAtPeriodEnd,
    trialEndsAt: after.trialEndsAt,
    currentPeriodEnd: input.currentPeriodEnd ?? after.currentPeriodEnd,
    signup: { kind: 'NONE' },
    dunning:
      // Without its dunning times a PAST_DUE row has no next action: nextAction refuses (409).
      after.status === 'PAST_DUE' && after.graceEndsAt !== null && after.pastDueSince !== null
        ? { nextRetryAt: after.nextRetryAt, graceEndsAt: after.graceEndsAt }
        : null,
  });
  const nextKind = next?.kind ?? null;
  const nextAt = next?.at ?? null;
  const patch: LifecyclePatch = {
    ...input.patch,
    nextActionKind: nextKind,
    nextActionAt: nextAt,
  };
  const summary = (r: LifecycleRow & LifecyclePatch, kind: NextActionKind | null, at: Date | null) => ({
    status: r.status,
    cancel_at_period_end: r.cancelAtPeriodEnd,
    pause_at_period_end: r.pauseAtPeriodEnd,
    next_action_kind: kind,
    next_action_at: at?.toISOString() ?? null,
  });
  return {
    kind: 'change',
    action: input.action,
    patch,
    voidOpenInvoices: input.voidOpenInvoices ?? false,
    newPhase: input.newPhase ?? null,
    before: summary(row, row.nextActionKind, row.nextActionAt),
    after: { ...summary(after, nextKind, nextAt), ...(input.mode ? { mode: input.mode } : {}) },
  };
}

function sameState(a: SubscriptionState, b: SubscriptionState): boolean {
  return (
    a.status === b.status &&
    a.cancelAtPeriodEnd === b.cancelAtPeriodEnd &&
    a.tokenUsable === b.tokenUsable &&
    a.tokenId === b.tokenId &&
    a.paidThroughPeriodIndex === b.paidThroughPeriodIndex &&
    a.pastDuePeriodIndex === b.pastDuePeriodIndex
  );
}

function illegal(status: SubscriptionStatus, event: SubscriptionEventType | 'CHANGE_PLAN', reason: string) {
  return new IllegalTransitionError<SubscriptionStatus, SubscriptionEventType | 'CHANGE_PLAN'>(
    'subscription',
    status,
    event,
    reason,
  );
}

// ---- change plan from the next period -----------------------------------------------------------
//
//   ACTIVE / PAST_DUE / PAUSED   a new phase on the target version from the period after the current
//                                one: anchored at the current period's end, same zone, numbering
//                                continued (current + 1); no proration. A past-due period is still
//                                collected on the version it was invoiced on.
//   a phase not billed yet       replaced, not added (one pending change): a pending plan change
//                                takes the new version (or is withdrawn when the target is the
//                                version billing now); a resume's phase keeps its anchor, takes
//                                the version
//   target = next version        no-op (the version billing the next period already)
//   another currency             422 (refused before anything else but the status)
//   archived plan                409
//   TRIALING                     409: the trial's first period is not billed yet (change after it)
//   PENDING_TOKENIZATION, INCOMPLETE_EXPIRED, CANCELED, UNPAID: 409 (nothing more is billed)

/** What a plan change decision reads: the subscription, its phases as they bill, the target. */
export interface PlanChangeFacts {
  readonly status: SubscriptionStatus;
  readonly currency: string;
  /** The subscription's current period: the newest one invoiced or in service; its end. */
  readonly currentPeriod: { readonly index: number; readonly end: Date | null };
  /** The version billing the current period. */
  readonly currentPlanVersionId: string;
  /** A phase that starts after the current period (nothing billed in it yet), if any. */
  readonly pending: {
    readonly id: string;
    readonly planVersionId: string;
    readonly anchorAt: Date;
    readonly firstPeriodIndex: number;
  } | null;
  readonly target: {
    readonly planVersionId: string;
    readonly currency: string;
    readonly archived: boolean;
  };
}

export type PlanChangeDecision =
  | { readonly kind: 'noop' }
  | {
      readonly kind: 'currency_mismatch';
      readonly subscriptionCurrency: string;
      readonly planCurrency: string;
    }
  | { readonly kind: 'plan_archived' }
  | {
      readonly kind: 'add_phase';
      readonly phase: {
        readonly anchorAt: Date;
        readonly firstPeriodIndex: number;
        readonly planVersionId: string;
      };
    }
  | { readonly kind: 'replace_pending'; readonly phaseId: string; readonly planVersionId: string }
  | { readonly kind: 'withdraw_pending'; readonly phaseId: string };

const PLAN_CHANGE_REFUSED: Partial<Record<SubscriptionStatus, string>> = {
  PENDING_TOKENIZATION: 'the signup is still in progress; change the plan once it has started',
  INCOMPLETE_EXPIRED: 'the signup never completed: nothing is billed',
  CANCELED: 'the subscription has ended: nothing more is billed',
  UNPAID: 'dunning gave up: no further period is billed',
  TRIALING: "the trial's first period is not billed yet; change the plan after the trial's first charge",
};

/**
 * Whether and how a plan change from the next period applies. Throws IllegalTransitionError (409)
 * for a subscription that bills no next period; currency and archive refusals are results.
 */
export function decideChangePlan(facts: PlanChangeFacts): PlanChangeDecision {
  const refused = PLAN_CHANGE_REFUSED[facts.status];
  if (refused !== undefined) throw illegal(facts.status, 'CHANGE_PLAN', refused);
  const { target, pending, currentPeriod } = facts;
  if (target.currency !== facts.currency) {
    return { kind: 'currency_mismatch', subscriptionCurrency: facts.currency, planCurrency: target.currency };
  }
  const nextVersionId = pending?.planVersionId ?? facts.currentPlanVersionId;
  if (target.planVersionId === nextVersionId) return { kind: 'noop' };
  if (target.archived) return { kind: 'plan_archived' };
  if (pending !== null) {
    // A pending plan change (anchored at the current period's end) going back to the version
    // billing now is withdrawn: the schedule stays the current phase's, unmoved.
    const isPlanChange =
      currentPeriod.end !== null && pending.anchorAt.getTime() === currentPeriod.end.getTime();
    if (isPlanChange && target.planVersionId === facts.currentPlanVersionId) {
      return { kind: 'withdraw_pending', phaseId: pending.id };
    }
    return { kind: 'replace_pending', phaseId: pending.id, planVersionId: target.planVersionId };
  }
  if (currentPeriod.end === null) {
    throw illegal(facts.status, 'CHANGE_PLAN', "the subscription's current period has no end recorded");
  }
  return {
    kind: 'add_phase',
    phase: {
      anchorAt: currentPeriod.end,
      firstPeriodIndex: currentPeriod.index + 1,
      planVersionId: target.planVersionId,
    },
  };
}
