// TokenPaymentsGateway over Klarna's Payment Authorization API (the Klarna Network flavour of
// CONTRACT.md §4-§8): signup is scenario (a)/(b), the first payment after step-up is (e), a
// renewal is (c). It translates Rebill's inputs into bodies and hands them to the HTTP layer.
import { authorizePayment, type AuthorizeRequest } from './authorize.js';
import { cnpChargeBody, finalizeBody, signupBody } from './authorize-body.js';
import { KlarnaHttp, type KlarnaHttpConfig } from './http.js';
import { KlarnaPaymentTransactions } from './klarna-payment-transactions.js';
import type { PaymentTransactionsGateway } from './money-port.js';
import type { AuthorizeOutcome } from './outcome.js';
import {
  cancelPaymentRequest,
  readPaymentRequest,
  type PaymentRequestCancelOutcome,
  type PaymentRequestReadOutcome,
} from './payment-requests.js';
import type { ChargeTokenInput, FinalizeInput, StartSignupInput, TokenPaymentsGateway } from './port.js';

export class KlarnaNetworkGateway implements TokenPaymentsGateway {
  constructor(private readonly http: KlarnaHttp) {}

  startSignup(input: StartSignupInput, idempotencyKey: string): Promise<AuthorizeOutcome> {
    return this.authorize(input, { scenario: 'signup', body: signupBody(input) }, idempotencyKey);
  }

  finalizeSignupPayment(input: FinalizeInput, idempotencyKey: string): Promise<AuthorizeOutcome> {
    const request: AuthorizeRequest = {
      scenario: 'finalize',
      body: finalizeBody(input),
      networkSessionToken: input.networkSessionToken,
    };
    return this.authorize(input, request, idempotencyKey);
  }

  chargeToken(input: ChargeTokenInput, idempotencyKey: string): Promise<AuthorizeOutcome> {
    const request: AuthorizeRequest = {
      scenario: 'cnp_charge',
      body: cnpChargeBody(input),
      customerToken: input.customerToken,
    };
    return this.authorize(input, request, idempotencyKey);
  }

  readPaymentRequest(accountId: string, paymentRequestId: string): Promise<PaymentRequestReadOutcome> {
    return readPaymentRequest(this.http, { accountId, paymentRequestId });
  }

  cancelPaymentRequest(
    accountId: string,
    paymentRequestId: string,
    idempotencyKey: string,
  ): Promise<PaymentRequestCancelOutcome> {
    return cancelPaymentRequest(this.http, { accountId, paymentRequestId, idempotencyKey });
  }

  private authorize(
    input: { readonly accountId: string; readonly partnerCorrelationId?: string },
    request: AuthorizeRequest,
    idempotencyKey: string,
  ): Promise<AuthorizeOutcome> {
    return authorizePayment(this.http, {
      accountId: input.accountId,
      request,
      idempotencyKey,
      ...(input.partnerCorrelationId === undefined
        ? {}
        : { partnerCorrelationId: input.partnerCorrelationId }),
    });
  }
}

/** Both ports over one agent: a role's composition root takes what it needs from one handle. */
export interface KlarnaNetworkGatewayHandle extends TokenPaymentsGateway, PaymentTransactionsGateway {
  /** Closes the gateway's HTTP agent (its keep-alive sockets). */
  close(): Promise<void>;
}

/** A gateway with its own keep-alive agent. To share one agent with KlarnaNotifications, build a KlarnaHttp and pass it to both. */
export function createKlarnaNetworkGateway(config: KlarnaHttpConfig): KlarnaNetworkGatewayHandle {
  const http = new KlarnaHttp(config);
  const gateway = new KlarnaNetworkGateway(http);
  const transactions = new KlarnaPaymentTransactions(http);
  return {
    startSignup: (input, key) => gateway.startSignup(input, key),
    finalizeSignupPayment: (input, key) => gateway.finalizeSignupPayment(input, key),
    chargeToken: (input, key) => gateway.chargeToken(input, key),
    readPaymentRequest: (accountId, id) => gateway.readPaymentRequest(accountId, id),
    cancelPaymentRequest: (accountId, id, key) => gateway.cancelPaymentRequest(accountId, id, key),
    capture: (input, key) => transactions.capture(input, key),
    refundCapture: (input, key) => transactions.refundCapture(input, key),
    voidTransaction: (input, key) => transactions.voidTransaction(input, key),
    readTransaction: (input) => transactions.readTransaction(input),
    close: () => http.close(),
  };
}
