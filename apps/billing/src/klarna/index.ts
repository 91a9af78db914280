// The Klarna client's public surface. Roles import from here, not from the files behind it.
export type { AuthorizeRequest, AuthorizeExpectations } from './authorize.js';
export { authorizePayment, readAuthorizeResult } from './authorize.js';
export type { CnpChargeBody, FinalizeBody, SignupBody } from './authorize-body.js';
export { cnpChargeBody, finalizeBody, signupBody, CNP_SCOPE } from './authorize-body.js';
export type { KlarnaErrorBody } from './error-body.js';
export { parseErrorBody } from './error-body.js';
export type {
  KlarnaHttpConfig,
  KlarnaHttpRequest,
  KlarnaHttpResult,
  KlarnaOperation,
  NetworkFailureReason,
} from './http.js';
export { KlarnaHttp } from './http.js';
export type { KlarnaLogFn, KlarnaLogger } from './logger.js';
export { silentKlarnaLogger } from './logger.js';
export type {
  CreateSigningKeyOutcome,
  CreateWebhookOutcome,
  DeleteOutcome,
  ListSigningKeysOutcome,
  ListWebhooksOutcome,
  NewWebhook,
  SigningKeyInfo,
  WebhookRegistration,
} from './notifications.js';
export { KlarnaNotifications } from './notifications.js';
export type {
  ApprovedCapture,
  ApprovedTransaction,
  AuthorizeAnswer,
  AuthorizeOutcome,
  KlarnaFailure,
  PaymentPart,
  PermanentOutcome,
  RateLimitedOutcome,
  TokenPart,
  TransientOutcome,
  TransientReason,
} from './outcome.js';
export { toChargeOutcome } from './outcome.js';
export type { PaymentRequestState, PaymentRequestView } from './payment-request-view.js';
export { PAYMENT_REQUEST_STATES, parsePaymentRequest } from './payment-request-view.js';
export type {
  PaymentRequestAnswer,
  PaymentRequestCancelOutcome,
  PaymentRequestConflict,
  PaymentRequestNotFound,
  PaymentRequestReadOutcome,
} from './payment-requests.js';
export { cancelPaymentRequest, readPaymentRequest } from './payment-requests.js';
export type {
  BillingInterval,
  BillingPlanTerms,
  CaptureMode,
  ChargeTokenInput,
  FinalizeInput,
  LineItem,
  StartSignupInput,
  SubscriptionTerms,
  TokenPaymentsGateway,
} from './port.js';
export type {
  CaptureInput,
  CaptureOutcome,
  CapturedMoney,
  MoneyNotFound,
  MoneyRefused,
  PaymentTransactionsGateway,
  ReadTransactionOutcome,
  RefundCaptureInput,
  RefundedMoney,
  RefundOutcome,
  TransactionCall,
  TransactionState,
  TransactionView,
  VoidInput,
  VoidOutcome,
} from './money-port.js';
export {
  capturePaymentTransaction,
  readCaptureResult,
  readPaymentTransaction,
  readRefundResult,
  readTransactionResult,
  readVoidResult,
  refundPaymentCapture,
  voidPaymentTransaction,
} from './payment-transactions.js';
export { KlarnaPaymentTransactions } from './klarna-payment-transactions.js';
export type { WireParse } from './transaction-view.js';
export { TRANSACTION_STATES, parseCapture, parseRefund, parseTransaction } from './transaction-view.js';
export type { KlarnaNetworkGatewayHandle } from './klarna-network-gateway.js';
export { KlarnaNetworkGateway, createKlarnaNetworkGateway } from './klarna-network-gateway.js';
export { parseRetryAfter } from './retry-after.js';
export { SEALED, sealSecrets } from './seal-secrets.js';
export type {
  KlarnaWebhookEvent,
  KlarnaWebhookParse,
  KlarnaWebhookProblem,
  KlarnaWebhookSecrets,
} from './webhook-envelope.js';
export { PAYMENT_REQUEST_EVENT_PREFIX, parseKlarnaWebhook } from './webhook-envelope.js';
export {
  KLARNA_SIGNATURE_HEADER,
  KLARNA_SIGNING_KEY_ID_HEADER,
  verifyKlarnaSignature,
} from './webhook-signature.js';
