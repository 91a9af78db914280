// Side effects that follow a committed signup decision: the fast-path job, and cancelling a
// journey the decision no longer needs. Both are safe to lose: the job's lease expires and the
// sweep enqueues it again; an uncancelled journey simply expires at Klarna.
import { klarnaIdempotencyKey } from '../ids/idempotency-keys.js';
import { findPaymentRequest } from '../store/signup-writes.js';
import type { SignupContext } from '../store/signups.js';
import type { SignupDeps } from './deps.js';
import type { Settled } from './settle.js';

export async function enqueueAfterCommit(
  deps: SignupDeps,
  enqueue: Settled['enqueue'] | undefined,
): Promise<void> {
  if (enqueue === null || enqueue === undefined) return;
  try {
    await deps.enqueueNextAction(enqueue.payload, enqueue.leaseUntil);
  } catch (error) {
    deps.log.warn(
      { err: error, subscriptionId: enqueue.payload.subscriptionId },
      'fast-path enqueue failed; the sweep will pick it up',
    );
  }
}

export async function cancelJourneyIfAsked(
  deps: SignupDeps,
  ctx: SignupContext,
  settled: Settled | null,
): Promise<void> {
  if (settled?.resolution.kind !== 'END' || !settled.resolution.cancelJourney) return;
  const request = await findPaymentRequest(deps.db, ctx.paymentRequest.id);
  if (request === null || request.klarnaPaymentRequestId === null) return;
  if (request.state !== 'SUBMITTED' && request.state !== 'IN_PROGRESS') return;
  const outcome = await deps.gateway.cancelPaymentRequest(
    ctx.merchant.klarnaPartnerAccountId,
    request.klarnaPaymentRequestId,
    klarnaIdempotencyKey('payment-request-cancel', request.id),
  );
  deps.log.info(
    { subscriptionId: ctx.subscription.id, outcome: outcome.kind },
    'cancelled the journey of an ended signup',
  );
}
