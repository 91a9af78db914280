// How a token replacement's journey ends, under the subscription's row lock: from Klarna's answer
// to the call (a token at once, a decline, or a journey) or from a journey fact (a webhook). A
// token issued goes into the vault and becomes the subscription's (decide-token-replacement.ts);
// a journey that ends otherwise (declined, expired, canceled) leaves the old token and the
// subscription as they were. Facts arrive at least once and in any order: the domain's
// paymentRequestFactEffect applies a journey's end once.
import { paymentRequestFactEffect } from '../domain/index.js';
import type { AuthorizeAnswer } from '../klarna/outcome.js';
import { decideTokenSwap } from '../lifecycle/decide-token-replacement.js';
import type { CustomerTokenSecret } from '../secrets/secret.js';
import { audit, type Actor } from '../store/audit.js';
import type { Tx } from '../store/db.js';
import { leaseNextAction } from '../store/next-actions.js';
import { updatePaymentRequest } from '../store/signup-writes.js';
import { updateSubscriptionVersioned } from '../store/subscription-lifecycle.js';
import { readLockedSubscription, type ReplacementRequestRow } from '../store/token-replacements.js';
import { storeCustomerToken } from '../vault/customer-tokens.js';
import type { Vault } from '../vault/vault.js';
import type { JourneyFact, JourneyFactResult } from './journey-fact.js';
import { NEXT_ACTION_LEASE_MS, type Settled } from './settle.js';
import { journeyLink } from './signup-answer.js';

export interface ReplacementAt {
  readonly vault: Vault;
  readonly now: Date;
  readonly actor: Actor;
}

/** The retry to enqueue once committed (its lease taken in the transaction), if the swap asked for one. */
export type ReplacementEnqueue = Settled['enqueue'];

/** Klarna's answer to the replacement's call; the request must still be CREATING (else a replay). */
export async function applyReplacementAnswer(
  tx: Tx,
  request: ReplacementRequestRow,
  answer: AuthorizeAnswer,
  at: ReplacementAt,
): Promise<ReplacementEnqueue> {
  if (request.state !== 'CREATING') return null;
  const { now } = at;
  const token = answer.token;
  const journey = answer.paymentRequest;
  if (token?.result === 'APPROVED') {
    await updatePaymentRequest(tx, request.id, {
      state: 'COMPLETED',
      completedAt: now,
      stateChangedAt: now,
      updatedAt: now,
    });
    return issueToken(tx, request, { token: token.token, scopes: token.scopes }, at);
  }
  if (token?.result === 'DECLINED' || journey === null) {
    await updatePaymentRequest(tx, request.id, {
      state: 'DECLINED',
      stateReason: token?.result === 'DECLINED' ? token.reason : null,
      tokenPart: 'DECLINED',
      stateChangedAt: now,
      updatedAt: now,
    });
    await auditFailed(tx, request, 'DECLINED', at);
    return null;
  }
  await updatePaymentRequest(tx, request.id, journeyLink(journey, request, now));
  return null;
}

/** A fact about the replacement's journey (the webhook ingester's, through applyJourneyFact). */
export async function applyReplacementFact(
  tx: Tx,
  request: ReplacementRequestRow,
  fact: JourneyFact,
  at: ReplacementAt,
): Promise<{ result: JourneyFactResult; enqueue: ReplacementEnqueue }> {
  const subscriptionId = request.subscriptionId;
  if (request.klarnaPaymentRequestId === null) return { result: { kind: 'not_linked_yet' }, enqueue: null };
  if (request.klarnaPaymentRequestId !== fact.klarnaPaymentRequestId) {
    return { result: { kind: 'ignored', why: 'NOT_THE_CURRENT_JOURNEY' }, enqueue: null };
  }
  const effect = paymentRequestFactEffect(
    { state: request.state, stateChangedAt: request.stateChangedAt },
    { state: fact.state, occurredAt: fact.occurredAt },
  );
  if (effect.kind === 'IGNORE') return { result: { kind: 'ignored', why: effect.why }, enqueue: null };
  const completed = fact.state === 'COMPLETED';
  const issued = completed && request.tokenPart === 'PENDING' && fact.customerToken !== undefined;
  const updated = await updatePaymentRequest(tx, request.id, {
    state: fact.state,
    stateReason: fact.stateReason,
    stateChangedAt: fact.occurredAt,
    ...(fact.url === null ? {} : { url: fact.url }),
    ...(fact.expiresAt === null ? {} : { expiresAt: fact.expiresAt }),
    ...(completed ? { completedAt: fact.occurredAt } : {}),
    ...(effect.entersFinal && !issued ? { tokenPart: 'DECLINED' as const } : {}),
    updatedAt: at.now,
  });
  const applied = { kind: 'applied', subscriptionId } as const;
  if (!effect.entersFinal) return { result: applied, enqueue: null };
  if (!issued || fact.customerToken === undefined) {
    await auditFailed(tx, updated, fact.state, at);
    return { result: applied, enqueue: null };
  }
  const enqueue = await issueToken(
    tx,
    updated,
    { token: fact.customerToken, scopes: fact.customerTokenScopes },
    at,
  );
  return { result: applied, enqueue };
}

/** The new token into the vault and onto the subscription, in the caller's transaction. */
async function issueToken(
  tx: Tx,
  request: ReplacementRequestRow,
  issued: { readonly token: CustomerTokenSecret; readonly scopes: readonly string[] },
  at: ReplacementAt,
): Promise<ReplacementEnqueue> {
  const { now, actor } = at;
  const tokenId = await storeCustomerToken(tx, at.vault, {
    merchantId: request.merchantId,
    customerId: request.customerId,
    token: issued.token,
    scopes: issued.scopes,
    reference: request.tokenReference,
    actor,
    subscriptionId: request.subscriptionId,
    at: now,
  });
  await updatePaymentRequest(tx, request.id, { tokenPart: 'APPROVED', updatedAt: now });
  // The row is locked by the caller: this read sees the subscription as it is now.
  const row = await readLockedSubscription(tx, request.subscriptionId);
  const decision = decideTokenSwap(row, tokenId, now);
  const entry = {
    actor,
    merchantId: request.merchantId,
    subscriptionId: row.id,
    entityType: 'subscription',
    entityId: row.id,
    at: now,
  };
  switch (decision.kind) {
    case 'noop':
      return null;
    case 'unused':
      // Ended while the customer was in the journey: the token is kept (the customer's) but unused.
      await audit(tx, {
        ...entry,
        action: 'subscription.token_replacement_unused',
        after: {
          status: row.status,
          token_id: tokenId,
          payment_request_id: request.id,
          reason: decision.reason,
        },
      });
      return null;
    case 'swap': {
      const { swap } = decision;
      const leaseUntil = swap.retryNow ? new Date(now.getTime() + NEXT_ACTION_LEASE_MS) : null;
      await updateSubscriptionVersioned(tx, {
        id: row.id,
        version: row.version,
        data: {
          tokenId: swap.tokenId,
          requiresNewToken: false,
          nextRetryAt: swap.nextRetryAt,
          nextActionKind: swap.next?.kind ?? null,
          nextActionAt: swap.next?.at ?? null,
        },
        at: now,
      });
      if (leaseUntil !== null) await leaseNextAction(tx, row.id, leaseUntil);
      // The old token is left as it is: other subscriptions of the customer may still charge it.
      await audit(tx, {
        ...entry,
        action: 'subscription.token_replaced',
        before: { token_id: row.tokenId, requires_new_token: row.requiresNewToken },
        after: {
          status: row.status,
          token_id: swap.tokenId,
          requires_new_token: false,
          payment_request_id: request.id,
          retry_now: swap.retryNow,
        },
      });
      if (!swap.retryNow || swap.next === null || leaseUntil === null) return null;
      return {
        payload: { subscriptionId: row.id, kind: swap.next.kind, dueAtMs: swap.next.at.getTime() },
        leaseUntil,
      };
    }
  }
}

async function auditFailed(
  tx: Tx,
  request: ReplacementRequestRow,
  state: string,
  at: ReplacementAt,
): Promise<void> {
  await audit(tx, {
    actor: at.actor,
    merchantId: request.merchantId,
    subscriptionId: request.subscriptionId,
    entityType: 'payment_request',
    entityId: request.id,
    action: 'subscription.token_replacement_failed',
    after: { state, payment_request_id: request.id },
    at: at.now,
  });
}
