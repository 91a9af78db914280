// The seam between what changes state (payment requests, payment transactions) and the webhook
// dispatcher (which tells the partner). They emit; the dispatcher subscribes. Neither imports the other.
import { EventEmitter } from 'node:events';
import type { PaymentRequestPayload } from './payment-requests/model.js';
import type { TransactionEventPayload } from './transactions/events.js';

export type PaymentRequestState =
  'SUBMITTED' | 'IN_PROGRESS' | 'COMPLETED' | 'EXPIRED' | 'CANCELED' | 'DECLINED';

export interface PartnerEvent<P extends object = object> {
  /** The partner account (KRN) the resource belongs to: the envelope's subject_account_id. */
  accountId: string;
  /** e.g. `payment.request.state-change.completed` (CONTRACT.md §10.3, §18.6). */
  eventType: string;
  /** Epoch ms in simulated time. */
  occurredAt: number;
  /** The webhook `payload`, serialized as is. */
  payload: P;
}

export type PaymentRequestStateChanged = PartnerEvent<PaymentRequestPayload>;
export type PaymentTransactionChanged = PartnerEvent<TransactionEventPayload>;

export interface SandboxEventMap {
  'payment_request.state_changed': [PaymentRequestStateChanged];
  /** A capture, refund or state change of a payment transaction (§18.6). */
  'payment_transaction.changed': [PaymentTransactionChanged];
  /** POST /__sim/reset: every module forgets its in-memory state (the ledger only if asked). */
  'sandbox.reset': [];
}

export class SandboxEvents extends EventEmitter<SandboxEventMap> {}
