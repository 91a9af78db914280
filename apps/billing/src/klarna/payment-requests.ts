// Read and cancel a Payment Request (CONTRACT.md §4, §8). A read is how Rebill settles doubt about
// a webhook (§10.6); a cancel ends an abandoned signup. 404 and (for cancel) 409 are outcomes of
// their own: an expired-and-deleted request, and a request no longer cancellable in its state.
import { parseErrorBody } from './error-body.js';
import type { KlarnaHttp, KlarnaHttpResult } from './http.js';
import { failureOf, unreadable, type KlarnaFailure } from './outcome.js';
import { klarnaPaths } from './paths.js';
import { parsePaymentRequest, type PaymentRequestView } from './payment-request-view.js';

export interface PaymentRequestAnswer {
  readonly kind: 'answered';
  readonly paymentRequest: PaymentRequestView;
  readonly correlationId: string | null;
}

export interface PaymentRequestNotFound {
  readonly kind: 'not_found';
  readonly correlationId: string | null;
}

/** 409 on cancel: the request is in a state that cannot be cancelled (or a cancel with this key is still running). */
export interface PaymentRequestConflict {
  readonly kind: 'conflict';
  readonly errorCode: string | null;
  readonly correlationId: string | null;
}

export type PaymentRequestReadOutcome = PaymentRequestAnswer | PaymentRequestNotFound | KlarnaFailure;
export type PaymentRequestCancelOutcome =
  PaymentRequestAnswer | PaymentRequestConflict | PaymentRequestNotFound | KlarnaFailure;

export interface PaymentRequestCall {
  readonly accountId: string;
  readonly paymentRequestId: string;
  readonly partnerCorrelationId?: string;
}

export async function readPaymentRequest(
  http: KlarnaHttp,
  call: PaymentRequestCall,
): Promise<PaymentRequestReadOutcome> {
  const result = await http.send({
    operation: 'read_payment_request',
    method: 'GET',
    path: klarnaPaths.paymentRequest(call.accountId, call.paymentRequestId),
    ...(call.partnerCorrelationId === undefined ? {} : { partnerCorrelationId: call.partnerCorrelationId }),
  });
  return readPaymentRequestResult(result);
}

export async function cancelPaymentRequest(
  http: KlarnaHttp,
  call: PaymentRequestCall & { readonly idempotencyKey: string },
): Promise<PaymentRequestCancelOutcome> {
  const result = await http.send({
    operation: 'cancel_payment_request',
    method: 'DELETE',
    path: klarnaPaths.paymentRequest(call.accountId, call.paymentRequestId),
    idempotencyKey: call.idempotencyKey,
    ...(call.partnerCorrelationId === undefined ? {} : { partnerCorrelationId: call.partnerCorrelationId }),
  });
  if (result.kind === 'response' && result.status === 409) {
    const { errorCode } = parseErrorBody(result.body.kind === 'json' ? result.body.value : undefined);
    return { kind: 'conflict', errorCode, correlationId: result.correlationId };
  }
  return readPaymentRequestResult(result);
}

/** Pure: a GET or DELETE result → the outcome (409 is the caller's). */
export function readPaymentRequestResult(result: KlarnaHttpResult): PaymentRequestReadOutcome {
  if (result.kind === 'response' && result.status === 404) {
    return { kind: 'not_found', correlationId: result.correlationId };
  }
  if (result.kind !== 'response' || result.status < 200 || result.status >= 300) {
    return failureOf(result, 'handled_by_caller');
  }
  if (result.body.kind !== 'json') return unreadable(result, 'body');
  const parsed = parsePaymentRequest(result.body.value);
  if (!parsed.ok) return unreadable(result, parsed.field === '' ? 'body' : parsed.field);
  return { kind: 'answered', paymentRequest: parsed.view, correlationId: result.correlationId };
}
