// End to end: real authorize calls and customer actions produce signed webhooks for every
// Payment Request state change, for every account the partner acts for (CONTRACT.md §10).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, mintToken } from '../testing/bodies.js';
import { OTHER_ACCOUNT, startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import type { AuthorizeResponse } from '../testing/types.js';
import { signatureValid, startReceiver, type Receiver } from './testing/receiver.js';
import { attemptsRecorded, deliveries, registerWebhook, type Registered } from './testing/setup.js';

let sb: TestSandbox;
let receiver: Receiver;
let hook: Registered;
beforeEach(async () => {
  sb = await startSandbox();
  receiver = await startReceiver();
  hook = await registerWebhook(sb, receiver.url, ['payment.*']);
});
afterEach(async () => {
  await sb.close();
  await receiver.close();
});

const stepUp = async (body: unknown, account = TEST_ACCOUNT): Promise<string> => {
  const res = await sb.authorize<AuthorizeResponse>(body, {}, account);
  const id = res.body.payment_request?.payment_request_id;
  if (!id) throw new Error(`no payment request: ${res.text}`);
  return id;
};
const act = (id: string, action: string) => sb.sim('POST', `/payment-requests/${id}/${action}`);
const stateOf = (i: number) => receiver.received[i]?.envelope.payload['state'];

describe('payment request state changes as webhooks', () => {
  it('tokenize: submitted, in-progress, completed with the customer token; all signed', async () => {
    const id = await stepUp(bodies.tokenize());
    await receiver.waitFor(1);
    await act(id, 'enter');
    await act(id, 'complete');
    const got = await receiver.waitFor(3);

    expect(got.map((r) => r.envelope.metadata.event_type)).toEqual([
      'payment.request.state-change.submitted',
      'payment.request.state-change.in-progress',
      'payment.request.state-change.completed',
    ]);
    expect(got.every((r) => signatureValid(r, hook.secret))).toBe(true);
    expect(got.every((r) => r.envelope.metadata.subject_account_id === TEST_ACCOUNT)).toBe(true);
    expect(got.every((r) => r.envelope.payload['payment_request_id'] === id)).toBe(true);
    const completed = got[2]?.envelope.payload as {
      state_context: { klarna_customer: { customer_token: string; customer_token_reference: string } };
      klarna_customer: { customer_token: string };
    };
    expect(completed.state_context.klarna_customer).toMatchObject({
      customer_token: expect.stringMatching(/^krn:customer-token:eu1:/) as unknown,
      customer_token_reference: 'tok_sub_42',
    });
    expect(completed.klarna_customer.customer_token).toBe(
      completed.state_context.klarna_customer.customer_token,
    );

    await attemptsRecorded(sb, 3);
    const log = await deliveries(sb, `?payment_request_id=${encodeURIComponent(id)}`);
    expect(log.map((d) => d.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
  });

  it('tokenize with a first payment: completed carries the network session token in both places', async () => {
    const id = await stepUp(bodies.tokenizeAndPay());
    await act(id, 'complete');
    const got = await receiver.waitFor(3);
    const payload = got[2]?.envelope.payload as {
      klarna_network_session_token: string;
      state_context: { klarna_network_session_token: string };
    };
    expect(payload.klarna_network_session_token).toMatch(/^krn:payment:eu1:klarna-network-session-token:/);
    expect(payload.state_context.klarna_network_session_token).toBe(payload.klarna_network_session_token);
  });

  it('decline, cancel and expiry are delivered too; every event has its own id', async () => {
    const declined = await stepUp(bodies.tokenize());
    await act(declined, 'decline');
    const canceled = await stepUp(bodies.tokenize());
    await sb.request('DELETE', `/v2/accounts/${TEST_ACCOUNT}/payment/requests/${canceled}`);
    const expired = await stepUp(bodies.tokenize());
    await receiver.waitFor(6);
    await sb.deps.clock.advance(3 * 3_600_000 + 1_000);
    const got = await receiver.waitFor(7);
    const byRequest = (id: string) =>
      got
        .filter((r) => r.envelope.payload['payment_request_id'] === id)
        .map((r) => r.envelope.payload['state']);
    expect(byRequest(declined)).toEqual(['SUBMITTED', 'IN_PROGRESS', 'DECLINED']);
    expect(byRequest(canceled)).toEqual(['SUBMITTED', 'CANCELED']);
    expect(byRequest(expired)).toEqual(['SUBMITTED', 'EXPIRED']);
    expect(new Set(got.map((r) => r.envelope.metadata.event_id)).size).toBe(7);
  });

  it('events of every account reach the partner’s webhook, naming the account as subject', async () => {
    await stepUp(bodies.tokenize(), OTHER_ACCOUNT);
    const [got] = await receiver.waitFor(1);
    expect(got?.envelope.metadata).toMatchObject({
      subject_account_id: OTHER_ACCOUNT,
      recipient_account_id: sb.config.acquirerAccountId,
    });
    expect(stateOf(0)).toBe('SUBMITTED');
  });

  it('a synchronous CNP approval sends no webhook', async () => {
    const token = await mintToken(sb);
    const res = await sb.authorize<AuthorizeResponse>(bodies.cnpCharge(), { 'Klarna-Customer-Token': token });
    expect(res.body.payment_transaction_response?.result).toBe('APPROVED');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(0);
  });
});
