// The seam between the payment-request engine (which changes state) and the webhook dispatcher
// (which tells the partner). The engine emits; the dispatcher subscribes. Neither imports the other.
import { EventEmitter } from 'node:events';

export type PaymentRequestState =
  'SUBMITTED' | 'IN_PROGRESS' | 'COMPLETED' | 'EXPIRED' | 'CANCELED' | 'DECLINED';

export interface PaymentRequestStateChanged {
  /** The partner account (KRN) the request belongs to; webhooks registered on it receive the event. */
  accountId: string;
  /** e.g. `payment.request.state-change.completed` (CONTRACT.md §10.3). */
  eventType: string;
  /** Epoch ms in simulated time. */
  occurredAt: number;
  /** The webhook `payload` exactly as CONTRACT.md §10.4 shapes it (Payment Request snapshot + copies). */
  payload: Record<string, unknown>;
}

export interface SandboxEventMap {
  'payment_request.state_changed': [PaymentRequestStateChanged];
  /** POST /__sim/reset: every module forgets its in-memory state (the ledger only if asked). */
  'sandbox.reset': [];
}

export class SandboxEvents extends EventEmitter<SandboxEventMap> {}
