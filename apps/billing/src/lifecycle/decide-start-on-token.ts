// Whether a merchant may start a subscription on a customer token Rebill already holds (no
// journey): the token must be ACTIVE, the customer's own, and scoped for charges with no customer
// present (CONTRACT.md §11.1: a charge outside the token's scope is declined, so it is refused here
// instead). The starting state is the signup's own TOKENIZED transition.
import { nextAction, type NextAction } from '../domain/next-action.js';
import {
  INITIAL_SUBSCRIPTION_STATE,
  transitionSubscription,
  type SubscriptionStatus,
} from '../domain/subscription-state.js';

export const RECURRING_SCOPE = 'payment:customer_not_present';

export interface HeldToken {
  readonly id: string;
  readonly customerId: string;
  readonly status: 'ACTIVE' | 'REVOKED';
  readonly scopes: readonly string[];
}

export type TokenRefusal = 'revoked' | 'other_customer' | 'scope';

export type StartOnTokenDecision =
  | {
      readonly kind: 'start';
      readonly status: Extract<SubscriptionStatus, 'TRIALING' | 'ACTIVE'>;
      /** TRIAL_END at the trial's end, or RENEWAL now: the renewal engine charges period 0. */
      readonly next: NextAction;
    }
  | { readonly kind: 'refused'; readonly reason: TokenRefusal; readonly message: string };

export interface StartOnTokenFacts {
  readonly token: HeldToken;
  readonly customerId: string;
  readonly trialEndsAt: Date | null;
  /** When period 0 starts (the anchor): a paid plan's first charge is due then. */
  readonly firstPeriodStart: Date;
}

export function decideStartOnToken(facts: StartOnTokenFacts): StartOnTokenDecision {
  const { token } = facts;
  if (token.customerId !== facts.customerId) {
    return { kind: 'refused', reason: 'other_customer', message: "is not this customer's token" };
  }
  if (token.status !== 'ACTIVE') return { kind: 'refused', reason: 'revoked', message: 'is revoked' };
  if (!token.scopes.includes(RECURRING_SCOPE)) {
    return {
      kind: 'refused',
      reason: 'scope',
      message: `has no ${RECURRING_SCOPE} scope: it cannot be charged without the customer`,
    };
  }
  const withTrial = facts.trialEndsAt !== null;
  const state = transitionSubscription(INITIAL_SUBSCRIPTION_STATE, {
    type: 'TOKENIZED',
    withTrial,
    tokenId: token.id,
  });
  const status = state.status === 'TRIALING' ? 'TRIALING' : 'ACTIVE';
  const next = nextAction({
    status,
    cancelAtPeriodEnd: false,
    pauseAtPeriodEnd: false,
    trialEndsAt: facts.trialEndsAt,
    // No period is paid yet: the "current" one ends when period 0 is due.
    currentPeriodEnd: facts.firstPeriodStart,
    signup: { kind: 'NONE' },
    dunning: null,
  });
  if (next === null) throw new Error(`a ${status} subscription always has a next action`);
  return { kind: 'start', status, next };
}
