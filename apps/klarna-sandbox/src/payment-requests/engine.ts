// Payment requests (CONTRACT.md §8): placeholder until the engine lands.
import type { CustomerAction, PaymentRequestActions } from '../contracts.js';
import { SandboxHttpError } from '../contracts.js';
import type { PaymentRequestState } from '../events.js';

export class PaymentRequestEngine implements PaymentRequestActions {
  view(_id: string): Record<string, unknown> | undefined {
    return undefined;
  }
  state(_id: string): PaymentRequestState | undefined {
    return undefined;
  }
  act(id: string, _action: CustomerAction): { state: PaymentRequestState; redirectUrl?: string } {
    throw new SandboxHttpError(404, 'NOT_FOUND', `Payment request ${id} not found`);
  }
}
