// The pure decisions of §18: may this capture, refund or void run, and what state follows;
// what expiry does. No I/O, no clock: the service applies what these return.
import {
  actionsOf,
  remainingOf,
  type Allocation,
  type CaptureRecord,
  type TransactionLimits,
  type TransactionRecord,
  type TransactionState,
} from './model.js';

/** Why an operation may not run: `forbidden` is a 403, `invalid` a 400 naming `parameter`, `not_found` a 404. */
export type Refusal =
  | { kind: 'forbidden'; reason: string }
  | { kind: 'invalid'; parameter: string; reason: string }
  | { kind: 'not_found'; reason: string };

const forbidden = (reason: string): Refusal => ({ kind: 'forbidden', reason });

function actionLimit(tx: TransactionRecord, limits: TransactionLimits): Refusal | undefined {
  if (actionsOf(tx) >= limits.actions) {
    return forbidden(`A payment transaction allows at most ${limits.actions} actions`);
  }
  return undefined;
}

/** Capture (§18.2): only AUTHORIZED; the full remainder completes the transaction. */
export function decideCapture(
  tx: TransactionRecord,
  amount: number,
  limits: TransactionLimits,
): Refusal | { next: TransactionState } {
  if (tx.state !== 'AUTHORIZED')
    return forbidden(`Payment transaction is ${tx.state}; it cannot be captured`);
  if (tx.captures.length >= limits.captures) {
    return forbidden(`A payment transaction allows at most ${limits.captures} captures`);
  }
  const overLimit = actionLimit(tx, limits);
  if (overLimit) return overLimit;
  const remaining = remainingOf(tx);
  if (amount > remaining) {
    return {
      kind: 'invalid',
      parameter: 'amount',
      reason: `must not exceed the remaining authorized amount ${remaining}`,
    };
  }
  return { next: amount === remaining ? 'COMPLETED' : 'AUTHORIZED' };
}

/** §18.3 CONFLICT, adopted reading: refunds in AUTHORIZED or COMPLETED, never beyond what was captured. */
function refundPrecondition(tx: TransactionRecord, limits: TransactionLimits): Refusal | undefined {
  if (tx.state !== 'AUTHORIZED' && tx.state !== 'COMPLETED') {
    return forbidden(`Payment transaction is ${tx.state}; it cannot be refunded`);
  }
  if (tx.refunds.length >= limits.refunds) {
    return forbidden(`A payment transaction allows at most ${limits.refunds} refunds`);
  }
  return actionLimit(tx, limits);
}

export function decideCaptureRefund(
  tx: TransactionRecord,
  captureId: string,
  amount: number,
  limits: TransactionLimits,
): Refusal | { capture: CaptureRecord } {
  const capture = tx.captures.find((c) => c.id === captureId);
  if (!capture) return { kind: 'not_found', reason: `Payment capture ${captureId} not found` };
  const refusal = refundPrecondition(tx, limits);
  if (refusal) return refusal;
  const refundable = capture.amount - capture.refunded;
  if (amount > refundable) return forbidden(`Only ${refundable} of this capture can still be refunded`);
  return { capture };
}

/** Spreads a refund over the captures' refundable amounts, oldest capture first. */
export function allocateRefund(captures: readonly CaptureRecord[], amount: number): Allocation[] | undefined {
  const allocations: Allocation[] = [];
  let left = amount;
  for (const capture of captures) {
    if (left === 0) break;
    const share = Math.min(left, capture.amount - capture.refunded);
    if (share <= 0) continue;
    allocations.push({ captureId: capture.id, amount: share });
    left -= share;
  }
  return left === 0 ? allocations : undefined;
}

export function decideTransactionRefund(
  tx: TransactionRecord,
  amount: number,
  limits: TransactionLimits,
): Refusal | { allocations: Allocation[] } {
  const refusal = refundPrecondition(tx, limits);
  if (refusal) return refusal;
  const allocations = allocateRefund(tx.captures, amount);
  if (!allocations) return forbidden('The amount exceeds what was captured and not yet refunded');
  return { allocations };
}

/** What the end of an authorization leaves: CLOSED without captures, COMPLETED with some. */
function endState(tx: TransactionRecord): TransactionState {
  return tx.captures.length === 0 ? 'CLOSED' : 'COMPLETED';
}

/** §18.4 CONFLICT, adopted reading: AUTHORIZED or EXPIRED and not fully captured. */
export function decideVoid(
  tx: TransactionRecord,
  limits: TransactionLimits,
): Refusal | { next: TransactionState; released: number } {
  if (tx.state !== 'AUTHORIZED' && tx.state !== 'EXPIRED') {
    return forbidden(`Payment transaction is ${tx.state}; it cannot be voided`);
  }
  const remaining = remainingOf(tx);
  if (remaining <= 0) return forbidden('Payment transaction is fully captured');
  if (tx.voids >= limits.voids)
    return forbidden(`A payment transaction allows at most ${limits.voids} voids`);
  const overLimit = actionLimit(tx, limits);
  if (overLimit) return overLimit;
  return { next: endState(tx), released: remaining };
}

/** At expires_at: an AUTHORIZED transaction expires; anything else stays. */
export function decideExpiry(tx: TransactionRecord): TransactionState | undefined {
  return tx.state === 'AUTHORIZED' ? 'EXPIRED' : undefined;
}

/** 7 days after expiry: the remainder is released (§18.2, [D-TX]). */
export function decideGraceEnd(
  tx: TransactionRecord,
): { next: TransactionState; released: number } | undefined {
  if (tx.state !== 'EXPIRED') return undefined;
  return { next: endState(tx), released: remainingOf(tx) };
}
