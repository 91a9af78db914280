// `request_payment_transaction.capture` (CONTRACT.md §18.1): NOW creates the approved transaction
// COMPLETED with its capture of the full amount; LATER or nothing leaves it AUTHORIZED. After a
// step-up the finalize call's own value decides.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, mintToken } from '../testing/bodies.js';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse, LedgerResponse, SimActionResponse } from '../testing/types.js';

let sb: TestSandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

type Capture = 'NOW' | 'LATER' | undefined;

/** `body` with `capture` set on its request_payment_transaction (or left out when undefined). */
function withCapture<B extends { request_payment_transaction: Record<string, unknown> }>(
  body: B,
  capture: Capture,
): B {
  if (capture === undefined) return body;
  return { ...body, request_payment_transaction: { ...body.request_payment_transaction, capture } };
}

async function ledgerFor(reference: string) {
  return (await sb.sim<LedgerResponse>('GET', `/ledger?reference=${reference}`)).body.entries;
}

async function renewal(capture: Capture, reference = 'sub_42-2026-02') {
  const token = await mintToken(sb);
  const res = await sb.authorize<AuthorizeResponse>(withCapture(bodies.cnpCharge(999, reference), capture), {
    'Klarna-Customer-Token': token,
  });
  expect(res.status).toBe(200);
  return res.body.payment_transaction_response;
}

describe('capture NOW', () => {
  it('creates the transaction COMPLETED with one capture of the full amount', async () => {
    const response = await renewal('NOW');

    expect(response?.result).toBe('APPROVED');
    const tx = response?.payment_transaction;
    expect(tx).toMatchObject({ amount: 999, currency: 'EUR', state: 'COMPLETED' });
    expect(tx?.payment_captures).toEqual([
      {
        payment_capture_id: `${tx?.payment_transaction_id}:capture:1`,
        amount: 999,
        captured_at: tx?.authorized_at,
      },
    ]);
  });

  it('records the capture in the ledger', async () => {
    const tx = (await renewal('NOW'))?.payment_transaction;

    expect(await ledgerFor('sub_42-2026-02')).toEqual([
      expect.objectContaining({
        payment_transaction_id: tx?.payment_transaction_id,
        amount: 999,
        state: 'COMPLETED',
        captured_amount: 999,
        payment_capture_id: `${tx?.payment_transaction_id}:capture:1`,
      }),
    ]);
  });

  it('applies to a customer-present token charge too', async () => {
    const token = await mintToken(sb, ['payment:customer_present']);

    const res = await sb.authorize<AuthorizeResponse>(withCapture(bodies.cpCharge(), 'NOW'), {
      'Klarna-Customer-Token': token,
    });

    expect(res.body.payment_transaction_response?.payment_transaction?.state).toBe('COMPLETED');
  });

  it('applies to a first payment approved at once, without step-up', async () => {
    await sb.sim('PUT', '/settings', { tokenization_result: 'APPROVED' });

    const res = await sb.authorize<AuthorizeResponse>(withCapture(bodies.tokenizeAndPay(), 'NOW'));

    expect(res.body.payment_transaction_response?.payment_transaction).toMatchObject({
      state: 'COMPLETED',
      payment_captures: [expect.objectContaining({ amount: 999 })],
    });
  });

  it('captures nothing when the charge is declined', async () => {
    await sb.sim('POST', '/scenarios', {
      match: { payment_transaction_reference: 'sub_42-2026-02' },
      outcome: { result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' },
    });

    const response = await renewal('NOW');

    expect(response).toEqual({ result: 'DECLINED', result_reason: 'CUSTOMER_ACTION_REQUIRED' });
    expect(await ledgerFor('sub_42-2026-02')).toEqual([]);
  });
});

describe.each([['LATER' as const], [undefined]])('capture %s', (capture) => {
  it('leaves the transaction AUTHORIZED and uncaptured', async () => {
    const tx = (await renewal(capture))?.payment_transaction;

    expect(tx?.state).toBe('AUTHORIZED');
    expect(tx).not.toHaveProperty('payment_captures');
    expect(await ledgerFor('sub_42-2026-02')).toEqual([
      expect.objectContaining({ state: 'AUTHORIZED', captured_amount: 0, payment_capture_id: null }),
    ]);
  });
});

describe('capture with step-up', () => {
  /** (b) with `first` on the first call, through the journey; returns the network session token. */
  async function completedSignup(first: Capture): Promise<string> {
    const res = await sb.authorize<AuthorizeResponse>(withCapture(bodies.tokenizeAndPay(), first));
    expect(res.body.payment_transaction_response?.result).toBe('STEP_UP_REQUIRED');
    const prId = res.body.payment_request?.payment_request_id ?? '';
    const done = await sb.sim<SimActionResponse>('POST', `/payment-requests/${prId}/complete`);
    return done.body.payment_request.state_context.klarna_network_session_token ?? '';
  }

  async function finalize(session: string, capture: Capture) {
    const res = await sb.authorize<AuthorizeResponse>(withCapture(bodies.finalize(), capture), {
      'Klarna-Network-Session-Token': session,
    });
    return res.body.payment_transaction_response?.payment_transaction;
  }

  it('the finalize call capturing NOW completes the transaction', async () => {
    const session = await completedSignup(undefined);

    const tx = await finalize(session, 'NOW');

    expect(tx?.state).toBe('COMPLETED');
    expect(tx?.payment_captures?.[0]?.payment_capture_id).toBe(`${tx?.payment_transaction_id}:capture:1`);
    expect(await ledgerFor('sub_42-2026-01')).toEqual([
      expect.objectContaining({ scenario: 'finalize', state: 'COMPLETED', captured_amount: 999 }),
    ]);
  });

  it('NOW on the first call has no effect: a finalize without capture leaves it AUTHORIZED', async () => {
    const session = await completedSignup('NOW');

    const tx = await finalize(session, undefined);

    expect(tx?.state).toBe('AUTHORIZED');
    expect(tx).not.toHaveProperty('payment_captures');
  });
});
