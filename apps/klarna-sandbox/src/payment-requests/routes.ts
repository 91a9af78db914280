// Read and cancel a Payment Request (CONTRACT.md §4).
import type { RegisterRoutes } from '../deps.js';
import { partnerAccountOf } from '../http/account.js';

type Params = { partner_account_id: string; payment_request_id: string };

export const registerPaymentRequestRoutes: RegisterRoutes = (app, { state }) => {
  const engine = state.paymentRequests;
  const path = '/v2/accounts/:partner_account_id/payment/requests/:payment_request_id';

  app.get<{ Params: Params }>(path, (request) => {
    const accountId = partnerAccountOf(request);
    return engine.viewOf(engine.getForAccount(accountId, request.params.payment_request_id));
  });

  app.delete<{ Params: Params }>(path, (request) => {
    const accountId = partnerAccountOf(request);
    return engine.viewOf(engine.cancel(accountId, request.params.payment_request_id));
  });
};
