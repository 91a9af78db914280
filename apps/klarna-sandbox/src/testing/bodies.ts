// Request bodies for each authorize scenario (CONTRACT.md §6 examples), for tests and the README.
import type { TestSandbox } from './harness.js';
import { TEST_ACCOUNT } from './harness.js';

const subscriptions = [
  {
    subscription_reference: 'sub_42',
    name: 'Pro plan',
    free_trial: 'INACTIVE',
    billing_plans: [
      { billing_amount: 999, currency: 'EUR', from: '2026-01-01', interval: 'MONTH', interval_frequency: 1 },
    ],
  },
];
const ondemandService = {
  average_amount: 2000,
  minimum_amount: 500,
  maximum_amount: 5000,
  purchase_interval: 'MONTH',
  purchase_interval_frequency: 1,
};

export const stepUpConfig = (overrides: Record<string, unknown> = {}) => ({
  payment_request_reference: 'signup_42',
  customer_interaction_config: {
    method: 'HANDOVER',
    return_url: 'https://shop.example/klarna/return?pr={klarna.payment_request.id}',
    ...overrides,
  },
});

/** The one subscription line the signup and renewal bodies carry. */
function proPlanLineItems(amount: number) {
  return [
    {
      name: 'Pro plan',
      quantity: 1,
      unit_price: amount,
      total_amount: amount,
      subscription_reference: 'sub_42',
    },
  ];
}

export const bodies = {
  /** (a) tokenize only, CNP scope. */
  tokenize: (ref = 'tok_sub_42') => ({
    currency: 'EUR',
    request_customer_token: { scopes: ['payment:customer_not_present'], customer_token_reference: ref },
    step_up_config: stepUpConfig(),
    supplementary_purchase_data: { purchase_reference: 'SIGNUP-42', subscriptions },
  }),
  /** (b) tokenize with a first payment. */
  tokenizeAndPay: (amount = 999, ref = 'sub_42-2026-01') => ({
    currency: 'EUR',
    request_payment_transaction: { amount, payment_transaction_reference: ref },
    request_customer_token: {
      scopes: ['payment:customer_not_present'],
      customer_token_reference: 'tok_sub_42',
    },
    step_up_config: stepUpConfig(),
    supplementary_purchase_data: {
      purchase_reference: 'SIGNUP-42',
      line_items: proPlanLineItems(amount),
      subscriptions,
    },
  }),
  /** (c) customer-not-present renewal; send with Klarna-Customer-Token. */
  cnpCharge: (amount = 999, ref = 'sub_42-2026-02') => ({
    currency: 'EUR',
    request_payment_transaction: { amount, payment_transaction_reference: ref },
    supplementary_purchase_data: {
      purchase_reference: 'INV-2026-02-0042',
      line_items: proPlanLineItems(amount),
      subscriptions,
    },
  }),
  /** (d) customer-present token charge; send with Klarna-Customer-Token. */
  cpCharge: (amount = 2500, ref = 'order_7') => ({
    currency: 'EUR',
    request_payment_transaction: { amount, payment_transaction_reference: ref },
    step_up_config: stepUpConfig({ return_url: 'https://shop.example/return' }),
    supplementary_purchase_data: { ondemand_service: ondemandService },
  }),
  /** (e) finalize; send with Klarna-Network-Session-Token. */
  finalize: (amount = 999, ref = 'sub_42-2026-01') => ({
    currency: 'EUR',
    request_payment_transaction: { amount, payment_transaction_reference: ref },
  }),
  ondemandService,
  subscriptions,
};

/** Mints an ACTIVE token through the SIM control. */
export async function mintToken(
  sb: TestSandbox,
  scopes: string[] = ['payment:customer_not_present'],
  account = TEST_ACCOUNT,
): Promise<string> {
  const res = await sb.sim<{ customer_token: string }>('POST', '/customer-tokens', {
    account_id: account,
    scopes,
  });
  if (res.status !== 201) throw new Error(`mint failed: ${res.text}`);
  return res.body.customer_token;
}
