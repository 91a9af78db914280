// The five authorize scenarios of CONTRACT.md §6 over real HTTP, with the response shapes of §7.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, mintToken } from '../testing/bodies.js';
import { startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse, LedgerResponse, SimActionResponse } from '../testing/types.js';

const TX_ID = /^krn:payment:eu1:transaction:[0-9a-f-]{36}$/;
const PR_ID = /^krn:payment:eu1:request:[0-9a-f-]{36}$/;
const TOKEN = /^krn:customer-token:eu1:[0-9a-f-]{36}$/;

let sb: TestSandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

const complete = (id: string) => sb.sim<SimActionResponse>('POST', `/payment-requests/${id}/complete`);
const ledger = (query: string) => sb.sim<LedgerResponse>('GET', `/ledger?${query}`);

describe('(a) tokenize only', () => {
  it('answers STEP_UP_REQUIRED with a Payment Request; completing it issues the token', async () => {
    const res = await sb.authorize<AuthorizeResponse>(bodies.tokenize());
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['customer_token_response', 'payment_request']);
    expect(res.body.customer_token_response).toEqual({ result: 'STEP_UP_REQUIRED' });
    const pr = res.body.payment_request;
    const prId = pr?.payment_request_id ?? '';
    expect(prId).toMatch(PR_ID);
    expect(pr).toMatchObject({ state: 'SUBMITTED', currency: 'EUR', payment_request_reference: 'signup_42' });
    expect(pr?.amount).toBeUndefined();
    expect(pr?.state_context.customer_interaction?.payment_request_url).toBe(`${sb.baseUrl}/journey/${prId}`);

    const done = await complete(prId);
    const customer = done.body.payment_request.state_context.klarna_customer;
    expect(customer).toMatchObject({
      customer_token_reference: 'tok_sub_42',
      scopes: ['payment:customer_not_present'],
    });
    expect(customer?.customer_token).toMatch(TOKEN);
    expect(done.body.payment_request.state_context.klarna_network_session_token).toBeUndefined();
    expect(done.body.redirect_url).toBe(`https://shop.example/klarna/return?pr=${encodeURIComponent(prId)}`);
    // The token charges straight away (scenario c).
    const charge = await sb.authorize<AuthorizeResponse>(bodies.cnpCharge(), {
      'Klarna-Customer-Token': customer?.customer_token ?? '',
    });
    expect(charge.body.payment_transaction_response?.result).toBe('APPROVED');
  });

  it.each([['APPROVED'], ['DECLINED']])(
    'with the tokenization switch at %s answers at once, without a Payment Request',
    async (result) => {
      await sb.sim('PUT', '/settings', { tokenization_result: result });
      const res = await sb.authorize<AuthorizeResponse>(bodies.tokenize());
      expect(res.body.payment_request).toBeUndefined();
      expect(res.body.customer_token_response?.result).toBe(result);
      if (result === 'APPROVED') {
        expect(res.body.customer_token_response?.customer_token).toEqual({
          customer_token: expect.stringMatching(TOKEN) as unknown,
          customer_token_reference: 'tok_sub_42',
          scopes: ['payment:customer_not_present'],
        });
      } else {
        expect(res.body.customer_token_response?.customer_token).toBeUndefined();
      }
    },
  );
});

describe('(b) tokenize with a first payment, then (e) finalize', () => {
  it('step-up, complete, finalize within 60 minutes: one ledger entry with the new token', async () => {
    const res = await sb.authorize<AuthorizeResponse>(bodies.tokenizeAndPay());
    expect(res.body.payment_transaction_response).toEqual({ result: 'STEP_UP_REQUIRED' });
    expect(res.body.customer_token_response).toEqual({ result: 'STEP_UP_REQUIRED' });
    const prId = res.body.payment_request?.payment_request_id ?? '';
    expect(res.body.payment_request?.amount).toBe(999);

    const done = await complete(prId);
    const context = done.body.payment_request.state_context;
    const sessionToken = context.klarna_network_session_token ?? '';
    const customerToken = context.klarna_customer?.customer_token ?? '';
    await sb.deps.clock.advance(59 * 60_000);

    const fin = await sb.authorize<AuthorizeResponse>(bodies.finalize(), {
      'Klarna-Network-Session-Token': sessionToken,
    });
    expect(fin.status).toBe(200);
    const ptr = fin.body.payment_transaction_response;
    expect(ptr?.result).toBe('APPROVED');
    expect(ptr?.payment_transaction).toMatchObject({
      payment_transaction_reference: 'sub_42-2026-01',
      amount: 999,
      currency: 'EUR',
      state: 'AUTHORIZED',
    });
    const txId = ptr?.payment_transaction?.payment_transaction_id;
    expect(txId).toMatch(TX_ID);
    expect(Date.parse(ptr?.payment_transaction?.expires_at ?? '')).toBeGreaterThan(sb.deps.clock.now());
    expect(fin.body.customer_token_response).toEqual({
      result: 'APPROVED',
      customer_token: {
        customer_token: customerToken,
        customer_token_reference: 'tok_sub_42',
        scopes: ['payment:customer_not_present'],
      },
    });
    expect(fin.body.payment_request).toBeUndefined();

    const entries = (await ledger('reference=sub_42-2026-01')).body.entries;
    expect(entries).toEqual([
      expect.objectContaining({
        payment_transaction_id: txId,
        account_id: TEST_ACCOUNT,
        customer_token: customerToken,
        scenario: 'finalize',
        amount: 999,
      }),
    ]);
    // Finalized: no longer cancellable.
    const cancel = await sb.request('DELETE', `/v2/accounts/${TEST_ACCOUNT}/payment/requests/${prId}`);
    expect(cancel.status).toBe(409);
  });

  it('with the tokenization switch at APPROVED authorizes and tokenizes at once', async () => {
    await sb.sim('PUT', '/settings', { tokenization_result: 'APPROVED' });
    const res = await sb.authorize<AuthorizeResponse>(bodies.tokenizeAndPay(1500, 'first'));
    expect(res.body.payment_transaction_response?.result).toBe('APPROVED');
    expect(res.body.customer_token_response?.result).toBe('APPROVED');
    expect(res.body.payment_request).toBeUndefined();
    expect((await ledger('reference=first')).body.entries).toEqual([
      expect.objectContaining({
        scenario: 'tokenize_and_pay',
        customer_token: res.body.customer_token_response?.customer_token?.customer_token,
      }),
    ]);
  });
});

describe('(c) customer-not-present token charge', () => {
  it('APPROVED with a payment transaction and a ledger line carrying token and idempotency key', async () => {
    const token = await mintToken(sb);
    const res = await sb.authorize<AuthorizeResponse>(bodies.cnpCharge(999, 'sub_42-2026-03'), {
      'Klarna-Customer-Token': token,
      'Klarna-Idempotency-Key': 'key-c-1',
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['payment_transaction_response']);
    expect(res.body.payment_transaction_response?.result).toBe('APPROVED');
    expect((await ledger(`customer_token=${encodeURIComponent(token)}`)).body.entries).toEqual([
      expect.objectContaining({
        payment_transaction_reference: 'sub_42-2026-03',
        idempotency_key: 'key-c-1',
        scenario: 'cnp_charge',
        customer_token: token,
      }),
    ]);
  });

  it('accepts the older X-Klarna-Customer-Token spelling', async () => {
    const token = await mintToken(sb);
    const res = await sb.authorize<AuthorizeResponse>(bodies.cnpCharge(), {
      'X-Klarna-Customer-Token': token,
    });
    expect(res.body.payment_transaction_response?.result).toBe('APPROVED');
  });

  it('passes a partner-supplied session token through without judging it', async () => {
    const token = await mintToken(sb);
    const res = await sb.authorize<AuthorizeResponse>(bodies.cnpCharge(), {
      'Klarna-Customer-Token': token,
      'Klarna-Network-Session-Token': 'partner-supplied-opaque',
    });
    expect(res.body.payment_transaction_response?.result).toBe('APPROVED');
  });
});

describe('(d) customer-present token charge', () => {
  it('APPROVED by default', async () => {
    const token = await mintToken(sb, ['payment:customer_present']);
    const res = await sb.authorize<AuthorizeResponse>(bodies.cpCharge(), { 'Klarna-Customer-Token': token });
    expect(res.body.payment_transaction_response?.result).toBe('APPROVED');
    expect((await ledger('reference=order_7')).body.entries).toEqual([
      expect.objectContaining({ scenario: 'cp_charge' }),
    ]);
  });
});

describe('response headers', () => {
  it('carries Klarna-Correlation-Id, the partner id echo and a JSON content type', async () => {
    const token = await mintToken(sb);
    const res = await sb.authorize(bodies.cnpCharge(), {
      'Klarna-Customer-Token': token,
      'Partner-Correlation-Id': 'abc1',
    });
    expect(res.headers.get('klarna-correlation-id')).toBeTruthy();
    expect(res.headers.get('partner-correlation-id')).toBe('abc1');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
