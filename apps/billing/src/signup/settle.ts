// Writes what the domain's resolveSignup decides, in the caller's transaction, with the
// subscription row locked: the signup's part states, the subscription's status and first period,
// the invoice's status, the next action (from the domain's nextAction) and the audit rows, all in
// one statement.
import {
  nextAction,
  resolveSignup,
  type NextAction,
  type SignupPartState,
  type SignupResolution,
  type SignupSchedule,
} from '../domain/index.js';
import type { RunNextActionPayload } from '../queue/catalog.js';
import type { Actor, AuditEntry } from '../store/audit.js';
import type { Tx } from '../store/db.js';
import {
  writeSignupDecision,
  type SignupDecisionWrites,
  type SignupSubscriptionChange,
} from '../store/signup-decisions.js';
import { leaseNextAction } from '../store/next-actions.js';
import type { SignupContext } from '../store/signups.js';

/** Why a signup ended, as the subscription's endedReason shows it. */
export type SignupEndedReason =
  'SIGNUP_DECLINED' | 'SIGNUP_EXPIRED' | 'SIGNUP_CANCELED' | 'FIRST_PAYMENT_DECLINED' | 'KLARNA_REJECTED';

export interface SignupChange {
  readonly payment: SignupPartState;
  readonly token: SignupPartState;
  /** Rebill's id of the token the signup produced, once stored. */
  readonly tokenId: string | null;
  /** When a finalize (or its fallback charge) is to be sent next; null when none is pending. */
  readonly finalizeAt: Date | null;
  /** Overrides the domain's end reason when the journey itself ended (expired, canceled). */
  readonly endedReason?: SignupEndedReason;
}

/** How long a job enqueued by a fast path owns the next action before a sweep may enqueue it again. */
export const NEXT_ACTION_LEASE_MS = 60_000;

export interface Settled {
  readonly resolution: SignupResolution;
  readonly next: NextAction | null;
  /** A job to enqueue once the transaction has committed (the lease is already taken). */
  readonly enqueue: { readonly payload: RunNextActionPayload; readonly leaseUntil: Date } | null;
}

export async function settleSignup(
  tx: Tx,
  ctx: SignupContext,
  change: SignupChange,
  at: { readonly now: Date; readonly actor: Actor },
): Promise<Settled> {
  const { subscription, paymentRequest, invoice } = ctx;
  const { now, actor } = at;
  const trial = ctx.phase.planVersion.trialDays > 0;
  const resolution = resolveSignup({ payment: change.payment, token: change.token, trial });

  const paymentRequestParts =
    change.payment !== paymentRequest.paymentPart || change.token !== paymentRequest.tokenPart
      ? { id: paymentRequest.id, paymentPart: change.payment, tokenPart: change.token, updatedAt: now }
      : null;
  const write = (
    subscriptionChange: SignupSubscriptionChange,
    rest: Pick<SignupDecisionWrites, 'invoice' | 'audit'> = { invoice: null, audit: null },
  ) => writeOrFail(tx, { subscription, change: subscriptionChange, paymentRequestParts, ...rest });

  switch (resolution.kind) {
    case 'WAIT': {
      const signup: SignupSchedule =
        change.finalizeAt !== null
          ? { kind: 'FINALIZING', at: change.finalizeAt }
          : { kind: 'AWAITING_CUSTOMER', expiresAt: paymentRequest.expiresAt ?? now };
      const next = nextAction({ ...facts(ctx), status: 'PENDING_TOKENIZATION', signup });
      const fastPath = next !== null && next.kind === 'FINALIZE' && next.at.getTime() <= now.getTime();
      const leaseUntil = fastPath ? new Date(now.getTime() + NEXT_ACTION_LEASE_MS) : null;
      await write({
        tokenId: change.tokenId ?? subscription.tokenId,
        nextActionKind: next?.kind ?? null,
        nextActionAt: next?.at ?? null,
        updatedAt: now,
      });
      // After the statement above: its trigger copied the action into the scheduler's queue.
      if (leaseUntil !== null) await leaseNextAction(tx, subscription.id, leaseUntil);
      const enqueue =
        next !== null && leaseUntil !== null
          ? {
              payload: { subscriptionId: subscription.id, kind: next.kind, dueAtMs: next.at.getTime() },
              leaseUntil,
            }
          : null;
      return { resolution, next, enqueue };
    }

    case 'START': {
      const paid = resolution.firstPeriodPaid && invoice !== null;
      const status = resolution.status;
      const period = paid ? { start: invoice.periodStart, end: invoice.periodEnd } : null;
      const next = nextAction({
        ...facts(ctx),
        status,
        currentPeriodEnd: period?.end ?? null,
        trialEndsAt: subscription.trialEndsAt,
      });
      const audit: AuditEntry = {
        actor,
        merchantId: subscription.merchantId,
        subscriptionId: subscription.id,
        entityType: 'subscription',
        entityId: subscription.id,
        action: status === 'TRIALING' ? 'subscription.trial_started' : 'subscription.activated',
        before: { status: subscription.status },
        after: { status, requires_new_token: resolution.requiresNewToken, first_period_paid: paid },
        at: now,
      };
      await write(
        {
          status,
          tokenId: change.tokenId ?? subscription.tokenId,
          requiresNewToken: resolution.requiresNewToken,
          periodIndex: 0,
          currentPeriodStart: period?.start ?? null,
          currentPeriodEnd: period?.end ?? null,
          paidThroughPeriodIndex: paid ? 0 : null,
          nextActionKind: next?.kind ?? null,
          nextActionAt: next?.at ?? null,
          updatedAt: now,
        },
        {
          invoice: paid && invoice.status === 'OPEN' ? { id: invoice.id, status: 'PAID', at: now } : null,
          audit,
        },
      );
      return { resolution, next, enqueue: null };
    }

    case 'END': {
      const endedReason = change.endedReason ?? resolution.reason;
      await write(
        {
          status: 'INCOMPLETE_EXPIRED',
          tokenId: change.tokenId ?? subscription.tokenId,
          endedAt: now,
          endedReason,
          nextActionKind: null,
          nextActionAt: null,
          updatedAt: now,
        },
        {
          invoice:
            invoice !== null && invoice.status === 'OPEN'
              ? { id: invoice.id, status: 'VOID', at: now }
              : null,
          audit: {
            actor,
            merchantId: subscription.merchantId,
            subscriptionId: subscription.id,
            entityType: 'subscription',
            entityId: subscription.id,
            action: 'subscription.signup_ended',
            before: { status: subscription.status },
            after: { status: 'INCOMPLETE_EXPIRED', ended_reason: endedReason },
            at: now,
          },
        },
      );
      return { resolution, next: null, enqueue: null };
    }
  }
}

function facts(ctx: SignupContext) {
  return {
    cancelAtPeriodEnd: ctx.subscription.cancelAtPeriodEnd,
    pauseAtPeriodEnd: ctx.subscription.pauseAtPeriodEnd,
    trialEndsAt: ctx.subscription.trialEndsAt,
    currentPeriodEnd: ctx.subscription.currentPeriodEnd,
    signup: { kind: 'NONE' } as SignupSchedule,
    dunning: null,
  };
}

async function writeOrFail(tx: Tx, writes: SignupDecisionWrites): Promise<void> {
  if (!(await writeSignupDecision(tx, writes))) {
    // The row is locked for this transaction, so only a writer that skipped the lock can get here.
    throw new Error(`subscription ${writes.subscription.id} changed under its row lock`);
  }
}
