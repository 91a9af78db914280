// Klarna's answers to money operations in the store's terms: what settles an operation, what
// leaves it open for a re-send with its key, and a read's facts.
import { shouldReadAfter, type TransactionFacts } from '../domain/index.js';
import type { CaptureOutcome, RefundOutcome, TransactionView, VoidOutcome } from '../klarna/money-port.js';
import type { OperationResult } from '../store/charge-money-settle.js';

/**
 * `sendCount` is the operation's sends including this one: after every few unanswered sends the
 * transaction is read before the next (CONTRACT.md §18.5 step 2).
 */
export function operationResult(
  outcome: CaptureOutcome | RefundOutcome | VoidOutcome,
  sendCount: number,
): OperationResult {
  switch (outcome.kind) {
    case 'captured':
      return {
        kind: 'SUCCEEDED',
        klarnaId: outcome.capture.paymentCaptureId,
        at: outcome.capture.capturedAt,
      };
    case 'refunded':
      return { kind: 'SUCCEEDED', klarnaId: outcome.refund.paymentRefundId, at: outcome.refund.refundedAt };
    case 'voided':
      return { kind: 'SUCCEEDED', klarnaId: null, at: null };
    case 'refused':
      return { kind: 'FAILED', code: outcome.errorCode ?? `HTTP_${outcome.status}` };
    case 'not_found':
      return { kind: 'FAILED', code: 'NOT_FOUND' };
    case 'permanent':
      // Our request or configuration is wrong (401, a 400 not about the amount): not retryable as is.
      return { kind: 'FAILED', code: outcome.errorCode ?? `HTTP_${outcome.status}` };
    case 'rate_limited':
    case 'transient':
      return { kind: 'UNKNOWN', read: shouldReadAfter(sendCount) };
  }
}

export function transactionFacts(view: TransactionView): TransactionFacts {
  return {
    state: view.state,
    capturedMinor: view.capturedMinor,
    refundedMinor: view.refundedMinor,
    releasedMinor: view.releasedMinor,
    captures: view.captures.map((c) => ({
      id: c.paymentCaptureId,
      reference: c.reference,
      at: c.capturedAt,
    })),
    refunds: view.refunds.map((r) => ({ id: r.paymentRefundId, reference: r.reference, at: r.refundedAt })),
  };
}
