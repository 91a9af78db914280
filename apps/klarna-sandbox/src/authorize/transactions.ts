// An APPROVED payment: opens the payment transaction (CONTRACT.md §18) and shapes the
// payment_transaction of the authorize response (§7). With `capture: "NOW"` (§18.1) the full
// amount is captured in the same call: the transaction is COMPLETED and carries its one capture.
import type { TransactionState } from '../transactions/model.js';
import type { OpenTransaction, PaymentTransactions } from '../transactions/service.js';
import type { CaptureMode } from './schema.js';

export interface NewTransaction extends Omit<OpenTransaction, 'captureNow' | 'lineItems'> {
  /** The approving call's `request_payment_transaction.capture`; absent means LATER. */
  capture: CaptureMode | undefined;
  lineItems?: unknown[] | undefined;
}

/** The authorize answer's payment_transaction (unchanged since §18.1; reads show more). */
export interface AuthorizedTransaction {
  payment_transaction_id: string;
  payment_transaction_reference: string;
  amount: number;
  currency: string;
  state: TransactionState;
  authorized_at: string;
  expires_at: string;
  payment_captures?: { payment_capture_id: string; amount: number; captured_at: string }[];
}

export function authorizeTransaction(
  transactions: PaymentTransactions,
  tx: NewTransaction,
): AuthorizedTransaction {
  const { capture, lineItems, ...rest } = tx;
  const record = transactions.open({ ...rest, captureNow: capture === 'NOW', lineItems: lineItems ?? [] });
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    payment_transaction_id: record.id,
    payment_transaction_reference: record.reference,
    amount: record.amount,
    currency: record.currency,
    state: record.state,
    authorized_at: iso(record.authorizedAt),
    expires_at: iso(record.expiresAt),
    ...(record.captures.length > 0
      ? {
          payment_captures: record.captures.map((c) => ({
            payment_capture_id: c.id,
            amount: c.amount,
            captured_at: iso(c.capturedAt),
          })),
        }
      : {}),
  };
}
