import { describe, expect, it } from 'vitest';
import { reveal } from '../secrets/reveal.js';
import { readAuthorizeResult, type AuthorizeExpectations } from './authorize.js';
import { jsonResult, rendered } from './klarna.test-support.js';
import type { AuthorizeOutcome } from './outcome.js';

const RAW_TOKEN = 'krn:customer-token:eu1:0d4c8b9e-raw-token';
const RAW_SESSION = 'krn:payment:eu1:klarna-network-session-token:77-raw-session';

const CHARGE: AuthorizeExpectations = { payment: true, token: 'none' };
const SIGNUP_A: AuthorizeExpectations = { payment: false, token: 'required' };
const SIGNUP_B: AuthorizeExpectations = { payment: true, token: 'required' };
const FINALIZE: AuthorizeExpectations = { payment: true, token: 'optional' };

const approvedTransaction = {
  payment_transaction_id: 'krn:payment:eu1:transaction:1',
  payment_transaction_reference: 'sub_42-2026-02',
  amount: 999,
  currency: 'EUR',
  state: 'AUTHORIZED',
  authorized_at: '2026-02-01T10:00:00.000Z',
  expires_at: '2026-03-01T10:00:00.000Z',
  payment_funding: { type: 'whatever' },
};

const paymentRequest = {
  payment_request_id: 'krn:payment:eu1:request:abc',
  payment_request_reference: 'signup_42',
  amount: 999,
  currency: 'EUR',
  state: 'SUBMITTED',
  previous_state: null,
  state_reason: 'PAYMENT_REQUEST_SUBMITTED',
  state_context: {
    customer_interaction: {
      method: 'HANDOVER',
      payment_request_id: 'krn:payment:eu1:request:abc',
      payment_request_url: 'http://sandbox/journey/krn:payment:eu1:request:abc',
    },
  },
  state_expires_at: '2026-01-01T13:00:00.000Z',
  expires_at: '2026-01-01T13:00:00.000Z',
  created_at: '2026-01-01T10:00:00.000Z',
  updated_at: '2026-01-01T10:00:00.000Z',
  customer_interaction_config: { method: 'HANDOVER' },
};

function answered(outcome: AuthorizeOutcome) {
  if (outcome.kind !== 'answered') throw new Error(`expected answered, got ${outcome.kind}`);
  return outcome;
}

describe('readAuthorizeResult: answers', () => {
  it('reads an approved charge, ignoring unknown fields everywhere', () => {
    const outcome = answered(
      readAuthorizeResult(
        jsonResult(200, {
          payment_transaction_response: {
            result: 'APPROVED',
            payment_transaction: approvedTransaction,
            brand_new: 1,
          },
          something_klarna_added_later: { x: [1, 2] },
        }),
        CHARGE,
      ),
    );
    expect(outcome).toEqual({
      kind: 'answered',
      correlationId: 'corr-1',
      payment: {
        result: 'APPROVED',
        transaction: {
          paymentTransactionId: 'krn:payment:eu1:transaction:1',
          reference: 'sub_42-2026-02',
          amount: 999,
          currency: 'EUR',
          state: 'AUTHORIZED',
          authorizedAt: new Date('2026-02-01T10:00:00.000Z'),
          expiresAt: new Date('2026-03-01T10:00:00.000Z'),
          capture: null,
        },
      },
      token: null,
      paymentRequest: null,
    });
  });

  it('reads the capture of a capture NOW approval (§18.1)', () => {
    const outcome = answered(
      readAuthorizeResult(
        jsonResult(200, {
          payment_transaction_response: {
            result: 'APPROVED',
            payment_transaction: {
              ...approvedTransaction,
              state: 'COMPLETED',
              payment_captures: [
                {
                  payment_capture_id: 'krn:payment:eu1:transaction:1:capture:1',
                  amount: 999,
                  captured_at: '2026-02-01T10:00:00.000Z',
                  extra: true,
                },
              ],
            },
          },
        }),
        CHARGE,
      ),
    );
    expect(outcome.payment).toMatchObject({
      result: 'APPROVED',
      transaction: {
        state: 'COMPLETED',
        capture: {
          paymentCaptureId: 'krn:payment:eu1:transaction:1:capture:1',
          amount: 999,
          capturedAt: new Date('2026-02-01T10:00:00.000Z'),
        },
      },
    });
  });

  it('tolerates odd optional fields: a string amount, a bad date, a capture without id', () => {
    const outcome = answered(
      readAuthorizeResult(
        jsonResult(200, {
          payment_transaction_response: {
            result: 'approved',
            payment_transaction: {
              payment_transaction_id: 'krn:payment:eu1:transaction:2',
              amount: '1200',
              expires_at: 'tomorrow',
              currency: 7,
              payment_captures: [{ amount: 1 }],
            },
          },
        }),
        CHARGE,
      ),
    );
    expect(outcome.payment).toEqual({
      result: 'APPROVED',
      transaction: {
        paymentTransactionId: 'krn:payment:eu1:transaction:2',
        reference: null,
        amount: 1200,
        currency: null,
        state: null,
        authorizedAt: null,
        expiresAt: null,
        capture: null,
      },
    });
  });

  it.each([
    ['with a reason', { result: 'DECLINED', result_reason: 'PERMANENT' }, 'PERMANENT'],
    ['without a reason', { result: 'DECLINED' }, null],
    ['with a null reason', { result: 'DECLINED', result_reason: null }, null],
  ])('reads a decline %s', (_name, part, reason) => {
    const outcome = answered(
      readAuthorizeResult(jsonResult(200, { payment_transaction_response: part }), CHARGE),
    );
    expect(outcome.payment).toEqual({ result: 'DECLINED', reason });
  });

  it('reads the token from the nested §7 location', () => {
    const outcome = answered(
      readAuthorizeResult(
        jsonResult(200, {
          customer_token_response: {
            result: 'APPROVED',
            customer_token: {
              customer_token: RAW_TOKEN,
              customer_token_reference: 'tok_42',
              scopes: ['payment:customer_not_present'],
              unknown: 'x',
            },
          },
        }),
        SIGNUP_A,
      ),
    );
    expect(outcome.token?.result).toBe('APPROVED');
    if (outcome.token?.result !== 'APPROVED') return;
    expect(reveal(outcome.token.token)).toBe(RAW_TOKEN);
    expect(outcome.token.reference).toBe('tok_42');
    expect(outcome.token.scopes).toEqual(['payment:customer_not_present']);
    expect(rendered(outcome)).not.toContain(RAW_TOKEN);
  });

  it('reads a bare token string at customer_token_response.customer_token ([S4])', () => {
    const outcome = answered(
      readAuthorizeResult(
        jsonResult(200, {
          customer_token_response: {
            result: 'APPROVED',
            customer_token: RAW_TOKEN,
            customer_token_reference: 'tok_43',
          },
        }),
        SIGNUP_A,
      ),
    );
    if (outcome.token?.result !== 'APPROVED') throw new Error('expected an approved token');
    expect(reveal(outcome.token.token)).toBe(RAW_TOKEN);
    expect(outcome.token.reference).toBe('tok_43');
    expect(outcome.token.scopes).toEqual([]);
    expect(rendered(outcome)).not.toContain(RAW_TOKEN);
  });

  it('reads a signup that steps up, with its payment request (b)', () => {
    const outcome = answered(
      readAuthorizeResult(
        jsonResult(200, {
          payment_transaction_response: { result: 'STEP_UP_REQUIRED' },
          customer_token_response: { result: 'STEP_UP_REQUIRED' },
          payment_request: paymentRequest,
        }),
        SIGNUP_B,
      ),
    );
    expect(outcome.payment).toEqual({ result: 'STEP_UP_REQUIRED' });
    expect(outcome.token).toEqual({ result: 'STEP_UP_REQUIRED' });
    expect(outcome.paymentRequest).toMatchObject({
      paymentRequestId: 'krn:payment:eu1:request:abc',
      reference: 'signup_42',
      state: 'SUBMITTED',
      url: 'http://sandbox/journey/krn:payment:eu1:request:abc',
      amount: 999,
    });
  });

  it('reads mixed results (§7.1): payment approved, token declined', () => {
    const outcome = answered(
      readAuthorizeResult(
        jsonResult(200, {
          payment_transaction_response: { result: 'APPROVED', payment_transaction: approvedTransaction },
          customer_token_response: { result: 'DECLINED', result_reason: 'TECHNICAL_ERROR' },
        }),
        SIGNUP_B,
      ),
    );
    expect(outcome.payment?.result).toBe('APPROVED');
    expect(outcome.token).toEqual({ result: 'DECLINED', reason: 'TECHNICAL_ERROR' });
    expect(outcome.paymentRequest).toBeNull();
  });

  it('reads a finalize with and without the combined request token', () => {
    const withToken = answered(
      readAuthorizeResult(
        jsonResult(200, {
          payment_transaction_response: { result: 'APPROVED', payment_transaction: approvedTransaction },
          customer_token_response: { result: 'APPROVED', customer_token: { customer_token: RAW_TOKEN } },
        }),
        FINALIZE,
      ),
    );
    expect(withToken.token?.result).toBe('APPROVED');
    const without = answered(
      readAuthorizeResult(
        jsonResult(200, {
          payment_transaction_response: { result: 'APPROVED', payment_transaction: approvedTransaction },
        }),
        FINALIZE,
      ),
    );
    expect(without.token).toBeNull();
  });

  it('ignores a token part on a charge, which never asks for one', () => {
    const outcome = answered(
      readAuthorizeResult(
        jsonResult(200, {
          payment_transaction_response: { result: 'DECLINED' },
          customer_token_response: { result: 'APPROVED', customer_token: RAW_TOKEN },
        }),
        CHARGE,
      ),
    );
    expect(outcome.token).toBeNull();
  });
});

describe('readAuthorizeResult: answers that cannot be read are transient (outcome unknown)', () => {
  it.each<[string, unknown, AuthorizeExpectations, string]>([
    ['no payment part on a charge', {}, CHARGE, 'payment_transaction_response'],
    [
      'an unknown result',
      { payment_transaction_response: { result: 'PENDING' } },
      CHARGE,
      'payment_transaction_response.result',
    ],
    [
      'APPROVED without a transaction id',
      { payment_transaction_response: { result: 'APPROVED', payment_transaction: { amount: 1 } } },
      CHARGE,
      'payment_transaction_response.payment_transaction.payment_transaction_id',
    ],
    [
      'an approved token without the token',
      { customer_token_response: { result: 'APPROVED', customer_token: { scopes: [] } } },
      SIGNUP_A,
      'customer_token_response.customer_token.customer_token',
    ],
    ['no token part on a signup', { payment_request: paymentRequest }, SIGNUP_A, 'customer_token_response'],
    [
      'STEP_UP_REQUIRED without a payment request',
      { customer_token_response: { result: 'STEP_UP_REQUIRED' } },
      SIGNUP_A,
      'payment_request',
    ],
    [
      'STEP_UP_REQUIRED with a payment request missing its id',
      { customer_token_response: { result: 'STEP_UP_REQUIRED' }, payment_request: { state: 'SUBMITTED' } },
      SIGNUP_A,
      'payment_request.payment_request_id',
    ],
    ['a JSON array', [1, 2], CHARGE, 'body'],
    ['a JSON string', 'ok', CHARGE, 'body'],
  ])('%s', (_name, body, expect_, field) => {
    expect(readAuthorizeResult(jsonResult(200, body), expect_)).toEqual({
      kind: 'transient',
      reason: 'UNREADABLE_RESPONSE',
      status: 200,
      correlationId: 'corr-1',
      unreadableField: field,
    });
  });

  it('a 2xx that is not JSON, or empty', () => {
    const notJson = readAuthorizeResult(
      { kind: 'response', status: 200, correlationId: null, retryAfterMs: null, body: { kind: 'not_json' } },
      CHARGE,
    );
    expect(notJson).toMatchObject({ kind: 'transient', reason: 'UNREADABLE_RESPONSE', status: 200 });
    const empty = readAuthorizeResult(jsonResult(204, undefined), CHARGE);
    expect(empty).toMatchObject({ kind: 'transient', reason: 'UNREADABLE_RESPONSE', status: 204 });
  });
});

describe('readAuthorizeResult: errors', () => {
  it('429 is rate_limited with the Retry-After delay', () => {
    expect(
      readAuthorizeResult(jsonResult(429, { error_code: 'RATE_LIMITED' }, { retryAfterMs: 1000 }), CHARGE),
    ).toEqual({ kind: 'rate_limited', retryAfterMs: 1000, correlationId: 'corr-1' });
  });

  it.each([500, 502, 503])('%i is a transient server error', (status) => {
    expect(readAuthorizeResult(jsonResult(status, { error_code: 'INTERNAL_ERROR' }), CHARGE)).toEqual({
      kind: 'transient',
      reason: 'SERVER_ERROR',
      status,
      correlationId: 'corr-1',
    });
  });

  it.each([
    ['CONFLICT', { error_code: 'CONFLICT' }],
    ['RESOURCE_CONFLICT', { error_code: 'RESOURCE_CONFLICT' }],
    ['no body', undefined],
  ])('409 %s is a key still in flight', (_name, body) => {
    expect(readAuthorizeResult(jsonResult(409, body), CHARGE)).toEqual({
      kind: 'transient',
      reason: 'IN_FLIGHT',
      status: 409,
      correlationId: 'corr-1',
    });
  });

  it('409 with another code is permanent', () => {
    expect(
      readAuthorizeResult(jsonResult(409, { error_code: 'ALREADY_FINALIZED', error_id: 'e1' }), CHARGE),
    ).toEqual({
      kind: 'permanent',
      status: 409,
      errorCode: 'ALREADY_FINALIZED',
      errorId: 'e1',
      parameters: [],
      correlationId: 'corr-1',
    });
  });

  it('400 names the parameters of validation_errors[] (current §12.1 variant)', () => {
    const outcome = readAuthorizeResult(
      jsonResult(400, {
        error_id: 'err-1',
        error_type: 'INPUT_ERROR',
        error_code: 'VALIDATION_ERROR',
        error_message: 'One or more parameters are invalid',
        validation_errors: [
          { parameter: 'request_payment_transaction.amount', reason: 'must be ≥ 1' },
          { parameter: 'currency', reason: 'unknown' },
          { reason: 'no parameter' },
        ],
      }),
      CHARGE,
    );
    expect(outcome).toEqual({
      kind: 'permanent',
      status: 400,
      errorCode: 'VALIDATION_ERROR',
      errorId: 'err-1',
      parameters: ['request_payment_transaction.amount', 'currency'],
      correlationId: 'corr-1',
    });
  });

  it('400 names the parameters of errors[] (network-distribution variant)', () => {
    const outcome = readAuthorizeResult(
      jsonResult(400, {
        error_id: 'err-2',
        error_type: 'INPUT_ERROR',
        error_code: 'BAD_REQUEST',
        errors: [{ parameter: 'step_up_config', error_message: 'not allowed', doc_url: 'https://x' }],
      }),
      CHARGE,
    );
    expect(outcome).toMatchObject({
      kind: 'permanent',
      errorCode: 'BAD_REQUEST',
      parameters: ['step_up_config'],
    });
  });

  it('an old-style body (error_messages[]) and a 403 without any body are permanent with nulls', () => {
    expect(
      readAuthorizeResult(
        jsonResult(401, { error_code: 'UNAUTHORIZED', error_messages: ['bad key'] }),
        CHARGE,
      ),
    ).toEqual({
      kind: 'permanent',
      status: 401,
      errorCode: 'UNAUTHORIZED',
      errorId: null,
      parameters: [],
      correlationId: 'corr-1',
    });
    expect(readAuthorizeResult(jsonResult(403, undefined, { correlationId: null }), CHARGE)).toEqual({
      kind: 'permanent',
      status: 403,
      errorCode: null,
      errorId: null,
      parameters: [],
      correlationId: null,
    });
  });

  it.each(['TIMEOUT', 'CONNECTION', 'UNREADABLE_RESPONSE'] as const)(
    'a %s network failure is transient',
    (reason) => {
      expect(
        readAuthorizeResult({ kind: 'failure', reason, status: null, correlationId: null }, CHARGE),
      ).toEqual({
        kind: 'transient',
        reason,
        status: null,
        correlationId: null,
      });
    },
  );
});

describe('no outcome shows a raw secret', () => {
  it('an approved finalize with a token, rendered every way', () => {
    const outcome = readAuthorizeResult(
      jsonResult(200, {
        payment_transaction_response: { result: 'APPROVED', payment_transaction: approvedTransaction },
        customer_token_response: { result: 'APPROVED', customer_token: { customer_token: RAW_TOKEN } },
        payment_request: {
          ...paymentRequest,
          state: 'COMPLETED',
          state_context: {
            klarna_network_session_token: RAW_SESSION,
            klarna_customer: { customer_token: RAW_TOKEN },
          },
        },
      }),
      FINALIZE,
    );
    const text = rendered(outcome);
    expect(text).not.toContain(RAW_TOKEN);
    expect(text).not.toContain(RAW_SESSION);
    expect(text).toContain('[redacted klarna-customer-token]');
  });
});
