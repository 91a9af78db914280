// What every new subscription starts from, a signup's or one on an existing token: the customer,
// the plan's newest version (not archived), the time zone and the schedule from now.
import { anchorForNewSubscription, type BillingAnchor } from '../domain/index.js';
import { audit, type Actor } from '../store/audit.js';
import type { Tx } from '../store/db.js';
import { setIdempotencyResource } from '../store/idempotency.js';
import { readSignupInputs, type SignupInputs } from '../store/signup-writes.js';

export interface NewSubscriptionInput {
  readonly merchantId: string;
  readonly customerId: string;
  readonly planId: string;
  readonly returnUrl: string;
  readonly timeZone: string | null;
  readonly actor: Actor;
  readonly idempotencyRecordId: string | null;
}

export type NewSubscriptionRefusal =
  | { readonly kind: 'not_found'; readonly field: 'customer_id' | 'plan_id' }
  | { readonly kind: 'plan_archived' };

export interface NewSubscriptionStart {
  readonly kind: 'ready';
  readonly customer: NonNullable<SignupInputs['customer']>;
  readonly plan: Omit<NonNullable<SignupInputs['plan']>, 'latest'>;
  readonly version: NonNullable<NonNullable<SignupInputs['plan']>['latest']>;
  readonly timeZone: string;
  readonly anchor: BillingAnchor;
  readonly trialEndsAt: Date | null;
}

export async function readNewSubscription(
  tx: Tx,
  input: NewSubscriptionInput,
  now: Date,
): Promise<NewSubscriptionStart | NewSubscriptionRefusal> {
  const { customer, plan, merchant } = await readSignupInputs(tx, input);
  if (customer === null) return { kind: 'not_found', field: 'customer_id' };
  const version = plan?.latest ?? null;
  if (plan === null || version === null) return { kind: 'not_found', field: 'plan_id' };
  if (plan.status === 'ARCHIVED') return { kind: 'plan_archived' };
  const timeZone = input.timeZone ?? merchant.timeZone;
  const { anchor, trialEndsAt } = anchorForNewSubscription({
    startAt: now,
    timeZone,
    interval: version.interval,
    intervalCount: version.intervalCount,
    trialDays: version.trialDays,
  });
  return { kind: 'ready', customer, plan, version, timeZone, anchor, trialEndsAt };
}

/** The Idempotency-Key's resource and the `subscription.created` audit row, with `extra` facts. */
export async function recordCreated(
  tx: Tx,
  input: NewSubscriptionInput,
  start: NewSubscriptionStart,
  created: {
    readonly subscriptionId: string;
    readonly at: Date;
    readonly extra: Record<string, string | null>;
  },
): Promise<void> {
  if (input.idempotencyRecordId !== null) {
    await setIdempotencyResource(tx, input.idempotencyRecordId, created.subscriptionId);
  }
  await audit(tx, {
    actor: input.actor,
    merchantId: input.merchantId,
    subscriptionId: created.subscriptionId,
    entityType: 'subscription',
    entityId: created.subscriptionId,
    action: 'subscription.created',
    after: {
      status: 'PENDING_TOKENIZATION',
      customer_id: start.customer.id,
      plan_version_id: start.version.id,
      time_zone: start.timeZone,
      trial_ends_at: start.trialEndsAt?.toISOString() ?? null,
      ...created.extra,
    },
    at: created.at,
  });
}
