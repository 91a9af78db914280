// A charge's money job: under the charge's row lock, ask the domain for the next step (capture,
// void, a refund to send, a read, an expiry alert); write the operation's row and count its send;
// call Klarna outside any transaction; settle what it answered; repeat until nothing is due. The
// worker runs it for swept charges; the API runs it at once after writing a refund or a void.
//
// Exactly one capture per approved charge under crashes: the Capture row (and its key) is written
// and committed before the call, and a unique index allows one open capture per charge, so a run
// after a crash finds the row and re-sends the same key; Klarna answers the first call's result.
import type { MoneyStep } from '../domain/index.js';
import { nextMoneyStep, shouldReadAfter, unknownOutcomeDelayMs } from '../domain/index.js';
import { audit, systemActor, type Actor } from '../store/audit.js';
import {
  chargeMoneyOf,
  abandonRead,
  markExpiryAlerted,
  openOperationSends,
  requestRead,
  insertCapture,
  insertVoid,
  lockChargeMoney,
  markOperationSent,
  refundableCapture,
  scheduleChargeMoney,
  type ChargeMoneyRows,
} from '../store/charge-money.js';
import {
  applyTransactionRead,
  settleCapture,
  settleRefund,
  settleVoid,
  type OperationResult,
} from '../store/charge-money-settle.js';
import { inTransaction } from '../store/db.js';
import { afterThrottle, throttleAfterRateLimit } from '../renewal/account-throttle.js';
import type { MoneyDeps } from './deps.js';
import { operationResult, transactionFacts } from './outcomes.js';

export type ChargeMoneyResult = 'GONE' | 'IDLE' | 'RETRY_LATER' | 'THROTTLED';

/** Steps one run takes at most (a refund, a capture and a read each count one). */
const MAX_STEPS = 16;

type Capture = ChargeMoneyRows['captures'][number];
type Refund = ChargeMoneyRows['refunds'][number];
type Void = ChargeMoneyRows['voids'][number];

type Call =
  | { readonly kind: 'done'; readonly result: ChargeMoneyResult }
  | { readonly kind: 'again' }
  // The operation's row as it was before this send was counted (sendCount excludes it).
  | { readonly kind: 'capture'; readonly rows: ChargeMoneyRows; readonly op: Capture }
  | { readonly kind: 'refund'; readonly rows: ChargeMoneyRows; readonly op: Refund }
  | { readonly kind: 'void'; readonly rows: ChargeMoneyRows; readonly op: Void }
  | { readonly kind: 'read'; readonly rows: ChargeMoneyRows };

export async function runChargeMoney(
  deps: MoneyDeps,
  chargeId: string,
  actor: Actor = systemActor('worker'),
): Promise<ChargeMoneyResult> {
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const call = await inTransaction(deps.db, (tx) => prepare(tx, deps, chargeId, actor));
    if (call.kind === 'done') return call.result;
    if (call.kind === 'again') continue;
    const result = await send(deps, call, actor);
    if (result === 'RETRY_LATER') return result;
  }
  // Work left after many steps (a long queue of refunds): the sweep brings the charge back at once.
  await inTransaction(deps.db, (tx) => scheduleChargeMoney(tx, chargeId, deps.clock.now(), deps.clock.now()));
  return 'RETRY_LATER';
}

async function prepare(
  tx: Parameters<Parameters<typeof inTransaction>[1]>[0],
  deps: MoneyDeps,
  chargeId: string,
  actor: Actor,
): Promise<Call> {
  const rows = await lockChargeMoney(tx, chargeId);
  if (rows === null) return { kind: 'done', result: 'GONE' };
  const now = deps.clock.now();
  const step: MoneyStep = nextMoneyStep(chargeMoneyOf(rows), now);
  if (step.kind !== 'IDLE' && step.kind !== 'ALERT_EXPIRY') {
    // The merchant's account answered 429 lately (here or to a renewal): nothing is sent or counted
    // until it may be called again; the sweep brings the charge back then.
    const until = await deps.throttle.throttledUntil(rows.accountId, now.getTime());
    if (until !== null) {
      await scheduleChargeMoney(tx, chargeId, afterThrottle(until), now);
      return { kind: 'done', result: 'THROTTLED' };
    }
  }
  switch (step.kind) {
    case 'IDLE':
      await scheduleChargeMoney(tx, chargeId, step.nextAt, now);
      return { kind: 'done', result: 'IDLE' };
    case 'ALERT_EXPIRY':
      // Visible to operators (audit trail, error log); the capture itself is already due by now.
      await markExpiryAlerted(tx, chargeId, now);
      await audit(tx, {
        actor,
        merchantId: rows.charge.merchantId,
        subscriptionId: rows.charge.subscriptionId,
        entityType: 'charge',
        entityId: chargeId,
        action: 'charge.authorization_expiring',
        after: { expires_at: rows.charge.expiresAt?.toISOString() ?? null, state: rows.charge.state },
        at: now,
      });
      deps.log.error(
        { chargeId, expiresAt: rows.charge.expiresAt?.toISOString() },
        'authorization still uncaptured a day before it expires',
      );
      return { kind: 'again' };
    case 'READ':
      return { kind: 'read', rows };
    case 'SEND_REFUND': {
      const op = byId(rows.refunds, step.refundId);
      await markOperationSent(tx, 'refund', op.id, now);
      return { kind: 'refund', rows, op };
    }
    case 'SEND_VOID': {
      const op =
        step.voidId === null
          ? await insertVoid(tx, rows.charge, 'SUBSCRIPTION_CANCELED', now)
          : byId(rows.voids, step.voidId);
      await markOperationSent(tx, 'void', op.id, now);
      return { kind: 'void', rows, op };
    }
    case 'SEND_CAPTURE': {
      const op =
        step.captureId === null
          ? await insertCapture(tx, rows.charge, step.amountMinor, now)
          : byId(rows.captures, step.captureId);
      await markOperationSent(tx, 'capture', op.id, now);
      return { kind: 'capture', rows, op };
    }
  }
}

/** Calls Klarna for the prepared step and settles the answer; RETRY_LATER when it stayed unknown. */
async function send(
  deps: MoneyDeps,
  call: Exclude<Call, { kind: 'done' } | { kind: 'again' }>,
  actor: Actor,
): Promise<'SETTLED' | 'RETRY_LATER'> {
  const { charge, accountId } = call.rows;
  const transaction = { accountId, paymentTransactionId: charge.klarnaTransactionId };

  if (call.kind === 'read') {
    const outcome = await withResends(deps, accountId, () => deps.payments.readTransaction(transaction));
    if (outcome.kind === 'not_found' || outcome.kind === 'permanent') {
      // Klarna does not know the transaction, or refuses the read: no retry will change that.
      await inTransaction(deps.db, (tx) => abandonRead(tx, charge, outcome.kind, stamp(deps, actor)));
      deps.log.error({ chargeId: charge.id, outcome: outcome.kind }, 'transaction read failed for good');
      return 'SETTLED';
    }
    if (outcome.kind !== 'read') return retryLater(deps, charge.id, 1, false);
    await inTransaction(deps.db, async (tx) => {
      const rows = await lockChargeMoney(tx, charge.id);
      if (rows !== null)
        await applyTransactionRead(tx, rows, transactionFacts(outcome.transaction), stamp(deps, actor));
    });
    return 'SETTLED';
  }

  if (call.kind === 'capture') {
    const { op } = call;
    const outcome = await withResends(deps, accountId, () =>
      deps.payments.capture(
        { ...transaction, amountMinor: op.amountMinor, reference: op.reference },
        op.idempotencyKey ?? op.reference,
      ),
    );
    const result = operationResult(outcome, op.sendCount + 1);
    return settleUnder(deps, charge.id, result, (tx, rows) =>
      settleCapture(tx, rows.charge, latest(rows.captures, op), result, stamp(deps, actor)),
    );
  }

  if (call.kind === 'refund') {
    const { op } = call;
    const capture = call.rows.captures.find((c) => c.id === op.captureId) ?? refundableCapture(call.rows);
    const captureId = capture?.klarnaCaptureId ?? null;
    if (captureId === null) {
      // Cannot happen (a refund is written only against a succeeded capture); fail it visibly.
      const failed: OperationResult = { kind: 'FAILED', code: 'NO_KLARNA_CAPTURE' };
      return settleUnder(deps, charge.id, failed, (tx, rows) =>
        settleRefund(tx, rows.charge, latest(rows.refunds, op), failed, stamp(deps, actor)),
      );
    }
    const outcome = await withResends(deps, accountId, () =>
      deps.payments.refundCapture(
        {
          ...transaction,
          paymentCaptureId: captureId,
          amountMinor: op.amountMinor,
          reference: op.reference,
          ...(op.reason === null ? {} : { reason: op.reason }),
        },
        op.idempotencyKey,
      ),
    );
    const result = operationResult(outcome, op.sendCount + 1);
    return settleUnder(deps, charge.id, result, (tx, rows) =>
      settleRefund(tx, rows.charge, latest(rows.refunds, op), result, stamp(deps, actor)),
    );
  }

  const { op } = call;
  const outcome = await withResends(deps, accountId, () =>
    deps.payments.voidTransaction(transaction, op.idempotencyKey),
  );
  const result = operationResult(outcome, op.sendCount + 1);
  return settleUnder(deps, charge.id, result, (tx, rows) =>
    settleVoid(tx, rows.charge, latest(rows.voids, op), result, stamp(deps, actor)),
  );
}

/** The operation of `rows` the step names (it was chosen from them). */
function byId<T extends { readonly id: string }>(ops: readonly T[], id: string): T {
  const op = ops.find((o) => o.id === id);
  if (op === undefined) throw new Error(`operation ${id} is not among the charge's rows`);
  return op;
}

/** The operation as read again under the settling lock (a twin run may have settled it). */
function latest<T extends { readonly id: string }>(ops: readonly T[], op: T): T {
  return ops.find((o) => o.id === op.id) ?? op;
}

/** Who the run acts for (the worker, or the API key whose request ran it inline), and when. */
function stamp(deps: MoneyDeps, actor: Actor) {
  return { actor, now: deps.clock.now() };
}

async function settleUnder(
  deps: MoneyDeps,
  chargeId: string,
  result: OperationResult,
  write: (tx: Parameters<Parameters<typeof inTransaction>[1]>[0], rows: ChargeMoneyRows) => Promise<void>,
): Promise<'SETTLED' | 'RETRY_LATER'> {
  await inTransaction(deps.db, async (tx) => {
    const rows = await lockChargeMoney(tx, chargeId);
    if (rows !== null) await write(tx, rows);
  });
  if (result.kind !== 'UNKNOWN') return 'SETTLED';
  const sends = await openOperationSends(deps.db, chargeId);
  return retryLater(deps, chargeId, sends, result.read);
}

/** The outcome stayed unknown: the sweep brings the charge back after a growing delay. */
async function retryLater(
  deps: MoneyDeps,
  chargeId: string,
  sendCount: number,
  read: boolean,
): Promise<'RETRY_LATER'> {
  const now = deps.clock.now();
  const at = new Date(now.getTime() + unknownOutcomeDelayMs(sendCount));
  await inTransaction(deps.db, async (tx) => {
    await scheduleChargeMoney(tx, chargeId, at, now);
    if (read || shouldReadAfter(sendCount)) {
      await requestRead(tx, chargeId, now);
    }
  });
  return 'RETRY_LATER';
}

/**
 * Same-key re-sends within the job for a 429 or an unknown outcome (CONTRACT.md §3, §12.2). A 429
 * throttles the account for every worker (as a renewal's does) before this job waits it out.
 */
async function withResends<T extends { readonly kind: string }>(
  deps: MoneyDeps,
  accountId: string,
  call: () => Promise<T>,
): Promise<T> {
  let outcome = await call();
  for (let sends = 1; ; sends += 1) {
    if (outcome.kind !== 'transient' && outcome.kind !== 'rate_limited') return outcome;
    const retryAfter = retryAfterOf(outcome);
    if (outcome.kind === 'rate_limited') {
      await throttleAfterRateLimit(deps.throttle, accountId, retryAfter, sends, deps.clock.now().getTime());
    }
    const delayMs = deps.resendDelaysMs[sends - 1];
    // Out of re-sends, or a long Retry-After: back to the sweep rather than holding a worker slot.
    if (delayMs === undefined || (retryAfter !== null && retryAfter > delayMs * 4)) return outcome;
    await deps.sleep(retryAfter ?? delayMs);
    outcome = await call();
  }
}

/** A 429's Retry-After (KlarnaFailure's rate_limited), else null. */
function retryAfterOf(outcome: { readonly kind: string }): number | null {
  if (outcome.kind !== 'rate_limited' || !('retryAfterMs' in outcome)) return null;
  return typeof outcome.retryAfterMs === 'number' ? outcome.retryAfterMs : null;
}
