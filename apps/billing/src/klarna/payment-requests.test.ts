import { describe, expect, it } from 'vitest';
import { jsonResult } from './klarna.test-support.js';
import { readPaymentRequestResult } from './payment-requests.js';

describe('readPaymentRequestResult', () => {
  it('answers the view', () => {
    const outcome = readPaymentRequestResult(
      jsonResult(200, {
        payment_request_id: 'krn:payment:eu1:request:1',
        state: 'CANCELED',
        state_reason: 'PARTNER_CANCELED',
      }),
    );
    expect(outcome).toMatchObject({
      kind: 'answered',
      correlationId: 'corr-1',
      paymentRequest: {
        paymentRequestId: 'krn:payment:eu1:request:1',
        state: 'CANCELED',
        stateReason: 'PARTNER_CANCELED',
      },
    });
  });

  it('404 is not_found', () => {
    expect(readPaymentRequestResult(jsonResult(404, { error_code: 'NOT_FOUND' }))).toEqual({
      kind: 'not_found',
      correlationId: 'corr-1',
    });
  });

  it('a 200 without an id is unreadable; 500 transient; 401 permanent; 429 rate limited', () => {
    expect(readPaymentRequestResult(jsonResult(200, { state: 'SUBMITTED' }))).toMatchObject({
      kind: 'transient',
      reason: 'UNREADABLE_RESPONSE',
      unreadableField: 'payment_request_id',
    });
    expect(readPaymentRequestResult(jsonResult(200, []))).toMatchObject({ unreadableField: 'body' });
    expect(readPaymentRequestResult(jsonResult(500, undefined))).toMatchObject({
      kind: 'transient',
      reason: 'SERVER_ERROR',
    });
    expect(readPaymentRequestResult(jsonResult(401, { error_code: 'UNAUTHORIZED' }))).toMatchObject({
      kind: 'permanent',
      errorCode: 'UNAUTHORIZED',
    });
    expect(readPaymentRequestResult(jsonResult(429, undefined, { retryAfterMs: 2000 }))).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 2000,
      correlationId: 'corr-1',
    });
  });
});
