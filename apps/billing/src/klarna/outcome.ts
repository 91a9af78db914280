// Results of Klarna calls as tagged unions. Every operation answers with its own success shapes
// plus the three failures below, so callers decide by `kind` alone:
//   rate_limited  429: wait (Retry-After), then send again with the SAME idempotency key
//   transient     5xx, a key still in flight (409), timeouts, resets, a 2xx we could not read:
//                 the outcome is unknown; send again with the SAME key (CONTRACT.md §3, §12.2)
//   permanent     any other 4xx: our request or configuration is wrong; not retryable as is
import type { KlarnaChargeOutcome } from '../domain/decline-classification.js';
import type { CustomerTokenSecret } from '../secrets/secret.js';
import { parseErrorBody } from './error-body.js';
import type { KlarnaHttpResult } from './http.js';
import type { PaymentRequestView } from './payment-request-view.js';

export type TransientReason = 'SERVER_ERROR' | 'TIMEOUT' | 'CONNECTION' | 'UNREADABLE_RESPONSE' | 'IN_FLIGHT';

export interface RateLimitedOutcome {
  readonly kind: 'rate_limited';
  readonly retryAfterMs: number | null;
  readonly correlationId: string | null;
}

export interface TransientOutcome {
  readonly kind: 'transient';
  readonly reason: TransientReason;
  readonly status: number | null;
  readonly correlationId: string | null;
  /** For UNREADABLE_RESPONSE of a 2xx: the field that could not be read (a path, never a value). */
  readonly unreadableField?: string;
}

export interface PermanentOutcome {
  readonly kind: 'permanent';
  readonly status: number;
  readonly errorCode: string | null;
  readonly errorId: string | null;
  /** Parameters Klarna named (`validation_errors[].parameter` or `errors[].parameter`). */
  readonly parameters: string[];
  readonly correlationId: string | null;
}

export type KlarnaFailure = RateLimitedOutcome | TransientOutcome | PermanentOutcome;

/** An authorized payment transaction (CONTRACT.md §7, §18.1). Amounts are integer minor units. */
export interface ApprovedTransaction {
  readonly paymentTransactionId: string;
  readonly reference: string | null;
  readonly amount: number | null;
  readonly currency: string | null;
  /** AUTHORIZED, or COMPLETED after `capture: "NOW"`; as sent. */
  readonly state: string | null;
  readonly authorizedAt: Date | null;
  /** Capture deadline. */
  readonly expiresAt: Date | null;
  /** `payment_captures[0]` when the call captured (`capture: "NOW"`). */
  readonly capture: ApprovedCapture | null;
}

export interface ApprovedCapture {
  readonly paymentCaptureId: string;
  readonly amount: number | null;
  readonly capturedAt: Date | null;
}

export type PaymentPart =
  | { readonly result: 'APPROVED'; readonly transaction: ApprovedTransaction }
  | { readonly result: 'DECLINED'; readonly reason: string | null }
  | { readonly result: 'STEP_UP_REQUIRED' };

export type TokenPart =
  | {
      readonly result: 'APPROVED';
      readonly token: CustomerTokenSecret;
      readonly reference: string | null;
      readonly scopes: string[];
    }
  | { readonly result: 'DECLINED'; readonly reason: string | null }
  | { readonly result: 'STEP_UP_REQUIRED' };

export interface AuthorizeAnswer {
  readonly kind: 'answered';
  readonly correlationId: string | null;
  /** Present iff request_payment_transaction was sent. */
  readonly payment: PaymentPart | null;
  /** Present iff a token was requested (or Klarna returned one on a finalize). */
  readonly token: TokenPart | null;
  /** Present iff some part is STEP_UP_REQUIRED. */
  readonly paymentRequest: PaymentRequestView | null;
}

export type AuthorizeOutcome = AuthorizeAnswer | KlarnaFailure;

/** How a 409 is read by the operation at hand. */
export type ConflictMeaning =
  /** The only documented 409 of the call is "this key is still executing" (authorize). */
  | 'in_flight'
  /** The operation has a 409 outcome of its own; the caller handles it before calling here. */
  | 'handled_by_caller';

/** 409 codes that mean "a request with this key is still running" (§12.2; §18.2 spelling too). */
const IN_FLIGHT_CODES = new Set(['CONFLICT', 'RESOURCE_CONFLICT']);

/**
 * The failure outcome of a call that did not succeed: a network failure, or a status the
 * operation has no success shape for. A 2xx reaching here was unreadable.
 */
export function failureOf(result: KlarnaHttpResult, conflict: ConflictMeaning = 'in_flight'): KlarnaFailure {
  if (result.kind === 'failure') {
    return {
      kind: 'transient',
      reason: result.reason,
      status: result.status,
      correlationId: result.correlationId,
    };
  }
  const { status, correlationId } = result;
  if (status >= 200 && status < 300) return unreadable(result, 'body');
  if (status === 429) return { kind: 'rate_limited', retryAfterMs: result.retryAfterMs, correlationId };
  if (status >= 500) return { kind: 'transient', reason: 'SERVER_ERROR', status, correlationId };
  if (status === 408) return { kind: 'transient', reason: 'TIMEOUT', status, correlationId };
  const error = parseErrorBody(result.body.kind === 'json' ? result.body.value : undefined);
  if (
    status === 409 &&
    conflict === 'in_flight' &&
    (error.errorCode === null || IN_FLIGHT_CODES.has(error.errorCode.toUpperCase()))
  ) {
    return { kind: 'transient', reason: 'IN_FLIGHT', status, correlationId };
  }
  return { kind: 'permanent', status, ...error, correlationId };
}

/** A 2xx whose body did not have the shape the operation needs: the outcome is unknown. */
export function unreadable(result: KlarnaHttpResult, field: string): TransientOutcome {
  return {
    kind: 'transient',
    reason: 'UNREADABLE_RESPONSE',
    status: result.status,
    correlationId: result.correlationId,
    unreadableField: field,
  };
}

/**
 * Maps the outcome of a single-payment call (a CNP renewal, a finalize) onto the domain's
 * vocabulary, for `classifyChargeOutcome`. An answer without a payment part cannot be judged as a
 * charge, so it is an unreadable response (outcome unknown).
 */
export function toChargeOutcome(outcome: AuthorizeOutcome): KlarnaChargeOutcome {
  switch (outcome.kind) {
    case 'answered': {
      const payment = outcome.payment;
      if (payment === null) return { kind: 'NETWORK_ERROR', reason: 'UNREADABLE_RESPONSE' };
      return payment.result === 'DECLINED'
        ? { kind: 'RESULT', result: 'DECLINED', resultReason: payment.reason }
        : { kind: 'RESULT', result: payment.result };
    }
    case 'rate_limited':
      return { kind: 'HTTP_ERROR', status: 429, errorCode: 'RATE_LIMITED' };
    case 'transient':
      return transientToCharge(outcome);
    case 'permanent':
      return { kind: 'HTTP_ERROR', status: outcome.status, errorCode: outcome.errorCode };
  }
}

function transientToCharge(outcome: TransientOutcome): KlarnaChargeOutcome {
  switch (outcome.reason) {
    case 'SERVER_ERROR':
      return { kind: 'HTTP_ERROR', status: outcome.status ?? 500 };
    case 'IN_FLIGHT':
      return { kind: 'HTTP_ERROR', status: outcome.status ?? 409, errorCode: 'CONFLICT' };
    case 'TIMEOUT':
    case 'CONNECTION':
    case 'UNREADABLE_RESPONSE':
      return { kind: 'NETWORK_ERROR', reason: outcome.reason };
  }
}
