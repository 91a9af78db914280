// The one port through which Rebill tokenizes customers and charges their tokens, in Rebill's
// vocabulary. The Klarna Network adapter (`klarna-network-gateway.ts`) implements it over the
// Payment Authorization API; the older Klarna Payments customer-token API (CONTRACT.md §14) can
// become a second adapter without touching the callers.
//
// Every method that changes state takes the idempotency key the caller derived from its database
// row (CONTRACT.md §3): the same row, the same key, so a re-send after a timeout or a crash is
// the same request. Nothing here throws for a Klarna answer; outcomes are values.
import type { CustomerTokenSecret, NetworkSessionTokenSecret } from '../secrets/secret.js';
import type { AuthorizeOutcome } from './outcome.js';
import type { PaymentRequestCancelOutcome, PaymentRequestReadOutcome } from './payment-requests.js';

export type CaptureMode = 'NOW' | 'LATER';
export type BillingInterval = 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

/** One billing plan of a subscription (→ `billing_plans[]`). */
export interface BillingPlanTerms {
  readonly amountMinor: number;
  readonly currency: string;
  /** First charge of this plan, `YYYY-MM-DD` (CONTRACT.md §5 INFERRED). */
  readonly from: string;
  readonly interval: BillingInterval;
  readonly intervalCount: number;
}

/** What the customer subscribed to (→ `supplementary_purchase_data.subscriptions[]`), re-sent on every charge. */
export interface SubscriptionTerms {
  /** subscription_reference: Rebill's subscription id. */
  readonly reference: string;
  readonly name: string;
  readonly freeTrial: boolean;
  readonly billingPlans: readonly BillingPlanTerms[];
}

export interface LineItem {
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  readonly totalAmountMinor: number;
  readonly reference?: string;
  /** Links the line to `SubscriptionTerms.reference`. */
  readonly subscriptionReference?: string;
}

interface CallContext {
  /** The merchant's Klarna partner account KRN; goes into the path. */
  readonly accountId: string;
  /** Echoed by Klarna in `Partner-Correlation-Id`; `^[A-Za-z0-9]{1,255}$`. */
  readonly partnerCorrelationId?: string;
}

interface SignupCommon extends CallContext {
  readonly currency: string;
  /** supplementary_purchase_data.purchase_reference (shown to the customer). */
  readonly purchaseReference: string;
  readonly subscription: SubscriptionTerms;
  readonly lineItems?: readonly LineItem[];
  /** customer_token_reference: Rebill's id for the token to be issued. */
  readonly tokenReference: string;
  /** payment_request_reference: Rebill's id for the step-up session. */
  readonly paymentRequestReference: string;
  /** Where Klarna sends the browser after the journey (HANDOVER). */
  readonly returnUrl: string;
  /** ISO-8601 duration, 15 min..48 h (`PT1H`); Klarna's default is 3 h. */
  readonly interactionExpiry?: string;
}

interface TokenizeOnly {
  readonly amountMinor?: never;
  readonly transactionReference?: never;
  readonly capture?: never;
}

interface WithFirstPayment {
  readonly amountMinor: number;
  /** payment_transaction_reference: Rebill's id for the attempt. */
  readonly transactionReference: string;
  /** The finalize call's value decides (CONTRACT.md §18.1); sent here too for completeness. */
  readonly capture: CaptureMode;
}

/** Scenario (a) without an amount, (b) with one. */
export type StartSignupInput = SignupCommon & (TokenizeOnly | WithFirstPayment);

/** Scenario (e): authorize the first payment with the session token from the COMPLETED request. */
export interface FinalizeInput extends CallContext {
  readonly currency: string;
  /** Must equal the Payment Request's amount. */
  readonly amountMinor: number;
  readonly transactionReference: string;
  readonly capture: CaptureMode;
  readonly networkSessionToken: NetworkSessionTokenSecret;
  readonly purchaseReference?: string;
  readonly subscription?: SubscriptionTerms;
  readonly lineItems?: readonly LineItem[];
}

/** Scenario (c): a renewal or dunning retry with no customer present. There is no step-up field. */
export interface ChargeTokenInput extends CallContext {
  readonly currency: string;
  readonly amountMinor: number;
  readonly transactionReference: string;
  /** The invoice number. */
  readonly purchaseReference: string;
  readonly capture: CaptureMode;
  readonly subscription: SubscriptionTerms;
  readonly lineItems?: readonly LineItem[];
  readonly customerToken: CustomerTokenSecret;
}

export interface TokenPaymentsGateway {
  /** (a) or (b): asks for a customer-not-present token; Klarna normally answers STEP_UP_REQUIRED. */
  startSignup(input: StartSignupInput, idempotencyKey: string): Promise<AuthorizeOutcome>;
  /** (e): the first payment after the customer completed the journey. */
  finalizeSignupPayment(input: FinalizeInput, idempotencyKey: string): Promise<AuthorizeOutcome>;
  /** (c): charges a stored token, customer not present; never sends step_up_config. */
  chargeToken(input: ChargeTokenInput, idempotencyKey: string): Promise<AuthorizeOutcome>;
  readPaymentRequest(accountId: string, paymentRequestId: string): Promise<PaymentRequestReadOutcome>;
  cancelPaymentRequest(
    accountId: string,
    paymentRequestId: string,
    idempotencyKey: string,
  ): Promise<PaymentRequestCancelOutcome>;
}
