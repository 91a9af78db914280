// Helpers for the Payment Transaction API tests: an approved renewal to work on, and the calls.
import { expect } from 'vitest';
import type { CaptureResponse, RefundResponse, TransactionView } from '../transactions/views.js';
import { bodies, mintToken } from './bodies.js';
import { TEST_ACCOUNT, type HttpResult, type TestSandbox } from './harness.js';
import type { AuthorizeResponse, ErrorResponse } from './types.js';

export const txPath = (id: string, suffix = '', account = TEST_ACCOUNT): string =>
  `/v2/accounts/${account}/payment/transactions/${id}${suffix}`;

/** A CNP renewal of `amount`, AUTHORIZED (or COMPLETED with capture NOW); returns its id. */
export async function authorizedTransaction(
  sb: TestSandbox,
  opts: { amount?: number; reference?: string; captureNow?: boolean; account?: string } = {},
): Promise<string> {
  const account = opts.account ?? TEST_ACCOUNT;
  const token = await mintToken(sb, ['payment:customer_not_present'], account);
  const body = bodies.cnpCharge(opts.amount ?? 1000, opts.reference ?? 'sub_42-2026-02');
  const res = await sb.authorize<AuthorizeResponse>(
    opts.captureNow
      ? { ...body, request_payment_transaction: { ...body.request_payment_transaction, capture: 'NOW' } }
      : body,
    { 'Klarna-Customer-Token': token },
    account,
  );
  const id = res.body.payment_transaction_response?.payment_transaction?.payment_transaction_id;
  if (id === undefined) throw new Error(`not approved: ${res.text}`);
  return id;
}

type Answer<T> = HttpResult<T & ErrorResponse>;

export interface TxClient {
  read(id: string, account?: string): Promise<Answer<TransactionView>>;
  capture(id: string, body: unknown, headers?: Record<string, string>): Promise<Answer<CaptureResponse>>;
  refundCapture(
    id: string,
    captureId: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer<RefundResponse>>;
  refund(id: string, body: unknown, headers?: Record<string, string>): Promise<Answer<RefundResponse>>;
  void(id: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<TransactionView>>;
}

export function txClient(sb: TestSandbox, account = TEST_ACCOUNT): TxClient {
  const post = <T>(path: string, body: unknown, headers: Record<string, string> = {}) =>
    sb.request<T & ErrorResponse>('POST', path, body === undefined ? { headers } : { body, headers });
  return {
    read: (id, acc = account) => sb.request('GET', txPath(id, '', acc)),
    capture: (id, body, headers) => post(txPath(id, '/captures', account), body, headers),
    refundCapture: (id, captureId, body, headers) =>
      post(txPath(id, `/captures/${encodeURIComponent(captureId)}/refunds`, account), body, headers),
    refund: (id, body, headers) => post(txPath(id, '/refunds', account), body, headers),
    void: (id, body, headers) => post(txPath(id, '/void', account), body, headers),
  };
}

/** Asserts the §12.1 error body with the §18 code. */
export function expectError(
  res: HttpResult<ErrorResponse>,
  status: number,
  type: string,
  code: string,
  parameter?: string,
): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body).toMatchObject({ error_type: type, error_code: code });
  if (parameter !== undefined) {
    expect(res.body.validation_errors?.map((e) => e.parameter)).toContain(parameter);
  }
}

export const lineItems = [{ name: 'Pro plan', quantity: 1, unit_price: 1000, total_amount: 1000 }];
