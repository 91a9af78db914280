// Finalize (e) with the Klarna Network Session Token (CONTRACT.md §6 (e), §8.2, §9).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies } from '../testing/bodies.js';
import { OTHER_ACCOUNT, startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse, ErrorResponse, SimActionResponse } from '../testing/types.js';

let sb: TestSandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

/** (b) through the journey: returns the request id, the session token and the new customer token. */
async function completedSignup(amount = 999): Promise<{ prId: string; session: string; token: string }> {
  const res = await sb.authorize<AuthorizeResponse>(bodies.tokenizeAndPay(amount));
  const prId = res.body.payment_request?.payment_request_id ?? '';
  const done = await sb.sim<SimActionResponse>('POST', `/payment-requests/${prId}/complete`);
  const context = done.body.payment_request.state_context;
  return {
    prId,
    session: context.klarna_network_session_token ?? '',
    token: context.klarna_customer?.customer_token ?? '',
  };
}

const finalize = (session: string, body: unknown = bodies.finalize(), account = TEST_ACCOUNT) =>
  sb.authorize<AuthorizeResponse & ErrorResponse>(body, { 'Klarna-Network-Session-Token': session }, account);

describe('finalize', () => {
  it('after 60 minutes of sandbox time declines PERMANENT but still returns the issued token', async () => {
    const { session, token } = await completedSignup();
    await sb.deps.clock.advance(60 * 60_000);
    const res = await finalize(session);
    expect(res.status).toBe(200);
    expect(res.body.payment_transaction_response).toEqual({ result: 'DECLINED', result_reason: 'PERMANENT' });
    expect(res.body.customer_token_response?.customer_token?.customer_token).toBe(token);
    expect(sb.state.ledger.size).toBe(0);
  });

  it('accepts the deprecated Klarna-Payment-Token header name', async () => {
    const { session } = await completedSignup();
    const res = await sb.authorize<AuthorizeResponse>(bodies.finalize(), { 'Klarna-Payment-Token': session });
    expect(res.body.payment_transaction_response?.result).toBe('APPROVED');
  });

  it.each([
    ['amount', bodies.finalize(1000), 'request_payment_transaction.amount'],
    ['currency', { ...bodies.finalize(), currency: 'SEK' }, 'currency'],
  ])('400 when the %s differs from the payment request', async (_n, body, parameter) => {
    const { session } = await completedSignup();
    const res = await finalize(session, body);
    expect(res.status).toBe(400);
    expect(res.body.validation_errors?.[0]?.parameter).toBe(parameter);
  });

  it('a session token authorizes once: a second finalize with a new key is 409 CONFLICT', async () => {
    const { session } = await completedSignup();
    expect((await finalize(session)).body.payment_transaction_response?.result).toBe('APPROVED');
    const again = await finalize(session);
    expect(again.status).toBe(409);
    expect(again.body.error_code).toBe('CONFLICT');
    expect(sb.state.ledger.size).toBe(1);
  });

  it('declines PERMANENT when the COMPLETED request was cancelled before finalize', async () => {
    const { prId, session } = await completedSignup();
    const cancel = await sb.request('DELETE', `/v2/accounts/${TEST_ACCOUNT}/payment/requests/${prId}`);
    expect(cancel.body).toMatchObject({ state: 'CANCELED', previous_state: 'COMPLETED' });
    const res = await finalize(session);
    expect(res.body.payment_transaction_response).toEqual({ result: 'DECLINED', result_reason: 'PERMANENT' });
  });

  it("400 for another account's session token", async () => {
    const { session } = await completedSignup();
    const res = await finalize(session, bodies.finalize(), OTHER_ACCOUNT);
    expect(res.status).toBe(400);
    expect(res.body.validation_errors?.[0]?.parameter).toBe('Klarna-Network-Session-Token');
  });
});
