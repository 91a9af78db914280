// Interfaces shared by the sandbox's parts, fixed first so they can be built side by side.
import type { PaymentRequestState } from './events.js';
import type { PaymentRequestView } from './payment-requests/model.js';

export type CustomerAction = 'enter' | 'complete' | 'decline' | 'abort';

/** What the purchase-journey page and the /__sim controls do to a payment request. */
export interface PaymentRequestActions {
  /** The request as the read endpoint would show it, or undefined when unknown/expired away. */
  view(paymentRequestId: string): PaymentRequestView | undefined;
  state(paymentRequestId: string): PaymentRequestState | undefined;
  /**
   * Act as the customer. Throws a SandboxError (conflict) for a transition the state machine forbids.
   * complete() issues the customer token (and network session token when money was requested)
   * and returns the return_url with CONTRACT.md §8.3 placeholders substituted.
   */
  act(paymentRequestId: string, action: CustomerAction): { state: PaymentRequestState; redirectUrl?: string };
}

/**
 * An HTTP error in the contract's error format (CONTRACT.md §12.1), for the HTTP layer only
 * (auth, headers, faults); services throw SandboxErrors (errors.ts) instead.
 */
export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly validationErrors: { parameter: string; reason: string }[] = [],
  ) {
    super(message);
  }
}
