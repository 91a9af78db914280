// The sandbox's answers as tests read them: the very types the services and routes produce
// (CONTRACT.md §7, §8, §12.1, §18 and the SIM-ONLY controls), re-exported in one place.
import type { AuthorizedTransaction } from '../authorize/transactions.js';

export type {
  AuthorizeResponse,
  CustomerTokenResponse,
  PaymentTransactionResponse,
  ResultResponse,
} from '../authorize/wire.js';
export type { ErrorBody as ErrorResponse } from '../http/error-format.js';
export type { PaymentRequestView } from '../payment-requests/model.js';
export type { LedgerResponse } from '../sim/ledger-routes.js';
export type { SimActionResponse } from '../sim/payment-request-routes.js';
export type { TokenView } from '../tokens/customer-tokens.js';
export type { CaptureResponse, RefundResponse, TransactionView } from '../transactions/views.js';

/** The payment_transaction of an APPROVED authorize answer. */
export type PaymentTransaction = AuthorizedTransaction;
/** A capture in that answer (only with `capture: "NOW"`, §18.1). */
export type PaymentCapture = NonNullable<AuthorizedTransaction['payment_captures']>[number];
