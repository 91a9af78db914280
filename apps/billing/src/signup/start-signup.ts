// POST /v1/subscriptions: write the signup's rows (subscription, first phase, period-0 invoice and
// attempt for a paid plan, payment request), commit, then ask Klarna for the token (and the first
// payment) with the key derived from those rows. A Klarna outage leaves the rows in place: the
// same Idempotency-Key retried resumes them, and the janitor replays the same call later.
import { periodRange } from '../domain/index.js';
import type { StartSignupInput as GatewaySignupInput } from '../klarna/port.js';
import { klarnaIdempotencyKey } from '../ids/idempotency-keys.js';
import type { Actor } from '../store/audit.js';
import { recordAttemptOutcome, markAttemptSent } from '../store/charge-outcomes.js';
import { inTransaction } from '../store/db.js';
import { subscriptionBelongsTo, updatePaymentRequest } from '../store/signup-writes.js';
import {
  insertSignupRows,
  lockSignupContext,
  readSignupContext,
  type SignupContext,
} from '../store/signups.js';
import type { SignupDeps } from './deps.js';
import { cancelJourneyIfAsked, enqueueAfterCommit } from './after-commit.js';
import {
  readNewSubscription,
  recordCreated,
  type NewSubscriptionInput,
  type NewSubscriptionRefusal,
} from './new-subscription.js';
import { settleSignup, type Settled } from './settle.js';
import { applySignupAnswer } from './signup-answer.js';
import { retryAfterSecondsOf, sendWithInRequestRetries, tokenRequest } from './token-request.js';

export type StartSignupInput = NewSubscriptionInput;

export type StartSignupResult =
  | { readonly kind: 'started'; readonly subscriptionId: string }
  | NewSubscriptionRefusal
  | {
      readonly kind: 'klarna_unavailable';
      readonly subscriptionId: string;
      readonly retryAfterSeconds: number;
    }
  | {
      readonly kind: 'klarna_rejected';
      readonly subscriptionId: string;
      readonly errorCode: string | null;
      readonly parameters: string[];
    };

export async function startSignup(deps: SignupDeps, input: StartSignupInput): Promise<StartSignupResult> {
  const created = await inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const start = await readNewSubscription(tx, input, now);
    if (start.kind !== 'ready') return start;
    const { customer, plan, version, timeZone, anchor, trialEndsAt } = start;
    const firstPeriod = version.trialDays > 0 ? null : periodRange(anchor, 0);
    const rows = await insertSignupRows(tx, {
      merchantId: input.merchantId,
      customerId: customer.id,
      planVersion: version,
      timeZone,
      currency: plan.currency,
      returnUrl: input.returnUrl,
      anchorAt: anchor.anchorAt,
      trialEndsAt,
      firstPeriod,
      expectedExpiry: new Date(now.getTime() + deps.interactionExpiry.ms),
      lineDescription: version.name,
      now,
      keyFor: klarnaIdempotencyKey,
    });
    await recordCreated(tx, input, start, {
      subscriptionId: rows.subscriptionId,
      at: now,
      extra: { invoice_id: rows.invoiceId },
    });
    return { kind: 'created', subscriptionId: rows.subscriptionId } as const;
  });
  if (created.kind !== 'created') return created;
  return sendSignupRequest(deps, created.subscriptionId, input.actor);
}

/** The same Idempotency-Key retried after `klarna_unavailable`: send the same call again. */
export async function resumeSignup(
  deps: SignupDeps,
  merchantId: string,
  subscriptionId: string,
  actor: Actor,
): Promise<StartSignupResult> {
  if (!(await subscriptionBelongsTo(deps.db, merchantId, subscriptionId)))
    return { kind: 'not_found', field: 'customer_id' };
  return sendSignupRequest(deps, subscriptionId, actor);
}

/**
 * Sends (or re-sends, same key) the signup's authorize call and applies the answer. Used by the
 * API (start, resume) and by the janitor for a signup whose answer never arrived.
 */
export async function sendSignupRequest(
  deps: SignupDeps,
  subscriptionId: string,
  actor: Actor,
): Promise<StartSignupResult> {
  const ctx = await inTransaction(deps.db, (tx) => readSignupContext(tx, subscriptionId));
  if (ctx === null) throw new Error(`signup ${subscriptionId} not found`);
  if (ctx.paymentRequest.state !== 'CREATING') return { kind: 'started', subscriptionId };

  const request = signupRequest(ctx, deps.interactionExpiry.iso);
  const signupAttempt = ctx.attempts.find((a) => a.kind === 'SIGNUP');
  const outcome = await sendWithInRequestRetries(deps, async () => {
    if (signupAttempt !== undefined) {
      await inTransaction(deps.db, (tx) => markAttemptSent(tx, signupAttempt, deps.clock.now()));
    }
    return deps.gateway.startSignup(request, ctx.paymentRequest.idempotencyKey);
  });

  switch (outcome.kind) {
    case 'answered': {
      const answer = outcome;
      const settled = await inTransaction(deps.db, async (tx) => {
        const locked = await lockSignupContext(tx, subscriptionId);
        return locked === null
          ? null
          : applySignupAnswer(tx, locked, answer, { vault: deps.vault, now: deps.clock.now(), actor });
      });
      await afterSettled(deps, ctx, settled);
      return { kind: 'started', subscriptionId };
    }
    case 'permanent': {
      const rejected = outcome;
      await inTransaction(deps.db, async (tx) => {
        const locked = await lockSignupContext(tx, subscriptionId);
        if (locked === null || locked.paymentRequest.state !== 'CREATING') return;
        const now = deps.clock.now();
        const signupAttempt = locked.attempts.find((a) => a.kind === 'SIGNUP');
        if (signupAttempt !== undefined) {
          await recordAttemptOutcome(tx, signupAttempt, {
            actor,
            status: 'FAILED',
            errorCode: `HTTP_${rejected.status}${rejected.errorCode === null ? '' : `:${rejected.errorCode}`}`,
            correlationId: rejected.correlationId,
            now,
          });
        }
        await updatePaymentRequest(tx, locked.paymentRequest.id, {
          stateReason: `KLARNA_REJECTED:${rejected.errorCode ?? rejected.status}`,
          updatedAt: now,
        });
        await settleSignup(
          tx,
          locked,
          {
            payment: 'DECLINED',
            token: 'DECLINED',
            tokenId: null,
            finalizeAt: null,
            endedReason: 'KLARNA_REJECTED',
          },
          { now, actor },
        );
      });
      deps.log.warn(
        {
          subscriptionId,
          status: rejected.status,
          errorCode: rejected.errorCode,
          parameters: rejected.parameters,
        },
        'Klarna rejected the signup request',
      );
      return {
        kind: 'klarna_rejected',
        subscriptionId,
        errorCode: rejected.errorCode,
        parameters: rejected.parameters,
      };
    }
    case 'rate_limited':
    case 'transient': {
      deps.log.warn(
        { subscriptionId, outcome: outcome.kind },
        'Klarna did not answer the signup request; it stays resumable',
      );
      return {
        kind: 'klarna_unavailable',
        subscriptionId,
        retryAfterSeconds: retryAfterSecondsOf(outcome),
      };
    }
  }
}

export function signupRequest(ctx: SignupContext, interactionExpiry: string): GatewaySignupInput {
  const common = tokenRequest(ctx, interactionExpiry);
  const attempt = ctx.attempts.find((a) => a.kind === 'SIGNUP');
  if (ctx.invoice === null || attempt === undefined) return common;
  return {
    ...common,
    amountMinor: attempt.amountMinor,
    transactionReference: attempt.reference,
    capture: attempt.captureMode,
  };
}

async function afterSettled(deps: SignupDeps, ctx: SignupContext, settled: Settled | null): Promise<void> {
  if (settled === null) return;
  await enqueueAfterCommit(deps, settled.enqueue);
  await cancelJourneyIfAsked(deps, ctx, settled);
}
