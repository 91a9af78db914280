// Scripted outcomes, faults and latency over real HTTP (SIM-ONLY controls, CONTRACT.md §15).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bodies, mintToken } from '../testing/bodies.js';
import { startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse, ErrorResponse, SimActionResponse } from '../testing/types.js';

let sb: TestSandbox;
let token: string;
beforeEach(async () => {
  sb = await startSandbox();
  token = await mintToken(sb);
});
afterEach(async () => {
  await sb.close();
});

type Result = AuthorizeResponse & ErrorResponse;
const addRule = async (rule: unknown) => {
  const res = await sb.sim<{ id: string } & ErrorResponse>('POST', '/scenarios', rule);
  expect(res.status, res.text).toBe(201);
  return res.body.id;
};
const charge = (headers: Record<string, string> = {}, body: unknown = bodies.cnpCharge()) =>
  sb.authorize<Result>(body, { 'Klarna-Customer-Token': token, ...headers });
const paymentResult = (r: { body: AuthorizeResponse }) => r.body.payment_transaction_response;

describe('scripted results', () => {
  it('per customer token: DECLINED with a reason, once, then back to normal', async () => {
    await addRule({
      match: { customer_token: token },
      outcome: { result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' },
      times: 'once',
    });
    expect(paymentResult(await charge())).toEqual({
      result: 'DECLINED',
      result_reason: 'CUSTOMER_ACTION_REQUIRED',
    });
    expect(paymentResult(await charge())?.result).toBe('APPROVED');
    expect(sb.state.ledger.size).toBe(1);
  });

  it('per payment_transaction_reference, N times', async () => {
    await addRule({
      match: { payment_transaction_reference: 'sub_42-2026-02' },
      outcome: { result: 'DECLINED' },
      times: 2,
    });
    expect(paymentResult(await charge())).toEqual({ result: 'DECLINED' });
    expect(paymentResult(await charge())).toEqual({ result: 'DECLINED' });
    expect(paymentResult(await charge())?.result).toBe('APPROVED');
    const list = await sb.sim<{ rules: { remaining: unknown; used: number }[] }>('GET', '/scenarios');
    expect(list.body.rules[0]).toMatchObject({ remaining: 0, used: 2 });
  });

  it.each([
    [{ amount_ends_with: '01' }, 1001, 'EUR', 'DECLINED'],
    [{ amount_ends_with: '01' }, 1002, 'EUR', 'APPROVED'],
    [{ amount: 777 }, 777, 'EUR', 'DECLINED'],
    [{ currency: 'sek' }, 1000, 'SEK', 'DECLINED'],
    [{ currency: 'SEK' }, 1000, 'EUR', 'APPROVED'],
    [{ scenario: 'cnp_charge' }, 1000, 'EUR', 'DECLINED'],
    [{ scenario: 'cp_charge' }, 1000, 'EUR', 'APPROVED'],
    [{ account_id: TEST_ACCOUNT, amount_ends_with: '00' }, 1000, 'EUR', 'DECLINED'],
    [{ account_id: 'krn:partner:global:account:test:OTHER' }, 1000, 'EUR', 'APPROVED'],
  ])('by rule %j: amount %d %s -> %s', async (match, amount, currency, expected) => {
    await addRule({ match, outcome: { result: 'DECLINED', reason: 'PERMANENT' } });
    const res = await charge({}, { ...bodies.cnpCharge(amount), currency });
    expect(paymentResult(res)?.result).toBe(expected);
  });

  it('the first matching rule with uses left wins', async () => {
    await addRule({
      match: { amount_ends_with: '99' },
      outcome: { result: 'DECLINED', reason: 'TECHNICAL_ERROR' },
      times: 'once',
    });
    await addRule({ match: {}, outcome: { result: 'DECLINED', reason: 'PERMANENT' } });
    expect(paymentResult(await charge())?.result_reason).toBe('TECHNICAL_ERROR');
    expect(paymentResult(await charge())?.result_reason).toBe('PERMANENT');
  });

  it('STEP_UP_REQUIRED on a CNP charge declines with reason STEP_UP_REQUIRED (§13)', async () => {
    await addRule({ outcome: { result: 'STEP_UP_REQUIRED' } });
    expect(paymentResult(await charge())).toEqual({ result: 'DECLINED', result_reason: 'STEP_UP_REQUIRED' });
  });

  it('STEP_UP_REQUIRED on a CP charge: Payment Request, journey, finalize names the charged token', async () => {
    const cpToken = await mintToken(sb, ['payment:customer_present']);
    await addRule({
      match: { scenario: 'cp_charge' },
      outcome: { result: 'STEP_UP_REQUIRED' },
      times: 'once',
    });
    const res = await sb.authorize<AuthorizeResponse>(bodies.cpCharge(2500, 'order_9'), {
      'Klarna-Customer-Token': cpToken,
    });
    expect(paymentResult(res)).toEqual({ result: 'STEP_UP_REQUIRED' });
    expect(res.body.customer_token_response).toBeUndefined();
    const pr = res.body.payment_request;
    expect(pr).toMatchObject({ amount: 2500, state: 'SUBMITTED' });
    const done = await sb.sim<SimActionResponse>(
      'POST',
      `/payment-requests/${pr?.payment_request_id}/complete`,
    );
    expect(done.body.payment_request.state_context.klarna_customer).toBeUndefined();
    const session = done.body.payment_request.state_context.klarna_network_session_token ?? '';
    const fin = await sb.authorize<AuthorizeResponse>(bodies.finalize(2500, 'order_9'), {
      'Klarna-Network-Session-Token': session,
    });
    expect(paymentResult(fin)?.result).toBe('APPROVED');
    expect(fin.body.customer_token_response).toBeUndefined();
    expect(sb.state.ledger.query({ reference: 'order_9' })).toEqual([
      expect.objectContaining({ scenario: 'finalize', customer_token: cpToken }),
    ]);
  });

  it('a scripted finalize outcome applies by reference', async () => {
    const res = await sb.authorize<AuthorizeResponse>(bodies.tokenizeAndPay(999, 'first-42'));
    const done = await sb.sim<SimActionResponse>(
      'POST',
      `/payment-requests/${res.body.payment_request?.payment_request_id}/complete`,
    );
    await addRule({
      match: { scenario: 'finalize', payment_transaction_reference: 'first-42' },
      outcome: { result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' },
    });
    const fin = await sb.authorize<AuthorizeResponse>(bodies.finalize(999, 'first-42'), {
      'Klarna-Network-Session-Token':
        done.body.payment_request.state_context.klarna_network_session_token ?? '',
    });
    expect(paymentResult(fin)).toEqual({ result: 'DECLINED', result_reason: 'CUSTOMER_ACTION_REQUIRED' });
    expect(fin.body.customer_token_response?.result).toBe('APPROVED');
  });
});

describe('mixed results (§7.1), tokenize with a first payment', () => {
  it.each([
    ['APPROVED', 'STEP_UP_REQUIRED'],
    ['STEP_UP_REQUIRED', 'APPROVED'],
    ['APPROVED', 'DECLINED'],
    ['DECLINED', 'APPROVED'],
  ])('payment %s, token %s', async (payment, tokenResult) => {
    await addRule({
      match: { scenario: 'tokenize_and_pay' },
      outcome: { result: 'MIXED', payment, token: tokenResult, token_reason: 'PERMANENT' },
    });
    const res = await sb.authorize<AuthorizeResponse>(bodies.tokenizeAndPay(999, 'mixed'));
    const ptr = res.body.payment_transaction_response;
    const ctr = res.body.customer_token_response;
    expect(ptr?.result).toBe(payment);
    expect(ctr?.result).toBe(tokenResult);
    expect(ptr?.payment_transaction !== undefined).toBe(payment === 'APPROVED');
    expect(ctr?.customer_token !== undefined).toBe(tokenResult === 'APPROVED');
    if (tokenResult === 'DECLINED') expect(ctr?.result_reason).toBe('PERMANENT');
    const stepsUp = payment === 'STEP_UP_REQUIRED' || tokenResult === 'STEP_UP_REQUIRED';
    expect(res.body.payment_request !== undefined).toBe(stepsUp);
    expect(sb.state.ledger.size).toBe(payment === 'APPROVED' ? 1 : 0);
    if (!stepsUp) return;

    // The step-up covers only the part that needs it.
    const pr = res.body.payment_request;
    expect(pr?.amount).toBe(payment === 'STEP_UP_REQUIRED' ? 999 : undefined);
    const done = await sb.sim<SimActionResponse>(
      'POST',
      `/payment-requests/${pr?.payment_request_id}/complete`,
    );
    const context = done.body.payment_request.state_context;
    expect(context.klarna_customer !== undefined).toBe(tokenResult === 'STEP_UP_REQUIRED');
    expect(context.klarna_network_session_token !== undefined).toBe(payment === 'STEP_UP_REQUIRED');
    if (payment === 'STEP_UP_REQUIRED') {
      const fin = await sb.authorize<AuthorizeResponse>(bodies.finalize(999, 'mixed'), {
        'Klarna-Network-Session-Token': context.klarna_network_session_token ?? '',
      });
      expect(paymentResult(fin)?.result).toBe('APPROVED');
      expect(sb.state.ledger.query({ reference: 'mixed' })[0]?.customer_token).toBe(
        ctr?.customer_token?.customer_token,
      );
    }
  });

  it('a MIXED rule on tokenize-only uses the token part', async () => {
    await addRule({ outcome: { result: 'MIXED', payment: 'DECLINED', token: 'APPROVED' } });
    const res = await sb.authorize<AuthorizeResponse>(bodies.tokenize());
    expect(res.body.customer_token_response?.result).toBe('APPROVED');
    expect(res.body.payment_transaction_response).toBeUndefined();
  });
});

describe('faults', () => {
  it.each([
    [429, 'RATE_LIMITED', '1'],
    [500, 'INTERNAL_ERROR', null],
    [503, 'TEMPORARILY_UNAVAILABLE', '1'],
  ])(
    'HTTP %d in the error format, never stored: the retry with the same key executes',
    async (status, code, retryAfter) => {
      await addRule({ outcome: { result: 'HTTP_ERROR', status }, times: 'once' });
      const first = await charge({ 'Klarna-Idempotency-Key': 'fault-key' });
      expect(first.status).toBe(status);
      expect(first.body).toMatchObject({ error_code: code, error_type: 'TECHNICAL_ERROR' });
      expect(first.headers.get('retry-after')).toBe(retryAfter);
      expect(first.headers.get('klarna-correlation-id')).toBeTruthy();
      expect(sb.state.ledger.size).toBe(0);
      const retry = await charge({ 'Klarna-Idempotency-Key': 'fault-key' });
      expect(paymentResult(retry)?.result).toBe('APPROVED');
      expect(sb.state.ledger.query()[0]?.idempotency_key).toBe('fault-key');
    },
  );

  it('TIMEOUT holds the socket until the client gives up; in flight meanwhile; then the key is free', async () => {
    await addRule({ outcome: { result: 'TIMEOUT' }, times: 'once' });
    const headers = { 'Klarna-Customer-Token': token, 'Klarna-Idempotency-Key': 'slow' };
    const controller = new AbortController();
    const held = sb.request('POST', `/v2/accounts/${TEST_ACCOUNT}/payment/authorize`, {
      body: bodies.cnpCharge(),
      headers,
      signal: controller.signal,
    });
    const outcome = held.then(
      () => 'answered',
      () => 'gave up',
    );
    await new Promise((r) => setTimeout(r, 300));
    const during = await charge({ 'Klarna-Idempotency-Key': 'slow' });
    expect(during.status).toBe(409);
    expect(during.body).toMatchObject({ error_code: 'CONFLICT', error_type: 'RESOURCE_ERROR' });
    controller.abort();
    expect(await outcome).toBe('gave up');
    // The sandbox notices the closed socket asynchronously; then the same key executes for real.
    await vi.waitFor(async () =>
      expect((await charge({ 'Klarna-Idempotency-Key': 'slow' })).status).toBe(200),
    );
    expect(sb.state.ledger.size).toBe(1);
  });

  it.each([['TIMEOUT'], ['DROP']])(
    '%s on a request whose client already gave up (during latency) frees the key all the same',
    async (result) => {
      await addRule({ outcome: { result }, latency: { type: 'fixed', ms: 300 }, times: 'once' });
      const controller = new AbortController();
      const gaveUp = sb
        .request('POST', `/v2/accounts/${TEST_ACCOUNT}/payment/authorize`, {
          body: bodies.cnpCharge(),
          headers: { 'Klarna-Customer-Token': token, 'Klarna-Idempotency-Key': `late-${result}` },
          signal: controller.signal,
        })
        .catch(() => 'gave up');
      await new Promise((r) => setTimeout(r, 50));
      controller.abort();
      expect(await gaveUp).toBe('gave up');
      // In flight (409) until the latency has passed and the fault met the closed socket; then free.
      await vi.waitFor(
        async () => expect((await charge({ 'Klarna-Idempotency-Key': `late-${result}` })).status).toBe(200),
        { timeout: 3000, interval: 100 },
      );
      expect(sb.state.ledger.size).toBe(1);
    },
  );

  it('DROP destroys the connection; the retry with the same key executes', async () => {
    await addRule({ outcome: { result: 'DROP' }, times: 'once' });
    await expect(charge({ 'Klarna-Idempotency-Key': 'dropped' })).rejects.toThrow();
    const retry = await charge({ 'Klarna-Idempotency-Key': 'dropped' });
    expect(paymentResult(retry)?.result).toBe('APPROVED');
    expect(sb.state.ledger.size).toBe(1);
  });
});
