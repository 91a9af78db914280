// Klarna's answer to the signup's authorize call (CONTRACT.md §6 (a)/(b), §7): each part (token,
// first payment) approved, declined or handed to the customer's journey, possibly mixed (§7.1).
// Applied once, under the subscription's row lock; a replayed answer (the same idempotency key
// sent again by a resumed request or the janitor) finds the payment request no longer CREATING.
import { classifyChargeOutcome, declineCategoryOf, type SignupPartState } from '../domain/index.js';
import type { AuthorizeOutcome } from '../klarna/outcome.js';
import type { Actor } from '../store/audit.js';
import { recordApprovedCharge, recordAttemptOutcome } from '../store/charge-outcomes.js';
import type { Tx } from '../store/db.js';
import { updatePaymentRequest, type PaymentRequestPatch } from '../store/signup-writes.js';
import type { SignupContext } from '../store/signups.js';
import { storeCustomerToken } from '../vault/customer-tokens.js';
import type { Vault } from '../vault/vault.js';
import { settleSignup, type Settled } from './settle.js';

type Answered = Extract<AuthorizeOutcome, { kind: 'answered' }>;

/** The payment request linked to the journey Klarna opened for it (its id, state, URL, expiry). */
export function journeyLink(
  journey: NonNullable<Answered['paymentRequest']>,
  request: { readonly expiresAt: Date | null },
  now: Date,
): PaymentRequestPatch {
  return {
    klarnaPaymentRequestId: journey.paymentRequestId,
    state: journey.state === 'UNKNOWN' ? 'SUBMITTED' : journey.state,
    stateReason: journey.stateReason,
    url: journey.url,
    expiresAt: journey.expiresAt ?? request.expiresAt,
    stateChangedAt: journey.updatedAt ?? journey.createdAt ?? now,
    updatedAt: now,
  };
}

export async function applySignupAnswer(
  tx: Tx,
  ctx: SignupContext,
  answer: Answered,
  deps: { readonly vault: Vault; readonly now: Date; readonly actor: Actor },
): Promise<Settled | null> {
  const { paymentRequest, subscription } = ctx;
  if (paymentRequest.state !== 'CREATING' || subscription.status !== 'PENDING_TOKENIZATION') return null;
  const { now, actor } = deps;
  const signupAttempt = ctx.attempts.find((a) => a.kind === 'SIGNUP') ?? null;

  let payment: SignupPartState = paymentRequest.paymentPart;
  if (signupAttempt !== null && answer.payment !== null) {
    const part = answer.payment;
    if (part.result === 'APPROVED') {
      await recordApprovedCharge(tx, signupAttempt, part.transaction, {
        actor,
        correlationId: answer.correlationId,
        now,
        captureDelaySeconds: ctx.phase.planVersion.captureDelaySeconds,
      });
      payment = 'APPROVED';
    } else if (part.result === 'DECLINED') {
      const outcome = classifyChargeOutcome({
        kind: 'RESULT',
        result: 'DECLINED',
        resultReason: part.reason,
      });
      await recordAttemptOutcome(tx, signupAttempt, {
        actor,
        status: 'DECLINED',
        declineReason: part.reason,
        declineCategory: declineCategoryOf(outcome),
        correlationId: answer.correlationId,
        now,
      });
      payment = 'DECLINED';
    } else {
      await recordAttemptOutcome(tx, signupAttempt, {
        actor,
        status: 'STEP_UP_REQUIRED',
        correlationId: answer.correlationId,
        now,
      });
      payment = 'PENDING';
    }
  }

  let token: SignupPartState;
  let tokenId: string | null = null;
  const tokenPart = answer.token;
  if (tokenPart?.result === 'APPROVED') {
    tokenId = await storeCustomerToken(tx, deps.vault, {
      merchantId: subscription.merchantId,
      customerId: subscription.customerId,
      token: tokenPart.token,
      scopes: tokenPart.scopes,
      reference: tokenPart.reference ?? paymentRequest.tokenReference,
      actor,
      subscriptionId: subscription.id,
      at: now,
    });
    token = 'APPROVED';
  } else if (tokenPart?.result === 'DECLINED') {
    token = 'DECLINED';
  } else if (tokenPart === null && answer.paymentRequest === null) {
    // A token was asked for; an answer with neither a token result nor a journey cannot create one.
    token = 'DECLINED';
  } else {
    token = 'PENDING';
  }

  const journey = answer.paymentRequest;
  const anyApproved = payment === 'APPROVED' || token === 'APPROVED';
  const updated = await updatePaymentRequest(
    tx,
    paymentRequest.id,
    journey !== null
      ? journeyLink(journey, paymentRequest, now)
      : {
          // Klarna decided at once and opened no journey.
          state: anyApproved ? 'COMPLETED' : 'DECLINED',
          completedAt: anyApproved ? now : null,
          stateChangedAt: now,
          updatedAt: now,
        },
  );
  return settleSignup(
    tx,
    { ...ctx, paymentRequest: updated },
    { payment, token, tokenId, finalizeAt: null },
    { now, actor },
  );
}
