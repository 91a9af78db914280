// The Payment Request state machine (CONTRACT.md §8.1) as a pure function. Adopted readings:
// DECLINED only from IN_PROGRESS; COMPLETED never changes except CANCELED before finalize (§4);
// abort (customer left the journey) returns IN_PROGRESS -> SUBMITTED with PURCHASE_FLOW_ABORTED.
import type { PaymentRequestState } from '../events.js';

export type PaymentRequestEvent = 'enter' | 'complete' | 'decline' | 'abort' | 'cancel' | 'expire';

/** §13 reasons the sandbox sets on a Payment Request. */
export type StateReason =
  | 'PAYMENT_REQUEST_SUBMITTED'
  | 'PURCHASE_FLOW_ABORTED'
  | 'PARTNER_CANCELED'
  | 'PERMANENT'
  | 'CUSTOMER_ACTION_REQUIRED'
  | 'TECHNICAL_ERROR';

export interface Transition {
  to: PaymentRequestState;
  reason: StateReason | null;
}

export const FINAL_STATES: ReadonlySet<PaymentRequestState> = new Set([
  'COMPLETED',
  'EXPIRED',
  'CANCELED',
  'DECLINED',
]);

/**
 * The transition for `event` in state `from`, 'unchanged' when the event is a harmless repeat
 * (entering a journey already entered, e.g. a page reload), undefined when forbidden.
 */
export function transition(
  from: PaymentRequestState,
  event: PaymentRequestEvent,
  ctx: { finalized: boolean; declineReason?: StateReason },
): Transition | 'unchanged' | undefined {
  switch (event) {
    case 'enter':
      if (from === 'SUBMITTED') return { to: 'IN_PROGRESS', reason: null };
      return from === 'IN_PROGRESS' ? 'unchanged' : undefined;
    case 'complete':
      return from === 'IN_PROGRESS' ? { to: 'COMPLETED', reason: null } : undefined;
    case 'decline':
      return from === 'IN_PROGRESS'
        ? { to: 'DECLINED', reason: ctx.declineReason ?? 'PERMANENT' }
        : undefined;
    case 'abort':
      return from === 'IN_PROGRESS' ? { to: 'SUBMITTED', reason: 'PURCHASE_FLOW_ABORTED' } : undefined;
    case 'cancel':
      if (from === 'SUBMITTED' || from === 'IN_PROGRESS' || (from === 'COMPLETED' && !ctx.finalized)) {
        return { to: 'CANCELED', reason: 'PARTNER_CANCELED' };
      }
      return undefined;
    case 'expire':
      return from === 'SUBMITTED' || from === 'IN_PROGRESS' ? { to: 'EXPIRED', reason: null } : undefined;
  }
}

/** `payment.request.state-change.<state>` (CONTRACT.md §10.3). */
export function stateChangeEventType(state: PaymentRequestState): string {
  return `payment.request.state-change.${state.toLowerCase().replace('_', '-')}`;
}
