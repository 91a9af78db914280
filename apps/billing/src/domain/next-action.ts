// The one thing the scheduler must do next for a subscription, and when. Stored on the row
// (nextActionAt + nextActionKind) in the same transaction as every state change, so a sweep reads
// only two indexed columns and never re-derives a subscription's state.
//
//   PENDING_TOKENIZATION  FINALIZE at the finalize's next send time while a first payment waits
//                         for its network-session-token authorization; else SIGNUP_EXPIRY at the
//                         journey's expiry (the janitor reads what Klarna says); else nothing
//   TRIALING              TRIAL_END at the trial end (CANCEL_AT_PERIOD_END if asked to cancel,
//                         else PAUSE_AT_PERIOD_END if asked to pause)
//   ACTIVE                RENEWAL at the current period's end (CANCEL_AT_PERIOD_END or
//                         PAUSE_AT_PERIOD_END if asked; a cancel wins over a pause)
//   PAST_DUE              the earliest of DUNNING_RETRY, GRACE_END and CANCEL_AT_PERIOD_END; on a
//                         tie a retry runs first (one more chance to collect), then the grace end
//   PAUSED, UNPAID        nothing: only an operator or the merchant moves them
//   CANCELED, INCOMPLETE_EXPIRED  nothing, ever
import { InvalidInputError } from './errors.js';
import { instantMs } from './instant.js';
import { isFinalSubscriptionStatus, type SubscriptionStatus } from './subscription-state.js';

/** Matches the Prisma enum NextActionKind. */
export const NEXT_ACTION_KINDS = [
  'TRIAL_END',
  'RENEWAL',
  'DUNNING_RETRY',
  'GRACE_END',
  'CANCEL_AT_PERIOD_END',
  'FINALIZE',
  'SIGNUP_EXPIRY',
  'PAUSE_AT_PERIOD_END',
] as const;
export type NextActionKind = (typeof NEXT_ACTION_KINDS)[number];

export interface NextAction {
  readonly kind: NextActionKind;
  readonly at: Date;
}

/** Where a PENDING_TOKENIZATION subscription's signup stands. */
export type SignupSchedule =
  /** A first payment awaits its finalize; `at` is when to send (again). */
  | { readonly kind: 'FINALIZING'; readonly at: Date }
  /** The customer has the journey; `expiresAt` is the payment request's expiry. */
  | { readonly kind: 'AWAITING_CUSTOMER'; readonly expiresAt: Date }
  | { readonly kind: 'NONE' };

export interface NextActionFacts {
  readonly status: SubscriptionStatus;
  readonly cancelAtPeriodEnd: boolean;
  /** A pause asked for, taking effect when the paid period (or the trial) ends. */
  readonly pauseAtPeriodEnd: boolean;
  readonly trialEndsAt: Date | null;
  /** End of the current billing period: when the next period is due. */
  readonly currentPeriodEnd: Date | null;
  readonly signup: SignupSchedule;
  /** PAST_DUE only: the next retry (null when retries are over) and the grace end. */
  readonly dunning: { readonly nextRetryAt: Date | null; readonly graceEndsAt: Date } | null;
}

export function nextAction(facts: NextActionFacts): NextAction | null {
  const { status } = facts;
  if (isFinalSubscriptionStatus(status)) return null;
  switch (status) {
    case 'PENDING_TOKENIZATION':
      return signupAction(facts.signup);
    case 'TRIALING':
      return periodEndAction(facts, required(facts.trialEndsAt, 'trialEndsAt'), 'TRIAL_END');
    case 'ACTIVE':
      return periodEndAction(facts, required(facts.currentPeriodEnd, 'currentPeriodEnd'), 'RENEWAL');
    case 'PAST_DUE':
      return pastDueAction(facts);
    case 'PAUSED':
    case 'UNPAID':
      return null;
  }
}

function signupAction(signup: SignupSchedule): NextAction | null {
  switch (signup.kind) {
    case 'FINALIZING':
      return action('FINALIZE', signup.at, 'signup.at');
    case 'AWAITING_CUSTOMER':
      return action('SIGNUP_EXPIRY', signup.expiresAt, 'signup.expiresAt');
    case 'NONE':
      return null;
  }
}

function periodEndAction(facts: NextActionFacts, end: Date, kind: NextActionKind): NextAction {
  const ending = facts.cancelAtPeriodEnd
    ? 'CANCEL_AT_PERIOD_END'
    : facts.pauseAtPeriodEnd
      ? 'PAUSE_AT_PERIOD_END'
      : kind;
  return action(ending, end, 'periodEnd');
}

/** Earliest first; ties go to the earlier entry of this list. */
function pastDueAction(facts: NextActionFacts): NextAction {
  const dunning = facts.dunning;
  if (dunning === null) throw new InvalidInputError('dunning', 'is required for a PAST_DUE subscription');
  const candidates: NextAction[] = [];
  if (dunning.nextRetryAt !== null)
    candidates.push(action('DUNNING_RETRY', dunning.nextRetryAt, 'nextRetryAt'));
  candidates.push(action('GRACE_END', dunning.graceEndsAt, 'graceEndsAt'));
  if (facts.cancelAtPeriodEnd) {
    const end = required(facts.currentPeriodEnd, 'currentPeriodEnd');
    candidates.push(action('CANCEL_AT_PERIOD_END', end, 'currentPeriodEnd'));
  }
  return candidates.reduce((best, next) => (next.at.getTime() < best.at.getTime() ? next : best));
}

function required(value: Date | null, field: string): Date {
  if (value === null) throw new InvalidInputError(field, 'is required in this status');
  return value;
}

function action(kind: NextActionKind, at: Date, field: string): NextAction {
  return Object.freeze({ kind, at: new Date(instantMs(at, field)) });
}
