// Capture, refund a capture, void and read a payment transaction (CONTRACT.md §18) over the one
// HTTP door. Each call is a function of the transport plus a pure reader of its result, so every
// answer shape and status mapping is testable without a socket. Status decides first, the error
// code second (§18.2 CONFLICT note):
//   2xx             the operation's answer (unreadable → transient UNREADABLE_RESPONSE)
//   404             not_found
//   403 OPERATION_FORBIDDEN, 400 naming `amount`     refused (writes only)
//   409 RESOURCE_CONFLICT, 429, 5xx, network          transient / rate_limited (failureOf)
//   any other 4xx   permanent
import { parseErrorBody } from './error-body.js';
import type { KlarnaHttp, KlarnaHttpResult, KlarnaOperation } from './http.js';
import type {
  CaptureInput,
  CaptureOutcome,
  MoneyNotFound,
  MoneyRefused,
  ReadTransactionOutcome,
  RefundCaptureInput,
  RefundOutcome,
  TransactionCall,
  VoidInput,
  VoidOutcome,
} from './money-port.js';
import { failureOf, unreadable, type KlarnaFailure } from './outcome.js';
import { klarnaPaths } from './paths.js';
import { parseCapture, parseRefund, parseTransaction, type WireParse } from './transaction-view.js';

/** Codes of a 403 that refuse the operation for what the transaction is (§18.2-§18.4). */
const REFUSING_403_CODES = new Set(['OPERATION_FORBIDDEN']);

const correlationOf = (call: TransactionCall) =>
  call.partnerCorrelationId === undefined ? {} : { partnerCorrelationId: call.partnerCorrelationId };

function post(
  http: KlarnaHttp,
  operation: KlarnaOperation,
  path: string,
  call: TransactionCall,
  idempotencyKey: string,
  body: Record<string, unknown>,
): Promise<KlarnaHttpResult> {
  return http.send({ operation, method: 'POST', path, idempotencyKey, body, ...correlationOf(call) });
}

export async function capturePaymentTransaction(
  http: KlarnaHttp,
  input: CaptureInput,
  idempotencyKey: string,
): Promise<CaptureOutcome> {
  const path = klarnaPaths.captures(input.accountId, input.paymentTransactionId);
  const body = { amount: input.amountMinor, payment_capture_reference: input.reference };
  return readCaptureResult(await post(http, 'capture', path, input, idempotencyKey, body));
}

export async function refundPaymentCapture(
  http: KlarnaHttp,
  input: RefundCaptureInput,
  idempotencyKey: string,
): Promise<RefundOutcome> {
  const path = klarnaPaths.captureRefunds(
    input.accountId,
    input.paymentTransactionId,
    input.paymentCaptureId,
  );
  const body = {
    amount: input.amountMinor,
    payment_refund_reference: input.reference,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
  };
  return readRefundResult(await post(http, 'refund_capture', path, input, idempotencyKey, body));
}

export async function voidPaymentTransaction(
  http: KlarnaHttp,
  input: VoidInput,
  idempotencyKey: string,
): Promise<VoidOutcome> {
  const path = klarnaPaths.voidTransaction(input.accountId, input.paymentTransactionId);
  return readVoidResult(await post(http, 'void_transaction', path, input, idempotencyKey, {}));
}

export async function readPaymentTransaction(
  http: KlarnaHttp,
  input: TransactionCall,
): Promise<ReadTransactionOutcome> {
  const result = await http.send({
    operation: 'read_transaction',
    method: 'GET',
    path: klarnaPaths.transaction(input.accountId, input.paymentTransactionId),
    ...correlationOf(input),
  });
  return readTransactionResult(result);
}

/** Pure: a capture POST's result → its outcome. */
export function readCaptureResult(result: KlarnaHttpResult): CaptureOutcome {
  return readWrite(result, parseCapture, (capture, correlationId) => ({
    kind: 'captured',
    capture,
    correlationId,
  }));
}

/** Pure: a refund POST's result → its outcome. */
export function readRefundResult(result: KlarnaHttpResult): RefundOutcome {
  return readWrite(result, parseRefund, (refund, correlationId) => ({
    kind: 'refunded',
    refund,
    correlationId,
  }));
}

/** Pure: a void POST's result → its outcome. */
export function readVoidResult(result: KlarnaHttpResult): VoidOutcome {
  return readWrite(result, parseTransaction, (transaction, correlationId) => ({
    kind: 'voided',
    transaction,
    correlationId,
  }));
}

/** Pure: a GET's result → its outcome. A read is never refused: a 403 on it is permanent. */
export function readTransactionResult(result: KlarnaHttpResult): ReadTransactionOutcome {
  if (isAnswer(result)) {
    return answerOf(result, parseTransaction, (transaction, correlationId) => ({
      kind: 'read',
      transaction,
      correlationId,
    }));
  }
  return notFoundOf(result) ?? failureOf(result);
}

function readWrite<T, A>(
  result: KlarnaHttpResult,
  parse: (raw: unknown) => WireParse<T>,
  answer: (value: T, correlationId: string | null) => A,
): A | MoneyRefused | MoneyNotFound | KlarnaFailure {
  if (isAnswer(result)) return answerOf(result, parse, answer);
  return notFoundOf(result) ?? refusalOf(result) ?? failureOf(result);
}

function isAnswer(result: KlarnaHttpResult): result is Extract<KlarnaHttpResult, { kind: 'response' }> {
  return result.kind === 'response' && result.status >= 200 && result.status < 300;
}

function answerOf<T, A>(
  result: Extract<KlarnaHttpResult, { kind: 'response' }>,
  parse: (raw: unknown) => WireParse<T>,
  answer: (value: T, correlationId: string | null) => A,
): A | KlarnaFailure {
  if (result.body.kind !== 'json') return unreadable(result, 'body');
  const parsed = parse(result.body.value);
  if (!parsed.ok) return unreadable(result, parsed.field === '' ? 'body' : parsed.field);
  return answer(parsed.value, result.correlationId);
}

function notFoundOf(result: KlarnaHttpResult): MoneyNotFound | null {
  if (result.kind !== 'response' || result.status !== 404) return null;
  return { kind: 'not_found', correlationId: result.correlationId };
}

/** 403 OPERATION_FORBIDDEN, or a 400 whose only complaint is the amount: the transaction says no. */
function refusalOf(result: KlarnaHttpResult): MoneyRefused | null {
  if (result.kind !== 'response' || (result.status !== 400 && result.status !== 403)) return null;
  const error = parseErrorBody(result.body.kind === 'json' ? result.body.value : undefined);
  const code = error.errorCode?.toUpperCase() ?? null;
  const refused =
    result.status === 403
      ? code !== null && REFUSING_403_CODES.has(code)
      : error.parameters.length > 0 && error.parameters.every(namesAmount);
  if (!refused) return null;
  return {
    kind: 'refused',
    status: result.status,
    errorCode: error.errorCode,
    parameters: error.parameters,
    correlationId: result.correlationId,
  };
}

/** `amount`, or a nested spelling such as `request_payment_capture.amount`. */
function namesAmount(parameter: string): boolean {
  return parameter === 'amount' || parameter.endsWith('.amount');
}
