// The FINALIZE next action: authorize a signup's first payment after the journey completed
// (CONTRACT.md §6 (e)): the network session token, within Klarna's 60-minute window, the same
// idempotency key on every re-send. When the window is missed (or no session token came), the new
// customer token is charged once as a customer-not-present charge (§6 (c), a new attempt).
//
// Each run: decide under the row lock what to send, commit (the attempt row counts the send),
// call Klarna outside any transaction, then record the answer under the lock again.
import {
  classifyChargeOutcome,
  declineCategoryOf,
  finalizeDeclineMeans,
  finalizeRetryAt,
  nextFinalizeStep,
  SAME_KEY_REPLAY_WINDOW_MS,
  type SignupPartState,
} from '../domain/index.js';
import type { AuthorizeOutcome } from '../klarna/outcome.js';
import type { ChargeTokenInput, FinalizeInput } from '../klarna/port.js';
import { audit, systemActor, type Actor } from '../store/audit.js';
import { markAttemptSent, recordApprovedCharge, recordAttemptOutcome } from '../store/charge-outcomes.js';
import { inTransaction, type Tx } from '../store/db.js';
import type { ChargeAttempt } from '../store/signups.js';
import { clearNextAction, noteAttemptFailure } from '../store/signup-writes.js';
import { lockSignupContext, type SignupContext } from '../store/signups.js';
import { revealCustomerToken, storeCustomerToken } from '../vault/customer-tokens.js';
import { openSessionToken } from '../vault/session-tokens.js';
import type { SignupDeps } from './deps.js';
import { enqueueAfterCommit } from './after-commit.js';
import { insertNextInvoiceAttempt } from './invoice-attempts.js';
import { settleSignup, type Settled } from './settle.js';
import { lineItems, purchaseReference, subscriptionTerms } from './terms.js';

const ACTOR: Actor = systemActor('worker');
/** Re-sends of a customer-not-present fallback that met a transient error. */
const FALLBACK_RETRY_DELAYS_MS = [2_000, 10_000, 30_000, 60_000, 300_000];

type Planned =
  | { readonly kind: 'nothing' }
  | { readonly kind: 'finalize'; readonly attempt: ChargeAttempt; readonly input: FinalizeInput }
  | { readonly kind: 'charge'; readonly attempt: ChargeAttempt; readonly input: ChargeTokenInput };

export type FinalizeRunResult = 'NOT_DUE' | 'SENT' | 'SETTLED';

/** Runs the FINALIZE next action of one subscription; loops while a fallback follows at once. */
export async function runFinalize(deps: SignupDeps, subscriptionId: string): Promise<FinalizeRunResult> {
  let result: FinalizeRunResult = 'NOT_DUE';
  for (let round = 0; round < 3; round += 1) {
    const planned = await inTransaction(deps.db, (tx) => planSend(tx, deps, subscriptionId));
    if (planned.kind === 'nothing') return result;
    const outcome =
      planned.kind === 'finalize'
        ? await deps.gateway.finalizeSignupPayment(planned.input, planned.attempt.idempotencyKey)
        : await deps.gateway.chargeToken(planned.input, planned.attempt.idempotencyKey);
    const settled = await inTransaction(deps.db, (tx) =>
      recordOutcome(tx, deps, subscriptionId, planned, outcome),
    );
    result = 'SENT';
    // A finalize declined as too late hands over to the fallback at once, in this same run.
    if (settled.again !== true) {
      await enqueueAfterCommit(deps, settled.enqueue);
      return result;
    }
  }
  return result;
}

async function planSend(tx: Tx, deps: SignupDeps, subscriptionId: string): Promise<Planned> {
  const ctx = await lockSignupContext(tx, subscriptionId);
  const now = deps.clock.now();
  if (ctx === null) return { kind: 'nothing' };
  const { subscription, paymentRequest } = ctx;
  if (
    subscription.status !== 'PENDING_TOKENIZATION' ||
    subscription.nextActionKind !== 'FINALIZE' ||
    subscription.nextActionAt === null ||
    subscription.nextActionAt.getTime() > now.getTime()
  ) {
    return { kind: 'nothing' };
  }
  if (paymentRequest.paymentPart !== 'PENDING') {
    // Decided meanwhile (a replayed answer): only the next action needs to follow.
    await settleSignup(tx, ctx, parts(ctx, null), { now, actor: ACTOR });
    return { kind: 'nothing' };
  }
  const open = openPaymentAttempt(ctx);

  if (open?.kind === 'FINALIZE') {
    const step = nextFinalizeStep({
      now,
      deadlineAt: open.deadlineAt ?? now,
      sendCount: open.sendCount,
      lastSentAt: open.lastSentAt,
    });
    if (step.kind === 'SEND' && open.sealedSessionToken !== null && open.sealedKeyId !== null) {
      const sessionToken = openSessionToken(
        deps.vault,
        { keyId: open.sealedKeyId, ciphertext: Buffer.from(open.sealedSessionToken) },
        open.id,
      );
      await audit(tx, {
        actor: ACTOR,
        merchantId: open.merchantId,
        subscriptionId: open.subscriptionId,
        entityType: 'charge_attempt',
        entityId: open.id,
        action: 'network_session_token.decrypted',
        after: { purpose: 'finalize', key_id: open.sealedKeyId, send: open.sendCount + 1 },
        at: now,
      });
      await markAttemptSent(tx, open, now);
      return { kind: 'finalize', attempt: open, input: finalizeInput(ctx, open, sessionToken) };
    }
    await recordAttemptOutcome(tx, open, {
      actor: ACTOR,
      status: 'DECLINED',
      declineReason: 'FINALIZE_WINDOW_MISSED',
      declineCategory: 'SOFT',
      correlationId: open.klarnaCorrelationId,
      now,
    });
    return planFallback(tx, deps, ctx, now, null);
  }
  if (open?.kind === 'CUSTOMER_NOT_PRESENT') return planFallback(tx, deps, ctx, now, open);
  return planFallback(tx, deps, ctx, now, null);
}

/** The fallback: one customer-not-present charge of the signup's new token for period 0. */
async function planFallback(
  tx: Tx,
  deps: SignupDeps,
  ctx: SignupContext,
  now: Date,
  existing: ChargeAttempt | null,
): Promise<Planned> {
  const { subscription, invoice } = ctx;
  const declined = async (reason: string): Promise<Planned> => {
    deps.log.info({ subscriptionId: subscription.id, reason }, 'signup first payment cannot be charged');
    await settleSignup(tx, ctx, { ...parts(ctx, null), payment: 'DECLINED' }, { now, actor: ACTOR });
    return { kind: 'nothing' };
  };
  if (invoice === null) return declined('NO_INVOICE');
  if (subscription.tokenId === null) return declined('NO_TOKEN');
  // One fallback charge only: a fallback already answered (declined, failed) is not repeated.
  if (existing === null && ctx.attempts.some((a) => a.kind === 'CUSTOMER_NOT_PRESENT')) {
    return declined('FALLBACK_ALREADY_ANSWERED');
  }
  if (existing !== null && existing.firstSentAt !== null) {
    if (now.getTime() - existing.firstSentAt.getTime() >= SAME_KEY_REPLAY_WINDOW_MS) {
      // Klarna no longer dedupes this key: an operator must find out whether it charged.
      await recordAttemptOutcome(tx, existing, {
        actor: ACTOR,
        status: 'UNKNOWN',
        correlationId: existing.klarnaCorrelationId,
        now,
      });
      await clearNextAction(tx, subscription.id, now);
      return { kind: 'nothing' };
    }
  }
  const revealed = await revealCustomerToken(tx, deps.vault, {
    merchantId: subscription.merchantId,
    tokenId: subscription.tokenId,
    actor: ACTOR,
    purpose: existing === null ? 'signup-fallback' : `charge-attempt:${existing.id}`,
    subscriptionId: subscription.id,
    at: now,
  });
  if (revealed.kind !== 'revealed') return declined(`TOKEN_${revealed.reason}`);
  const attempt =
    existing ??
    (await insertNextInvoiceAttempt(
      tx,
      ctx,
      { kind: 'CUSTOMER_NOT_PRESENT', tokenId: subscription.tokenId },
      now,
    ));
  await markAttemptSent(tx, attempt, now);
  return {
    kind: 'charge',
    attempt,
    input: {
      accountId: ctx.merchant.klarnaPartnerAccountId,
      currency: attempt.currency,
      amountMinor: attempt.amountMinor,
      transactionReference: attempt.reference,
      purchaseReference: purchaseReference(ctx),
      capture: attempt.captureMode,
      subscription: subscriptionTerms(ctx),
      lineItems: lineItems(ctx),
      customerToken: revealed.token,
    },
  };
}

interface Recorded {
  /** Run again at once (the fallback follows a finalize that came too late or failed). */
  readonly again?: boolean;
  readonly enqueue: Settled['enqueue'];
}

async function recordOutcome(
  tx: Tx,
  deps: SignupDeps,
  subscriptionId: string,
  planned: Exclude<Planned, { kind: 'nothing' }>,
  outcome: AuthorizeOutcome,
): Promise<Recorded> {
  const ctx = await lockSignupContext(tx, subscriptionId);
  const now = deps.clock.now();
  if (ctx === null) return { enqueue: null };
  const attempt = ctx.attempts.find((a) => a.id === planned.attempt.id);
  // Recorded meanwhile (a concurrent run got the same replayed answer): nothing to add.
  if (attempt === undefined || (attempt.status !== 'PENDING' && attempt.status !== 'UNKNOWN')) {
    return { enqueue: null };
  }
  const at = { now, actor: ACTOR };
  const finalizing = planned.kind === 'finalize';

  if (outcome.kind === 'answered') {
    let token: SignupPartState = ctx.paymentRequest.tokenPart;
    let tokenId: string | null = null;
    if (token === 'PENDING' && outcome.token?.result === 'APPROVED') {
      tokenId = await storeCustomerToken(tx, deps.vault, {
        merchantId: ctx.subscription.merchantId,
        customerId: ctx.subscription.customerId,
        token: outcome.token.token,
        scopes: outcome.token.scopes,
        reference: outcome.token.reference ?? ctx.paymentRequest.tokenReference,
        actor: ACTOR,
        subscriptionId,
        at: now,
      });
      token = 'APPROVED';
    }
    const payment = outcome.payment;
    if (payment?.result === 'APPROVED') {
      await recordApprovedCharge(tx, attempt, payment.transaction, {
        actor: ACTOR,
        correlationId: outcome.correlationId,
        now,
        captureDelaySeconds: ctx.phase.planVersion.captureDelaySeconds,
      });
      const settled = await settleSignup(tx, ctx, { ...parts(ctx, tokenId), payment: 'APPROVED', token }, at);
      return { enqueue: settled.enqueue };
    }
    if (payment !== null) {
      // DECLINED, or STEP_UP_REQUIRED, which a payment without the customer cannot do (a hard decline).
      const reason = payment.result === 'DECLINED' ? payment.reason : 'STEP_UP_REQUIRED';
      const classified = classifyChargeOutcome({
        kind: 'RESULT',
        result: payment.result,
        resultReason: reason,
      });
      const late =
        finalizing &&
        attempt.deadlineAt !== null &&
        finalizeDeclineMeans(attempt.lastSentAt ?? now, attempt.deadlineAt) === 'WINDOW_MISSED';
      await recordAttemptOutcome(tx, attempt, {
        actor: ACTOR,
        status: 'DECLINED',
        declineReason: late ? 'FINALIZE_WINDOW_MISSED' : reason,
        declineCategory: declineCategoryOf(classified),
        correlationId: outcome.correlationId,
        now,
      });
      if (late) {
        // Not the customer's answer but the session token lapsing: the fallback runs now.
        await settleSignup(tx, ctx, { ...parts(ctx, tokenId), token, finalizeAt: now }, at);
        return { again: true, enqueue: null };
      }
      const settled = await settleSignup(tx, ctx, { ...parts(ctx, tokenId), payment: 'DECLINED', token }, at);
      return { enqueue: settled.enqueue };
    }
    // An answer without a payment result cannot be read as one: like a transient failure.
  }

  if (outcome.kind === 'permanent') {
    const errorCode = `HTTP_${outcome.status}${outcome.errorCode === null ? '' : `:${outcome.errorCode}`}`;
    if (finalizing && outcome.status === 409) {
      // The session token was finalized before under another request: money may have moved.
      // Hold for an operator rather than charge again.
      await recordAttemptOutcome(tx, attempt, {
        actor: ACTOR,
        status: 'UNKNOWN',
        errorCode,
        correlationId: outcome.correlationId,
        now,
      });
      await clearNextAction(tx, subscriptionId, now);
      deps.log.error({ subscriptionId, attemptId: attempt.id, errorCode }, 'finalize held for an operator');
      return { enqueue: null };
    }
    await recordAttemptOutcome(tx, attempt, {
      actor: ACTOR,
      status: 'FAILED',
      errorCode,
      correlationId: outcome.correlationId,
      now,
    });
    if (finalizing) {
      await settleSignup(tx, ctx, { ...parts(ctx, null), finalizeAt: now }, at);
      return { again: true, enqueue: null };
    }
    const settled = await settleSignup(
      tx,
      ctx,
      { ...parts(ctx, null), payment: 'DECLINED', endedReason: 'KLARNA_REJECTED' },
      at,
    );
    return { enqueue: settled.enqueue };
  }

  // rate_limited, transient, or an unreadable answer: the same key again later.
  const retryAfter = outcome.kind === 'rate_limited' ? outcome.retryAfterMs : null;
  const facts = {
    now,
    deadlineAt: attempt.deadlineAt ?? now,
    sendCount: attempt.sendCount,
    lastSentAt: attempt.lastSentAt,
  };
  const scheduled = finalizing
    ? finalizeRetryAt(facts)
    : new Date(
        now.getTime() +
          (FALLBACK_RETRY_DELAYS_MS[attempt.sendCount - 1] ?? FALLBACK_RETRY_DELAYS_MS.at(-1) ?? 300_000),
      );
  const finalizeAt =
    retryAfter === null ? scheduled : new Date(Math.max(scheduled.getTime(), now.getTime() + retryAfter));
  if (outcome.kind !== 'answered') {
    await noteAttemptFailure(tx, attempt.id, {
      correlationId: outcome.correlationId,
      errorCode: outcome.kind === 'rate_limited' ? 'HTTP_429' : outcome.reason,
      at: now,
    });
  }
  const settled = await settleSignup(tx, ctx, { ...parts(ctx, null), finalizeAt }, at);
  return { enqueue: settled.enqueue };
}

/** The attempt for period 0 still waiting for an answer (FINALIZE or the fallback). */
function openPaymentAttempt(ctx: SignupContext): ChargeAttempt | null {
  const open = ctx.attempts.filter(
    (a) =>
      (a.kind === 'FINALIZE' || a.kind === 'CUSTOMER_NOT_PRESENT') &&
      (a.status === 'PENDING' || a.status === 'UNKNOWN'),
  );
  return open.at(-1) ?? null;
}

function parts(ctx: SignupContext, tokenId: string | null) {
  return {
    payment: ctx.paymentRequest.paymentPart,
    token: ctx.paymentRequest.tokenPart,
    tokenId,
    finalizeAt: null as Date | null,
  };
}

function finalizeInput(
  ctx: SignupContext,
  attempt: ChargeAttempt,
  networkSessionToken: FinalizeInput['networkSessionToken'],
): FinalizeInput {
  return {
    accountId: ctx.merchant.klarnaPartnerAccountId,
    currency: attempt.currency,
    amountMinor: attempt.amountMinor,
    transactionReference: attempt.reference,
    capture: attempt.captureMode,
    networkSessionToken,
    purchaseReference: purchaseReference(ctx),
    subscription: subscriptionTerms(ctx),
    lineItems: lineItems(ctx),
  };
}
