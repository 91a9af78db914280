// SIM-ONLY: drive a Payment Request as the customer would, without a browser (CONTRACT.md §15).
import { z } from 'zod';
import { SandboxHttpError } from '../contracts.js';
import type { RegisterRoutes } from '../deps.js';
import type { PaymentRequestState } from '../events.js';
import { parseOr400 } from '../http/validation.js';
import type { PaymentRequestView } from '../payment-requests/model.js';

/** What a customer action answers (SIM-ONLY). */
export interface SimActionResponse {
  state: PaymentRequestState;
  redirect_url?: string;
  payment_request: PaymentRequestView;
}

const actionParams = z.object({
  payment_request_id: z.string().min(1),
  action: z.enum(['enter', 'complete', 'decline', 'abort']),
});
const actionBody = z
  .object({ reason: z.enum(['PERMANENT', 'CUSTOMER_ACTION_REQUIRED', 'TECHNICAL_ERROR']).optional() })
  .optional();

export const registerSimPaymentRequestRoutes: RegisterRoutes = (app, { state }) => {
  const engine = state.paymentRequests;
  app.post('/__sim/payment-requests/:payment_request_id/:action', (request) => {
    const { payment_request_id: id, action } = parseOr400(actionParams, request.params);
    const body = parseOr400(actionBody, request.body);
    const reason = action === 'decline' ? body?.reason : undefined;
    const result = engine.act(id, action, reason === undefined ? {} : { declineReason: reason });
    const view = engine.view(id);
    if (view === undefined) throw new SandboxHttpError(404, 'NOT_FOUND', `Payment request ${id} not found`);
    const answer: SimActionResponse = {
      state: result.state,
      ...(result.redirectUrl !== undefined && { redirect_url: result.redirectUrl }),
      payment_request: view,
    };
    return answer;
  });

  app.get('/__sim/payment-requests/:payment_request_id', (request) => {
    const { payment_request_id: id } = parseOr400(
      actionParams.pick({ payment_request_id: true }),
      request.params,
    );
    const view = engine.view(id);
    if (view === undefined) throw new SandboxHttpError(404, 'NOT_FOUND', `Payment request ${id} not found`);
    return view;
  });
};
