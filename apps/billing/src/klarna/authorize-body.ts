// authorizePayment request bodies (CONTRACT.md §5, §6), one type per scenario. Each builder names
// every field it sends, so nothing the caller's object happens to carry leaks into a body; and
// the customer-not-present charge type has no step_up_config at all (`?: never`), so no code can
// put one there (§6 (c): the customer is not present, Klarna must not be asked to step up).
import type {
  BillingPlanTerms,
  CaptureMode,
  ChargeTokenInput,
  FinalizeInput,
  LineItem,
  StartSignupInput,
  SubscriptionTerms,
} from './port.js';

export const CNP_SCOPE = 'payment:customer_not_present';

export interface RequestPaymentTransactionWire {
  readonly amount: number;
  readonly payment_transaction_reference: string;
  readonly capture: CaptureMode;
}

export interface BillingPlanWire {
  readonly billing_amount: number;
  readonly currency: string;
  readonly from: string;
  readonly interval: string;
  readonly interval_frequency: number;
}

export interface SubscriptionWire {
  readonly subscription_reference: string;
  readonly name: string;
  readonly free_trial: 'ACTIVE' | 'INACTIVE';
  readonly billing_plans: BillingPlanWire[];
}

export interface LineItemWire {
  readonly name: string;
  readonly quantity: number;
  readonly unit_price: number;
  readonly total_amount: number;
  readonly line_item_reference?: string;
  readonly subscription_reference?: string;
}

export interface SupplementaryPurchaseDataWire {
  readonly purchase_reference?: string;
  readonly line_items?: LineItemWire[];
  readonly subscriptions?: SubscriptionWire[];
}

export interface RequestCustomerTokenWire {
  readonly scopes: string[];
  readonly customer_token_reference: string;
}

export interface StepUpConfigWire {
  readonly payment_request_reference: string;
  readonly customer_interaction_config: {
    readonly method: 'HANDOVER';
    readonly return_url: string;
    readonly interaction_expiry?: { readonly duration: string };
  };
}

/** (a) and (b): the customer is present and may be sent through Klarna's journey. */
export interface SignupBody {
  readonly currency: string;
  readonly request_payment_transaction?: RequestPaymentTransactionWire;
  readonly request_customer_token: RequestCustomerTokenWire;
  readonly step_up_config: StepUpConfigWire;
  readonly supplementary_purchase_data: SupplementaryPurchaseDataWire;
}

/** (c): sent with `Klarna-Customer-Token`; no step-up, no token request, by construction. */
export interface CnpChargeBody {
  readonly currency: string;
  readonly request_payment_transaction: RequestPaymentTransactionWire;
  readonly supplementary_purchase_data: SupplementaryPurchaseDataWire;
  readonly step_up_config?: never;
  readonly request_customer_token?: never;
}

/** (e): sent with `Klarna-Network-Session-Token`. */
export interface FinalizeBody {
  readonly currency: string;
  readonly request_payment_transaction: RequestPaymentTransactionWire;
  readonly supplementary_purchase_data?: SupplementaryPurchaseDataWire;
  readonly step_up_config?: never;
  readonly request_customer_token?: never;
}

export function signupBody(input: StartSignupInput): SignupBody {
  const interaction: StepUpConfigWire['customer_interaction_config'] = {
    method: 'HANDOVER',
    return_url: input.returnUrl,
    ...(input.interactionExpiry === undefined
      ? {}
      : { interaction_expiry: { duration: input.interactionExpiry } }),
  };
  return {
    currency: input.currency,
    ...(input.amountMinor === undefined
      ? {}
      : {
          request_payment_transaction: paymentTransaction(
            input.amountMinor,
            input.transactionReference,
            input.capture,
          ),
        }),
    request_customer_token: { scopes: [CNP_SCOPE], customer_token_reference: input.tokenReference },
    step_up_config: {
      payment_request_reference: input.paymentRequestReference,
      customer_interaction_config: interaction,
    },
    supplementary_purchase_data: purchaseData(input.purchaseReference, input.subscription, input.lineItems),
  };
}

export function cnpChargeBody(input: ChargeTokenInput): CnpChargeBody {
  return {
    currency: input.currency,
    request_payment_transaction: paymentTransaction(
      input.amountMinor,
      input.transactionReference,
      input.capture,
    ),
    supplementary_purchase_data: purchaseData(input.purchaseReference, input.subscription, input.lineItems),
  };
}

export function finalizeBody(input: FinalizeInput): FinalizeBody {
  const hasPurchaseData =
    input.purchaseReference !== undefined ||
    input.subscription !== undefined ||
    input.lineItems !== undefined;
  return {
    currency: input.currency,
    request_payment_transaction: paymentTransaction(
      input.amountMinor,
      input.transactionReference,
      input.capture,
    ),
    ...(hasPurchaseData
      ? {
          supplementary_purchase_data: purchaseData(
            input.purchaseReference,
            input.subscription,
            input.lineItems,
          ),
        }
      : {}),
  };
}

function paymentTransaction(
  amount: number,
  reference: string,
  capture: CaptureMode,
): RequestPaymentTransactionWire {
  return { amount, payment_transaction_reference: reference, capture };
}

function purchaseData(
  purchaseReference: string | undefined,
  subscription: SubscriptionTerms | undefined,
  lineItems: readonly LineItem[] | undefined,
): SupplementaryPurchaseDataWire {
  return {
    ...(purchaseReference === undefined ? {} : { purchase_reference: purchaseReference }),
    ...(lineItems === undefined ? {} : { line_items: lineItems.map(lineItemWire) }),
    ...(subscription === undefined ? {} : { subscriptions: [subscriptionWire(subscription)] }),
  };
}

function subscriptionWire(subscription: SubscriptionTerms): SubscriptionWire {
  return {
    subscription_reference: subscription.reference,
    name: subscription.name,
    free_trial: subscription.freeTrial ? 'ACTIVE' : 'INACTIVE',
    billing_plans: subscription.billingPlans.map(billingPlanWire),
  };
}

function billingPlanWire(plan: BillingPlanTerms): BillingPlanWire {
  return {
    billing_amount: plan.amountMinor,
    currency: plan.currency,
    from: plan.from,
    interval: plan.interval,
    interval_frequency: plan.intervalCount,
  };
}

function lineItemWire(item: LineItem): LineItemWire {
  return {
    name: item.name,
    quantity: item.quantity,
    unit_price: item.unitPriceMinor,
    total_amount: item.totalAmountMinor,
    ...(item.reference === undefined ? {} : { line_item_reference: item.reference }),
    ...(item.subscriptionReference === undefined
      ? {}
      : { subscription_reference: item.subscriptionReference }),
  };
}
