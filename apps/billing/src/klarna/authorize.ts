// POST /v2/accounts/{account}/payment/authorize (CONTRACT.md §4-§7) for the scenarios Rebill uses:
// (a)/(b) signup, (c) customer-not-present token charge, (e) finalize after step-up. The request
// is a tagged union, so each scenario carries exactly the headers and body it needs; the answer
// is an AuthorizeOutcome.
import type { CustomerTokenSecret, NetworkSessionTokenSecret } from '../secrets/secret.js';
import type { CnpChargeBody, FinalizeBody, SignupBody } from './authorize-body.js';
import { authorizeResponseSchema, parsePaymentPart, parseTokenPart } from './authorize-schema.js';
import type { KlarnaHttp, KlarnaHttpResult } from './http.js';
import { failureOf, unreadable, type AuthorizeOutcome, type PaymentPart, type TokenPart } from './outcome.js';
import { klarnaPaths } from './paths.js';
import { fieldUnder, parsePaymentRequest, type PaymentRequestView } from './payment-request-view.js';

export type AuthorizeRequest =
  | { readonly scenario: 'signup'; readonly body: SignupBody }
  | {
      readonly scenario: 'cnp_charge';
      readonly body: CnpChargeBody;
      readonly customerToken: CustomerTokenSecret;
    }
  | {
      readonly scenario: 'finalize';
      readonly body: FinalizeBody;
      readonly networkSessionToken: NetworkSessionTokenSecret;
    };

export interface AuthorizeCall {
  readonly accountId: string;
  readonly request: AuthorizeRequest;
  readonly idempotencyKey: string;
  readonly partnerCorrelationId?: string;
}

export async function authorizePayment(http: KlarnaHttp, call: AuthorizeCall): Promise<AuthorizeOutcome> {
  const { request } = call;
  const result = await http.send({
    operation: 'authorize',
    method: 'POST',
    path: klarnaPaths.authorize(call.accountId),
    idempotencyKey: call.idempotencyKey,
    body: request.body,
    ...(call.partnerCorrelationId === undefined ? {} : { partnerCorrelationId: call.partnerCorrelationId }),
    ...(request.scenario === 'cnp_charge' ? { customerToken: request.customerToken } : {}),
    ...(request.scenario === 'finalize' ? { networkSessionToken: request.networkSessionToken } : {}),
  });
  return readAuthorizeResult(result, expectationsOf(request));
}

/** Which parts the answer must, may or must not be read for. */
export interface AuthorizeExpectations {
  readonly payment: boolean;
  /** 'optional': a finalize of a combined request also returns the token (§10.4). */
  readonly token: 'required' | 'optional' | 'none';
}

export function expectationsOf(request: AuthorizeRequest): AuthorizeExpectations {
  switch (request.scenario) {
    case 'signup':
      return { payment: request.body.request_payment_transaction !== undefined, token: 'required' };
    case 'cnp_charge':
      return { payment: true, token: 'none' };
    case 'finalize':
      return { payment: true, token: 'optional' };
  }
}

/** Pure: an HTTP result and what was asked for → the outcome. */
export function readAuthorizeResult(
  result: KlarnaHttpResult,
  expect: AuthorizeExpectations,
): AuthorizeOutcome {
  if (result.kind !== 'response' || result.status < 200 || result.status >= 300) return failureOf(result);
  if (result.body.kind !== 'json') return unreadable(result, 'body');
  const top = authorizeResponseSchema.safeParse(result.body.value);
  if (!top.success || result.body.value === null || typeof result.body.value !== 'object') {
    return unreadable(result, 'body');
  }
  const body = top.data;

  let payment: PaymentPart | null = null;
  if (expect.payment) {
    if (body.payment_transaction_response === undefined)
      return unreadable(result, 'payment_transaction_response');
    const parsed = parsePaymentPart(body.payment_transaction_response);
    if (!parsed.ok) return unreadable(result, parsed.field);
    payment = parsed.part;
  }

  let token: TokenPart | null = null;
  if (expect.token !== 'none') {
    if (body.customer_token_response === undefined) {
      if (expect.token === 'required') return unreadable(result, 'customer_token_response');
    } else {
      const parsed = parseTokenPart(body.customer_token_response);
      if (!parsed.ok) return unreadable(result, parsed.field);
      token = parsed.part;
    }
  }

  const stepUp = payment?.result === 'STEP_UP_REQUIRED' || token?.result === 'STEP_UP_REQUIRED';
  let paymentRequest: PaymentRequestView | null = null;
  if (body.payment_request !== undefined) {
    const parsed = parsePaymentRequest(body.payment_request);
    if (parsed.ok) paymentRequest = parsed.view;
    else if (stepUp) return unreadable(result, fieldUnder('payment_request', parsed.field));
  } else if (stepUp) {
    return unreadable(result, 'payment_request');
  }

  return { kind: 'answered', correlationId: result.correlationId, payment, token, paymentRequest };
}
