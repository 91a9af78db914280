import { describe, expect, it } from 'vitest';
import { reveal } from '../secrets/reveal.js';
import { rendered } from './klarna.test-support.js';
import { parsePaymentRequest } from './payment-request-view.js';

const TOKEN = 'krn:customer-token:eu1:ctx-token';
const TOKEN_COPY = 'krn:customer-token:eu1:top-level-copy';
const SESSION = 'krn:payment:eu1:klarna-network-session-token:ctx';
const SESSION_COPY = 'krn:payment:eu1:klarna-network-session-token:top';

const completed = {
  payment_request_id: 'krn:payment:eu1:request:1',
  payment_request_reference: 'signup_42',
  amount: 999,
  currency: 'EUR',
  state: 'COMPLETED',
  previous_state: 'IN_PROGRESS',
  state_reason: null,
  state_context: {
    klarna_network_session_token: SESSION,
    klarna_customer: {
      customer_token: TOKEN,
      customer_token_reference: 'tok_42',
      scopes: ['payment:customer_not_present'],
    },
  },
  state_expires_at: '2026-01-01T11:00:00.000Z',
  expires_at: '2026-01-01T13:00:00.000Z',
  created_at: '2026-01-01T10:00:00.000Z',
  updated_at: '2026-01-01T10:05:00.000Z',
  customer_interaction_config: { method: 'HANDOVER', return_url: 'https://x' },
  new_field: { nested: true },
};

function view(raw: unknown) {
  const parsed = parsePaymentRequest(raw);
  if (!parsed.ok) throw new Error(`did not parse: ${parsed.field}`);
  return parsed.view;
}

describe('parsePaymentRequest', () => {
  it('reads a COMPLETED request with its tokens from state_context', () => {
    const v = view({
      ...completed,
      klarna_network_session_token: SESSION_COPY,
      klarna_customer: { customer_token: TOKEN_COPY },
    });
    expect(v).toMatchObject({
      paymentRequestId: 'krn:payment:eu1:request:1',
      reference: 'signup_42',
      state: 'COMPLETED',
      rawState: 'COMPLETED',
      previousState: 'IN_PROGRESS',
      stateReason: null,
      amount: 999,
      currency: 'EUR',
      url: null,
      expiresAt: new Date('2026-01-01T13:00:00.000Z'),
      stateExpiresAt: new Date('2026-01-01T11:00:00.000Z'),
      createdAt: new Date('2026-01-01T10:00:00.000Z'),
      updatedAt: new Date('2026-01-01T10:05:00.000Z'),
      canceledAt: null,
      tokenReference: 'tok_42',
      scopes: ['payment:customer_not_present'],
    });
    // state_context wins over the top-level copies (§10.4).
    expect(v.customerToken && reveal(v.customerToken)).toBe(TOKEN);
    expect(v.networkSessionToken && reveal(v.networkSessionToken)).toBe(SESSION);
    const text = rendered(v);
    for (const raw of [TOKEN, TOKEN_COPY, SESSION, SESSION_COPY]) expect(text).not.toContain(raw);
  });

  it('falls back to the top-level copies', () => {
    const v = view({
      ...completed,
      state_context: {},
      klarna_network_session_token: SESSION_COPY,
      klarna_customer: { customer_token: TOKEN_COPY, customer_token_reference: 'tok_top', scopes: ['x'] },
    });
    expect(v.customerToken && reveal(v.customerToken)).toBe(TOKEN_COPY);
    expect(v.networkSessionToken && reveal(v.networkSessionToken)).toBe(SESSION_COPY);
    expect(v.tokenReference).toBe('tok_top');
    expect(v.scopes).toEqual(['x']);
  });

  it('accepts the §7 object shape of a token under klarna_customer', () => {
    const v = view({
      ...completed,
      state_context: { klarna_customer: { customer_token: { customer_token: TOKEN } } },
    });
    expect(v.customerToken && reveal(v.customerToken)).toBe(TOKEN);
  });

  it('reads the journey URL of a SUBMITTED request and has no tokens', () => {
    const v = view({
      payment_request_id: 'krn:payment:eu1:request:2',
      state: 'SUBMITTED',
      state_reason: 'PAYMENT_REQUEST_SUBMITTED',
      currency: 'EUR',
      state_context: {
        customer_interaction: { method: 'HANDOVER', payment_request_url: 'https://pay.example/start' },
      },
    });
    expect(v.url).toBe('https://pay.example/start');
    expect(v.amount).toBeNull();
    expect(v.previousState).toBeNull();
    expect('customerToken' in v).toBe(false);
    expect('networkSessionToken' in v).toBe(false);
  });

  it('keeps an unknown state readable', () => {
    const v = view({ payment_request_id: 'krn:x', state: 'AUTHORIZED', previous_state: 'PREPARED' });
    expect(v.state).toBe('UNKNOWN');
    expect(v.rawState).toBe('AUTHORIZED');
    expect(v.previousState).toBe('UNKNOWN');
  });

  it('tolerates odd optional fields', () => {
    const v = view({
      payment_request_id: 'krn:x',
      state: 'expired',
      amount: 'lots',
      created_at: 12,
      state_context: 'nope',
      klarna_customer: [1],
    });
    expect(v).toMatchObject({ state: 'EXPIRED', amount: null, createdAt: null, url: null, scopes: [] });
  });

  it.each([
    ['no id', { state: 'SUBMITTED' }, 'payment_request_id'],
    ['no state', { payment_request_id: 'krn:x' }, 'state'],
    ['not an object', 'krn:x', ''],
    ['null', null, ''],
  ])('refuses %s', (_name, raw, field) => {
    expect(parsePaymentRequest(raw)).toEqual({ ok: false, field });
  });
});
