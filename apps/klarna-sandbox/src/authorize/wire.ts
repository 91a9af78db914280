// The authorize answer (CONTRACT.md §7, §7.1), typed once for the service and the tests.
import type { PaymentRequestView } from '../payment-requests/model.js';
import type { TokenView } from '../tokens/customer-tokens.js';
import type { SingleResult } from './results.js';
import type { AuthorizedTransaction } from './transactions.js';

export interface ResultResponse {
  result: SingleResult;
  result_reason?: string;
}

export interface PaymentTransactionResponse extends ResultResponse {
  /** Iff APPROVED. */
  payment_transaction?: AuthorizedTransaction;
}

export interface CustomerTokenResponse extends ResultResponse {
  /** Iff APPROVED. */
  customer_token?: TokenView;
}

/** Always HTTP 200; each part present as §7 says (money asked, token asked, a step-up). */
export interface AuthorizeResponse {
  payment_transaction_response?: PaymentTransactionResponse;
  customer_token_response?: CustomerTokenResponse;
  payment_request?: PaymentRequestView;
}
