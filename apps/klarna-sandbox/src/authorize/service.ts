// Executes a validated authorize call for its scenario (CONTRACT.md §6, §7, §7.1, §9, §11, §18.1):
// token and session checks, payment transactions (captured at once with `capture: "NOW"`),
// customer tokens and step-up Payment Requests.
import type { FastifyBaseLogger } from 'fastify';
import type { SimClock } from '../clock.js';
import { conflict, invalid } from '../errors.js';
import type { PaymentRequestEngine } from '../payment-requests/engine.js';
import type { PaymentRequestPurpose, PaymentRequestRecord } from '../payment-requests/model.js';
import type { SandboxSettings } from '../settings.js';
import { customerTokenView, type CustomerTokenStore, type Scope } from '../tokens/customer-tokens.js';
import type { SessionTokenStore } from '../tokens/session-tokens.js';
import type { AuthorizeScenario } from './classify.js';
import type { AuthorizeHeaders } from './headers.js';
import type { PlannedResults, ResultSpec } from './results.js';
import type { AuthorizeBody } from './schema.js';
import type { PaymentTransactions } from '../transactions/service.js';
import { authorizeTransaction } from './transactions.js';
import type {
  AuthorizeResponse,
  CustomerTokenResponse,
  PaymentTransactionResponse,
  ResultResponse,
} from './wire.js';

export interface AuthorizeCall {
  accountId: string;
  scenario: AuthorizeScenario;
  body: AuthorizeBody;
  /** The body as sent, for the Payment Request's echoes. */
  rawBody: Record<string, unknown>;
  headers: AuthorizeHeaders;
  /** Resolved interaction expiry (epoch ms) when step_up_config was sent. */
  stepUpExpiresAt: number | undefined;
  planned: PlannedResults;
}

export interface AuthorizeServiceDeps {
  clock: SimClock;
  customerTokens: CustomerTokenStore;
  sessionTokens: SessionTokenStore;
  paymentRequests: PaymentRequestEngine;
  transactions: PaymentTransactions;
  settings: SandboxSettings;
  log: FastifyBaseLogger;
}

type Json = Record<string, unknown>;

/** The line items as sent, for the transaction's reads. */
function lineItemsOf(call: AuthorizeCall): unknown[] {
  const spd = call.rawBody.supplementary_purchase_data;
  const items = typeof spd === 'object' && spd !== null ? (spd as Json).line_items : undefined;
  return Array.isArray(items) ? items : [];
}

const DECLINED_PERMANENT: ResultSpec = { result: 'DECLINED', reason: 'PERMANENT' };

function resultBody(spec: ResultSpec): ResultResponse {
  const body: ResultResponse = { result: spec.result };
  if (spec.result === 'DECLINED' && spec.reason !== undefined) body.result_reason = spec.reason;
  return body;
}

/** A token charge or finalize cannot step up without step_up_config: it declines with that reason (§13). */
function withoutStepUp(spec: ResultSpec): ResultSpec {
  return spec.result === 'STEP_UP_REQUIRED' ? { result: 'DECLINED', reason: 'STEP_UP_REQUIRED' } : spec;
}

export class AuthorizeService {
  constructor(private readonly deps: AuthorizeServiceDeps) {}

  execute(call: AuthorizeCall): AuthorizeResponse {
    this.warnOnLineItemMismatch(call);
    switch (call.scenario) {
      case 'tokenize':
      case 'tokenize_and_pay':
        return this.tokenize(call);
      case 'cnp_charge':
      case 'cp_charge':
        return this.charge(call);
      case 'finalize':
        return this.finalize(call);
    }
  }

  /** (a) and (b): token (and first payment) results may differ only when scripted (§7.1). */
  private tokenize(call: AuthorizeCall): AuthorizeResponse {
    const now = this.deps.clock.now();
    const tokenRequest = call.body.request_customer_token;
    const payment = call.body.request_payment_transaction;
    if (!tokenRequest) throw new Error('tokenize without request_customer_token');
    const tokenSpec = call.planned.token;
    const paymentSpec = payment ? call.planned.payment : undefined;
    const answer: AuthorizeResponse = {};

    const token =
      tokenSpec.result === 'APPROVED'
        ? this.deps.customerTokens.issue({
            accountId: call.accountId,
            scopes: tokenRequest.scopes,
            reference: tokenRequest.customer_token_reference,
            now,
          })
        : undefined;
    if (payment && paymentSpec) {
      const response: PaymentTransactionResponse = resultBody(paymentSpec);
      answer.payment_transaction_response = response;
      if (paymentSpec.result === 'APPROVED') {
        response.payment_transaction = authorizeTransaction(this.deps.transactions, {
          accountId: call.accountId,
          reference: payment.payment_transaction_reference,
          amount: payment.amount,
          currency: call.body.currency,
          customerToken: token?.token,
          idempotencyKey: call.headers.idempotencyKey,
          scenario: 'tokenize_and_pay',
          capture: payment.capture,
          lineItems: lineItemsOf(call),
        });
      }
    }
    const tokenResponse: CustomerTokenResponse = resultBody(tokenSpec);
    answer.customer_token_response = tokenResponse;
    if (token) tokenResponse.customer_token = customerTokenView(token);

    const paymentStepsUp = paymentSpec?.result === 'STEP_UP_REQUIRED';
    const tokenStepsUp = tokenSpec.result === 'STEP_UP_REQUIRED';
    if (paymentStepsUp || tokenStepsUp) {
      const purpose: PaymentRequestPurpose = paymentStepsUp
        ? tokenStepsUp
          ? 'tokenize_and_pay'
          : 'pay'
        : 'tokenize';
      answer.payment_request = this.deps.paymentRequests.viewOf(
        this.createStepUp(call, {
          purpose,
          payment:
            paymentStepsUp && payment
              ? { amount: payment.amount, reference: payment.payment_transaction_reference }
              : undefined,
          tokenRequest: tokenStepsUp
            ? { scopes: tokenRequest.scopes, reference: tokenRequest.customer_token_reference }
            : undefined,
          // Token approved at once, money stepped up: the finalize's ledger line names the token.
          chargedToken: tokenStepsUp ? undefined : token?.token,
        }),
      );
    }
    return answer;
  }

  /** (c) and (d): the token must exist in this account, be ACTIVE and fit the charge (§11.1). */
  private charge(call: AuthorizeCall): AuthorizeResponse {
    const now = this.deps.clock.now();
    const payment = call.body.request_payment_transaction;
    const tokenValue = call.headers.customerToken;
    if (!payment || tokenValue === undefined) throw new Error('token charge without payment or token');
    const token = this.deps.customerTokens.forAccount(call.accountId, tokenValue);
    const has = (scope: Scope): boolean => token?.scopes.includes(scope) ?? false;

    let spec: ResultSpec;
    if (!token || token.state === 'REVOKED') {
      spec = DECLINED_PERMANENT;
    } else if (call.scenario === 'cnp_charge') {
      spec = has('payment:customer_not_present')
        ? withoutStepUp(call.planned.payment)
        : { result: 'DECLINED', reason: 'SCOPE_MISMATCH' };
    } else {
      if (!has('payment:customer_present') && this.deps.settings.strictScopeChecks) {
        throw invalid([
          {
            parameter: 'step_up_config',
            reason: 'must be absent when charging a payment:customer_not_present token',
          },
        ]);
      }
      spec = call.planned.payment;
    }
    if (token && token.state === 'ACTIVE') token.lastUsedAt = now;

    const response: PaymentTransactionResponse = resultBody(spec);
    const answer: AuthorizeResponse = { payment_transaction_response: response };
    if (spec.result === 'APPROVED') {
      response.payment_transaction = authorizeTransaction(this.deps.transactions, {
        accountId: call.accountId,
        reference: payment.payment_transaction_reference,
        amount: payment.amount,
        currency: call.body.currency,
        customerToken: tokenValue,
        idempotencyKey: call.headers.idempotencyKey,
        scenario: call.scenario === 'cnp_charge' ? 'cnp_charge' : 'cp_charge',
        capture: payment.capture,
        lineItems: lineItemsOf(call),
      });
    } else if (spec.result === 'STEP_UP_REQUIRED') {
      answer.payment_request = this.deps.paymentRequests.viewOf(
        this.createStepUp(call, {
          purpose: 'pay_with_token',
          payment: { amount: payment.amount, reference: payment.payment_transaction_reference },
          tokenRequest: undefined,
          chargedToken: tokenValue,
        }),
      );
    }
    return answer;
  }

  /**
   * (e): the session token of a COMPLETED request, within 60 minutes, for the same amount and
   * currency. Unknown token: 400; already finalized: 409; expired, or the request cancelled
   * meanwhile: DECLINED PERMANENT (the purchase is lost, §6 (e)).
   */
  private finalize(call: AuthorizeCall): AuthorizeResponse {
    const now = this.deps.clock.now();
    const payment = call.body.request_payment_transaction;
    const sessionValue = call.headers.sessionToken;
    if (!payment || sessionValue === undefined) throw new Error('finalize without payment or session token');
    const session = this.deps.sessionTokens.forAccount(call.accountId, sessionValue);
    if (!session) {
      throw invalid([
        {
          parameter: 'Klarna-Network-Session-Token',
          reason: 'is not a session token this account was issued',
        },
      ]);
    }
    const mismatches = [];
    if (payment.amount !== session.amount) {
      mismatches.push({
        parameter: 'request_payment_transaction.amount',
        reason: `must equal the payment request's amount ${session.amount}`,
      });
    }
    if (call.body.currency !== session.currency) {
      mismatches.push({
        parameter: 'currency',
        reason: `must equal the payment request's currency ${session.currency}`,
      });
    }
    if (mismatches.length > 0) throw invalid(mismatches);
    if (session.finalizedTransactionId !== undefined) {
      throw conflict('This session token was already used to authorize the payment');
    }
    const request = this.deps.paymentRequests.get(session.paymentRequestId);
    const usable = request?.state === 'COMPLETED' && now < session.expiresAt;
    const spec = usable ? withoutStepUp(call.planned.payment) : DECLINED_PERMANENT;

    const response: PaymentTransactionResponse = resultBody(spec);
    const answer: AuthorizeResponse = { payment_transaction_response: response };
    if (spec.result === 'APPROVED' && request) {
      const tx = authorizeTransaction(this.deps.transactions, {
        accountId: call.accountId,
        reference: payment.payment_transaction_reference,
        amount: payment.amount,
        currency: call.body.currency,
        customerToken: request.issuedToken?.token ?? request.chargedToken,
        idempotencyKey: call.headers.idempotencyKey,
        scenario: 'finalize',
        // §18.1: the finalize call's own `capture` decides; the first call's had no effect.
        capture: payment.capture,
        lineItems: lineItemsOf(call),
      });
      response.payment_transaction = tx;
      session.finalizedTransactionId = tx.payment_transaction_id;
      this.deps.paymentRequests.markFinalized(request.id);
    }
    // §10.4 / [S3]: a combined request's token also comes back on finalize.
    if (request?.issuedToken) {
      answer.customer_token_response = {
        result: 'APPROVED',
        customer_token: customerTokenView(request.issuedToken),
      };
    }
    return answer;
  }

  private createStepUp(
    call: AuthorizeCall,
    parts: Pick<PaymentRequestRecord, 'purpose' | 'payment' | 'tokenRequest' | 'chargedToken'>,
  ): PaymentRequestRecord {
    const stepUp = call.body.step_up_config;
    const expiresAt = call.stepUpExpiresAt;
    if (!stepUp || expiresAt === undefined) throw new Error('step-up without step_up_config');
    const rawStepUp = call.rawBody.step_up_config as Json;
    return this.deps.paymentRequests.create({
      ...parts,
      accountId: call.accountId,
      reference: stepUp.payment_request_reference,
      currency: call.body.currency,
      method: stepUp.customer_interaction_config.method,
      returnUrl: stepUp.customer_interaction_config.return_url,
      customerInteractionConfig: rawStepUp.customer_interaction_config,
      supplementaryPurchaseData: call.rawBody.supplementary_purchase_data,
      expiresAt,
    });
  }

  private warnOnLineItemMismatch(call: AuthorizeCall): void {
    const items = call.body.supplementary_purchase_data?.line_items;
    const amount = call.body.request_payment_transaction?.amount;
    if (!items || items.length === 0 || amount === undefined) return;
    const sum = items.reduce((total, item) => total + item.total_amount, 0);
    if (sum !== amount)
      this.deps.log.warn({ amount, lineItemsTotal: sum }, 'line_items total differs from amount');
  }
}
