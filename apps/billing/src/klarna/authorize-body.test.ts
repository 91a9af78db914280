import { describe, expect, it } from 'vitest';
import { Secret } from '../secrets/secret.js';
import { cnpChargeBody, finalizeBody, signupBody } from './authorize-body.js';
import type { ChargeTokenInput, StartSignupInput, SubscriptionTerms } from './port.js';

const ACCOUNT = 'krn:partner:global:account:test:M1';

const subscription: SubscriptionTerms = {
  reference: 'sub_42',
  name: 'Pro plan',
  freeTrial: false,
  billingPlans: [
    { amountMinor: 999, currency: 'EUR', from: '2026-01-01', interval: 'MONTH', intervalCount: 1 },
  ],
};

const subscriptionWire = {
  subscription_reference: 'sub_42',
  name: 'Pro plan',
  free_trial: 'INACTIVE',
  billing_plans: [
    { billing_amount: 999, currency: 'EUR', from: '2026-01-01', interval: 'MONTH', interval_frequency: 1 },
  ],
};

const signupCommon = {
  accountId: ACCOUNT,
  currency: 'EUR',
  purchaseReference: 'SIGNUP-42',
  subscription,
  tokenReference: 'tok_sub_42',
  paymentRequestReference: 'signup_42',
  returnUrl: 'https://shop.example/klarna/return',
};

const token = Secret.wrap('klarna-customer-token', 'krn:customer-token:eu1:raw');

describe('signupBody', () => {
  it('(a) tokenize only: no request_payment_transaction', () => {
    expect(signupBody({ ...signupCommon, interactionExpiry: 'PT1H' })).toEqual({
      currency: 'EUR',
      request_customer_token: {
        scopes: ['payment:customer_not_present'],
        customer_token_reference: 'tok_sub_42',
      },
      step_up_config: {
        payment_request_reference: 'signup_42',
        customer_interaction_config: {
          method: 'HANDOVER',
          return_url: 'https://shop.example/klarna/return',
          interaction_expiry: { duration: 'PT1H' },
        },
      },
      supplementary_purchase_data: { purchase_reference: 'SIGNUP-42', subscriptions: [subscriptionWire] },
    });
  });

  it('(b) with a first payment, capture and line items', () => {
    const input: StartSignupInput = {
      ...signupCommon,
      amountMinor: 999,
      transactionReference: 'sub_42-2026-01',
      capture: 'NOW',
      subscription: { ...subscription, freeTrial: true },
      lineItems: [
        {
          name: 'Pro plan',
          quantity: 1,
          unitPriceMinor: 999,
          totalAmountMinor: 999,
          subscriptionReference: 'sub_42',
        },
      ],
    };
    const body = signupBody(input);
    expect(body.request_payment_transaction).toEqual({
      amount: 999,
      payment_transaction_reference: 'sub_42-2026-01',
      capture: 'NOW',
    });
    expect(body.step_up_config.customer_interaction_config).toEqual({
      method: 'HANDOVER',
      return_url: 'https://shop.example/klarna/return',
    });
    expect(body.supplementary_purchase_data).toEqual({
      purchase_reference: 'SIGNUP-42',
      line_items: [
        {
          name: 'Pro plan',
          quantity: 1,
          unit_price: 999,
          total_amount: 999,
          subscription_reference: 'sub_42',
        },
      ],
      subscriptions: [{ ...subscriptionWire, free_trial: 'ACTIVE' }],
    });
  });
});

describe('cnpChargeBody (c)', () => {
  const charge: ChargeTokenInput = {
    accountId: ACCOUNT,
    currency: 'EUR',
    amountMinor: 999,
    transactionReference: 'sub_42-2026-02',
    purchaseReference: 'INV-2026-02-0042',
    capture: 'LATER',
    subscription,
    customerToken: token,
  };

  it('re-sends the subscription and never carries step_up_config or the token', () => {
    const body = cnpChargeBody(charge);
    expect(body).toEqual({
      currency: 'EUR',
      request_payment_transaction: {
        amount: 999,
        payment_transaction_reference: 'sub_42-2026-02',
        capture: 'LATER',
      },
      supplementary_purchase_data: {
        purchase_reference: 'INV-2026-02-0042',
        subscriptions: [subscriptionWire],
      },
    });
    expect(JSON.stringify(body)).not.toContain('krn:customer-token');
  });

  it('leaves out step-up fields even when the input object carries them', () => {
    // A caller passing a signup-shaped object by mistake: the builder names its fields, so the
    // return URL and payment request reference cannot become a step_up_config.
    const sloppy = { ...charge, ...signupCommon, step_up_config: { x: 1 } } as unknown as ChargeTokenInput;
    const body = cnpChargeBody(sloppy);
    expect(Object.keys(body).sort()).toEqual([
      'currency',
      'request_payment_transaction',
      'supplementary_purchase_data',
    ]);
  });
});

describe('finalizeBody (e)', () => {
  const session = Secret.wrap(
    'klarna-network-session-token',
    'krn:payment:eu1:klarna-network-session-token:raw',
  );

  it('sends only the money when no purchase data is given', () => {
    expect(
      finalizeBody({
        accountId: ACCOUNT,
        currency: 'EUR',
        amountMinor: 999,
        transactionReference: 'sub_42-2026-01',
        capture: 'NOW',
        networkSessionToken: session,
      }),
    ).toEqual({
      currency: 'EUR',
      request_payment_transaction: {
        amount: 999,
        payment_transaction_reference: 'sub_42-2026-01',
        capture: 'NOW',
      },
    });
  });

  it('adds supplementary_purchase_data when given', () => {
    const body = finalizeBody({
      accountId: ACCOUNT,
      currency: 'EUR',
      amountMinor: 999,
      transactionReference: 'sub_42-2026-01',
      capture: 'NOW',
      networkSessionToken: session,
      purchaseReference: 'SIGNUP-42',
      subscription,
    });
    expect(body.supplementary_purchase_data).toEqual({
      purchase_reference: 'SIGNUP-42',
      subscriptions: [subscriptionWire],
    });
  });
});
