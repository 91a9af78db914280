// An APPROVED payment: the payment_transaction of the response (CONTRACT.md §7) and its ledger line.
import { newPaymentTransactionId } from '../ids.js';
import type { Ledger, LedgerEntry } from '../ledger/ledger.js';

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
  now: number;
}

export function authorizeTransaction(ledger: Ledger, tx: NewTransaction): Record<string, unknown> {
  const id = newPaymentTransactionId();
  const authorizedAt = new Date(tx.now).toISOString();
  const expiresAt = new Date(tx.now + AUTHORIZATION_LIFETIME_MS).toISOString();
  ledger.append({
    payment_transaction_id: id,
    account_id: tx.accountId,
    payment_transaction_reference: tx.reference,
    amount: tx.amount,
    currency: tx.currency,
    customer_token: tx.customerToken ?? null,
    idempotency_key: tx.idempotencyKey ?? null,
    scenario: tx.scenario,
    authorized_at: authorizedAt,
  });
  return {
    payment_transaction_id: id,
    payment_transaction_reference: tx.reference,
    amount: tx.amount,
    currency: tx.currency,
    state: 'AUTHORIZED',
    authorized_at: authorizedAt,
    expires_at: expiresAt,
  };
}
