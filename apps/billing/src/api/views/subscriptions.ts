import type { SubscriptionDetail } from '../../store/subscriptions.js';
import type { SkippedPeriodRow } from '../../store/subscription-lifecycle.js';
import type { SkippedPeriodJson, SubscriptionJson } from '../schemas/subscriptions.js';
import { iso, isoOrNull } from './time.js';

export function subscriptionView(subscription: SubscriptionDetail): SubscriptionJson {
  const current =
    subscription.phases.findLast((phase) => phase.firstPeriodIndex <= subscription.periodIndex) ??
    subscription.phases[0];
  if (current === undefined) throw new Error(`subscription ${subscription.id} has no phase`);
  const request = subscription.paymentRequests[0];
  return {
    id: subscription.id,
    object: 'subscription',
    status: subscription.status,
    customer_id: subscription.customerId,
    plan: { id: current.planVersion.planId, version: current.planVersion.version },
    currency: subscription.currency,
    time_zone: subscription.timeZone,
    current_period:
      subscription.currentPeriodStart !== null && subscription.currentPeriodEnd !== null
        ? {
            index: subscription.periodIndex,
            start: iso(subscription.currentPeriodStart),
            end: iso(subscription.currentPeriodEnd),
          }
        : null,
    trial_ends_at: isoOrNull(subscription.trialEndsAt),
    next_action:
      subscription.nextActionKind !== null && subscription.nextActionAt !== null
        ? { kind: subscription.nextActionKind, at: iso(subscription.nextActionAt) }
        : null,
    requires_new_token: subscription.requiresNewToken,
    token_id: subscription.tokenId,
    payment_request:
      request === undefined
        ? null
        : {
            id: request.id,
            state: request.state,
            url: request.url,
            expires_at: isoOrNull(request.expiresAt),
          },
    cancel_at_period_end: subscription.cancelAtPeriodEnd,
    canceled_at: isoOrNull(subscription.canceledAt),
    pause_at_period_end: subscription.pauseAtPeriodEnd,
    paused_at: isoOrNull(subscription.pausedAt),
    dunning:
      subscription.pastDueSince === null
        ? null
        : {
            past_due_since: iso(subscription.pastDueSince),
            next_retry_at: isoOrNull(subscription.nextRetryAt),
            grace_ends_at: isoOrNull(subscription.graceEndsAt),
          },
    ended_at: isoOrNull(subscription.endedAt),
    ended_reason: subscription.endedReason,
    created_at: iso(subscription.createdAt),
    phases: subscription.phases.map((phase) => ({
      plan_version_id: phase.planVersionId,
      plan_version: phase.planVersion.version,
      anchor_at: iso(phase.anchorAt),
      first_period_index: phase.firstPeriodIndex,
    })),
  };
}

export function skippedPeriodView(range: SkippedPeriodRow): SkippedPeriodJson {
  return {
    id: range.id,
    object: 'skipped_period_range',
    subscription_id: range.subscriptionId,
    from_index: range.fromIndex,
    to_index: range.toIndex,
    period_start: iso(range.periodStart),
    period_end: iso(range.periodEnd),
    reason: range.reason,
    created_at: iso(range.createdAt),
  };
}
