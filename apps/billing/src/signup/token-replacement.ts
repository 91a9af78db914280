// POST /v1/subscriptions/{id}/token-replacements: a new Klarna journey that issues a customer token
// for a subscription that already runs (after a hard decline, a revoked or lost token). Like the
// signup: the payment request row is written first (under the subscription's row lock, with the
// audit row), committed, then Klarna is asked (tokenize only, the subscription's terms) with the key
// derived from that row. The customer finishes in the journey; the webhook ingester applies the
// outcome (replacement-outcome.ts). One open replacement per subscription: asking again while one
// is open answers that one.
import { klarnaIdempotencyKey } from '../ids/idempotency-keys.js';
import { decideReplacementStart } from '../lifecycle/decide-token-replacement.js';
import { audit, type Actor } from '../store/audit.js';
import { inTransaction, type Tx } from '../store/db.js';
import { setIdempotencyResource } from '../store/idempotency.js';
import { updatePaymentRequest } from '../store/signup-writes.js';
import { lockSubscriptionRow } from '../store/subscription-lock.js';
import { lockSubscriptionForLifecycle } from '../store/subscription-lifecycle.js';
import {
  findOpenReplacement,
  findReplacement,
  insertReplacementRequest,
  readReplacementRequest,
  readReplacementSource,
  type ReplacementRequestRow,
} from '../store/token-replacements.js';
import type { SignupDeps } from './deps.js';
import { enqueueAfterCommit } from './after-commit.js';
import { applyReplacementAnswer } from './replacement-outcome.js';
import { retryAfterSecondsOf, sendWithInRequestRetries, tokenRequest } from './token-request.js';

export interface StartReplacementInput {
  readonly merchantId: string;
  readonly subscriptionId: string;
  readonly actor: Actor;
  readonly idempotencyRecordId: string | null;
}

export type ReplacementResult =
  /** `created`: a new journey; false when an open one is answered again. */
  | { readonly kind: 'started'; readonly paymentRequestId: string; readonly created: boolean }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'illegal'; readonly status: string; readonly reason: string }
  | {
      readonly kind: 'klarna_unavailable';
      readonly paymentRequestId: string;
      readonly retryAfterSeconds: number;
    }
  | {
      readonly kind: 'klarna_rejected';
      readonly paymentRequestId: string;
      readonly errorCode: string | null;
      readonly parameters: string[];
    };

export async function startTokenReplacement(
  deps: SignupDeps,
  input: StartReplacementInput,
): Promise<ReplacementResult> {
  const opened = await inTransaction(deps.db, async (tx) => {
    const locked = await lockSubscriptionForLifecycle(tx, input.merchantId, input.subscriptionId);
    if (locked === null) return { kind: 'not_found' } as const;
    const { row } = locked;
    const start = decideReplacementStart(row.status);
    if (start.kind === 'refused')
      return { kind: 'illegal', status: start.status, reason: start.reason } as const;
    const now = deps.clock.now();
    const open = await findOpenReplacement(tx, row.id, now);
    if (open !== null) return { kind: 'open', paymentRequestId: open.id, created: false } as const;
    const request = await insertReplacementRequest(tx, {
      subscription: row,
      expectedExpiry: new Date(now.getTime() + deps.interactionExpiry.ms),
      now,
      keyFor: klarnaIdempotencyKey,
    });
    if (input.idempotencyRecordId !== null) {
      await setIdempotencyResource(tx, input.idempotencyRecordId, request.id);
    }
    await audit(tx, {
      actor: input.actor,
      merchantId: input.merchantId,
      subscriptionId: row.id,
      entityType: 'payment_request',
      entityId: request.id,
      action: 'subscription.token_replacement_requested',
      after: { status: row.status, token_id: row.tokenId, requires_new_token: row.requiresNewToken },
      at: now,
    });
    return { kind: 'open', paymentRequestId: request.id, created: true } as const;
  });
  if (opened.kind !== 'open') return opened;
  return sendReplacementRequest(deps, input.merchantId, opened.paymentRequestId, input.actor, opened.created);
}

/** The same Idempotency-Key retried after `klarna_unavailable`: send the same call again. */
export async function resumeTokenReplacement(
  deps: SignupDeps,
  merchantId: string,
  paymentRequestId: string,
  actor: Actor,
): Promise<ReplacementResult> {
  const request = await findReplacement(deps.db, merchantId, paymentRequestId);
  if (request === null) return { kind: 'not_found' };
  return sendReplacementRequest(deps, merchantId, paymentRequestId, actor, true);
}

async function sendReplacementRequest(
  deps: SignupDeps,
  merchantId: string,
  paymentRequestId: string,
  actor: Actor,
  created: boolean,
): Promise<ReplacementResult> {
  const source = await readReplacementSource(deps.db, merchantId, paymentRequestId);
  if (source === null) throw new Error(`token replacement ${paymentRequestId} not found`);
  const started = { kind: 'started', paymentRequestId, created } as const;
  if (source.paymentRequest.state !== 'CREATING') return started;

  const request = tokenRequest({ ...source, invoice: null }, deps.interactionExpiry.iso);
  const outcome = await sendWithInRequestRetries(deps, () =>
    deps.gateway.startSignup(request, source.paymentRequest.idempotencyKey),
  );
  const subscriptionId = source.subscription.id;
  // A replayed answer (a resumed request, a twin) finds the request no longer CREATING.
  const underLock = <T>(fn: (tx: Tx, current: ReplacementRequestRow) => Promise<T>) =>
    inTransaction(deps.db, async (tx) => {
      await lockSubscriptionRow(tx, subscriptionId);
      const current = await readReplacementRequest(tx, paymentRequestId);
      return current.state === 'CREATING' ? fn(tx, current) : null;
    });

  switch (outcome.kind) {
    case 'answered': {
      const enqueue = await underLock((tx, current) =>
        applyReplacementAnswer(tx, current, outcome, { vault: deps.vault, now: deps.clock.now(), actor }),
      );
      await enqueueAfterCommit(deps, enqueue);
      return started;
    }
    case 'permanent': {
      await underLock(async (tx) => {
        const now = deps.clock.now();
        const rejected = await updatePaymentRequest(tx, paymentRequestId, {
          state: 'DECLINED',
          tokenPart: 'DECLINED',
          stateReason: `KLARNA_REJECTED:${outcome.errorCode ?? outcome.status}`,
          stateChangedAt: now,
          updatedAt: now,
        });
        await audit(tx, {
          actor,
          merchantId,
          subscriptionId,
          entityType: 'payment_request',
          entityId: rejected.id,
          action: 'subscription.token_replacement_failed',
          after: { state: 'KLARNA_REJECTED', payment_request_id: rejected.id },
          at: now,
        });
      });
      deps.log.warn(
        {
          subscriptionId,
          status: outcome.status,
          errorCode: outcome.errorCode,
          parameters: outcome.parameters,
        },
        'Klarna rejected the token replacement request',
      );
      return {
        kind: 'klarna_rejected',
        paymentRequestId,
        errorCode: outcome.errorCode,
        parameters: outcome.parameters,
      };
    }
    case 'rate_limited':
    case 'transient':
      deps.log.warn(
        { subscriptionId, outcome: outcome.kind },
        'Klarna did not answer the token replacement request; it stays resumable',
      );
      return {
        kind: 'klarna_unavailable',
        paymentRequestId,
        retryAfterSeconds: retryAfterSecondsOf(outcome),
      };
  }
}
