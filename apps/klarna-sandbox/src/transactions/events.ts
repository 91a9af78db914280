// payment.transaction.* webhook payloads (§18.6, INFERRED shape): the transaction's identity and
// state, plus what the operation did. `amount` is the operation's amount in captured/refunded
// events and the transaction's amount in state changes.
import type { TransactionRecord, TransactionState } from './model.js';

export type TransactionEventType =
  | 'payment.transaction.captured'
  | 'payment.transaction.refunded'
  | 'payment.transaction.state-change.expired'
  | 'payment.transaction.state-change.completed'
  | 'payment.transaction.state-change.closed';

export interface TransactionEventPayload {
  payment_transaction_id: string;
  payment_transaction_reference: string;
  state: TransactionState;
  previous_state: TransactionState | null;
  amount: number;
  currency: string;
  payment_capture_id?: string | null;
  payment_capture_reference?: string | null;
  payment_refund_id?: string;
  payment_refund_reference?: string | null;
  allocations?: { payment_capture_id: string; amount: number }[];
}

export const STATE_CHANGE_EVENT: Partial<Record<TransactionState, TransactionEventType>> = {
  EXPIRED: 'payment.transaction.state-change.expired',
  COMPLETED: 'payment.transaction.state-change.completed',
  CLOSED: 'payment.transaction.state-change.closed',
};

export function transactionPayload(
  tx: TransactionRecord,
  previousState: TransactionState | null,
  extra: Partial<TransactionEventPayload> = {},
): TransactionEventPayload {
  return {
    payment_transaction_id: tx.id,
    payment_transaction_reference: tx.reference,
    state: tx.state,
    previous_state: previousState,
    amount: tx.amount,
    currency: tx.currency,
    ...extra,
  };
}
