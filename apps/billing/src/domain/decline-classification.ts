// Classifies the outcome of a customer-not-present (CNP) token charge, i.e. a renewal or dunning
// retry sent without step_up_config (CONTRACT.md §6 (c), §7, §12.2, §13).
//
//   APPROVED                                   -> APPROVED
//   DECLINED + PERMANENT | SCOPE_MISMATCH      -> HARD (token unusable: stop, re-tokenize)
//   DECLINED + STEP_UP_REQUIRED, or the result
//     STEP_UP_REQUIRED itself                  -> HARD (a silent charge cannot do a step-up; the
//                                                 customer must come back through a customer-present flow)
//   DECLINED + CUSTOMER_ACTION_REQUIRED        -> SOFT (retry on schedule; tell the customer)
//   DECLINED + TECHNICAL_ERROR, missing or
//     unknown reason                           -> SOFT (retry on schedule)
//   HTTP 408/409 (key in flight)/425/429/5xx,
//     a network error or timeout, or a 2xx
//     that could not be read                   -> TRANSIENT (resend the same request, same key)
//   HTTP 400/401/403/404 and other 4xx         -> FAILED (our request or configuration is wrong:
//                                                 not retryable as is, alert an operator)
//   an unrecognised `result` value             -> TRANSIENT (outcome unknown; replaying the key
//                                                 reconciles it or ends in UNKNOWN)
// A DECLINED is final for its attempt: never replayed with the same key (CONTRACT.md §7.2).

export const DECLINE_CATEGORIES = ['HARD', 'SOFT', 'TRANSIENT'] as const;
/** Matches the Prisma enum DeclineCategory. */
export type DeclineCategory = (typeof DECLINE_CATEGORIES)[number];

export const KNOWN_DECLINE_REASONS = [
  'PERMANENT',
  'SCOPE_MISMATCH',
  'STEP_UP_REQUIRED',
  'CUSTOMER_ACTION_REQUIRED',
  'TECHNICAL_ERROR',
] as const;

export type KlarnaChargeOutcome =
  | {
      readonly kind: 'RESULT';
      /** payment_transaction_response.result: APPROVED | DECLINED | STEP_UP_REQUIRED (tolerant of others). */
      readonly result: string;
      readonly resultReason?: string | null | undefined;
    }
  | { readonly kind: 'HTTP_ERROR'; readonly status: number; readonly errorCode?: string | null | undefined }
  | { readonly kind: 'NETWORK_ERROR'; readonly reason: 'TIMEOUT' | 'CONNECTION' | 'UNREADABLE_RESPONSE' };

/** What the customer has to do, if anything, after a decline (drives notifications). */
export type CustomerAction = 'NONE' | 'NOTIFY' | 'RETOKENIZE' | 'CUSTOMER_PRESENT_FLOW';

export type ChargeOutcomeClass =
  | { readonly kind: 'APPROVED' }
  | {
      readonly kind: 'DECLINED';
      readonly category: 'HARD' | 'SOFT';
      /** Normalised result_reason, or null when Klarna sent none. */
      readonly reason: string | null;
      readonly customerAction: CustomerAction;
    }
  | { readonly kind: 'TRANSIENT'; readonly category: 'TRANSIENT'; readonly reason: string }
  | { readonly kind: 'FAILED'; readonly reason: string; readonly alert: true };

export function classifyChargeOutcome(outcome: KlarnaChargeOutcome): ChargeOutcomeClass {
  switch (outcome.kind) {
    case 'RESULT':
      return classifyResult(outcome.result, outcome.resultReason);
    case 'HTTP_ERROR':
      return classifyHttpStatus(outcome.status, outcome.errorCode);
    case 'NETWORK_ERROR':
      return transient(outcome.reason);
  }
}

/** The DeclineCategory column value for an outcome, or null when it is not a failure. */
export function declineCategoryOf(outcome: ChargeOutcomeClass): DeclineCategory | null {
  switch (outcome.kind) {
    case 'DECLINED':
    case 'TRANSIENT':
      return outcome.category;
    case 'APPROVED':
    case 'FAILED':
      return null;
  }
}

function classifyResult(result: string, rawReason: string | null | undefined): ChargeOutcomeClass {
  switch (normalise(result)) {
    case 'APPROVED':
      return { kind: 'APPROVED' };
    case 'STEP_UP_REQUIRED':
      return declined('HARD', 'STEP_UP_REQUIRED', 'CUSTOMER_PRESENT_FLOW');
    case 'DECLINED':
      return classifyDeclineReason(rawReason);
    default:
      return transient(`UNRECOGNIZED_RESULT:${result}`);
  }
}

function classifyDeclineReason(rawReason: string | null | undefined): ChargeOutcomeClass {
  // No reason at all: a generic soft decline.
  if (rawReason === null || rawReason === undefined || rawReason.trim() === '')
    return declined('SOFT', null, 'NONE');
  const reason = normalise(rawReason);
  switch (reason) {
    case 'PERMANENT':
    case 'SCOPE_MISMATCH':
      return declined('HARD', reason, 'RETOKENIZE');
    case 'STEP_UP_REQUIRED':
      return declined('HARD', reason, 'CUSTOMER_PRESENT_FLOW');
    case 'CUSTOMER_ACTION_REQUIRED':
      return declined('SOFT', reason, 'NOTIFY');
    default:
      // TECHNICAL_ERROR, or a reason this version does not know: a generic soft decline.
      return declined('SOFT', reason, 'NONE');
  }
}

function classifyHttpStatus(status: number, errorCode: string | null | undefined): ChargeOutcomeClass {
  const label = `HTTP_${status}${errorCode ? `:${errorCode}` : ''}`;
  if (status >= 500 || [408, 409, 425, 429].includes(status)) return transient(label);
  if (status >= 200 && status < 300) return transient(`UNREADABLE_RESPONSE:${label}`);
  // 400/401/403/404 and any other 4xx, plus unexpected 1xx/3xx: the request never ran as intended.
  return { kind: 'FAILED', reason: label, alert: true };
}

function declined(
  category: 'HARD' | 'SOFT',
  reason: string | null,
  customerAction: CustomerAction,
): ChargeOutcomeClass {
  return { kind: 'DECLINED', category, reason, customerAction };
}

function transient(reason: string): ChargeOutcomeClass {
  return { kind: 'TRANSIENT', category: 'TRANSIENT', reason };
}

function normalise(value: string): string {
  return value.trim().toUpperCase();
}
