import { describe, expect, it } from 'vitest';
import { classifyChargeOutcome, type ChargeOutcomeClass } from '../domain/decline-classification.js';
import { failureOf, toChargeOutcome, type AuthorizeOutcome } from './outcome.js';
import { jsonResult } from './klarna.test-support.js';

const transaction = {
  paymentTransactionId: 'krn:payment:eu1:transaction:1',
  reference: 'r',
  amount: 999,
  currency: 'EUR',
  state: 'AUTHORIZED',
  authorizedAt: null,
  expiresAt: null,
  capture: null,
};

const answered = (payment: Extract<AuthorizeOutcome, { kind: 'answered' }>['payment']): AuthorizeOutcome => ({
  kind: 'answered',
  correlationId: 'c',
  payment,
  token: null,
  paymentRequest: null,
});

describe('toChargeOutcome feeds classifyChargeOutcome', () => {
  it.each<[string, AuthorizeOutcome, ChargeOutcomeClass]>([
    ['approved', answered({ result: 'APPROVED', transaction }), { kind: 'APPROVED' }],
    [
      'declined PERMANENT',
      answered({ result: 'DECLINED', reason: 'PERMANENT' }),
      { kind: 'DECLINED', category: 'HARD', reason: 'PERMANENT', customerAction: 'RETOKENIZE' },
    ],
    [
      'declined without reason',
      answered({ result: 'DECLINED', reason: null }),
      { kind: 'DECLINED', category: 'SOFT', reason: null, customerAction: 'NONE' },
    ],
    [
      'step-up on a CNP charge',
      answered({ result: 'STEP_UP_REQUIRED' }),
      {
        kind: 'DECLINED',
        category: 'HARD',
        reason: 'STEP_UP_REQUIRED',
        customerAction: 'CUSTOMER_PRESENT_FLOW',
      },
    ],
    [
      'an answer without a payment part',
      answered(null),
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'UNREADABLE_RESPONSE' },
    ],
    [
      'rate limited',
      { kind: 'rate_limited', retryAfterMs: 1000, correlationId: null },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_429:RATE_LIMITED' },
    ],
    [
      '503',
      { kind: 'transient', reason: 'SERVER_ERROR', status: 503, correlationId: null },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_503' },
    ],
    [
      'key in flight',
      { kind: 'transient', reason: 'IN_FLIGHT', status: 409, correlationId: null },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_409:CONFLICT' },
    ],
    [
      'timeout',
      { kind: 'transient', reason: 'TIMEOUT', status: null, correlationId: null },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'TIMEOUT' },
    ],
    [
      'connection reset',
      { kind: 'transient', reason: 'CONNECTION', status: null, correlationId: null },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'CONNECTION' },
    ],
    [
      'unreadable 2xx',
      { kind: 'transient', reason: 'UNREADABLE_RESPONSE', status: 200, correlationId: null },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'UNREADABLE_RESPONSE' },
    ],
    [
      '400 validation',
      {
        kind: 'permanent',
        status: 400,
        errorCode: 'VALIDATION_ERROR',
        errorId: 'e',
        parameters: ['currency'],
        correlationId: null,
      },
      { kind: 'FAILED', reason: 'HTTP_400:VALIDATION_ERROR', alert: true },
    ],
    [
      '401 without a body',
      { kind: 'permanent', status: 401, errorCode: null, errorId: null, parameters: [], correlationId: null },
      { kind: 'FAILED', reason: 'HTTP_401', alert: true },
    ],
  ])('%s', (_name, outcome, expected) => {
    expect(classifyChargeOutcome(toChargeOutcome(outcome))).toEqual(expected);
  });
});

describe('failureOf', () => {
  it('a 408 is a transient timeout; 3xx is permanent', () => {
    expect(failureOf(jsonResult(408, undefined))).toMatchObject({
      kind: 'transient',
      reason: 'TIMEOUT',
      status: 408,
    });
    expect(failureOf(jsonResult(302, undefined))).toMatchObject({ kind: 'permanent', status: 302 });
  });

  it('a 409 the operation handles itself is not read as in flight', () => {
    expect(failureOf(jsonResult(409, { error_code: 'CONFLICT' }), 'handled_by_caller')).toMatchObject({
      kind: 'permanent',
      status: 409,
      errorCode: 'CONFLICT',
    });
  });

  it('keeps the status of a body that failed after the head arrived', () => {
    expect(
      failureOf({ kind: 'failure', reason: 'UNREADABLE_RESPONSE', status: 200, correlationId: 'c' }),
    ).toEqual({
      kind: 'transient',
      reason: 'UNREADABLE_RESPONSE',
      status: 200,
      correlationId: 'c',
    });
  });
});
