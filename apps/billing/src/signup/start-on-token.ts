// A new subscription on a customer token Rebill already holds, with no Klarna journey: one
// transaction writes it already TRIALING or ACTIVE (decideStartOnToken), with its audit rows (the
// activation's merchant webhook event among them). A paid plan's first period is then charged by
// the renewal engine like any renewal (RENEWAL due now: the scheduler and the worker), never here.
import { anchorForNewSubscription } from '../domain/index.js';
import type { Clock } from '../domain/clock.js';
import { decideStartOnToken, type TokenRefusal } from '../lifecycle/decide-start-on-token.js';
import { audit, type Actor } from '../store/audit.js';
import { findCustomerTokenById } from '../store/customer-tokens.js';
import { inTransaction, type Db } from '../store/db.js';
import { setIdempotencyResource } from '../store/idempotency.js';
import { readSignupInputs } from '../store/signup-writes.js';
import { insertTokenSubscription } from '../store/token-subscriptions.js';

export interface StartOnTokenDeps {
  readonly db: Db;
  readonly clock: Clock;
}

export interface StartOnTokenInput {
  readonly merchantId: string;
  readonly customerId: string;
  readonly planId: string;
  readonly tokenId: string;
  readonly returnUrl: string;
  readonly timeZone: string | null;
  readonly actor: Actor;
  readonly idempotencyRecordId: string | null;
}

export type StartOnTokenResult =
  | { readonly kind: 'started'; readonly subscriptionId: string }
  | { readonly kind: 'not_found'; readonly field: 'customer_id' | 'plan_id' | 'customer_token_id' }
  | { readonly kind: 'plan_archived' }
  | { readonly kind: 'token_refused'; readonly reason: TokenRefusal; readonly message: string };

export async function startOnToken(
  deps: StartOnTokenDeps,
  input: StartOnTokenInput,
): Promise<StartOnTokenResult> {
  return inTransaction(deps.db, async (tx) => {
    const { customer, plan, merchant } = await readSignupInputs(tx, input);
    if (customer === null) return { kind: 'not_found', field: 'customer_id' } as const;
    const version = plan?.latest ?? null;
    if (plan === null || version === null) return { kind: 'not_found', field: 'plan_id' } as const;
    if (plan.status === 'ARCHIVED') return { kind: 'plan_archived' } as const;
    const token = await findCustomerTokenById(tx, input.merchantId, input.tokenId);
    if (token === null) return { kind: 'not_found', field: 'customer_token_id' } as const;

    const now = deps.clock.now();
    const timeZone = input.timeZone ?? merchant.timeZone;
    const { anchor, trialEndsAt } = anchorForNewSubscription({
      startAt: now,
      timeZone,
      interval: version.interval,
      intervalCount: version.intervalCount,
      trialDays: version.trialDays,
    });
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
    if (input.idempotencyRecordId !== null) {
      await setIdempotencyResource(tx, input.idempotencyRecordId, subscriptionId);
    }
    const entry = { actor: input.actor, merchantId: input.merchantId, subscriptionId, at: now };
    await audit(tx, {
      ...entry,
      entityType: 'subscription',
      entityId: subscriptionId,
      action: 'subscription.created',
      after: {
        status: 'PENDING_TOKENIZATION',
        customer_id: customer.id,
        plan_version_id: version.id,
        time_zone: timeZone,
        trial_ends_at: trialEndsAt?.toISOString() ?? null,
        token_id: token.id,
      },
    });
    await audit(tx, {
      ...entry,
      entityType: 'subscription',
      entityId: subscriptionId,
      action: decision.status === 'TRIALING' ? 'subscription.trial_started' : 'subscription.activated',
      before: { status: 'PENDING_TOKENIZATION' },
      after: { status: decision.status, token_id: token.id, first_period_paid: false },
    });
    return { kind: 'started', subscriptionId } as const;
  });
}
