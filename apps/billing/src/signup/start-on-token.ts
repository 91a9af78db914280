// A new subscription on a customer token Rebill already holds, with no Klarna journey: one
// transaction writes it already TRIALING or ACTIVE (decideStartOnToken), with its audit rows (the
// activation's merchant webhook event among them). A paid plan's first period is then charged by
// the renewal engine like any renewal (RENEWAL due now: the scheduler and the worker), never here.
import type { Clock } from '../domain/clock.js';
import { decideStartOnToken, type TokenRefusal } from '../lifecycle/decide-start-on-token.js';
import { audit } from '../store/audit.js';
import { findCustomerTokenById } from '../store/customer-tokens.js';
import { inTransaction, type Db } from '../store/db.js';
import { insertTokenSubscription } from '../store/token-subscriptions.js';
import {
  readNewSubscription,
  recordCreated,
  type NewSubscriptionInput,
  type NewSubscriptionRefusal,
} from './new-subscription.js';

export interface StartOnTokenDeps {
  readonly db: Db;
  readonly clock: Clock;
}

export interface StartOnTokenInput extends NewSubscriptionInput {
  readonly tokenId: string;
}

export type StartOnTokenResult =
  | { readonly kind: 'started'; readonly subscriptionId: string }
  | NewSubscriptionRefusal
  | { readonly kind: 'not_found'; readonly field: 'customer_token_id' }
  | { readonly kind: 'token_refused'; readonly reason: TokenRefusal; readonly message: string };

export async function startOnToken(
  deps: StartOnTokenDeps,
  input: StartOnTokenInput,
): Promise<StartOnTokenResult> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const start = await readNewSubscription(tx, input, now);
    if (start.kind !== 'ready') return start;
    const { customer, plan, version, timeZone, anchor, trialEndsAt } = start;
    const token = await findCustomerTokenById(tx, input.merchantId, input.tokenId);
    if (token === null) return { kind: 'not_found', field: 'customer_token_id' } as const;
    const decision = decideStartOnToken({
      token,
      customerId: customer.id,
      trialEndsAt,
      firstPeriodStart: anchor.anchorAt,
    });
    if (decision.kind === 'refused') {
      return { kind: 'token_refused', reason: decision.reason, message: decision.message } as const;
    }

    const subscriptionId = await insertTokenSubscription(tx, {
      merchantId: input.merchantId,
      customerId: customer.id,
      tokenId: token.id,
      status: decision.status,
      planVersion: version,
      timeZone,
      currency: plan.currency,
      returnUrl: input.returnUrl,
      anchorAt: anchor.anchorAt,
      trialEndsAt,
      next: decision.next,
      now,
    });
    await recordCreated(tx, input, start, { subscriptionId, at: now, extra: { token_id: token.id } });
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      subscriptionId,
      at: now,
      entityType: 'subscription',
      entityId: subscriptionId,
      action: decision.status === 'TRIALING' ? 'subscription.trial_started' : 'subscription.activated',
      before: { status: 'PENDING_TOKENIZATION' },
      after: { status: decision.status, token_id: token.id, first_period_paid: false },
    });
    return { kind: 'started', subscriptionId } as const;
  });
}
