// Every field rule of CONTRACT.md §5/§6 that rejects: 400 VALIDATION_ERROR naming the parameter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodies, mintToken, stepUpConfig } from '../testing/bodies.js';
import { startSandbox, type TestSandbox } from '../testing/harness.js';
import type { ErrorResponse } from '../testing/types.js';

let sb: TestSandbox;
let cnpToken: string;
let cpToken: string;
beforeAll(async () => {
  sb = await startSandbox();
  cnpToken = await mintToken(sb);
  cpToken = await mintToken(sb, ['payment:customer_present']);
});
afterAll(async () => {
  await sb.close();
});

type Headers = Record<string, string>;
const TOKEN = (): Headers => ({ 'Klarna-Customer-Token': cnpToken });
const CP_TOKEN = (): Headers => ({ 'Klarna-Customer-Token': cpToken });
const SESSION = (): Headers => ({
  'Klarna-Network-Session-Token': 'krn:payment:eu1:klarna-network-session-token:x',
});
const NONE = (): Headers => ({});

const withPayment = (patch: Record<string, unknown>) => ({
  ...bodies.cnpCharge(),
  request_payment_transaction: { amount: 999, payment_transaction_reference: 'r', ...patch },
});
const withInteraction = (patch: Record<string, unknown>) => ({
  ...bodies.tokenize(),
  step_up_config: stepUpConfig(patch),
});
const without = (body: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));
const spd = (patch: Record<string, unknown>) => ({
  ...bodies.cnpCharge(),
  supplementary_purchase_data: { subscriptions: bodies.subscriptions, ...patch },
});

const FIRST_PLAN = 'supplementary_purchase_data.subscriptions[0].billing_plans[0]';
/** The signup subscription with its one billing plan changed by `patch`. */
const withBillingPlan = (patch: Record<string, unknown>) => ({
  ...bodies.subscriptions[0],
  billing_plans: [
    { billing_amount: 999, from: '2026-01-01', interval: 'MONTH', interval_frequency: 1, ...patch },
  ],
});

const cases: [string, () => unknown, () => Headers, string][] = [
  ['no body', () => undefined, TOKEN, 'body'],
  ['a JSON array body', () => [], TOKEN, 'body'],
  ['missing currency', () => without(bodies.cnpCharge(), 'currency'), TOKEN, 'currency'],
  ['currency not 3 letters', () => ({ ...bodies.cnpCharge(), currency: 'EURO' }), TOKEN, 'currency'],
  ['unsupported currency', () => ({ ...bodies.cnpCharge(), currency: 'JPY' }), TOKEN, 'currency'],
  ['amount 0', () => withPayment({ amount: 0 }), TOKEN, 'request_payment_transaction.amount'],
  [
    'amount above int32',
    () => withPayment({ amount: 2_147_483_648 }),
    TOKEN,
    'request_payment_transaction.amount',
  ],
  ['fractional amount', () => withPayment({ amount: 9.99 }), TOKEN, 'request_payment_transaction.amount'],
  ['amount as string', () => withPayment({ amount: '999' }), TOKEN, 'request_payment_transaction.amount'],
  [
    'missing payment reference',
    () => ({ ...bodies.cnpCharge(), request_payment_transaction: { amount: 5 } }),
    TOKEN,
    'request_payment_transaction.payment_transaction_reference',
  ],
  [
    'payment reference of 256 chars',
    () => withPayment({ payment_transaction_reference: 'x'.repeat(256) }),
    TOKEN,
    'request_payment_transaction.payment_transaction_reference',
  ],
  [
    'unknown scope',
    () => ({ ...bodies.tokenize(), request_customer_token: { scopes: ['payment:anything'] } }),
    NONE,
    'request_customer_token.scopes[0]',
  ],
  [
    'no scopes',
    () => ({ ...bodies.tokenize(), request_customer_token: { scopes: [] } }),
    NONE,
    'request_customer_token.scopes',
  ],
  [
    'HANDOVER without return_url',
    () => withInteraction({ return_url: undefined }),
    NONE,
    'step_up_config.customer_interaction_config.return_url',
  ],
  [
    'return_url not http(s)',
    () => withInteraction({ return_url: 'ftp://x' }),
    NONE,
    'step_up_config.customer_interaction_config.return_url',
  ],
  [
    'bad method',
    () => withInteraction({ method: 'POPUP' }),
    NONE,
    'step_up_config.customer_interaction_config.method',
  ],
  [
    'expiry below 15 minutes',
    () => withInteraction({ interaction_expiry: { duration: 'PT10M' } }),
    NONE,
    'step_up_config.customer_interaction_config.interaction_expiry.duration',
  ],
  [
    'expiry above 48 hours',
    () => withInteraction({ interaction_expiry: { duration: 'PT49H' } }),
    NONE,
    'step_up_config.customer_interaction_config.interaction_expiry.duration',
  ],
  [
    'expiry timestamp in the past',
    () => withInteraction({ interaction_expiry: { timestamp: '2001-01-01T00:00:00Z' } }),
    NONE,
    'step_up_config.customer_interaction_config.interaction_expiry.timestamp',
  ],
  ['(a) without step_up_config', () => without(bodies.tokenize(), 'step_up_config'), NONE, 'step_up_config'],
  [
    '(a) CNP scope without subscriptions',
    () => ({ ...bodies.tokenize(), supplementary_purchase_data: {} }),
    NONE,
    'supplementary_purchase_data.subscriptions',
  ],
  [
    '(a) CP scope without ondemand_service',
    () => ({ ...bodies.tokenize(), request_customer_token: { scopes: ['payment:customer_present'] } }),
    NONE,
    'supplementary_purchase_data.ondemand_service',
  ],
  [
    '(b) without step_up_config',
    () => without(bodies.tokenizeAndPay(), 'step_up_config'),
    NONE,
    'step_up_config',
  ],
  ['(b) sent with a customer token', () => bodies.tokenizeAndPay(), TOKEN, 'Klarna-Customer-Token'],
  [
    '(c) without request_payment_transaction',
    () => without(bodies.cnpCharge(), 'request_payment_transaction'),
    TOKEN,
    'request_payment_transaction',
  ],
  [
    '(c) without subscriptions',
    () => ({ ...bodies.cnpCharge(), supplementary_purchase_data: {} }),
    TOKEN,
    'supplementary_purchase_data.subscriptions',
  ],
  [
    '(c) with ondemand_service',
    () => spd({ ondemand_service: bodies.ondemandService }),
    TOKEN,
    'supplementary_purchase_data.ondemand_service',
  ],
  [
    '(c) with step_up_config on a CNP token (strict)',
    () => ({ ...bodies.cnpCharge(), step_up_config: stepUpConfig() }),
    TOKEN,
    'step_up_config',
  ],
  [
    '(d) without request_payment_transaction',
    () => without(bodies.cpCharge(), 'request_payment_transaction'),
    CP_TOKEN,
    'request_payment_transaction',
  ],
  [
    '(e) without request_payment_transaction',
    () => ({ currency: 'EUR' }),
    SESSION,
    'request_payment_transaction',
  ],
  [
    '(e) with step_up_config',
    () => ({ ...bodies.finalize(), step_up_config: stepUpConfig() }),
    SESSION,
    'step_up_config',
  ],
  ['(e) with an unknown session token', () => bodies.finalize(), SESSION, 'Klarna-Network-Session-Token'],
  ['no token, no token request, no session', () => bodies.cnpCharge(), NONE, 'Klarna-Customer-Token'],
  [
    'a customer token longer than 1024',
    () => bodies.cnpCharge(),
    () => ({ 'Klarna-Customer-Token': 'x'.repeat(1025) }),
    'Klarna-Customer-Token',
  ],
  [
    'integration metadata that is not a JSON object',
    () => bodies.cnpCharge(),
    () => ({ ...TOKEN(), 'Klarna-Integration-Metadata': 'not json' }),
    'Klarna-Integration-Metadata',
  ],
  [
    'billing plan with a bad interval',
    () =>
      spd({
        subscriptions: [
          {
            ...bodies.subscriptions[0],
            billing_plans: [
              { billing_amount: 1, from: '2026-01-01', interval: 'FORTNIGHT', interval_frequency: 1 },
            ],
          },
        ],
      }),
    TOKEN,
    'supplementary_purchase_data.subscriptions[0].billing_plans[0].interval',
  ],
  ...[0, -500, '0', '-12'].map((billingAmount): [string, () => unknown, () => Headers, string] => [
    `billing_amount ${JSON.stringify(billingAmount)}`,
    () => spd({ subscriptions: [withBillingPlan({ billing_amount: billingAmount })] }),
    TOKEN,
    `${FIRST_PLAN}.billing_amount`,
  ]),
  ...['2026-02-30', '2026-13-01', '2026-04-31', '2026-00-10', '2025-02-29', '2026-1-1'].map(
    (from): [string, () => unknown, () => Headers, string] => [
      `from ${from}`,
      () => spd({ subscriptions: [withBillingPlan({ from })] }),
      TOKEN,
      `${FIRST_PLAN}.from`,
    ],
  ),
  ...['SOON', 'now', '', true].map((capture): [string, () => unknown, () => Headers, string] => [
    `capture ${JSON.stringify(capture)}`,
    () => withPayment({ capture }),
    TOKEN,
    'request_payment_transaction.capture',
  ]),
  [
    'capture on a finalize',
    () => ({
      ...bodies.finalize(),
      request_payment_transaction: { amount: 999, payment_transaction_reference: 'r', capture: 'ALWAYS' },
    }),
    SESSION,
    'request_payment_transaction.capture',
  ],
  [
    'line item without a name',
    () => spd({ line_items: [{ quantity: 1, unit_price: 1, total_amount: 1 }] }),
    TOKEN,
    'supplementary_purchase_data.line_items[0].name',
  ],
];

describe('authorize validation', () => {
  it.each(cases)('400 for %s, naming %s', async (_name, body, headers, parameter) => {
    const res = await sb.authorize<ErrorResponse>(body(), headers());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'INPUT_ERROR', error_code: 'VALIDATION_ERROR' });
    expect(res.body.validation_errors?.map((e) => e.parameter)).toContain(parameter);
    expect(res.headers.get('klarna-correlation-id')).toBeTruthy();
  });

  it('names every failing parameter at once', async () => {
    const res = await sb.authorize<ErrorResponse>(
      { currency: 'EURO', request_payment_transaction: { amount: -1 } },
      TOKEN(),
    );
    expect(res.body.validation_errors?.map((e) => e.parameter).sort()).toEqual([
      'currency',
      'request_payment_transaction.amount',
      'request_payment_transaction.payment_transaction_reference',
    ]);
  });

  it('400 naming body for malformed JSON, never a 500', async () => {
    const res = await sb.request<ErrorResponse>(
      'POST',
      `/v2/accounts/krn:partner:global:account:test:M1/payment/authorize`,
      {
        rawBody: '{"currency": "EUR",',
        headers: TOKEN(),
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.validation_errors).toEqual([{ parameter: 'body', reason: 'is not valid JSON' }]);
  });

  it('400 naming Content-Type for a non-JSON body', async () => {
    const res = await sb.request<ErrorResponse>(
      'POST',
      `/v2/accounts/krn:partner:global:account:test:M1/payment/authorize`,
      {
        rawBody: 'currency=EUR',
        headers: { ...TOKEN(), 'Content-Type': 'application/x-www-form-urlencoded' },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.validation_errors?.[0]?.parameter).toBe('Content-Type');
  });

  it('413 in the error format for a body above the limit', async () => {
    const res = await sb.request<ErrorResponse>(
      'POST',
      `/v2/accounts/krn:partner:global:account:test:M1/payment/authorize`,
      {
        rawBody: JSON.stringify({ currency: 'EUR', pad: 'x'.repeat(1_100_000) }),
        headers: TOKEN(),
      },
    );
    expect(res.status).toBe(413);
    expect(res.body.error_code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([['krn:partner:global:account:prod:M1'], ['krn:partner:global:account:test:M-1'], ['merchant1']])(
    '400 naming partner_account_id for %s',
    async (account) => {
      const res = await sb.authorize<ErrorResponse>(bodies.cnpCharge(), TOKEN(), account);
      expect(res.status).toBe(400);
      expect(res.body.validation_errors?.[0]?.parameter).toBe('partner_account_id');
    },
  );

  it('403 FORBIDDEN when Klarna-Partner-Account names another account', async () => {
    const res = await sb.authorize<ErrorResponse>(bodies.cnpCharge(), {
      ...TOKEN(),
      'Klarna-Partner-Account': 'krn:partner:global:account:test:SOMEONEELSE',
    });
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe('FORBIDDEN');
  });

  it.each([
    ['a leap day', { from: '2028-02-29' }],
    ['the last day of a 31-day month', { from: '2026-12-31' }],
    ['billing_amount 1 as a number', { billing_amount: 1 }],
    ['billing_amount as a positive numeric string', { billing_amount: '999' }],
  ])('accepts a billing plan with %s', async (_name, patch) => {
    const res = await sb.authorize(spd({ subscriptions: [withBillingPlan(patch)] }), TOKEN());
    expect(res.status).toBe(200);
  });

  it('ignores unknown fields and accepts billing_amount as a numeric string', async () => {
    const body = spd({
      subscriptions: [
        {
          ...bodies.subscriptions[0],
          billing_plans: [
            { billing_amount: '999', from: '2026-01-01', interval: 'MONTH', interval_frequency: 1 },
          ],
        },
      ],
      whatever: { nested: true },
    });
    const res = await sb.authorize({ ...body, future_field: 1 }, TOKEN());
    expect(res.status).toBe(200);
  });
});
