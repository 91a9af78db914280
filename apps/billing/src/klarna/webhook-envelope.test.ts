import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reveal } from '../secrets/reveal.js';
import { rendered } from './klarna.test-support.js';
import { SEALED, sealSecrets } from './seal-secrets.js';
import { parseKlarnaWebhook, type KlarnaWebhookEvent } from './webhook-envelope.js';

const TOKEN = 'krn:customer-token:eu1:6c1e-raw-customer-token';
const SESSION = 'krn:payment:eu1:klarna-network-session-token:9a2f-raw-session';

const metadata = {
  event_type: 'payment.request.state-change.completed',
  event_id: '0b0c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e',
  event_version: 'v2',
  occurred_at: '2026-03-06T09:51:59.123Z',
  subject_account_id: 'krn:partner:global:account:test:MERCHANT1',
  recipient_account_id: 'krn:partner:global:account:test:REBILLACQ',
  product_instance_id: 'krn:partner:global:account:product:payment:MERCHANT1',
  webhook_id: 'krn:partner:global:notification:webhook:1',
  live: false,
};

/** The §10.4 payload, as the sandbox sends it. */
const completedPayload = {
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
      customer_token_reference: 'tok_sub_42',
      scopes: ['payment:customer_not_present'],
    },
  },
  expires_at: '2026-03-06T12:00:00.000Z',
  created_at: '2026-03-06T09:00:00.000Z',
  updated_at: '2026-03-06T09:51:59.123Z',
  customer_interaction_config: { method: 'HANDOVER', return_url: 'https://shop.example/return' },
  klarna_network_session_token: SESSION,
  klarna_customer: {
    customer_token: TOKEN,
    customer_token_reference: 'tok_sub_42',
    scopes: ['payment:customer_not_present'],
  },
};

const body = (envelope: unknown) => Buffer.from(JSON.stringify(envelope), 'utf8');

function parsed(envelope: unknown): KlarnaWebhookEvent {
  const result = parseKlarnaWebhook(body(envelope));
  if (!result.ok) throw new Error(`did not parse: ${result.problem.message}`);
  return result.event;
}

describe('parseKlarnaWebhook', () => {
  it('reads a completed payment request event', () => {
    const event = parsed({ metadata, payload: completedPayload });
    expect(event).toMatchObject({
      eventId: metadata.event_id,
      eventType: 'payment.request.state-change.completed',
      eventVersion: 'v2',
      occurredAt: new Date('2026-03-06T09:51:59.123Z'),
      subjectAccountId: 'krn:partner:global:account:test:MERCHANT1',
      recipientAccountId: 'krn:partner:global:account:test:REBILLACQ',
      productInstanceId: 'krn:partner:global:account:product:payment:MERCHANT1',
      webhookId: 'krn:partner:global:notification:webhook:1',
      live: false,
      payloadProblem: null,
      paymentRequest: {
        paymentRequestId: 'krn:payment:eu1:request:1',
        state: 'COMPLETED',
        tokenReference: 'tok_sub_42',
      },
    });
    expect(event.secrets.customerToken && reveal(event.secrets.customerToken)).toBe(TOKEN);
    expect(event.secrets.networkSessionToken && reveal(event.secrets.networkSessionToken)).toBe(SESSION);
  });

  it('seals every token in storablePayload and keeps the rest', () => {
    const event = parsed({ metadata, payload: completedPayload });
    expect(event.storablePayload).toEqual({
      ...completedPayload,
      state_context: {
        klarna_network_session_token: SEALED,
        klarna_customer: { ...completedPayload.state_context.klarna_customer, customer_token: SEALED },
      },
      klarna_network_session_token: SEALED,
      klarna_customer: { ...completedPayload.klarna_customer, customer_token: SEALED },
    });
  });

  it('shows no raw token anywhere in the event, however it is rendered', () => {
    const text = rendered(parsed({ metadata, payload: completedPayload }));
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SESSION);
  });

  it('parses an unknown event type, with no payment request, still sealing tokens', () => {
    const event = parsed({
      metadata: { ...metadata, event_type: 'customer.token.revoked', live: 'yes' },
      payload: { customer_token: TOKEN, customer_token_reference: 'tok_1', note: `was ${TOKEN}` },
    });
    expect(event.paymentRequest).toBeNull();
    expect(event.payloadProblem).toBeNull();
    expect(event.live).toBeNull();
    expect(event.storablePayload).toEqual({
      customer_token: SEALED,
      customer_token_reference: 'tok_1',
      note: SEALED,
    });
  });

  it.each([
    'payment.transaction.captured',
    'payment.transaction.refunded',
    'payment.transaction.state-change.expired',
    'payment.transaction.state-change.completed',
    'payment.transaction.state-change.closed',
  ])('parses %s: its payload stored as sent (it holds no token), no secrets', (eventType) => {
    const payload = {
      payment_transaction_id: 'krn:payment:eu1:transaction:1',
      payment_transaction_reference: 'sub_42-1',
      state: 'COMPLETED',
      previous_state: 'AUTHORIZED',
      amount: 999,
      currency: 'EUR',
      payment_capture_id: 'krn:payment:eu1:capture:1',
      payment_capture_reference: 'cap-1',
      payment_refund_id: 'krn:payment:eu1:refund:1',
      payment_refund_reference: 'ref-1',
    };
    const event = parsed({ metadata: { ...metadata, event_type: eventType }, payload });
    expect(event.eventType).toBe(eventType);
    expect(event.paymentRequest).toBeNull();
    expect(event.payloadProblem).toBeNull();
    expect(event.secrets).toEqual({});
    expect(event.storablePayload).toEqual(payload);
  });

  it('still seals a token that turned up in a payment.transaction payload', () => {
    const event = parsed({
      metadata: { ...metadata, event_type: 'payment.transaction.captured' },
      payload: { payment_transaction_id: 'krn:payment:eu1:transaction:1', customer_token: TOKEN },
    });
    expect(event.storablePayload).toEqual({
      payment_transaction_id: 'krn:payment:eu1:transaction:1',
      customer_token: SEALED,
    });
  });

  it('names the field of a payment.request payload it cannot read, but still parses the event', () => {
    const event = parsed({ metadata, payload: { state: 'COMPLETED' } });
    expect(event.paymentRequest).toBeNull();
    expect(event.payloadProblem).toBe('payload.payment_request_id');
  });

  it.each<[string, Buffer, string, string | null]>([
    ['not JSON', Buffer.from('{"metadata":'), 'INVALID_JSON', null],
    ['not an object', body([1]), 'INVALID_ENVELOPE', 'metadata'],
    ['no metadata', body({ payload: {} }), 'INVALID_ENVELOPE', 'metadata'],
    [
      'no event id',
      body({ metadata: { ...metadata, event_id: undefined }, payload: {} }),
      'INVALID_ENVELOPE',
      'metadata.event_id',
    ],
    [
      'no event type',
      body({ metadata: { ...metadata, event_type: '' }, payload: {} }),
      'INVALID_ENVELOPE',
      'metadata.event_type',
    ],
    [
      'a bad time',
      body({ metadata: { ...metadata, occurred_at: 'soon' }, payload: {} }),
      'INVALID_ENVELOPE',
      'metadata.occurred_at',
    ],
  ])('refuses %s', (_name, raw, code, field) => {
    const result = parseKlarnaWebhook(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ code, field });
  });
});

describe('sealSecrets', () => {
  it('keeps references and non-token KRNs, seals KRN tokens under any token-ish name', () => {
    expect(
      sealSecrets({
        customer_token_reference: 'tok_42',
        payment_request_id: 'krn:payment:eu1:request:1',
        previous_token: 'krn:partner:us1:live:identity:customer-token:abc',
        tokens: ['krn:x:1', 'plain'],
        tokenized: true,
        session_token: 'opaque-anything',
        payment_token: 'opaque-anything',
        note: 'krn:customer-token:eu1:pasted-somewhere',
      }),
    ).toEqual({
      customer_token_reference: 'tok_42',
      payment_request_id: 'krn:payment:eu1:request:1',
      previous_token: SEALED,
      tokens: [SEALED, 'plain'],
      tokenized: true,
      session_token: SEALED,
      payment_token: SEALED,
      note: SEALED,
    });
  });

  it('seals object keys holding a known secret and keeps "__proto__" a plain member', () => {
    const payload = JSON.parse(
      `{"__proto__": {"a": 1}, "${TOKEN}": 1, "by_token": {"x": "${TOKEN}"}}`,
    ) as unknown;
    const sealed = sealSecrets(payload, [TOKEN]) as Record<string, unknown>;
    expect(JSON.stringify(sealed)).not.toContain(TOKEN);
    expect(Object.getPrototypeOf(sealed)).toBe(Object.prototype);
    expect(Object.keys(sealed)).toEqual(['__proto__', SEALED, 'by_token']);
  });

  it('replaces structures nested deeper than any Klarna payload', () => {
    let deep: unknown = TOKEN.replace('krn:', 'k-');
    for (let i = 0; i < 100; i++) deep = { a: deep };
    expect(JSON.stringify(sealSecrets(deep))).toContain(SEALED);
  });
});

describe('property: storablePayload never holds a raw token', () => {
  const krnToken = fc.uuid().map((id) => `krn:customer-token:eu1:${id}`);
  const krnSession = fc.uuid().map((id) => `krn:payment:eu1:klarna-network-session-token:${id}`);
  // Tokens are opaque (§7 CONFLICT on format): at the §10.4 locations, anything counts.
  const opaqueToken = fc.stringMatching(/^[A-Za-z0-9_\-.:]{16,40}$/);
  const anyToken = fc.oneof(krnToken, opaqueToken);
  const tokenishKey = fc
    .tuple(
      fc.stringMatching(/^[a-z_]{0,6}$/),
      fc.constantFrom('token', 'Token', 'TOKEN'),
      fc.stringMatching(/^[a-z_]{0,6}$/),
    )
    .map(([a, b, c]) => `${a}${b}${c}`);
  const path = fc.array(fc.stringMatching(/^[a-z_]{1,8}$/), { minLength: 0, maxLength: 4 });

  /** Sets `value` at `keys` inside `root`, creating objects (and overwriting non-objects) on the way. */
  function put(root: Record<string, unknown>, keys: string[], value: unknown): void {
    let node = root;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = keys.at(-1);
    if (last !== undefined) node[last] = value;
  }

  it('for random payloads with tokens at the §10.4 locations, under token-ish names and copied anywhere', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })),
        anyToken,
        anyToken,
        fc.subarray(['ctx_customer', 'top_customer', 'ctx_session', 'top_session', 'nested_7'] as const, {
          minLength: 1,
        }),
        fc.array(fc.tuple(path, tokenishKey, fc.oneof(krnToken, krnSession)), { maxLength: 3 }),
        fc.array(path, { maxLength: 3 }),
        fc.constantFrom(
          'payment.request.state-change.completed',
          'payment.request.updated',
          'something.else',
        ),
        (randomPayload, customerToken, sessionToken, locations, krnPlacements, copyPaths, eventType) => {
          const payload: Record<string, unknown> = structuredClone(randomPayload);
          payload.payment_request_id = 'krn:payment:eu1:request:1';
          payload.state = 'COMPLETED';
          const raw: string[] = [];
          for (const location of locations) {
            switch (location) {
              case 'ctx_customer':
                put(payload, ['state_context', 'klarna_customer', 'customer_token'], customerToken);
                raw.push(customerToken);
                break;
              case 'top_customer':
                put(payload, ['klarna_customer', 'customer_token'], customerToken);
                raw.push(customerToken);
                break;
              case 'ctx_session':
                put(payload, ['state_context', 'klarna_network_session_token'], sessionToken);
                raw.push(sessionToken);
                break;
              case 'top_session':
                put(payload, ['klarna_network_session_token'], sessionToken);
                raw.push(sessionToken);
                break;
              case 'nested_7':
                put(payload, ['customer_token_response', 'customer_token', 'customer_token'], customerToken);
                raw.push(customerToken);
                break;
            }
          }
          for (const [keys, key, token] of krnPlacements) {
            put(payload, [...keys, key], token);
            raw.push(token);
          }
          // Copies of the tokens under names that say nothing, inside other text.
          copyPaths.forEach((keys, i) => {
            put(payload, [...keys, 'note'], `see ${raw[i % raw.length] ?? customerToken}!`);
          });

          const result = parseKlarnaWebhook(
            body({ metadata: { ...metadata, event_type: eventType }, payload }),
          );
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          const stored = JSON.stringify(result.event.storablePayload);
          const everything = rendered(result.event);
          for (const token of raw) {
            expect(stored).not.toContain(token);
            expect(everything).not.toContain(token);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
