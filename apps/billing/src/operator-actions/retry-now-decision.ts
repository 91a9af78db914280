// Whether an operator's "retry now" may run, decided over the rows the renewal engine reads under
// the subscription's lock. A retry now is the engine's own DUNNING_RETRY moved to now: the same
// stored next action, the same job, so the automatic retry and the operator's can never both send.
import type { RenewalContextRows } from '../store/renewals.js';

export type RetryNowRefusal =
  | { readonly kind: 'NOT_PAST_DUE'; readonly status: string }
  /** The retries are over (only the grace end is left), or none is stored. */
  | { readonly kind: 'NO_RETRY_SCHEDULED'; readonly nextActionKind: string | null }
  /** The invoice is held for an operator: resolve the held attempt first. */
  | { readonly kind: 'HELD'; readonly invoiceId: string }
  /** An attempt was sent and has no answer yet: a new one could charge twice. */
  | { readonly kind: 'ATTEMPT_IN_FLIGHT'; readonly attemptId: string }
  | { readonly kind: 'OUTCOME_UNKNOWN'; readonly attemptId: string }
  /** Revoked, or a new token is needed: a charge would be declined without calling Klarna. */
  | { readonly kind: 'TOKEN_NOT_USABLE' }
  /** The retry is due and a job holds its lease (the automatic one, or an earlier click). */
  | { readonly kind: 'ALREADY_QUEUED'; readonly leaseUntil: Date };

export type RetryNowDecision =
  | RetryNowRefusal
  | {
      readonly kind: 'MOVE';
      readonly invoiceId: string;
      readonly previousDueAt: Date;
      readonly leaseUntil: Date;
    };

export function decideRetryNow(
  ctx: Pick<RenewalContextRows, 'subscription' | 'token' | 'invoice' | 'attempts'>,
  /** The next action's lease (SubscriptionNextAction), read under the same lock. */
  lease: Date | null,
  now: Date,
  leaseMs: number,
): RetryNowDecision {
  const sub = ctx.subscription;
  if (sub.status !== 'PAST_DUE' || ctx.invoice === null || ctx.invoice.status !== 'OPEN') {
    return { kind: 'NOT_PAST_DUE', status: sub.status };
  }
  if (ctx.invoice.heldAt !== null) return { kind: 'HELD', invoiceId: ctx.invoice.id };
  const last = ctx.attempts.at(-1);
  if (last?.status === 'PENDING') return { kind: 'ATTEMPT_IN_FLIGHT', attemptId: last.id };
  if (last?.status === 'UNKNOWN') return { kind: 'OUTCOME_UNKNOWN', attemptId: last.id };
  if (sub.requiresNewToken || ctx.token === null || ctx.token.status !== 'ACTIVE') {
    return { kind: 'TOKEN_NOT_USABLE' };
  }
  if (sub.nextActionKind !== 'DUNNING_RETRY' || sub.nextActionAt === null) {
    return { kind: 'NO_RETRY_SCHEDULED', nextActionKind: sub.nextActionKind };
  }
  if (sub.nextActionAt.getTime() <= now.getTime() && lease !== null && lease.getTime() > now.getTime()) {
    return { kind: 'ALREADY_QUEUED', leaseUntil: lease };
  }
  return {
    kind: 'MOVE',
    invoiceId: ctx.invoice.id,
    previousDueAt: sub.nextActionAt,
    leaseUntil: new Date(now.getTime() + leaseMs),
  };
}
