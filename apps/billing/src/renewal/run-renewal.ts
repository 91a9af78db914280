// The worker's renewal next actions: RENEWAL, TRIAL_END and DUNNING_RETRY charge the token with no
// customer present; GRACE_END, CANCEL_AT_PERIOD_END and PAUSE_AT_PERIOD_END change the
// subscription only. Each run:
//   1. under the subscription's row lock: check the job is still the stored next action (a job
//      queued before a cancel, pause or revoke finds it changed and does nothing), write or reuse
//      the invoice and the attempt row, count the send, decrypt the token (audited); commit
//   2. call Klarna outside any transaction (the plan's capture mode, never step_up_config), re-sending the
//      same attempt with the same key on a transient failure or a 429, within the job
//   3. under the lock again: record the outcome and what the domain decides from it. The common
//      case (approved, the invoice paid) skips the lock and re-read: one statement written on the
//      subscription version step 1 saw, which writes nothing if anything changed meanwhile (then
//      the lock and re-read as before)
// A crash between 1 and 3 leaves a PENDING attempt already sent: the next run re-sends it with the
// same key (Klarna answers the first call's result), within Klarna's 24 h window, then holds it.
import { randomUUID } from 'node:crypto';
import {
  classifyChargeOutcome,
  decideCancelAtPeriodEnd,
  decideChargeOutcome,
  decideGraceEnd,
  decidePauseAtPeriodEnd,
  declineCategoryOf,
  billedPeriodIndex,
  isFinalSubscriptionStatus,
  parseDunningPolicy,
  phaseForPeriod,
  planNextPeriod,
  recomputeNext,
  catchUpPolicySchema,
  SAME_KEY_REPLAY_WINDOW_MS,
  type ChargeOutcomeClass,
  type ChargeDecision,
} from '../domain/index.js';
import { toChargeOutcome, type AuthorizeOutcome } from '../klarna/outcome.js';
import type { ChargeTokenInput } from '../klarna/port.js';
import type { RunNextActionPayload } from '../queue/catalog.js';
import { audit, systemActor, type Actor, type AuditEntry } from '../store/audit.js';
import {
  markAttemptSent,
  recordApprovedCharge,
  recordApprovedRenewal,
  recordApprovedRenewalIfUnchanged,
  recordAttemptOutcome,
} from '../store/charge-outcomes.js';
import { requestVoidOfUncapturedCharges } from '../store/charge-money.js';
import type { RawTx as Tx } from '../store/raw-tx.js';
import {
  changeOpenInvoice,
  deferNextAction,
  insertRenewalCharge,
  insertSkippedRange,
  lockRenewalContext,
  writeRenewalPatch,
  type RenewalContextRows,
  type RenewalPhase,
} from '../store/renewals.js';
import { insertChargeAttempt, noteAttemptFailure } from '../store/signup-writes.js';
import type { ChargeAttempt } from '../store/signups.js';
import {
  decryptAuditEntry,
  openStoredCustomerToken,
  recordCustomerTokenDecrypt,
} from '../vault/customer-tokens.js';
import type { CustomerTokenSecret } from '../secrets/secret.js';
import { lineItems, purchaseReference, subscriptionTerms } from '../signup/terms.js';
import { afterThrottle, throttleAfterRateLimit } from './account-throttle.js';
import type { RenewalDeps } from './deps.js';
import { newRenewalAttempt } from './renewal-attempt.js';

const ACTOR: Actor = systemActor('worker');
const VOID = { kind: 'VOID' } as const;

export type RenewalRunResult =
  | 'GONE'
  | 'STALE'
  | 'NOT_DUE'
  | 'THROTTLED'
  | 'HELD'
  | 'NOTHING_TO_CHARGE'
  | 'CHANGED'
  | 'CHARGED'
  | 'RESEND_LATER'
  | 'ALREADY_RECORDED';

type Prepared =
  | { readonly kind: 'done'; readonly result: RenewalRunResult }
  | {
      readonly kind: 'charge';
      /** The context the call was prepared under, with the invoice it charges. */
      readonly ctx: RenewalContext & { readonly invoice: NonNullable<RenewalContext['invoice']> };
      readonly attempt: ChargeAttempt;
      readonly accountId: string;
      readonly input: ChargeTokenInput;
    };

export async function runRenewalAction(
  deps: RenewalDeps,
  payload: RunNextActionPayload,
): Promise<RenewalRunResult> {
  const prepared = await deps.transactions.run((tx) => prepare(tx, deps, payload));
  if (prepared.kind === 'done') return prepared.result;
  const outcome = await sendWithResends(deps, prepared);
  const result =
    (await recordIfUnchanged(deps, prepared, outcome)) ??
    (await deps.transactions.run((tx) => record(tx, deps, payload, prepared.attempt.id, outcome)));
  // After the commit, so an outcome counts once however often its transaction was retried.
  if (deps.observer !== undefined && (result === 'CHARGED' || result === 'HELD')) {
    deps.observer.settled(classifyChargeOutcome(toChargeOutcome(outcome)));
  }
  return result;
}

async function sendWithResends(
  deps: RenewalDeps,
  prepared: Extract<Prepared, { kind: 'charge' }>,
): Promise<AuthorizeOutcome> {
  const { attempt } = prepared;
  let outcome = await deps.gateway.chargeToken(prepared.input, attempt.idempotencyKey);
  for (const delayMs of deps.resendDelaysMs) {
    if (outcome.kind === 'rate_limited') {
      const waitMs = await throttleAfterRateLimit(
        deps.throttle,
        prepared.accountId,
        outcome.retryAfterMs,
        attempt.sendCount + 1,
        deps.clock.now().getTime(),
      );
      // A long Retry-After goes back to the sweep rather than holding a worker slot.
      if (waitMs > delayMs * 4) return outcome;
      await deps.sleep(waitMs);
    } else if (outcome.kind === 'transient' || (outcome.kind === 'answered' && outcome.payment === null)) {
      await deps.sleep(delayMs);
    } else {
      return outcome;
    }
    outcome = await deps.gateway.chargeToken(prepared.input, attempt.idempotencyKey);
  }
  return outcome;
}

/**
 * The rows with `phase`: the phase billing the period this run works on (an open invoice's period,
 * else the one after the newest invoice), never a phase that starts later (a plan change waiting
 * for the next period). Its plan version gives the dunning and catch-up policies, the capture mode
 * and the subscription terms sent to Klarna.
 */
export type RenewalContext = RenewalContextRows & { readonly phase: RenewalPhase };

async function readContext(tx: Tx, subscriptionId: string): Promise<RenewalContext | null> {
  const rows = await lockRenewalContext(tx, subscriptionId);
  if (rows === null) return null;
  // Every phase starting later than the period (not by construction): the oldest, as before.
  const phase = phaseForPeriod(rows.phases, billedPeriodIndex(rows.invoice)) ?? rows.phases[0];
  return phase === undefined ? null : { ...rows, phase };
}

async function prepare(tx: Tx, deps: RenewalDeps, payload: RunNextActionPayload): Promise<Prepared> {
  const ctx = await readContext(tx, payload.subscriptionId);
  if (ctx === null) return { kind: 'done', result: 'GONE' };
  const now = deps.clock.now();
  const sub = ctx.subscription;
  // The job names the action the sweep saw; anything else means the subscription changed since
  // (canceled, paused, revoked, already run): this job has nothing to do.
  if (sub.nextActionKind !== payload.kind || sub.nextActionAt?.getTime() !== payload.dueAtMs) {
    return { kind: 'done', result: 'STALE' };
  }
  if (sub.nextActionAt.getTime() > now.getTime()) return { kind: 'done', result: 'NOT_DUE' };

  switch (payload.kind) {
    case 'CANCEL_AT_PERIOD_END': {
      const patch = decideCancelAtPeriodEnd(sub, now);
      if (ctx.invoice?.status === 'OPEN') await changeOpenInvoice(tx, ctx.invoice.id, { kind: 'VOID' }, now);
      await writeRenewalPatch(tx, sub, patch, now);
      await auditSubscription(
        tx,
        ctx,
        'subscription.canceled',
        { status: 'CANCELED', ended_reason: patch.endedReason ?? null },
        now,
      );
      return { kind: 'done', result: 'CHANGED' };
    }
    case 'PAUSE_AT_PERIOD_END': {
      await writeRenewalPatch(tx, sub, decidePauseAtPeriodEnd(sub, now), now);
      await auditSubscription(tx, ctx, 'subscription.paused', { status: 'PAUSED' }, now);
      return { kind: 'done', result: 'CHANGED' };
    }
    case 'GRACE_END': {
      const decision = decideGraceEnd(sub, parseDunningPolicy(ctx.phase.planVersion.dunningPolicy), now);
      if (ctx.invoice?.status === 'OPEN')
        await changeOpenInvoice(tx, ctx.invoice.id, { kind: 'UNCOLLECTIBLE' }, now);
      await writeRenewalPatch(tx, sub, decision.patch, now);
      await auditSubscription(tx, ctx, decision.event, { status: decision.patch.status }, now);
      return { kind: 'done', result: 'CHANGED' };
    }
    case 'RENEWAL':
    case 'TRIAL_END':
    case 'DUNNING_RETRY':
      return prepareCharge(tx, deps, ctx, payload, now);
    case 'FINALIZE':
    case 'SIGNUP_EXPIRY':
      throw new Error(`${payload.kind} is a signup action, not a renewal`);
  }
}

async function prepareCharge(
  tx: Tx,
  deps: RenewalDeps,
  ctx: RenewalContext,
  payload: RunNextActionPayload,
  now: Date,
): Promise<Prepared> {
  const sub = ctx.subscription;
  if (
    isFinalSubscriptionStatus(sub.status) ||
    sub.status === 'PAUSED' ||
    sub.status === 'PENDING_TOKENIZATION'
  ) {
    return { kind: 'done', result: 'STALE' };
  }
  let invoice = ctx.invoice?.status === 'OPEN' ? ctx.invoice : null;
  if (invoice !== null && invoice.heldAt !== null) return { kind: 'done', result: 'HELD' };
  const last = ctx.attempts.at(-1);
  let attempt: ChargeAttempt;
  let gate: SendGate | undefined;

  if (invoice !== null && last !== undefined && last.status === 'PENDING') {
    // Sent before, outcome never recorded (a crash, a resend): the same attempt, the same key.
    if (
      last.firstSentAt !== null &&
      now.getTime() - last.firstSentAt.getTime() >= SAME_KEY_REPLAY_WINDOW_MS
    ) {
      const outcome: ChargeOutcomeClass = {
        kind: 'TRANSIENT',
        category: 'TRANSIENT',
        reason: 'REPLAY_WINDOW_PASSED',
      };
      await settle(tx, ctx, last, decide(ctx, invoice, last, outcome, now), null, now, deps);
      return { kind: 'done', result: 'HELD' };
    }
    attempt = last;
  } else if (invoice !== null) {
    // An open invoice whose last attempt was declined: a dunning retry (a new attempt, a new key).
    if (payload.kind !== 'DUNNING_RETRY') {
      // A renewal while a period is past due cannot happen (one open invoice): follow the row.
      await writeRenewalPatch(tx, sub, recomputeNext(sub), now);
      return { kind: 'done', result: 'NOTHING_TO_CHARGE' };
    }
    attempt = await insertChargeAttempt(
      tx,
      newRenewalAttempt(sub, invoice, ctx.phase.planVersion.captureMode, (last?.attemptNumber ?? 0) + 1, now),
    );
  } else {
    if (payload.kind === 'DUNNING_RETRY') {
      await writeRenewalPatch(tx, sub, recomputeNext(sub), now);
      return { kind: 'done', result: 'NOTHING_TO_CHARGE' };
    }
    const version = ctx.phase.planVersion;
    const plan = planNextPeriod(
      {
        anchor: {
          anchorAt: ctx.phase.anchorAt,
          timeZone: ctx.phase.timeZone,
          interval: version.interval,
          intervalCount: version.intervalCount,
        },
        firstPeriodIndex: ctx.phase.firstPeriodIndex,
      },
      ctx.invoice?.periodIndex ?? null,
      catchUpPolicySchema.parse(version.catchUpPolicy),
      now,
    );
    if (plan.kind === 'NOT_DUE') {
      await deferNextAction(tx, sub.id, { kind: payload.kind, at: plan.dueAt }, now);
      return { kind: 'done', result: 'NOT_DUE' };
    }
    if (plan.skipped !== null) {
      await insertSkippedRange(tx, {
        ...plan.skipped,
        merchantId: sub.merchantId,
        subscriptionId: sub.id,
        actor: ACTOR,
        now,
      });
    }
    // The invoice, its line and the attempt in one statement; when the charge goes out now, the
    // token's decrypt (audited) and the attempt's first send go in it too.
    gate = await sendGate(deps, ctx, now);
    const invoiceId = randomUUID();
    const first = newRenewalAttempt(
      sub,
      {
        id: invoiceId,
        periodIndex: plan.period.index,
        amountMinor: version.amountMinor,
        currency: sub.currency,
      },
      version.captureMode,
      1,
      now,
    );
    // Sent in the same statement when it can go out now (an unopenable token declines below).
    const row = gate.kind === 'sendable' ? gate.row : null;
    const opened = row === null ? null : openStoredCustomerToken(deps.vault, row);
    const token = opened?.kind === 'revealed' ? opened.token : null;
    const written = await insertRenewalCharge(tx, {
      subscription: sub,
      planVersion: version,
      period: plan.period,
      lineDescription: `${version.name}`,
      now,
      invoiceId,
      attempt: first,
      sent:
        row === null || token === null
          ? null
          : {
              tokenId: row.id,
              decryptAudit: decryptAuditEntry(decryptInput(ctx, row.id, first.id, now), row.keyId),
            },
    });
    invoice = written.invoice;
    attempt = written.attempt;
    if (token !== null) return chargeOf(ctx, invoice, attempt, token);
  }

  gate ??= await sendGate(deps, ctx, now);
  switch (gate.kind) {
    case 'unusable':
      // A token that cannot be charged is a hard decline, decided here without calling Klarna.
      return declineWithoutCalling(tx, deps, ctx, invoice, attempt, 'TOKEN_NOT_USABLE', now);
    case 'throttled':
      // Not sent: no attempt burned; the sweep brings it back once the account may be called again.
      await deferNextAction(tx, sub.id, { kind: payload.kind, at: afterThrottle(gate.until) }, now);
      return { kind: 'done', result: 'THROTTLED' };
    case 'sendable':
      break;
  }
  const opened = openStoredCustomerToken(deps.vault, gate.row);
  if (opened.kind !== 'revealed') {
    return declineWithoutCalling(tx, deps, ctx, invoice, attempt, `TOKEN_${opened.reason}`, now);
  }
  await recordCustomerTokenDecrypt(tx, decryptInput(ctx, gate.row.id, attempt.id, now), gate.row.keyId);
  await markAttemptSent(tx, attempt, now);
  return chargeOf(
    ctx,
    invoice,
    { ...attempt, sendCount: attempt.sendCount + 1, firstSentAt: attempt.firstSentAt ?? now },
    opened.token,
  );
}

type SendGate =
  | { readonly kind: 'unusable' }
  | { readonly kind: 'throttled'; readonly until: number }
  | { readonly kind: 'sendable'; readonly row: NonNullable<RenewalContext['token']> };

/** Whether an attempt can go out now: the token (read with the context) usable, the account not throttled. */
async function sendGate(deps: RenewalDeps, ctx: RenewalContext, now: Date): Promise<SendGate> {
  const sub = ctx.subscription;
  const row = ctx.token;
  if (sub.tokenId === null || sub.requiresNewToken || row === null || row.status !== 'ACTIVE') {
    return { kind: 'unusable' };
  }
  const until = await deps.throttle.throttledUntil(ctx.accountId, now.getTime());
  return until === null ? { kind: 'sendable', row } : { kind: 'throttled', until };
}

function decryptInput(ctx: RenewalContext, tokenId: string, attemptId: string, now: Date) {
  return {
    merchantId: ctx.subscription.merchantId,
    tokenId,
    actor: ACTOR,
    purpose: `charge-attempt:${attemptId}`,
    subscriptionId: ctx.subscription.id,
    at: now,
  };
}

/** The authorize call of an attempt whose send is counted. */
function chargeOf(
  ctx: RenewalContext,
  invoice: NonNullable<RenewalContext['invoice']>,
  attempt: ChargeAttempt,
  token: CustomerTokenSecret,
): Prepared {
  const terms = { subscription: ctx.subscription, phase: ctx.phase, invoice };
  return {
    kind: 'charge',
    ctx: { ...ctx, invoice },
    attempt,
    accountId: ctx.accountId,
    input: {
      accountId: ctx.accountId,
      currency: attempt.currency,
      amountMinor: attempt.amountMinor,
      transactionReference: attempt.reference,
      purchaseReference: purchaseReference(terms),
      capture: attempt.captureMode,
      subscription: subscriptionTerms(terms),
      lineItems: lineItems(terms),
      customerToken: token,
    },
  };
}

/** A token that cannot be charged: a hard decline recorded on the attempt, Klarna never called. */
async function declineWithoutCalling(
  tx: Tx,
  deps: RenewalDeps,
  ctx: RenewalContext,
  invoice: { periodIndex: number; periodStart: Date; periodEnd: Date },
  attempt: ChargeAttempt,
  reason: string,
  now: Date,
): Promise<Prepared> {
  const outcome: ChargeOutcomeClass = {
    kind: 'DECLINED',
    category: 'HARD',
    reason,
    customerAction: 'RETOKENIZE',
  };
  await settle(tx, ctx, attempt, decide(ctx, invoice, attempt, outcome, now), outcome, now, deps);
  return { kind: 'done', result: 'CHARGED' };
}

/** The domain's decision for an outcome of `attempt`, under the phase's dunning policy. */
function decide(
  ctx: RenewalContext,
  invoice: { periodIndex: number; periodStart: Date; periodEnd: Date },
  attempt: ChargeAttempt,
  outcome: ChargeOutcomeClass,
  now: Date,
): ChargeDecision {
  return decideChargeOutcome(
    ctx.subscription,
    chargedOf(invoice, attempt, now),
    outcome,
    parseDunningPolicy(ctx.phase.planVersion.dunningPolicy),
    now,
  );
}

function chargedOf(
  invoice: { periodIndex: number; periodStart: Date; periodEnd: Date },
  attempt: ChargeAttempt,
  now: Date,
) {
  return {
    period: { index: invoice.periodIndex, start: invoice.periodStart, end: invoice.periodEnd },
    attemptNumber: attempt.attemptNumber,
    firstSentAt: attempt.firstSentAt ?? now,
  };
}

async function record(
  tx: Tx,
  deps: RenewalDeps,
  payload: RunNextActionPayload,
  attemptId: string,
  outcome: AuthorizeOutcome,
): Promise<RenewalRunResult> {
  const ctx = await readContext(tx, payload.subscriptionId);
  if (ctx === null) return 'GONE';
  const now = deps.clock.now();
  const attempt = ctx.attempts.find((a) => a.id === attemptId);
  const invoice = ctx.invoice;
  // Recorded meanwhile (a stalled job's twin got the same replayed answer): nothing to add.
  if (attempt === undefined || invoice === null || attempt.status !== 'PENDING') return 'ALREADY_RECORDED';
  const classified = classifyChargeOutcome(toChargeOutcome(outcome));
  const decision = decide(ctx, invoice, attempt, classified, now);
  const correlationId = outcome.correlationId;
  if (decision.kind === 'RESEND') {
    await noteAttemptFailure(tx, attempt.id, { correlationId, errorCode: errorCodeOf(classified), at: now });
    if (!isFinalSubscriptionStatus(ctx.subscription.status)) {
      await deferNextAction(tx, ctx.subscription.id, { kind: payload.kind, at: decision.at }, now);
    }
    return 'RESEND_LATER';
  }
  await settle(tx, ctx, attempt, decision, classified, now, deps, approvedOf(outcome), correlationId);
  return decision.invoice.kind === 'HELD' ? 'HELD' : 'CHARGED';
}

/**
 * The common case without a second lock and read: an approval that pays the invoice, written in
 * one statement on the subscription version the call was prepared under. Null when it is not that
 * case, or when the subscription, attempt or invoice changed meanwhile (nothing was written):
 * record() then decides afresh under the lock.
 */
async function recordIfUnchanged(
  deps: RenewalDeps,
  prepared: Extract<Prepared, { kind: 'charge' }>,
  outcome: AuthorizeOutcome,
): Promise<RenewalRunResult | null> {
  const approved = approvedOf(outcome);
  const { ctx, attempt } = prepared;
  if (approved === null || isFinalSubscriptionStatus(ctx.subscription.status)) return null;
  const now = deps.clock.now();
  const decision = decide(ctx, ctx.invoice, attempt, classifyChargeOutcome(toChargeOutcome(outcome)), now);
  if (decision.kind !== 'SETTLE' || decision.invoice.kind !== 'PAID') return null;
  const recorded = await deps.transactions.run((tx) =>
    recordApprovedRenewalIfUnchanged(
      tx,
      attempt,
      approved,
      approvalMeta(ctx, outcome.correlationId, now),
      renewalSettled(ctx, ctx.invoice.id, attempt, decision, now),
    ),
  );
  return recorded === null ? null : 'CHARGED';
}

function approvedOf(outcome: AuthorizeOutcome) {
  return outcome.kind === 'answered' && outcome.payment?.result === 'APPROVED'
    ? outcome.payment.transaction
    : null;
}

function approvalMeta(ctx: RenewalContext, correlationId: string | null, now: Date, actor: Actor = ACTOR) {
  return { correlationId, now, actor, captureDelaySeconds: ctx.phase.planVersion.captureDelaySeconds };
}

/** A paid renewal's settling writes: the invoice, the subscription's patch and its audit row. */
function renewalSettled(
  ctx: RenewalContext,
  invoiceId: string,
  attempt: ChargeAttempt,
  decision: Extract<ChargeDecision, { kind: 'SETTLE' }>,
  now: Date,
  actor: Actor = ACTOR,
) {
  return {
    invoiceId,
    subscription: ctx.subscription,
    patch: decision.patch,
    audit: subscriptionAudit(ctx, decision.event, settledAfter(ctx, decision, attempt), now, actor),
  };
}

function errorCodeOf(outcome: ChargeOutcomeClass): string {
  return outcome.kind === 'TRANSIENT' || outcome.kind === 'FAILED' ? outcome.reason : outcome.kind;
}

/** Writes a settled decision: the attempt (and Charge), the invoice, the subscription, the audit. */
async function settle(
  tx: Tx,
  ctx: RenewalContext,
  attempt: ChargeAttempt,
  decision: ChargeDecision,
  outcome: ChargeOutcomeClass | null,
  now: Date,
  deps: Pick<RenewalDeps, 'log'>,
  approved: Parameters<typeof recordApprovedCharge>[2] | null = null,
  correlationId: string | null = null,
  actor: Actor = ACTOR,
): Promise<void> {
  if (decision.kind !== 'SETTLE') return;
  const sub = ctx.subscription;
  if (
    approved !== null &&
    ctx.invoice !== null &&
    decision.invoice.kind === 'PAID' &&
    !isFinalSubscriptionStatus(sub.status)
  ) {
    // The common case, the same rows as below in one statement.
    await recordApprovedRenewal(
      tx,
      attempt,
      approved,
      approvalMeta(ctx, correlationId, now, actor),
      renewalSettled(ctx, ctx.invoice.id, attempt, decision, now, actor),
    );
    return;
  }
  if (approved !== null) {
    await recordApprovedCharge(tx, attempt, approved, approvalMeta(ctx, correlationId, now, actor));
  } else {
    await recordAttemptOutcome(tx, attempt, {
      actor,
      status: decision.attempt === 'APPROVED' ? 'UNKNOWN' : decision.attempt,
      declineReason: outcome?.kind === 'DECLINED' ? outcome.reason : null,
      declineCategory: outcome === null ? null : declineCategoryOf(outcome),
      errorCode:
        outcome === null || outcome.kind === 'APPROVED' || outcome.kind === 'DECLINED'
          ? null
          : errorCodeOf(outcome),
      correlationId,
      now,
    });
  }
  // Canceled while the charge was in flight (ARCHITECTURE.md, "Races"): the subscription stays
  // ended and its invoice is closed. Money captured in the authorization (NOW) is booked and the
  // invoice paid, for the merchant to refund; an authorization not captured yet (LATER) is
  // released, as the cancel released the ones before it, and the invoice voided.
  const ended = isFinalSubscriptionStatus(sub.status);
  const release = ended && approved !== null && attempt.captureMode === 'LATER';
  const invoiceChange = ended && (release || decision.invoice.kind === 'OPEN') ? VOID : decision.invoice;
  if (ctx.invoice !== null && invoiceChange.kind !== 'OPEN') {
    await changeOpenInvoice(tx, ctx.invoice.id, invoiceChange, now);
  }
  if (ended) {
    if (approved !== null) {
      if (release) await requestVoidOfUncapturedCharges(tx, { subscriptionId: sub.id, at: now });
      deps.log.warn(
        { subscriptionId: sub.id, attemptId: attempt.id, released: release },
        'renewal approved after the subscription ended',
      );
      await auditSubscription(
        tx,
        ctx,
        'renewal.paid_after_end',
        { attempt_id: attempt.id, released: release },
        now,
        actor,
      );
    }
    return;
  }
  await writeRenewalPatch(tx, sub, decision.patch, now);
  await auditSubscription(tx, ctx, decision.event, settledAfter(ctx, decision, attempt), now, actor);
}

function settledAfter(
  ctx: RenewalContext,
  decision: Extract<ChargeDecision, { kind: 'SETTLE' }>,
  attempt: ChargeAttempt,
): Record<string, string | number | boolean | null> {
  return {
    status: decision.patch.status,
    period_index: ctx.invoice?.periodIndex ?? null,
    attempt_number: attempt.attemptNumber,
    ...(decision.invoice.kind === 'HELD' ? { hold_reason: decision.invoice.reason } : {}),
    // A hard decline that makes the token unusable (the merchant hears subscription.requires_new_token).
    ...(decision.patch.requiresNewToken && !ctx.subscription.requiresNewToken
      ? { requires_new_token: true }
      : {}),
  };
}

async function auditSubscription(
  tx: Tx,
  ctx: RenewalContext,
  action: string,
  after: Record<string, string | number | boolean | null>,
  now: Date,
  actor: Actor = ACTOR,
): Promise<void> {
  await audit(tx, subscriptionAudit(ctx, action, after, now, actor));
}

function subscriptionAudit(
  ctx: RenewalContext,
  action: string,
  after: Record<string, string | number | boolean | null>,
  now: Date,
  actor: Actor = ACTOR,
): AuditEntry {
  return {
    actor,
    merchantId: ctx.subscription.merchantId,
    subscriptionId: ctx.subscription.id,
    entityType: 'subscription',
    entityId: ctx.subscription.id,
    action,
    before: { status: ctx.subscription.status },
    after,
    at: now,
  };
}

/** What an operator found at Klarna for a held attempt (see operator-actions/resolve-held-attempt.ts). */
export type HeldAttemptResolution =
  | {
      readonly kind: 'APPROVED';
      readonly transaction: Parameters<typeof recordApprovedCharge>[2];
      readonly correlationId: string | null;
    }
  | { readonly kind: 'NOT_CHARGED' };

export type SettleHeldResult =
  | { readonly kind: 'SETTLED'; readonly invoiceId: string; readonly status: string }
  | { readonly kind: 'NOT_HELD' };

/**
 * Settles the last attempt of a held invoice with an operator's resolution, under the subscription's
 * lock and through the same decision and writes as an answer from Klarna: APPROVED books the charge
 * (captured per the plan's capture mode), pays the invoice and advances the period; NOT_CHARGED is a
 * soft decline, which the dunning policy turns into its next retry or its end. The caller releases
 * the hold in the same transaction.
 */
export async function settleHeldAttempt(
  tx: Tx,
  deps: Pick<RenewalDeps, 'log'>,
  input: {
    readonly subscriptionId: string;
    readonly attemptId: string;
    readonly resolution: HeldAttemptResolution;
    readonly actor: Actor;
    readonly now: Date;
  },
): Promise<SettleHeldResult> {
  const ctx = await readContext(tx, input.subscriptionId);
  const invoice = ctx?.invoice ?? null;
  const attempt = ctx?.attempts.at(-1);
  if (
    ctx === null ||
    invoice === null ||
    invoice.status !== 'OPEN' ||
    invoice.heldAt === null ||
    attempt?.id !== input.attemptId
  ) {
    return { kind: 'NOT_HELD' };
  }
  const outcome: ChargeOutcomeClass =
    input.resolution.kind === 'APPROVED'
      ? { kind: 'APPROVED' }
      : { kind: 'DECLINED', category: 'SOFT', reason: 'NOT_CHARGED', customerAction: 'NONE' };
  const decision = decide(ctx, invoice, attempt, outcome, input.now);
  const approved = input.resolution.kind === 'APPROVED' ? input.resolution : null;
  await settle(
    tx,
    ctx,
    attempt,
    decision,
    outcome,
    input.now,
    deps,
    approved?.transaction ?? null,
    approved?.correlationId ?? null,
    input.actor,
  );
  return {
    kind: 'SETTLED',
    invoiceId: invoice.id,
    status: decision.kind === 'SETTLE' ? decision.patch.status : ctx.subscription.status,
  };
}
