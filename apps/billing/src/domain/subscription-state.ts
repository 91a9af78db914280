// Subscription lifecycle as a pure transition function.
//
// Rebill receives facts at least once and not always in order (webhooks, replayed jobs, late
// reconciliations), so every event is one of:
// - a change (returns a new, frozen state),
// - a no-op (returns the SAME state object: `next === state`) when the fact is a duplicate or is
//   already superseded by what the state records,
// - illegal (throws IllegalTransitionError; the input is never mutated) when applying it would be
//   a bug or a stale decision: e.g. PAUSE while PAST_DUE, DUNNING_EXHAUSTED after the customer paid.
//
// Matrix (P=PENDING_TOKENIZATION T=TRIALING A=ACTIVE D=PAST_DUE Z=PAUSED U=UNPAID; "=" no-op; "x" illegal):
//   TOKENIZED{withTrial,tokenId} P->T (trial) / P->A, recording the token; others =
//   TOKENIZATION_EXPIRED|FAILED P->INCOMPLETE_EXPIRED; others = (late news about a superseded request)
//   TRIAL_ENDED                P x; T->A (T->CANCELED if cancelAtPeriodEnd); others =
//   CHARGE_APPROVED{period}    period <= paidThrough: =. Else records paidThrough; when that covers
//                              pastDuePeriodIndex (or nothing is past due) clears it and T,A,D,U->A
//                              (P,Z keep status); a late approval of an OLDER period than the one
//                              past due leaves D/U as they are: the newer period is still unpaid
//   CHARGE_DECLINED{period}    P x (apply TOKENIZED first); period <= paidThrough: = (stale, already paid);
//                              else pastDuePeriodIndex = max(it, period) and T,A->D; D,U,Z keep status
//   DUNNING_EXHAUSTED{action}  D->CANCELED|U; U with MARK_UNPAID =; all else x (stale decision)
//   PAUSE                      A->Z; Z =; others x
//   RESUME                     Z->A (Z->D when a decline arrived while paused); A,D =; others x
//   CANCEL{IMMEDIATELY}        any->CANCELED
//   CANCEL{AT_PERIOD_END}      T,A,D: set cancelAtPeriodEnd (= if set); P,Z,U->CANCELED (no paid period runs)
//   UNCANCEL                   clears cancelAtPeriodEnd (= if clear)
//   PERIOD_ENDED               P x; cancelAtPeriodEnd -> CANCELED; otherwise =
//   TOKEN_REVOKED{tokenId}     P x; for the current token: tokenUsable -> false (= if already), status
//                              unchanged: the next charge is a HARD decline unless TOKEN_REPLACED
//                              comes first; for any other token (a late webhook about the token
//                              this one replaced): =
//   TOKEN_REPLACED{tokenId}    P x (that is TOKENIZED); records the new token as usable (= if it is
//                              already the current, usable one)
// Final states CANCELED and INCOMPLETE_EXPIRED never change again. Late or redelivered news that
// asks for nothing is a no-op there (a duplicate CANCEL, DUNNING_EXHAUSTED or TOKENIZATION_EXPIRED,
// a decline, PERIOD_ENDED or TRIAL_ENDED from a job that raced the cancel, the token revocation a
// cancel itself triggers); news that needs someone to act still throws: money taken after the end
// (CHARGE_APPROVED for an unpaid period: refund), a token issued for it (TOKENIZED: revoke), and
// requests to PAUSE, RESUME, UNCANCEL or TOKEN_REPLACED. INCOMPLETE_EXPIRED never started, so
// events that need a started subscription stay illegal there as in PENDING_TOKENIZATION.
import type { FinalAction } from './dunning-policy.js';
import { IllegalTransitionError, InvalidInputError } from './errors.js';

/** Matches the Prisma enum SubscriptionStatus. */
export const SUBSCRIPTION_STATUSES = [
  'PENDING_TOKENIZATION',
  'TRIALING',
  'ACTIVE',
  'PAST_DUE',
  'PAUSED',
  'CANCELED',
  'UNPAID',
  'INCOMPLETE_EXPIRED',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const FINAL_SUBSCRIPTION_STATUSES = ['CANCELED', 'INCOMPLETE_EXPIRED'] as const;
export type FinalSubscriptionStatus = (typeof FINAL_SUBSCRIPTION_STATUSES)[number];
type LiveStatus = Exclude<SubscriptionStatus, FinalSubscriptionStatus>;

export function isFinalSubscriptionStatus(status: SubscriptionStatus): status is FinalSubscriptionStatus {
  return (FINAL_SUBSCRIPTION_STATUSES as readonly string[]).includes(status);
}

export interface SubscriptionState {
  readonly status: SubscriptionStatus;
  readonly cancelAtPeriodEnd: boolean;
  /** False before tokenization and after a revocation, until a replacement token arrives. */
  readonly tokenUsable: boolean;
  /** Rebill's id of the token charges use; null before tokenization. */
  readonly tokenId: string | null;
  /** Highest period index with an approved charge; null before the first. */
  readonly paidThroughPeriodIndex: number | null;
  /**
   * Newest declined period that no approval has covered yet (the one in dunning); null when
   * nothing is past due. Always greater than paidThroughPeriodIndex when set.
   */
  readonly pastDuePeriodIndex: number | null;
}

export const INITIAL_SUBSCRIPTION_STATE: SubscriptionState = Object.freeze({
  status: 'PENDING_TOKENIZATION',
  cancelAtPeriodEnd: false,
  tokenUsable: false,
  tokenId: null,
  paidThroughPeriodIndex: null,
  pastDuePeriodIndex: null,
});

export const CANCEL_MODES = ['IMMEDIATELY', 'AT_PERIOD_END'] as const;
export type CancelMode = (typeof CANCEL_MODES)[number];

export type SubscriptionEvent =
  | { readonly type: 'TOKENIZED'; readonly withTrial: boolean; readonly tokenId: string }
  | { readonly type: 'TOKENIZATION_EXPIRED' }
  | { readonly type: 'TOKENIZATION_FAILED' }
  | { readonly type: 'TRIAL_ENDED' }
  | { readonly type: 'CHARGE_APPROVED'; readonly periodIndex: number }
  | { readonly type: 'CHARGE_DECLINED'; readonly periodIndex: number }
  | { readonly type: 'DUNNING_EXHAUSTED'; readonly finalAction: FinalAction }
  | { readonly type: 'PAUSE' }
  | { readonly type: 'RESUME' }
  | { readonly type: 'CANCEL'; readonly mode: CancelMode }
  | { readonly type: 'UNCANCEL' }
  | { readonly type: 'PERIOD_ENDED' }
  | { readonly type: 'TOKEN_REVOKED'; readonly tokenId: string }
  | { readonly type: 'TOKEN_REPLACED'; readonly tokenId: string };

export type SubscriptionEventType = SubscriptionEvent['type'];

export const SUBSCRIPTION_EVENT_TYPES = [
  'TOKENIZED',
  'TOKENIZATION_EXPIRED',
  'TOKENIZATION_FAILED',
  'TRIAL_ENDED',
  'CHARGE_APPROVED',
  'CHARGE_DECLINED',
  'DUNNING_EXHAUSTED',
  'PAUSE',
  'RESUME',
  'CANCEL',
  'UNCANCEL',
  'PERIOD_ENDED',
  'TOKEN_REVOKED',
  'TOKEN_REPLACED',
] as const satisfies readonly SubscriptionEventType[];

export function transitionSubscription(
  state: SubscriptionState,
  event: SubscriptionEvent,
): SubscriptionState {
  const status = state.status;
  const illegal = (reason: string) =>
    new IllegalTransitionError<SubscriptionStatus, SubscriptionEventType>(
      'subscription',
      status,
      event.type,
      reason,
    );
  if (isFinalSubscriptionStatus(status)) {
    if (isHarmlessAfterEnd(state, status, event)) return state;
    throw illegal('the subscription has ended');
  }
  const live: LiveStatus = status;
  const pending = live === 'PENDING_TOKENIZATION';

  switch (event.type) {
    case 'TOKENIZED':
      checkTokenId(event.tokenId);
      return pending
        ? change(state, {
            status: event.withTrial ? 'TRIALING' : 'ACTIVE',
            tokenUsable: true,
            tokenId: event.tokenId,
          })
        : state;

    case 'TOKENIZATION_EXPIRED':
    case 'TOKENIZATION_FAILED':
      return pending ? change(state, { status: 'INCOMPLETE_EXPIRED' }) : state;

    case 'TRIAL_ENDED':
      if (pending) throw illegal('no trial has started');
      if (live !== 'TRIALING') return state;
      return change(state, { status: state.cancelAtPeriodEnd ? 'CANCELED' : 'ACTIVE' });

    case 'CHARGE_APPROVED': {
      if (alreadyPaid(state, event.periodIndex)) return state;
      const paid = { paidThroughPeriodIndex: event.periodIndex };
      // A late approval of an older period: the newer declined one is still being dunned.
      if (state.pastDuePeriodIndex !== null && state.pastDuePeriodIndex > event.periodIndex) {
        return change(state, paid);
      }
      const settled = { ...paid, pastDuePeriodIndex: null };
      return live === 'PENDING_TOKENIZATION' || live === 'PAUSED'
        ? change(state, settled)
        : change(state, { ...settled, status: 'ACTIVE' });
    }

    case 'CHARGE_DECLINED': {
      if (pending) throw illegal('apply TOKENIZED before the first charge outcome');
      if (alreadyPaid(state, event.periodIndex)) return state;
      const pastDue = Math.max(state.pastDuePeriodIndex ?? event.periodIndex, event.periodIndex);
      const status = live === 'TRIALING' || live === 'ACTIVE' ? 'PAST_DUE' : live;
      return pastDue === state.pastDuePeriodIndex && status === live
        ? state
        : change(state, { status, pastDuePeriodIndex: pastDue });
    }

    case 'DUNNING_EXHAUSTED':
      if (live === 'PAST_DUE') {
        return change(state, { status: event.finalAction === 'CANCEL' ? 'CANCELED' : 'UNPAID' });
      }
      if (live === 'UNPAID' && event.finalAction === 'MARK_UNPAID') return state;
      throw illegal('only a past-due subscription can exhaust dunning');

    case 'PAUSE':
      if (live === 'ACTIVE') return change(state, { status: 'PAUSED' });
      if (live === 'PAUSED') return state;
      throw illegal('only an active subscription can be paused');

    case 'RESUME':
      if (live === 'PAUSED') {
        return change(state, { status: state.pastDuePeriodIndex === null ? 'ACTIVE' : 'PAST_DUE' });
      }
      // Not paused (any more): a repeated RESUME has nothing to do.
      if (live === 'ACTIVE' || live === 'PAST_DUE') return state;
      throw illegal('only a paused subscription can be resumed');

    case 'CANCEL':
      if (
        event.mode === 'AT_PERIOD_END' &&
        (live === 'TRIALING' || live === 'ACTIVE' || live === 'PAST_DUE')
      ) {
        return state.cancelAtPeriodEnd ? state : change(state, { cancelAtPeriodEnd: true });
      }
      return change(state, { status: 'CANCELED' });

    case 'UNCANCEL':
      return state.cancelAtPeriodEnd ? change(state, { cancelAtPeriodEnd: false }) : state;

    case 'PERIOD_ENDED':
      if (pending) throw illegal('no billing period has started');
      return state.cancelAtPeriodEnd ? change(state, { status: 'CANCELED' }) : state;

    case 'TOKEN_REVOKED':
      checkTokenId(event.tokenId);
      if (pending) throw illegal('no token yet');
      return state.tokenUsable && event.tokenId === state.tokenId
        ? change(state, { tokenUsable: false })
        : state;

    case 'TOKEN_REPLACED':
      checkTokenId(event.tokenId);
      if (pending) throw illegal('the first token arrives as TOKENIZED');
      return state.tokenUsable && event.tokenId === state.tokenId
        ? state
        : change(state, { tokenUsable: true, tokenId: event.tokenId });
  }
}

/** Whether a final state can ignore `event`: a duplicate or late fact that asks for no action. */
function isHarmlessAfterEnd(
  state: SubscriptionState,
  status: FinalSubscriptionStatus,
  event: SubscriptionEvent,
): boolean {
  const started = status === 'CANCELED';
  switch (event.type) {
    case 'CHARGE_DECLINED':
      checkPeriodIndex(event.periodIndex);
      return true;
    case 'TOKENIZATION_EXPIRED':
    case 'TOKENIZATION_FAILED':
    case 'CANCEL':
      return true;
    case 'CHARGE_APPROVED':
      return alreadyPaid(state, event.periodIndex);
    case 'TRIAL_ENDED':
    case 'PERIOD_ENDED':
    case 'DUNNING_EXHAUSTED':
    case 'TOKEN_REVOKED':
      return started;
    case 'TOKENIZED':
    case 'PAUSE':
    case 'RESUME':
    case 'UNCANCEL':
    case 'TOKEN_REPLACED':
      return false;
  }
}

/** True when `periodIndex` is already covered by an approved charge (duplicate or stale news). */
function alreadyPaid(state: SubscriptionState, periodIndex: number): boolean {
  checkPeriodIndex(periodIndex);
  return state.paidThroughPeriodIndex !== null && periodIndex <= state.paidThroughPeriodIndex;
}

function checkTokenId(tokenId: string): void {
  if (typeof tokenId !== 'string' || tokenId === '') {
    throw new InvalidInputError('tokenId', 'must be a non-empty string');
  }
}

function checkPeriodIndex(periodIndex: number): void {
  if (!Number.isSafeInteger(periodIndex) || periodIndex < 0) {
    throw new InvalidInputError('periodIndex', 'must be a non-negative integer');
  }
}

function change(state: SubscriptionState, patch: Partial<SubscriptionState>): SubscriptionState {
  return Object.freeze({ ...state, ...patch });
}
