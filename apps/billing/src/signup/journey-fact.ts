// A fact about the customer's journey (the payment request's state, CONTRACT.md §8.1): from a
// `payment.request.*` webhook or from a read by the janitor. Facts arrive at least once and in any
// order; the domain's paymentRequestFactEffect keeps the recorded state convergent and applies a
// journey's end exactly once:
//   COMPLETED  the token goes into the vault; a first payment gets its FINALIZE attempt (the
//              network session token sealed to it, Klarna's 60-minute deadline) and runs at once
//   DECLINED / EXPIRED / CANCELED  every part still waiting declines: the signup ends
// A fact about a running subscription's token replacement goes to replacement-outcome.ts instead.
import {
  failPendingParts,
  FINALIZE_WINDOW_MS,
  paymentRequestFactEffect,
  type KlarnaPaymentRequestState,
  type SignupPartState,
} from '../domain/index.js';
import type { CustomerTokenSecret, NetworkSessionTokenSecret } from '../secrets/secret.js';
import type { Actor } from '../store/audit.js';
import { inTransaction, type Tx } from '../store/db.js';
import { findPaymentRequest, updatePaymentRequest } from '../store/signup-writes.js';
import { lockSignupByKlarnaRequest, readSignupContext, type SignupContext } from '../store/signups.js';
import { storeCustomerToken } from '../vault/customer-tokens.js';
import type { Vault } from '../vault/vault.js';
import type { SignupDeps } from './deps.js';
import { cancelJourneyIfAsked, enqueueAfterCommit } from './after-commit.js';
import { insertNextInvoiceAttempt } from './invoice-attempts.js';
import { applyReplacementFact } from './replacement-outcome.js';
import { settleSignup, type Settled, type SignupEndedReason } from './settle.js';

export interface JourneyFact {
  readonly klarnaPaymentRequestId: string;
  /** payment_request_reference (Rebill's payment request id), to find a journey not yet linked. */
  readonly reference: string | null;
  /** Only facts about this merchant's journeys apply (from the webhook's subject account). */
  readonly merchantId: string | null;
  readonly state: KlarnaPaymentRequestState;
  readonly stateReason: string | null;
  readonly occurredAt: Date;
  readonly expiresAt: Date | null;
  /** On COMPLETED: the end of the finalize window (`state_expires_at`), when Klarna sent it. */
  readonly stateExpiresAt: Date | null;
  readonly url: string | null;
  readonly customerToken?: CustomerTokenSecret | undefined;
  readonly customerTokenScopes: readonly string[];
  readonly networkSessionToken?: NetworkSessionTokenSecret | undefined;
  /** Why the signup ends if this fact ends it (the janitor abandoning an expired journey). */
  readonly endedReason?: SignupEndedReason;
}

export type JourneyFactResult =
  | { readonly kind: 'unknown_request' }
  /** The journey is Rebill's, but the answer that links it has not been applied yet: retry later. */
  | { readonly kind: 'not_linked_yet' }
  | { readonly kind: 'ignored'; readonly why: string }
  | { readonly kind: 'applied'; readonly subscriptionId: string };

function endReasonOf(state: KlarnaPaymentRequestState): SignupEndedReason {
  switch (state) {
    case 'EXPIRED':
      return 'SIGNUP_EXPIRED';
    case 'CANCELED':
      return 'SIGNUP_CANCELED';
    case 'DECLINED':
    case 'COMPLETED':
    case 'SUBMITTED':
    case 'IN_PROGRESS':
      return 'SIGNUP_DECLINED';
  }
}

/**
 * Applies the fact in one transaction. `alsoInTransaction` runs last in that transaction with the
 * result, so that what the caller records about it (a webhook event's verdict) commits with it.
 */
export async function applyJourneyFact(
  deps: SignupDeps,
  fact: JourneyFact,
  actor: Actor,
  alsoInTransaction?: (tx: Tx, result: JourneyFactResult) => Promise<void>,
): Promise<JourneyFactResult> {
  const applied = await inTransaction(deps.db, async (tx) => {
    const inTx = await applyJourneyFactInTransaction(tx, deps, fact, actor);
    await alsoInTransaction?.(tx, inTx.result);
    return inTx;
  });
  await enqueueAfterCommit(deps, applied.enqueue);
  if (applied.ctx !== null) await cancelJourneyIfAsked(deps, applied.ctx, applied.settled);
  return applied.result;
}

interface AppliedInTransaction {
  readonly result: JourneyFactResult;
  readonly settled: Settled | null;
  /** The signup's context, for what follows the commit; null for a token replacement. */
  readonly ctx: SignupContext | null;
  readonly enqueue: Settled['enqueue'];
}

async function applyJourneyFactInTransaction(
  tx: Tx,
  deps: SignupDeps,
  fact: JourneyFact,
  actor: Actor,
): Promise<AppliedInTransaction> {
  const unknown = { result: { kind: 'unknown_request' }, settled: null, ctx: null, enqueue: null } as const;
  // Finding the owner locks its subscription row; what is read after it is current.
  const owner = await lockSignupByKlarnaRequest(tx, fact.klarnaPaymentRequestId, fact.reference);
  if (owner === null || (fact.merchantId !== null && owner.merchantId !== fact.merchantId)) return unknown;
  const at = { vault: deps.vault, now: deps.clock.now(), actor };
  if (owner.purpose === 'TOKEN_REPLACEMENT') {
    const request = await findPaymentRequest(tx, owner.paymentRequestId);
    if (request === null) return unknown;
    const replaced = await applyReplacementFact(tx, request, fact, at);
    return { ...replaced, settled: null, ctx: null };
  }
  const ctx = await readSignupContext(tx, owner.subscriptionId);
  if (ctx === null) return unknown;
  const applied = await applyJourneyFactLocked(tx, ctx, fact, at);
  return { ...applied, ctx, enqueue: applied.settled?.enqueue ?? null };
}

export async function applyJourneyFactLocked(
  tx: Tx,
  ctx: SignupContext,
  fact: JourneyFact,
  at: { readonly vault: Vault; readonly now: Date; readonly actor: Actor },
): Promise<{ result: JourneyFactResult; settled: Settled | null }> {
  const { paymentRequest, subscription } = ctx;
  const { now } = at;
  const subscriptionId = subscription.id;
  if (paymentRequest.klarnaPaymentRequestId === null) {
    return { result: { kind: 'not_linked_yet' }, settled: null };
  }
  if (paymentRequest.klarnaPaymentRequestId !== fact.klarnaPaymentRequestId) {
    return { result: { kind: 'ignored', why: 'NOT_THE_CURRENT_JOURNEY' }, settled: null };
  }
  const effect = paymentRequestFactEffect(
    { state: paymentRequest.state, stateChangedAt: paymentRequest.stateChangedAt },
    { state: fact.state, occurredAt: fact.occurredAt },
  );
  if (effect.kind === 'IGNORE') return { result: { kind: 'ignored', why: effect.why }, settled: null };

  const updated = await updatePaymentRequest(tx, paymentRequest.id, {
    state: fact.state,
    stateReason: fact.stateReason,
    stateChangedAt: fact.occurredAt,
    ...(fact.url === null ? {} : { url: fact.url }),
    ...(fact.expiresAt === null ? {} : { expiresAt: fact.expiresAt }),
    ...(fact.state === 'COMPLETED' ? { completedAt: fact.occurredAt } : {}),
    updatedAt: now,
  });
  const next: SignupContext = { ...ctx, paymentRequest: updated };
  // A signup already decided (at once, or ended by the janitor) only records the journey's state.
  if (subscription.status !== 'PENDING_TOKENIZATION') {
    return { result: { kind: 'applied', subscriptionId }, settled: null };
  }
  if (!effect.entersFinal) {
    // Still open: the expiry may have moved; the next action follows it.
    const settled = await settleSignup(
      tx,
      next,
      { payment: updated.paymentPart, token: updated.tokenPart, tokenId: null, finalizeAt: null },
      at,
    );
    return { result: { kind: 'applied', subscriptionId }, settled };
  }

  if (fact.state !== 'COMPLETED') {
    const parts = failPendingParts({ payment: updated.paymentPart, token: updated.tokenPart, trial: false });
    const settled = await settleSignup(
      tx,
      next,
      {
        payment: parts.payment,
        token: parts.token,
        tokenId: null,
        finalizeAt: null,
        endedReason: fact.endedReason ?? endReasonOf(fact.state),
      },
      at,
    );
    return { result: { kind: 'applied', subscriptionId }, settled };
  }

  // COMPLETED: the token into the vault; the first payment to its finalize.
  let token: SignupPartState = updated.tokenPart;
  let tokenId: string | null = null;
  if (token === 'PENDING' && fact.customerToken !== undefined) {
    tokenId = await storeCustomerToken(tx, at.vault, {
      merchantId: subscription.merchantId,
      customerId: subscription.customerId,
      token: fact.customerToken,
      scopes: fact.customerTokenScopes,
      reference: paymentRequest.tokenReference,
      actor: at.actor,
      subscriptionId,
      at: now,
    });
    token = 'APPROVED';
  }
  let finalizeAt: Date | null = null;
  if (updated.paymentPart === 'PENDING') {
    // Without a session token there is nothing to finalize: the fallback charges the token.
    // A re-delivered COMPLETED finds its FINALIZE attempt already there.
    if (
      fact.networkSessionToken !== undefined &&
      next.invoice !== null &&
      !next.attempts.some((a) => a.kind === 'FINALIZE')
    ) {
      await insertNextInvoiceAttempt(
        tx,
        next,
        {
          kind: 'FINALIZE',
          sessionToken: fact.networkSessionToken,
          deadlineAt: fact.stateExpiresAt ?? new Date(fact.occurredAt.getTime() + FINALIZE_WINDOW_MS),
          vault: at.vault,
        },
        now,
      );
    }
    finalizeAt = now;
  }
  const settled = await settleSignup(
    tx,
    next,
    { payment: updated.paymentPart, token, tokenId, finalizeAt },
    at,
  );
  return { result: { kind: 'applied', subscriptionId }, settled };
}
