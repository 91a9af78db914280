// The port through which Rebill moves money on an authorization Klarna approved: capture it,
// refund a capture, release (void) what is left, and read the transaction when an outcome is
// unknown (CONTRACT.md §18). The Klarna Network adapter implements it over the Payment Transaction
// API; callers see outcomes in Rebill's vocabulary and never an HTTP status.
//
// Every write takes the idempotency key its caller derived from the database row written before
// the call (Capture, Refund, Void): the same row, the same key, so a re-send after a timeout or a
// crash is the same request (§3, §18.5 step 1). Nothing here throws for a Klarna answer.
import type { KlarnaFailure } from './outcome.js';

/** Klarna's payment transaction states (§18.6). */
export type TransactionState = 'AUTHORIZED' | 'EXPIRED' | 'COMPLETED' | 'CLOSED';

export interface TransactionCall {
  /** The merchant's Klarna partner account KRN. */
  readonly accountId: string;
  /** payment_transaction_id. */
  readonly paymentTransactionId: string;
  readonly partnerCorrelationId?: string;
}

export interface CaptureInput extends TransactionCall {
  readonly amountMinor: number;
  /** payment_capture_reference: Rebill's Capture row reference; how a read finds it (§18.5 step 2). */
  readonly reference: string;
}

export interface RefundCaptureInput extends TransactionCall {
  /** payment_capture_id of the capture refunded (refundPaymentCapture, §18.3 biller policy). */
  readonly paymentCaptureId: string;
  readonly amountMinor: number;
  /** payment_refund_reference: Rebill's Refund row reference. */
  readonly reference: string;
  readonly reason?: string;
}

export type VoidInput = TransactionCall;

export interface CapturedMoney {
  readonly paymentCaptureId: string;
  readonly reference: string | null;
  readonly amountMinor: number;
  readonly capturedAt: Date | null;
  /**
   * The capture's refunded amount as Klarna reports it; when absent, summed from the transaction's
   * refunds of this capture (reads), 0 on a capture answer.
   */
  readonly refundedMinor: number;
}

export interface RefundedMoney {
  readonly paymentRefundId: string;
  readonly reference: string | null;
  readonly paymentCaptureId: string | null;
  readonly amountMinor: number;
  readonly refundedAt: Date | null;
}

/** A payment transaction as read (§18.5); field names beyond the documented concepts are INFERRED. */
export interface TransactionView {
  readonly paymentTransactionId: string;
  readonly reference: string | null;
  readonly state: TransactionState;
  readonly amountMinor: number;
  readonly currency: string | null;
  readonly expiresAt: Date | null;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
  /** What a void or an expiry released of the authorization. */
  readonly releasedMinor: number;
  readonly captures: readonly CapturedMoney[];
  readonly refunds: readonly RefundedMoney[];
}

/**
 * Klarna refused the operation for what the transaction is (403 OPERATION_FORBIDDEN: wrong state,
 * more than remains, a per-transaction limit; 400 naming `amount`). Not retryable as is.
 */
export interface MoneyRefused {
  readonly kind: 'refused';
  readonly status: number;
  readonly errorCode: string | null;
  readonly parameters: string[];
  readonly correlationId: string | null;
}

/** 404: no such transaction (or capture) for this account. */
export interface MoneyNotFound {
  readonly kind: 'not_found';
  readonly correlationId: string | null;
}

export type CaptureOutcome =
  | { readonly kind: 'captured'; readonly capture: CapturedMoney; readonly correlationId: string | null }
  | MoneyRefused
  | MoneyNotFound
  | KlarnaFailure;

export type RefundOutcome =
  | { readonly kind: 'refunded'; readonly refund: RefundedMoney; readonly correlationId: string | null }
  | MoneyRefused
  | MoneyNotFound
  | KlarnaFailure;

export type VoidOutcome =
  | { readonly kind: 'voided'; readonly transaction: TransactionView; readonly correlationId: string | null }
  | MoneyRefused
  | MoneyNotFound
  | KlarnaFailure;

export type ReadTransactionOutcome =
  | { readonly kind: 'read'; readonly transaction: TransactionView; readonly correlationId: string | null }
  | MoneyNotFound
  | KlarnaFailure;

export interface PaymentTransactionsGateway {
  capture(input: CaptureInput, idempotencyKey: string): Promise<CaptureOutcome>;
  refundCapture(input: RefundCaptureInput, idempotencyKey: string): Promise<RefundOutcome>;
  voidTransaction(input: VoidInput, idempotencyKey: string): Promise<VoidOutcome>;
  readTransaction(input: TransactionCall): Promise<ReadTransactionOutcome>;
}
