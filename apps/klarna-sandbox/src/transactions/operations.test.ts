// The Payment Transaction API over HTTP (CONTRACT.md §18.2-18.5): read, capture, refunds, void,
// with the §18 error spellings and account scoping.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OTHER_ACCOUNT, startSandbox, type TestSandbox } from '../testing/harness.js';
import type { ErrorResponse } from '../testing/types.js';
import {
  authorizedTransaction,
  expectError,
  lineItems,
  txClient,
  txPath,
  type TxClient,
} from '../testing/transactions.js';

let sb: TestSandbox;
let api: TxClient;
beforeEach(async () => {
  sb = await startSandbox();
  api = txClient(sb);
});
afterEach(async () => {
  await sb.close();
});

describe('read', () => {
  it('shows an authorized transaction with its money fields', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });

    const res = await api.read(id);

    expect(res.status).toBe(200);
    expect(res.headers.get('klarna-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({
      payment_transaction_id: id,
      payment_transaction_reference: 'sub_42-2026-02',
      amount: 1000,
      currency: 'EUR',
      state: 'AUTHORIZED',
      authorized_at: expect.any(String) as unknown,
      expires_at: expect.any(String) as unknown,
      captured_amount: 0,
      refunded_amount: 0,
      released_amount: 0,
      line_items: [expect.objectContaining({ name: 'Pro plan', total_amount: 1000 })],
      payment_captures: [],
      payment_refunds: [],
    });
  });

  it('shows the capture made at authorization (capture NOW)', async () => {
    const id = await authorizedTransaction(sb, { amount: 999, captureNow: true });

    const res = await api.read(id);

    expect(res.body).toMatchObject({
      state: 'COMPLETED',
      captured_amount: 999,
      payment_captures: [
        {
          payment_capture_id: `${id}:capture:1`,
          payment_capture_reference: null,
          amount: 999,
          refunded_amount: 0,
        },
      ],
    });
  });

  it('another account’s transaction and an unknown id are 404 RESOURCE_NOT_FOUND', async () => {
    const id = await authorizedTransaction(sb);

    expectError(await api.read(id, OTHER_ACCOUNT), 404, 'RESOURCE_ERROR', 'RESOURCE_NOT_FOUND');
    expectError(
      await api.read('krn:payment:eu1:transaction:nope'),
      404,
      'RESOURCE_ERROR',
      'RESOURCE_NOT_FOUND',
    );
    const other = txClient(sb, OTHER_ACCOUNT);
    expectError(await other.capture(id, { amount: 1 }), 404, 'RESOURCE_ERROR', 'RESOURCE_NOT_FOUND');
    expectError(await other.void(id), 404, 'RESOURCE_ERROR', 'RESOURCE_NOT_FOUND');
  });

  it('needs the API key, and a bad account in the path is a 400 naming it', async () => {
    const id = await authorizedTransaction(sb);
    const res = await sb.request('GET', txPath(id), { auth: false });
    expect(res.status).toBe(401);
    const bad = await sb.request('GET', txPath(id, '', 'not-an-account'));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('partner_account_id');
  });
});

describe('capture', () => {
  it('a partial capture keeps the transaction AUTHORIZED; the remainder completes it', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });

    const first = await api.capture(id, { amount: 400, payment_capture_reference: 'cap-1' });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toEqual({
      payment_capture_id: `${id}:capture:1`,
      payment_capture_reference: 'cap-1',
      payment_transaction_id: id,
      amount: 400,
      captured_at: expect.any(String) as unknown,
      state: 'AUTHORIZED',
    });

    const second = await api.capture(id, { amount: 600 });
    expect(second.body).toMatchObject({
      payment_capture_id: `${id}:capture:2`,
      payment_capture_reference: null,
      state: 'COMPLETED',
    });

    const read = await api.read(id);
    expect(read.body).toMatchObject({ state: 'COMPLETED', captured_amount: 1000 });
    expect(read.body.payment_captures.map((c) => c.amount)).toEqual([400, 600]);
  });

  it('several captures number on; a full capture in one go completes', async () => {
    const id = await authorizedTransaction(sb, { amount: 300 });
    for (const n of [1, 2, 3]) {
      const res = await api.capture(id, { amount: 100 });
      expect(res.body.payment_capture_id).toBe(`${id}:capture:${n}`);
    }
    expect((await api.read(id)).body.state).toBe('COMPLETED');

    const whole = await authorizedTransaction(sb, { amount: 500, reference: 'other' });
    expect((await api.capture(whole, { amount: 500 })).body.state).toBe('COMPLETED');
  });

  it('more than the remaining authorization is a 400 naming amount', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    await api.capture(id, { amount: 700 });

    expectError(await api.capture(id, { amount: 301 }), 400, 'INPUT_ERROR', 'VALIDATION_ERROR', 'amount');
    expect((await api.read(id)).body.captured_amount).toBe(700);
  });

  it('a COMPLETED transaction cannot be captured: 403 OPERATION_FORBIDDEN', async () => {
    const id = await authorizedTransaction(sb, { captureNow: true });
    expectError(await api.capture(id, { amount: 1 }), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');
  });

  it.each([
    [{}, 'amount'],
    [{ amount: 0 }, 'amount'],
    [{ amount: 1.5 }, 'amount'],
    [{ amount: '100' }, 'amount'],
    [{ amount: 1, payment_capture_reference: '' }, 'payment_capture_reference'],
    [{ amount: 1, payment_capture_reference: 'x'.repeat(256) }, 'payment_capture_reference'],
    [{ amount: 1, line_items: 'no' }, 'line_items'],
    [{ amount: 1, shipping: {} }, 'shipping'],
  ])('bad body %j is a 400 naming %s', async (body, parameter) => {
    const id = await authorizedTransaction(sb);
    expectError(await api.capture(id, body), 400, 'INPUT_ERROR', 'VALIDATION_ERROR', parameter);
  });

  it('malformed JSON is a 400 naming body, never a 500', async () => {
    const id = await authorizedTransaction(sb);
    const res = await sb.request<ErrorResponse>('POST', txPath(id, '/captures'), { rawBody: '{"amount":' });
    expectError(res, 400, 'INPUT_ERROR', 'VALIDATION_ERROR', 'body');
  });
});

describe('refund by capture', () => {
  it('refunds part of a capture, then the rest; more is 403', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000, captureNow: true });
    const captureId = `${id}:capture:1`;

    const first = await api.refundCapture(id, captureId, {
      amount: 300,
      payment_refund_reference: 'ref-1',
      reason: 'customer asked',
      klarna_network_data: { anything: true },
    });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toEqual({
      payment_refund_id: `${id}:refund:1`,
      payment_refund_reference: 'ref-1',
      payment_transaction_id: id,
      payment_capture_id: captureId,
      amount: 300,
      refunded_at: expect.any(String) as unknown,
      allocations: [{ payment_capture_id: captureId, amount: 300 }],
    });
    expect((await api.refundCapture(id, captureId, { amount: 700 })).status).toBe(201);
    expectError(
      await api.refundCapture(id, captureId, { amount: 1 }),
      403,
      'RESOURCE_ERROR',
      'OPERATION_FORBIDDEN',
    );

    const read = await api.read(id);
    expect(read.body).toMatchObject({ state: 'COMPLETED', refunded_amount: 1000 });
    expect(read.body.payment_captures[0]?.refunded_amount).toBe(1000);
    expect(read.body.payment_refunds.map((r) => r.payment_refund_id)).toEqual([
      `${id}:refund:1`,
      `${id}:refund:2`,
    ]);
  });

  it('is allowed while AUTHORIZED after a partial capture (§18.3 adopted reading), up to that capture', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    const cap = await api.capture(id, { amount: 200 });

    const refund = await api.refundCapture(id, cap.body.payment_capture_id, { amount: 200 });

    expect(refund.status).toBe(201);
    const read = await api.read(id);
    expect(read.body).toMatchObject({ state: 'AUTHORIZED', captured_amount: 200, refunded_amount: 200 });
    expectError(
      await api.refundCapture(id, cap.body.payment_capture_id, { amount: 1 }),
      403,
      'RESOURCE_ERROR',
      'OPERATION_FORBIDDEN',
    );
  });

  it('an unknown capture is 404; a CLOSED transaction is 403', async () => {
    const id = await authorizedTransaction(sb);
    expectError(
      await api.refundCapture(id, `${id}:capture:9`, { amount: 1 }),
      404,
      'RESOURCE_ERROR',
      'RESOURCE_NOT_FOUND',
    );
    await api.void(id);
    expect((await api.read(id)).body.state).toBe('CLOSED');
    expectError(
      await api.refund(id, { amount: 1, line_items: lineItems }),
      403,
      'RESOURCE_ERROR',
      'OPERATION_FORBIDDEN',
    );
  });

  it.each([
    [{}, 'amount'],
    [{ amount: -1 }, 'amount'],
    [{ amount: 1, payment_refund_reference: '' }, 'payment_refund_reference'],
    [{ amount: 1, reason: 5 }, 'reason'],
  ])('bad body %j is a 400 naming %s', async (body, parameter) => {
    const id = await authorizedTransaction(sb, { captureNow: true });
    expectError(
      await api.refundCapture(id, `${id}:capture:1`, body),
      400,
      'INPUT_ERROR',
      'VALIDATION_ERROR',
      parameter,
    );
  });
});

describe('refund by transaction', () => {
  it('allocates over the captures, oldest first', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    const c1 = (await api.capture(id, { amount: 300 })).body.payment_capture_id;
    const c2 = (await api.capture(id, { amount: 700 })).body.payment_capture_id;
    await api.refundCapture(id, c1, { amount: 100 });

    const res = await api.refund(id, { amount: 500, line_items: lineItems, payment_refund_reference: 'r-2' });

    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      payment_refund_id: `${id}:refund:2`,
      payment_refund_reference: 'r-2',
      payment_capture_id: null,
      amount: 500,
      allocations: [
        { payment_capture_id: c1, amount: 200 },
        { payment_capture_id: c2, amount: 300 },
      ],
    });
    const read = await api.read(id);
    expect(read.body.refunded_amount).toBe(600);
    expect(read.body.payment_captures.map((c) => c.refunded_amount)).toEqual([300, 300]);
    expectError(
      await api.refund(id, { amount: 401, line_items: lineItems }),
      403,
      'RESOURCE_ERROR',
      'OPERATION_FORBIDDEN',
    );
    expect((await api.refund(id, { amount: 400, line_items: lineItems })).status).toBe(201);
  });

  it('without captures is 403; without line_items a 400 naming them', async () => {
    const id = await authorizedTransaction(sb);
    expectError(
      await api.refund(id, { amount: 1, line_items: lineItems }),
      403,
      'RESOURCE_ERROR',
      'OPERATION_FORBIDDEN',
    );
    expectError(await api.refund(id, { amount: 1 }), 400, 'INPUT_ERROR', 'VALIDATION_ERROR', 'line_items');
    expectError(
      await api.refund(id, { amount: 1, line_items: [] }),
      400,
      'INPUT_ERROR',
      'VALIDATION_ERROR',
      'line_items',
    );
  });
});

describe('void', () => {
  it('without captures: CLOSED, the whole amount released; nothing works afterwards', async () => {
    const id = await authorizedTransaction(sb, { amount: 800 });

    const res = await api.void(id, {});

    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ state: 'CLOSED', released_amount: 800, captured_amount: 0 });
    expectError(await api.void(id), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');
    expectError(await api.capture(id, { amount: 1 }), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');
  });

  it('with captures: COMPLETED, the remainder released, captures stay refundable', async () => {
    const id = await authorizedTransaction(sb, { amount: 1000 });
    const cap = await api.capture(id, { amount: 250 });

    const res = await api.void(id);

    expect(res.body).toMatchObject({ state: 'COMPLETED', captured_amount: 250, released_amount: 750 });
    expect((await api.refundCapture(id, cap.body.payment_capture_id, { amount: 250 })).status).toBe(201);
  });

  it('a fully captured transaction cannot be voided; a body other than an object is a 400', async () => {
    const id = await authorizedTransaction(sb, { captureNow: true });
    expectError(await api.void(id), 403, 'RESOURCE_ERROR', 'OPERATION_FORBIDDEN');
    const other = await authorizedTransaction(sb, { reference: 'x' });
    expectError(await api.void(other, [1]), 400, 'INPUT_ERROR', 'VALIDATION_ERROR');
  });
});
