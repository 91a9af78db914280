// An APPROVED payment: the payment_transaction of the response (CONTRACT.md §7) and its ledger line.
// With `capture: "NOW"` (§18.1) the full amount is captured in the same call: the transaction is
// created COMPLETED and carries its one capture; otherwise it is AUTHORIZED, awaiting capture.
import { newPaymentTransactionId, paymentCaptureId } from '../ids.js';
import type { Ledger, LedgerEntry } from '../ledger/ledger.js';
import type { CaptureMode } from './schema.js';

/** Authorization lifetime (capture deadline); INFERRED, Klarna's usual 28 days. */
export const AUTHORIZATION_LIFETIME_MS = 28 * 86_400_000;

export interface NewTransaction {
  accountId: string;
  reference: string;
  amount: number;
  currency: string;
  customerToken: string | undefined;
  idempotencyKey: string | undefined;
  scenario: LedgerEntry['scenario'];
  /** The approving call's `request_payment_transaction.capture`; absent means LATER. */
  capture: CaptureMode | undefined;
  now: number;
}

export function authorizeTransaction(ledger: Ledger, tx: NewTransaction): Record<string, unknown> {
  const id = newPaymentTransactionId();
  const authorizedAt = new Date(tx.now).toISOString();
  const expiresAt = new Date(tx.now + AUTHORIZATION_LIFETIME_MS).toISOString();
  // INFERRED §18.1: NOW captures the full amount, never part of it.
  const capture =
    tx.capture === 'NOW'
      ? { payment_capture_id: paymentCaptureId(id, 1), amount: tx.amount, captured_at: authorizedAt }
      : undefined;
  const state = capture ? 'COMPLETED' : 'AUTHORIZED';
  ledger.append({
    payment_transaction_id: id,
    account_id: tx.accountId,
    payment_transaction_reference: tx.reference,
    amount: tx.amount,
    currency: tx.currency,
    customer_token: tx.customerToken ?? null,
    idempotency_key: tx.idempotencyKey ?? null,
    scenario: tx.scenario,
    state,
    captured_amount: capture?.amount ?? 0,
    payment_capture_id: capture?.payment_capture_id ?? null,
    authorized_at: authorizedAt,
  });
  return {
    payment_transaction_id: id,
    payment_transaction_reference: tx.reference,
    amount: tx.amount,
    currency: tx.currency,
    state,
    authorized_at: authorizedAt,
    expires_at: expiresAt,
    ...(capture ? { payment_captures: [capture] } : {}),
  };
}
