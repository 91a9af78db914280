// The test event behind POST /v2/notification/webhooks/{id}/simulate: a made-up payment request
// (or payment transaction) in the state the event type names, so a receiver can check its wiring
// and signature handling.
import { randomUUID } from 'node:crypto';
import type { KnownEventType } from '../notifications/event-types.js';

const STATE_OF: Record<KnownEventType, { state: string; previous: string | null }> = {
  'payment.request.state-change.submitted': { state: 'SUBMITTED', previous: null },
  'payment.request.state-change.in-progress': { state: 'IN_PROGRESS', previous: 'SUBMITTED' },
  'payment.request.state-change.completed': { state: 'COMPLETED', previous: 'IN_PROGRESS' },
  'payment.request.state-change.declined': { state: 'DECLINED', previous: 'IN_PROGRESS' },
  'payment.request.state-change.expired': { state: 'EXPIRED', previous: 'SUBMITTED' },
  'payment.request.state-change.canceled': { state: 'CANCELED', previous: 'SUBMITTED' },
  'payment.request.updated': { state: 'SUBMITTED', previous: 'SUBMITTED' },
  'payment.transaction.captured': { state: 'COMPLETED', previous: 'AUTHORIZED' },
  'payment.transaction.refunded': { state: 'COMPLETED', previous: 'COMPLETED' },
  'payment.transaction.state-change.expired': { state: 'EXPIRED', previous: 'AUTHORIZED' },
  'payment.transaction.state-change.completed': { state: 'COMPLETED', previous: 'AUTHORIZED' },
  'payment.transaction.state-change.closed': { state: 'CLOSED', previous: 'AUTHORIZED' },
};

export function simulatedPayload(eventType: KnownEventType): Record<string, unknown> {
  const { state, previous } = STATE_OF[eventType];
  if (eventType.startsWith('payment.transaction.')) {
    return {
      payment_transaction_id: `krn:payment:eu1:transaction:${randomUUID()}`,
      payment_transaction_reference: 'SIMULATED_EVENT',
      state,
      previous_state: previous,
      amount: 1000,
      currency: 'EUR',
    };
  }
  return {
    payment_request_id: `krn:payment:eu1:request:${randomUUID()}`,
    payment_request_reference: 'SIMULATED_EVENT',
    state,
    previous_state: previous,
    state_reason: null,
  };
}
