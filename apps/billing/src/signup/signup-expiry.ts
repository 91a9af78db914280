// The SIGNUP_EXPIRY next action, the janitor of signups: the journey's expiry passed and no final
// webhook ended it (lost, or never sent). Klarna is asked rather than guessed:
//   no answer from Klarna yet (CREATING)  re-send the signup call with the same key (§3)
//   read: 404                             the request expired and was deleted: EXPIRED (§8.2)
//   read: a final state                   applied as the webhook would have been
//   read: still SUBMITTED / IN_PROGRESS   past its expiry by more than a grace: Rebill abandons it
//                                         and cancels it (a 409 means it just changed: read and
//                                         apply again); within the grace Klarna's own expiry is
//                                         left to end it (clocks differ), and the janitor looks
//                                         again when the grace is over
//   read: open and not yet expired        the expiry moved: look again then
import type { PaymentRequestView } from '../klarna/payment-request-view.js';
import { klarnaIdempotencyKey } from '../ids/idempotency-keys.js';
import { isKlarnaPaymentRequestState } from '../domain/index.js';
import { systemActor } from '../store/audit.js';
import { inTransaction } from '../store/db.js';
import { rescheduleSignupExpiry } from '../store/signup-writes.js';
import { lockSignupContext, readSignupContext, type SignupContext } from '../store/signups.js';
import type { SignupDeps } from './deps.js';
import { applyJourneyFact, type JourneyFact } from './journey-fact.js';
import { settleSignup } from './settle.js';
import { sendSignupRequest } from './start-signup.js';
import { SAME_KEY_REPLAY_WINDOW_MS } from '../domain/index.js';

const ACTOR = systemActor('worker');
/** When Klarna could not be asked, ask again after this long. */
const RETRY_MS = 60_000;
/**
 * How long past Klarna's own expires_at a journey may still read as open before Rebill cancels it:
 * Klarna expires it itself, and Rebill's clock may run ahead of Klarna's (or, on the virtual
 * clock, move first), so cancelling at once would race Klarna's expiry.
 */
export const KLARNA_EXPIRY_GRACE_MS = 10 * 60_000;

export type SignupExpiryResult = 'NOT_DUE' | 'RESENT' | 'APPLIED' | 'RESCHEDULED' | 'ABANDONED';

export async function runSignupExpiry(deps: SignupDeps, subscriptionId: string): Promise<SignupExpiryResult> {
  const now = deps.clock.now();
  const ctx = await inTransaction(deps.db, (tx) => readSignupContext(tx, subscriptionId));
  if (ctx === null || !isDue(ctx, now)) return 'NOT_DUE';
  const { paymentRequest, merchant } = ctx;

  if (paymentRequest.state === 'CREATING' || paymentRequest.klarnaPaymentRequestId === null) {
    if (now.getTime() - paymentRequest.createdAt.getTime() >= SAME_KEY_REPLAY_WINDOW_MS) {
      // Too late to replay the key safely, and Klarna never answered: abandon the signup.
      await endAs(deps, subscriptionId, 'SIGNUP_EXPIRED');
      return 'ABANDONED';
    }
    const result = await sendSignupRequest(deps, subscriptionId, ACTOR);
    if (result.kind === 'klarna_unavailable') await reschedule(deps, subscriptionId, RETRY_MS);
    return 'RESENT';
  }

  const klarnaId = paymentRequest.klarnaPaymentRequestId;
  const read = await deps.gateway.readPaymentRequest(merchant.klarnaPartnerAccountId, klarnaId);
  switch (read.kind) {
    case 'not_found':
      await applyJourneyFact(deps, expiredFact(klarnaId, now), ACTOR);
      return 'APPLIED';
    case 'answered':
      return settleFromView(deps, ctx, read.paymentRequest, now);
    case 'rate_limited':
    case 'transient':
    case 'permanent':
      deps.log.warn({ subscriptionId, outcome: read.kind }, 'janitor could not read the payment request');
      await reschedule(deps, subscriptionId, RETRY_MS);
      return 'RESCHEDULED';
  }
}

async function settleFromView(
  deps: SignupDeps,
  ctx: SignupContext,
  view: PaymentRequestView,
  now: Date,
): Promise<SignupExpiryResult> {
  const subscriptionId = ctx.subscription.id;
  if (view.state === 'UNKNOWN') {
    await reschedule(deps, subscriptionId, RETRY_MS);
    return 'RESCHEDULED';
  }
  if (view.state === 'SUBMITTED' || view.state === 'IN_PROGRESS') {
    const expiresAt = view.expiresAt ?? ctx.paymentRequest.expiresAt ?? now;
    if (expiresAt.getTime() > now.getTime()) {
      await applyJourneyFact(deps, factOf(view, now), ACTOR);
      await rescheduleAt(deps, subscriptionId, expiresAt);
      return 'RESCHEDULED';
    }
    const graceEnd = new Date(expiresAt.getTime() + KLARNA_EXPIRY_GRACE_MS);
    if (graceEnd.getTime() > now.getTime()) {
      await rescheduleAt(deps, subscriptionId, graceEnd);
      return 'RESCHEDULED';
    }
    const cancel = await deps.gateway.cancelPaymentRequest(
      ctx.merchant.klarnaPartnerAccountId,
      view.paymentRequestId,
      klarnaIdempotencyKey('payment-request-cancel', ctx.paymentRequest.id),
    );
    switch (cancel.kind) {
      case 'answered':
        // Rebill cancelled it because the customer did not finish in time.
        await applyJourneyFact(
          deps,
          { ...factOf(cancel.paymentRequest, now), endedReason: 'SIGNUP_EXPIRED' },
          ACTOR,
        );
        return 'ABANDONED';
      case 'not_found':
        await applyJourneyFact(deps, expiredFact(view.paymentRequestId, now), ACTOR);
        return 'APPLIED';
      case 'conflict': {
        // It changed under us (completed at the last second): read it again next time, soon.
        await reschedule(deps, subscriptionId, 0);
        return 'RESCHEDULED';
      }
      case 'rate_limited':
      case 'transient':
      case 'permanent':
        await reschedule(deps, subscriptionId, RETRY_MS);
        return 'RESCHEDULED';
    }
  }
  await applyJourneyFact(deps, factOf(view, now), ACTOR);
  // A COMPLETED read whose token was missing leaves the signup waiting: end it rather than loop.
  const after = await inTransaction(deps.db, (tx) => readSignupContext(tx, subscriptionId));
  if (after !== null && isDue(after, deps.clock.now())) await endAs(deps, subscriptionId, 'SIGNUP_EXPIRED');
  return 'APPLIED';
}

function factOf(view: PaymentRequestView, now: Date): JourneyFact {
  const state = view.state;
  if (state === 'UNKNOWN' || !isKlarnaPaymentRequestState(state))
    throw new Error('unknown payment request state');
  return {
    klarnaPaymentRequestId: view.paymentRequestId,
    reference: view.reference,
    merchantId: null,
    state,
    stateReason: view.stateReason,
    // A read is the state now; its own updated_at when Klarna gave one.
    occurredAt: view.updatedAt ?? now,
    expiresAt: view.expiresAt,
    stateExpiresAt: view.stateExpiresAt,
    url: view.url,
    customerToken: view.customerToken,
    customerTokenScopes: view.scopes,
    networkSessionToken: view.networkSessionToken,
  };
}

function expiredFact(klarnaPaymentRequestId: string, now: Date): JourneyFact {
  return {
    klarnaPaymentRequestId,
    reference: null,
    merchantId: null,
    state: 'EXPIRED',
    stateReason: 'NOT_FOUND_AFTER_EXPIRY',
    occurredAt: now,
    expiresAt: null,
    stateExpiresAt: null,
    url: null,
    customerTokenScopes: [],
  };
}

function isDue(ctx: SignupContext, now: Date): boolean {
  const s = ctx.subscription;
  return (
    s.status === 'PENDING_TOKENIZATION' &&
    s.nextActionKind === 'SIGNUP_EXPIRY' &&
    s.nextActionAt !== null &&
    s.nextActionAt.getTime() <= now.getTime()
  );
}

async function reschedule(deps: SignupDeps, subscriptionId: string, afterMs: number): Promise<void> {
  await rescheduleAt(deps, subscriptionId, new Date(deps.clock.now().getTime() + afterMs));
}

async function rescheduleAt(deps: SignupDeps, subscriptionId: string, at: Date): Promise<void> {
  await rescheduleSignupExpiry(deps.db, subscriptionId, at, deps.clock.now());
}

async function endAs(deps: SignupDeps, subscriptionId: string, endedReason: 'SIGNUP_EXPIRED'): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    const ctx = await lockSignupContext(tx, subscriptionId);
    if (ctx === null || ctx.subscription.status !== 'PENDING_TOKENIZATION') return;
    const payment =
      ctx.paymentRequest.paymentPart === 'PENDING' ? 'DECLINED' : ctx.paymentRequest.paymentPart;
    const token = ctx.paymentRequest.tokenPart === 'PENDING' ? 'DECLINED' : ctx.paymentRequest.tokenPart;
    await settleSignup(
      tx,
      ctx,
      { payment, token, tokenId: null, finalizeAt: null, endedReason },
      { now: deps.clock.now(), actor: ACTOR },
    );
  });
}
