// The wire shapes of the Payment Transaction API (§18.2-18.5, INFERRED field names), typed once
// for the service, the routes and the tests.
import {
  capturedOf,
  refundedOf,
  type CaptureRecord,
  type RefundRecord,
  type TransactionRecord,
  type TransactionState,
} from './model.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export interface AllocationView {
  payment_capture_id: string;
  amount: number;
}

export interface CaptureView {
  payment_capture_id: string;
  payment_capture_reference: string | null;
  amount: number;
  refunded_amount: number;
  captured_at: string;
}

export interface RefundView {
  payment_refund_id: string;
  payment_refund_reference: string | null;
  payment_capture_id: string | null;
  amount: number;
  refunded_at: string;
  allocations: AllocationView[];
}

export interface TransactionView {
  payment_transaction_id: string;
  payment_transaction_reference: string;
  amount: number;
  currency: string;
  state: TransactionState;
  authorized_at: string;
  expires_at: string;
  captured_amount: number;
  refunded_amount: number;
  released_amount: number;
  line_items: unknown[];
  payment_captures: CaptureView[];
  payment_refunds: RefundView[];
}

/** 201 of POST …/captures. */
export interface CaptureResponse {
  payment_capture_id: string;
  payment_capture_reference: string | null;
  payment_transaction_id: string;
  amount: number;
  captured_at: string;
  /** The transaction's state after the capture. */
  state: TransactionState;
}

/** 201 of both refund operations; `payment_capture_id` is null for a refund by transaction. */
export interface RefundResponse {
  payment_refund_id: string;
  payment_refund_reference: string | null;
  payment_transaction_id: string;
  payment_capture_id: string | null;
  amount: number;
  refunded_at: string;
  allocations: AllocationView[];
}

export const allocationsView = (refund: RefundRecord): AllocationView[] =>
  refund.allocations.map((a) => ({ payment_capture_id: a.captureId, amount: a.amount }));

export const captureView = (c: CaptureRecord): CaptureView => ({
  payment_capture_id: c.id,
  payment_capture_reference: c.reference,
  amount: c.amount,
  refunded_amount: c.refunded,
  captured_at: iso(c.capturedAt),
});

export const refundView = (r: RefundRecord): RefundView => ({
  payment_refund_id: r.id,
  payment_refund_reference: r.reference,
  payment_capture_id: r.captureId,
  amount: r.amount,
  refunded_at: iso(r.refundedAt),
  allocations: allocationsView(r),
});

export function transactionView(tx: TransactionRecord): TransactionView {
  return {
    payment_transaction_id: tx.id,
    payment_transaction_reference: tx.reference,
    amount: tx.amount,
    currency: tx.currency,
    state: tx.state,
    authorized_at: iso(tx.authorizedAt),
    expires_at: iso(tx.expiresAt),
    captured_amount: capturedOf(tx),
    refunded_amount: refundedOf(tx),
    released_amount: tx.released,
    line_items: tx.lineItems,
    payment_captures: tx.captures.map(captureView),
    payment_refunds: tx.refunds.map(refundView),
  };
}

export const captureResponse = (tx: TransactionRecord, c: CaptureRecord): CaptureResponse => ({
  payment_capture_id: c.id,
  payment_capture_reference: c.reference,
  payment_transaction_id: tx.id,
  amount: c.amount,
  captured_at: iso(c.capturedAt),
  state: tx.state,
});

export const refundResponse = (tx: TransactionRecord, r: RefundRecord): RefundResponse => ({
  payment_refund_id: r.id,
  payment_refund_reference: r.reference,
  payment_transaction_id: tx.id,
  payment_capture_id: r.captureId,
  amount: r.amount,
  refunded_at: iso(r.refundedAt),
  allocations: allocationsView(r),
});
