import { describe, expect, it } from 'vitest';
import type { KlarnaHttp, KlarnaHttpRequest, KlarnaHttpResult } from './http.js';
import { jsonResult } from './klarna.test-support.js';
import {
  capturePaymentTransaction,
  readCaptureResult,
  readPaymentTransaction,
  readRefundResult,
  readTransactionResult,
  readVoidResult,
  refundPaymentCapture,
  voidPaymentTransaction,
} from './payment-transactions.js';

const ACCOUNT = 'krn:partner:global:account:test:M1';
const TX = 'krn:payment:eu1:transaction:1';
const CAP = `${TX}:capture:1`;

const transaction = { payment_transaction_id: TX, state: 'CLOSED', amount: 1000, released_amount: 1000 };
const capture = { payment_capture_id: CAP, payment_capture_reference: 'cap_1', amount: 400 };
const refund = { payment_refund_id: `${CAP}:refund:1`, payment_capture_id: CAP, amount: 100 };

const writeReaders = [
  ['capture', readCaptureResult],
  ['refund', readRefundResult],
  ['void', readVoidResult],
] as const;

const networkFailure = (reason: 'TIMEOUT' | 'CONNECTION' | 'UNREADABLE_RESPONSE'): KlarnaHttpResult => ({
  kind: 'failure',
  reason,
  status: null,
  correlationId: null,
});

describe('answers', () => {
  it('201 capture → captured', () => {
    expect(readCaptureResult(jsonResult(201, capture))).toEqual({
      kind: 'captured',
      correlationId: 'corr-1',
      capture: {
        paymentCaptureId: CAP,
        reference: 'cap_1',
        amountMinor: 400,
        capturedAt: null,
        refundedMinor: 0,
      },
    });
  });

  it('201 refund → refunded', () => {
    expect(readRefundResult(jsonResult(201, refund))).toMatchObject({
      kind: 'refunded',
      correlationId: 'corr-1',
      refund: { paymentRefundId: `${CAP}:refund:1`, paymentCaptureId: CAP, amountMinor: 100 },
    });
  });

  it('200 void → voided with the transaction', () => {
    expect(readVoidResult(jsonResult(200, transaction))).toMatchObject({
      kind: 'voided',
      transaction: { paymentTransactionId: TX, state: 'CLOSED', releasedMinor: 1000 },
    });
  });

  it('200 read → read', () => {
    expect(readTransactionResult(jsonResult(200, transaction))).toMatchObject({
      kind: 'read',
      correlationId: 'corr-1',
      transaction: { paymentTransactionId: TX, state: 'CLOSED' },
    });
  });

  it('a 2xx that cannot be read is transient UNREADABLE_RESPONSE naming the field', () => {
    expect(readCaptureResult(jsonResult(201, { amount: 400 }))).toEqual({
      kind: 'transient',
      reason: 'UNREADABLE_RESPONSE',
      status: 201,
      correlationId: 'corr-1',
      unreadableField: 'payment_capture_id',
    });
    expect(readTransactionResult(jsonResult(200, { ...transaction, state: 'REOPENED' }))).toMatchObject({
      reason: 'UNREADABLE_RESPONSE',
      unreadableField: 'state',
    });
    expect(readVoidResult(jsonResult(200, undefined))).toMatchObject({ unreadableField: 'body' });
    expect(readRefundResult(jsonResult(201, ['x']))).toMatchObject({ unreadableField: 'body' });
    const notJson: KlarnaHttpResult = {
      kind: 'response',
      status: 200,
      correlationId: null,
      retryAfterMs: null,
      body: { kind: 'not_json' },
    };
    expect(readTransactionResult(notJson)).toMatchObject({ unreadableField: 'body' });
  });
});

describe.each(writeReaders)('%s: status mapping', (_name, read) => {
  it('404 is not_found', () => {
    expect(read(jsonResult(404, { error_code: 'RESOURCE_NOT_FOUND' }))).toEqual({
      kind: 'not_found',
      correlationId: 'corr-1',
    });
  });

  it('403 OPERATION_FORBIDDEN is refused', () => {
    expect(
      read(
        jsonResult(403, { error_type: 'RESOURCE_ERROR', error_code: 'OPERATION_FORBIDDEN', error_id: 'e1' }),
      ),
    ).toEqual({
      kind: 'refused',
      status: 403,
      errorCode: 'OPERATION_FORBIDDEN',
      parameters: [],
      correlationId: 'corr-1',
    });
  });

  it('403 with another code or no body is permanent (access, not the transaction)', () => {
    expect(read(jsonResult(403, { error_code: 'FORBIDDEN' }))).toMatchObject({
      kind: 'permanent',
      status: 403,
      errorCode: 'FORBIDDEN',
    });
    expect(read(jsonResult(403, undefined))).toMatchObject({
      kind: 'permanent',
      status: 403,
      errorCode: null,
    });
  });

  it('400 naming the amount is refused (in either error list, nested or not)', () => {
    expect(
      read(
        jsonResult(400, {
          error_type: 'INPUT_ERROR',
          error_code: 'VALIDATION_ERROR',
          validation_errors: [{ parameter: 'amount', reason: 'exceeds what remains' }],
        }),
      ),
    ).toEqual({
      kind: 'refused',
      status: 400,
      errorCode: 'VALIDATION_ERROR',
      parameters: ['amount'],
      correlationId: 'corr-1',
    });
    expect(
      read(jsonResult(400, { error_code: 'VALIDATION_ERROR', errors: [{ parameter: 'request.amount' }] })),
    ).toMatchObject({ kind: 'refused', parameters: ['request.amount'] });
  });

  it('400 naming anything else (too) is permanent: our request is wrong', () => {
    expect(
      read(
        jsonResult(400, {
          error_code: 'VALIDATION_ERROR',
          validation_errors: [{ parameter: 'payment_capture_reference' }],
        }),
      ),
    ).toMatchObject({ kind: 'permanent', status: 400, parameters: ['payment_capture_reference'] });
    expect(
      read(
        jsonResult(400, {
          error_code: 'VALIDATION_ERROR',
          validation_errors: [{ parameter: 'amount' }, { parameter: 'payment_capture_reference' }],
        }),
      ),
    ).toMatchObject({ kind: 'permanent' });
    expect(read(jsonResult(400, { error_code: 'BAD_REQUEST' }))).toMatchObject({
      kind: 'permanent',
      status: 400,
    });
    expect(read(jsonResult(400, { validation_errors: [{ parameter: 'amounts' }] }))).toMatchObject({
      kind: 'permanent',
    });
  });

  it('409 RESOURCE_CONFLICT is the key in flight: transient IN_FLIGHT', () => {
    expect(read(jsonResult(409, { error_type: 'RESOURCE_ERROR', error_code: 'RESOURCE_CONFLICT' }))).toEqual({
      kind: 'transient',
      reason: 'IN_FLIGHT',
      status: 409,
      correlationId: 'corr-1',
    });
    expect(read(jsonResult(409, { error_code: 'CONFLICT' }))).toMatchObject({ reason: 'IN_FLIGHT' });
  });

  it('429 is rate_limited with its Retry-After', () => {
    expect(read(jsonResult(429, { error_code: 'RATE_LIMITED' }, { retryAfterMs: 1000 }))).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 1000,
      correlationId: 'corr-1',
    });
  });

  it.each([500, 502, 503])('%i is transient SERVER_ERROR', (status) => {
    expect(read(jsonResult(status, undefined))).toEqual({
      kind: 'transient',
      reason: 'SERVER_ERROR',
      status,
      correlationId: 'corr-1',
    });
  });

  it.each(['TIMEOUT', 'CONNECTION', 'UNREADABLE_RESPONSE'] as const)(
    'a network %s is transient',
    (reason) => {
      expect(read(networkFailure(reason))).toEqual({
        kind: 'transient',
        reason,
        status: null,
        correlationId: null,
      });
    },
  );

  it.each([401, 405, 422])('%i is permanent', (status) => {
    expect(read(jsonResult(status, { error_code: 'X', error_id: 'e' }))).toMatchObject({
      kind: 'permanent',
      status,
      errorCode: 'X',
      errorId: 'e',
    });
  });
});

describe('read: status mapping', () => {
  it('404 is not_found; a read is never refused (403 and 400 are permanent)', () => {
    expect(readTransactionResult(jsonResult(404, undefined))).toEqual({
      kind: 'not_found',
      correlationId: 'corr-1',
    });
    expect(readTransactionResult(jsonResult(403, { error_code: 'OPERATION_FORBIDDEN' }))).toMatchObject({
      kind: 'permanent',
      status: 403,
    });
    expect(
      readTransactionResult(
        jsonResult(400, { error_code: 'VALIDATION_ERROR', validation_errors: [{ parameter: 'amount' }] }),
      ),
    ).toMatchObject({ kind: 'permanent', status: 400 });
  });

  it('429, 503, a reset and 401 map as for every call', () => {
    expect(readTransactionResult(jsonResult(429, undefined, { retryAfterMs: 500 }))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 500,
    });
    expect(readTransactionResult(jsonResult(503, undefined))).toMatchObject({
      kind: 'transient',
      reason: 'SERVER_ERROR',
    });
    expect(readTransactionResult(networkFailure('CONNECTION'))).toMatchObject({
      kind: 'transient',
      reason: 'CONNECTION',
    });
    expect(readTransactionResult(jsonResult(401, undefined))).toMatchObject({
      kind: 'permanent',
      status: 401,
    });
  });
});

/** A transport that records what it was asked to send and answers with a canned result. */
function recordingHttp(answer: KlarnaHttpResult): { http: KlarnaHttp; sent: KlarnaHttpRequest[] } {
  const sent: KlarnaHttpRequest[] = [];
  const send = (request: KlarnaHttpRequest): Promise<KlarnaHttpResult> => {
    sent.push(request);
    return Promise.resolve(answer);
  };
  return { http: { send } as unknown as KlarnaHttp, sent };
}

describe('requests', () => {
  const base = `/v2/accounts/${ACCOUNT}/payment/transactions/${TX}`;

  it('capture POSTs amount and reference with the caller key', async () => {
    const { http, sent } = recordingHttp(jsonResult(201, capture));
    await capturePaymentTransaction(
      http,
      {
        accountId: ACCOUNT,
        paymentTransactionId: TX,
        amountMinor: 400,
        reference: 'cap_1',
        partnerCorrelationId: 'p1',
      },
      'key-1',
    );
    expect(sent).toEqual([
      {
        operation: 'capture',
        method: 'POST',
        path: `${base}/captures`,
        idempotencyKey: 'key-1',
        body: { amount: 400, payment_capture_reference: 'cap_1' },
        partnerCorrelationId: 'p1',
      },
    ]);
  });

  it('refund POSTs to the capture, with the reason only when given', async () => {
    const { http, sent } = recordingHttp(jsonResult(201, refund));
    const input = {
      accountId: ACCOUNT,
      paymentTransactionId: TX,
      paymentCaptureId: CAP,
      amountMinor: 100,
      reference: 'r1',
    };
    await refundPaymentCapture(http, input, 'key-2');
    await refundPaymentCapture(http, { ...input, reason: 'goodwill' }, 'key-3');
    expect(sent).toEqual([
      {
        operation: 'refund_capture',
        method: 'POST',
        path: `${base}/captures/${CAP}/refunds`,
        idempotencyKey: 'key-2',
        body: { amount: 100, payment_refund_reference: 'r1' },
      },
      expect.objectContaining({
        idempotencyKey: 'key-3',
        body: { amount: 100, payment_refund_reference: 'r1', reason: 'goodwill' },
      }),
    ]);
  });

  it('void POSTs an empty object; read GETs the transaction without a key', async () => {
    const { http, sent } = recordingHttp(jsonResult(200, transaction));
    await voidPaymentTransaction(http, { accountId: ACCOUNT, paymentTransactionId: TX }, 'key-4');
    await readPaymentTransaction(http, { accountId: ACCOUNT, paymentTransactionId: TX });
    expect(sent).toEqual([
      {
        operation: 'void_transaction',
        method: 'POST',
        path: `${base}/void`,
        idempotencyKey: 'key-4',
        body: {},
      },
      { operation: 'read_transaction', method: 'GET', path: base },
    ]);
  });

  it('encodes what would break a path segment, keeping KRN colons', async () => {
    const { http, sent } = recordingHttp(jsonResult(200, transaction));
    await readPaymentTransaction(http, { accountId: ACCOUNT, paymentTransactionId: 'krn:tx/../x?y' });
    expect(sent[0]?.path).toBe(`/v2/accounts/${ACCOUNT}/payment/transactions/krn:tx%2F..%2Fx%3Fy`);
  });
});
