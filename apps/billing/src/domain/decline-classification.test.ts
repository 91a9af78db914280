import { describe, expect, it } from 'vitest';
import {
  classifyChargeOutcome,
  declineCategoryOf,
  type ChargeOutcomeClass,
  type KlarnaChargeOutcome,
} from './decline-classification.js';

const result = (r: string, resultReason?: string | null): KlarnaChargeOutcome => ({
  kind: 'RESULT',
  result: r,
  resultReason,
});
const http = (status: number, errorCode?: string): KlarnaChargeOutcome => ({
  kind: 'HTTP_ERROR',
  status,
  errorCode,
});

describe('classifyChargeOutcome', () => {
  it.each<[string, KlarnaChargeOutcome, ChargeOutcomeClass]>([
    ['APPROVED', result('APPROVED'), { kind: 'APPROVED' }],
    [
      'DECLINED PERMANENT',
      result('DECLINED', 'PERMANENT'),
      { kind: 'DECLINED', category: 'HARD', reason: 'PERMANENT', customerAction: 'RETOKENIZE' },
    ],
    [
      'DECLINED SCOPE_MISMATCH',
      result('DECLINED', 'SCOPE_MISMATCH'),
      { kind: 'DECLINED', category: 'HARD', reason: 'SCOPE_MISMATCH', customerAction: 'RETOKENIZE' },
    ],
    [
      'DECLINED STEP_UP_REQUIRED',
      result('DECLINED', 'STEP_UP_REQUIRED'),
      {
        kind: 'DECLINED',
        category: 'HARD',
        reason: 'STEP_UP_REQUIRED',
        customerAction: 'CUSTOMER_PRESENT_FLOW',
      },
    ],
    [
      'result STEP_UP_REQUIRED on a CNP charge',
      result('STEP_UP_REQUIRED'),
      {
        kind: 'DECLINED',
        category: 'HARD',
        reason: 'STEP_UP_REQUIRED',
        customerAction: 'CUSTOMER_PRESENT_FLOW',
      },
    ],
    [
      'DECLINED CUSTOMER_ACTION_REQUIRED',
      result('DECLINED', 'CUSTOMER_ACTION_REQUIRED'),
      { kind: 'DECLINED', category: 'SOFT', reason: 'CUSTOMER_ACTION_REQUIRED', customerAction: 'NOTIFY' },
    ],
    [
      'DECLINED TECHNICAL_ERROR',
      result('DECLINED', 'TECHNICAL_ERROR'),
      { kind: 'DECLINED', category: 'SOFT', reason: 'TECHNICAL_ERROR', customerAction: 'NONE' },
    ],
    [
      'DECLINED without reason',
      result('DECLINED'),
      { kind: 'DECLINED', category: 'SOFT', reason: null, customerAction: 'NONE' },
    ],
    [
      'DECLINED null reason',
      result('DECLINED', null),
      { kind: 'DECLINED', category: 'SOFT', reason: null, customerAction: 'NONE' },
    ],
    [
      'DECLINED blank reason',
      result('DECLINED', '  '),
      { kind: 'DECLINED', category: 'SOFT', reason: null, customerAction: 'NONE' },
    ],
    [
      'DECLINED unknown reason',
      result('DECLINED', 'INSUFFICIENT_FUNDS'),
      { kind: 'DECLINED', category: 'SOFT', reason: 'INSUFFICIENT_FUNDS', customerAction: 'NONE' },
    ],
    [
      'DECLINED lower-case reason (tolerant reader)',
      result('DECLINED', 'permanent'),
      { kind: 'DECLINED', category: 'HARD', reason: 'PERMANENT', customerAction: 'RETOKENIZE' },
    ],
    [
      'unrecognised result',
      result('MAYBE'),
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'UNRECOGNIZED_RESULT:MAYBE' },
    ],
    [
      'HTTP 429',
      http(429, 'RATE_LIMITED'),
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_429:RATE_LIMITED' },
    ],
    ['HTTP 500', http(500), { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_500' }],
    ['HTTP 502', http(502), { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_502' }],
    ['HTTP 503', http(503), { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_503' }],
    ['HTTP 504', http(504), { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_504' }],
    ['HTTP 408', http(408), { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_408' }],
    [
      'HTTP 409 key in flight',
      http(409, 'CONFLICT'),
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'HTTP_409:CONFLICT' },
    ],
    [
      'HTTP 200 unreadable',
      http(200),
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'UNREADABLE_RESPONSE:HTTP_200' },
    ],
    [
      'HTTP 400',
      http(400, 'VALIDATION_ERROR'),
      { kind: 'FAILED', reason: 'HTTP_400:VALIDATION_ERROR', alert: true },
    ],
    ['HTTP 401', http(401, 'UNAUTHORIZED'), { kind: 'FAILED', reason: 'HTTP_401:UNAUTHORIZED', alert: true }],
    ['HTTP 403 (DDoS block, no body)', http(403), { kind: 'FAILED', reason: 'HTTP_403', alert: true }],
    ['HTTP 404', http(404, 'NOT_FOUND'), { kind: 'FAILED', reason: 'HTTP_404:NOT_FOUND', alert: true }],
    ['HTTP 422', http(422), { kind: 'FAILED', reason: 'HTTP_422', alert: true }],
    ['HTTP 302', http(302), { kind: 'FAILED', reason: 'HTTP_302', alert: true }],
    [
      'timeout',
      { kind: 'NETWORK_ERROR', reason: 'TIMEOUT' },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'TIMEOUT' },
    ],
    [
      'connection',
      { kind: 'NETWORK_ERROR', reason: 'CONNECTION' },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'CONNECTION' },
    ],
    [
      'unreadable body',
      { kind: 'NETWORK_ERROR', reason: 'UNREADABLE_RESPONSE' },
      { kind: 'TRANSIENT', category: 'TRANSIENT', reason: 'UNREADABLE_RESPONSE' },
    ],
  ])('%s', (_name, outcome, expected) => {
    expect(classifyChargeOutcome(outcome)).toEqual(expected);
  });

  it('maps classes to the DeclineCategory column', () => {
    expect(declineCategoryOf(classifyChargeOutcome(result('DECLINED', 'PERMANENT')))).toBe('HARD');
    expect(declineCategoryOf(classifyChargeOutcome(result('DECLINED')))).toBe('SOFT');
    expect(declineCategoryOf(classifyChargeOutcome(http(503)))).toBe('TRANSIENT');
    expect(declineCategoryOf(classifyChargeOutcome(http(400)))).toBeNull();
    expect(declineCategoryOf(classifyChargeOutcome(result('APPROVED')))).toBeNull();
  });
});
