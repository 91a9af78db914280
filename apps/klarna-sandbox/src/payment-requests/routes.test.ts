// Payment requests over real HTTP: read, cancel, customer actions, expiry and events.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PaymentRequestStateChanged } from '../events.js';
import { OTHER_ACCOUNT, startSandbox, TEST_ACCOUNT, type TestSandbox } from '../testing/harness.js';
import type { NewPaymentRequest } from './engine.js';

let sb: TestSandbox;
let events: PaymentRequestStateChanged[];

beforeEach(async () => {
  sb = await startSandbox();
  events = [];
  sb.deps.events.on('payment_request.state_changed', (e) => events.push(e));
});
afterEach(async () => {
  await sb.close();
});

function create(overrides: Partial<NewPaymentRequest> = {}): string {
  return sb.state.paymentRequests.create({
    accountId: TEST_ACCOUNT,
    reference: 'signup_42',
    purpose: 'tokenize_and_pay',
    currency: 'EUR',
    payment: { amount: 999, reference: 'sub_42-2026-01' },
    tokenRequest: { scopes: ['payment:customer_not_present'], reference: 'tok_42' },
    chargedToken: undefined,
    method: 'HANDOVER',
    returnUrl:
      'https://shop.example/return?id={klarna.payment_request.id}&t={klarna.payment_request.klarna_network_session_token}',
    customerInteractionConfig: { method: 'HANDOVER', return_url: 'https://shop.example/return' },
    supplementaryPurchaseData: { purchase_reference: 'SIGNUP-42' },
    expiresAt: sb.deps.clock.now() + 3 * 3_600_000,
    ...overrides,
  }).id;
}

const pathOf = (id: string, account = TEST_ACCOUNT): string =>
  `/v2/accounts/${account}/payment/requests/${id}`;
const act = (id: string, action: string, body?: unknown) =>
  sb.sim<{ state: string; redirect_url?: string; payment_request: Record<string, unknown> }>(
    'POST',
    `/payment-requests/${id}/${action}`,
    body,
  );

describe('GET payment request', () => {
  it('returns the §8 resource with the journey URL while SUBMITTED', async () => {
    const id = create();
    const res = await sb.request('GET', pathOf(id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      payment_request_id: id,
      payment_request_reference: 'signup_42',
      amount: 999,
      currency: 'EUR',
      state: 'SUBMITTED',
      previous_state: null,
      state_reason: 'PAYMENT_REQUEST_SUBMITTED',
      state_context: {
        customer_interaction: {
          method: 'HANDOVER',
          payment_request_id: id,
          payment_request_url: `${sb.baseUrl}/journey/${id}`,
        },
      },
      customer_interaction_config: { method: 'HANDOVER' },
      supplementary_purchase_data: { purchase_reference: 'SIGNUP-42' },
    });
    expect(res.body.expires_at).toBe(res.body.state_expires_at);
    const lifetime = Date.parse(res.body.expires_at as string) - Date.parse(res.body.created_at as string);
    expect(Math.abs(lifetime - 3 * 3_600_000)).toBeLessThan(1_000);
  });

  it.each([
    [
      'an unknown id',
      (_id: string) => pathOf('krn:payment:eu1:request:00000000-0000-4000-8000-000000000000'),
      404,
    ],
    ['another account', (id: string) => pathOf(id, OTHER_ACCOUNT), 404],
    ['a malformed account', (id: string) => pathOf(id, 'krn:partner:global:account:prod:X'), 400],
  ])('answers %s with the right status', async (_name, path, status) => {
    const res = await sb.request('GET', path(create()));
    expect(res.status).toBe(status);
    if (status === 400)
      expect(res.body).toMatchObject({ validation_errors: [{ parameter: 'partner_account_id' }] });
    else expect(res.body).toMatchObject({ error_code: 'NOT_FOUND' });
  });

  it('403 FORBIDDEN when Klarna-Partner-Account names another account', async () => {
    const id = create();
    const res = await sb.request('GET', pathOf(id), { headers: { 'Klarna-Partner-Account': OTHER_ACCOUNT } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error_type: 'ACCESS_ERROR', error_code: 'FORBIDDEN' });
    const same = await sb.request('GET', pathOf(id), { headers: { 'Klarna-Partner-Account': TEST_ACCOUNT } });
    expect(same.status).toBe(200);
  });
});

describe('customer actions and events', () => {
  it('SUBMITTED -> IN_PROGRESS -> COMPLETED issues both tokens and redirects with placeholders', async () => {
    const id = create();
    expect((await act(id, 'enter')).body.state).toBe('IN_PROGRESS');
    const done = await act(id, 'complete');
    expect(done.status).toBe(200);
    const pr = done.body.payment_request;
    const context = pr.state_context as Record<string, unknown>;
    const sessionToken = context.klarna_network_session_token as string;
    expect(sessionToken).toMatch(/^krn:payment:eu1:klarna-network-session-token:[0-9a-f-]{36}$/);
    expect(context.klarna_customer).toMatchObject({
      customer_token: expect.stringMatching(/^krn:customer-token:eu1:[0-9a-f-]{36}$/) as unknown,
      customer_token_reference: 'tok_42',
      scopes: ['payment:customer_not_present'],
    });
    expect(context.customer_interaction).toBeUndefined();
    expect(done.body.redirect_url).toBe(
      `https://shop.example/return?id=${encodeURIComponent(id)}&t=${encodeURIComponent(sessionToken)}`,
    );
    expect(pr).toMatchObject({ state: 'COMPLETED', previous_state: 'IN_PROGRESS', state_reason: null });
    // The finalize window is the state's own expiry.
    expect(Date.parse(pr.state_expires_at as string) - Date.parse(pr.updated_at as string)).toBe(60 * 60_000);

    expect(events.map((e) => e.eventType)).toEqual([
      'payment.request.state-change.submitted',
      'payment.request.state-change.in-progress',
      'payment.request.state-change.completed',
    ]);
    const completed = events[2];
    expect(completed?.accountId).toBe(TEST_ACCOUNT);
    expect(completed?.payload).toMatchObject({
      payment_request_id: id,
      state: 'COMPLETED',
      previous_state: 'IN_PROGRESS',
      klarna_network_session_token: sessionToken,
      klarna_customer: { customer_token_reference: 'tok_42' },
      state_context: {
        klarna_network_session_token: sessionToken,
        klarna_customer: { customer_token_reference: 'tok_42' },
      },
    });
    const token = (context.klarna_customer as { customer_token: string }).customer_token;
    expect(sb.state.customerTokens.get(token)).toMatchObject({ state: 'ACTIVE', accountId: TEST_ACCOUNT });
  });

  it('complete from SUBMITTED enters first (two transitions, two events)', async () => {
    const id = create({ payment: undefined, purpose: 'tokenize' });
    const done = await act(id, 'complete');
    expect(done.body.state).toBe('COMPLETED');
    expect(events.map((e) => e.payload.state)).toEqual(['SUBMITTED', 'IN_PROGRESS', 'COMPLETED']);
    // Tokenize only: a customer token, no network session token.
    const context = done.body.payment_request.state_context as Record<string, unknown>;
    expect(context.klarna_network_session_token).toBeUndefined();
    expect(context.klarna_customer).toBeDefined();
  });

  it('abort returns to SUBMITTED with PURCHASE_FLOW_ABORTED, and the customer may come back', async () => {
    const id = create();
    await act(id, 'enter');
    const aborted = await act(id, 'abort');
    expect(aborted.body.payment_request).toMatchObject({
      state: 'SUBMITTED',
      previous_state: 'IN_PROGRESS',
      state_reason: 'PURCHASE_FLOW_ABORTED',
    });
    expect(aborted.body.redirect_url).toContain('https://shop.example/return');
    expect((await act(id, 'enter')).body.state).toBe('IN_PROGRESS');
  });

  it('decline ends in DECLINED (reason PERMANENT unless given) and issues nothing', async () => {
    const a = create();
    const declined = await act(a, 'decline');
    expect(declined.body.payment_request).toMatchObject({
      state: 'DECLINED',
      state_reason: 'PERMANENT',
      state_context: {},
    });
    const b = create();
    const withReason = await act(b, 'decline', { reason: 'CUSTOMER_ACTION_REQUIRED' });
    expect(withReason.body.payment_request).toMatchObject({ state_reason: 'CUSTOMER_ACTION_REQUIRED' });
    expect(events.filter((e) => e.eventType === 'payment.request.state-change.declined')).toHaveLength(2);
  });

  it.each([
    ['abort', 'SUBMITTED'],
    ['enter', 'COMPLETED'],
    ['complete', 'DECLINED'],
  ])('409 CONFLICT for %s in %s', async (action, state) => {
    const id = create();
    if (state === 'COMPLETED') await act(id, 'complete');
    if (state === 'DECLINED') await act(id, 'decline');
    const res = await act(id, action);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error_code: 'CONFLICT', error_type: 'RESOURCE_ERROR' });
  });

  it('400 naming the field for a bad action or reason, 404 for an unknown request', async () => {
    const id = create();
    expect((await act(id, 'approve')).body).toMatchObject({ validation_errors: [{ parameter: 'action' }] });
    expect((await act(id, 'decline', { reason: 'NOPE' })).body).toMatchObject({
      validation_errors: [{ parameter: 'reason' }],
    });
    expect((await act('krn:payment:eu1:request:nope', 'enter')).status).toBe(404);
  });

  it('PaymentRequestActions works in-process too (the journey page uses it)', () => {
    const id = create();
    const actions = sb.deps.paymentRequests;
    expect(actions.state(id)).toBe('SUBMITTED');
    expect(actions.act(id, 'enter')).toEqual({
      state: 'IN_PROGRESS',
      redirectUrl: expect.any(String) as unknown,
    });
    expect(actions.act(id, 'enter').state).toBe('IN_PROGRESS'); // a page reload
    expect(actions.view(id)).toMatchObject({ state: 'IN_PROGRESS' });
    expect(actions.view('nope')).toBeUndefined();
    expect(() => actions.act('nope', 'enter')).toThrow(/not found/);
  });
});

describe('DELETE (cancel)', () => {
  it.each([['SUBMITTED'], ['IN_PROGRESS'], ['COMPLETED']])('cancels a request in %s', async (state) => {
    const id = create();
    if (state !== 'SUBMITTED') await act(id, state === 'COMPLETED' ? 'complete' : 'enter');
    const res = await sb.request('DELETE', pathOf(id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'CANCELED',
      previous_state: state,
      state_reason: 'PARTNER_CANCELED',
    });
    expect(res.body.canceled_at).toBe(res.body.updated_at);
    expect(events.at(-1)?.eventType).toBe('payment.request.state-change.canceled');
  });

  it('accepts an empty body sent with Content-Type: application/json', async () => {
    const res = await sb.request('DELETE', pathOf(create()), {
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(200);
  });

  it.each([['CANCELED'], ['DECLINED'], ['EXPIRED'], ['finalized COMPLETED']])('409 in %s', async (state) => {
    const id = create();
    if (state === 'CANCELED') await sb.request('DELETE', pathOf(id));
    if (state === 'DECLINED') await act(id, 'decline');
    if (state === 'EXPIRED') await sb.deps.clock.advance(3 * 3_600_000);
    if (state === 'finalized COMPLETED') {
      await act(id, 'complete');
      sb.state.paymentRequests.markFinalized(id);
    }
    const res = await sb.request('DELETE', pathOf(id));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error_code: 'CONFLICT' });
  });

  it('404 for an unknown request or another account', async () => {
    const id = create();
    expect((await sb.request('DELETE', pathOf(id, OTHER_ACCOUNT))).status).toBe(404);
    expect(sb.state.paymentRequests.state(id)).toBe('SUBMITTED');
  });
});

describe('expiry on the sandbox clock', () => {
  it('expires an open request at expires_at, keeps it readable 24 h, then 404', async () => {
    const id = create();
    await act(id, 'enter');
    await sb.deps.clock.advance(3 * 3_600_000 - 60_000);
    expect(sb.state.paymentRequests.state(id)).toBe('IN_PROGRESS');
    await sb.deps.clock.advance(60_000);
    const expired = await sb.request('GET', pathOf(id));
    expect(expired.body).toMatchObject({
      state: 'EXPIRED',
      previous_state: 'IN_PROGRESS',
      state_reason: null,
    });
    expect(expired.body.state_expires_at).toBeUndefined();
    expect(events.at(-1)?.eventType).toBe('payment.request.state-change.expired');
    await sb.deps.clock.advance(24 * 3_600_000);
    expect((await sb.request('GET', pathOf(id))).status).toBe(404);
  });

  it('a COMPLETED request does not expire', async () => {
    const id = create();
    await act(id, 'complete');
    await sb.deps.clock.advance(4 * 3_600_000);
    expect(sb.state.paymentRequests.state(id)).toBe('COMPLETED');
    expect(events.map((e) => e.payload.state)).not.toContain('EXPIRED');
  });
});

describe('many open requests', () => {
  // A load test leaves thousands of signups open; expiring them or resetting must stay quick.
  it('20,000 expiries run in one clock advance, and a reset, each within seconds', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) =>
      create({ expiresAt: sb.deps.clock.now() + 3 * 3_600_000 + i }),
    );
    const start = performance.now();
    const advanced = await sb.sim('POST', '/clock/advance', { seconds: 4 * 3600 });
    const advanceMs = performance.now() - start;
    expect(advanced.status).toBe(200);
    expect(sb.state.paymentRequests.state(ids[0] ?? '')).toBe('EXPIRED');
    expect(sb.state.paymentRequests.state(ids.at(-1) ?? '')).toBe('EXPIRED');
    expect(advanceMs).toBeLessThan(3000);

    ids.push(...Array.from({ length: 20_000 }, () => create()));
    const resetStart = performance.now();
    expect((await sb.sim('POST', '/reset', {})).status).toBe(200);
    expect(performance.now() - resetStart).toBeLessThan(3000);
  }, 30_000);
});
