// Shared by the Klarna client's tests over real HTTP: a real sandbox, a client pointed at it with
// a logger that keeps every line, and Rebill-side inputs for each scenario.
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { expect } from 'vitest';
import { KlarnaHttp, type KlarnaHttpConfig } from '../../apps/billing/src/klarna/http.js';
import { KlarnaNetworkGateway } from '../../apps/billing/src/klarna/klarna-network-gateway.js';
import { KlarnaPaymentTransactions } from '../../apps/billing/src/klarna/klarna-payment-transactions.js';
import { capturingLogger, type CapturingLogger } from '../../apps/billing/src/klarna/klarna.test-support.js';
import type {
  ChargeTokenInput,
  StartSignupInput,
  SubscriptionTerms,
} from '../../apps/billing/src/klarna/port.js';
import type { CustomerTokenSecret } from '../../apps/billing/src/secrets/secret.js';
import {
  startSandbox,
  TEST_ACCOUNT,
  type TestSandbox,
} from '../../apps/klarna-sandbox/src/testing/harness.js';

export { TEST_ACCOUNT };

export interface ClientRig {
  sb: TestSandbox;
  http: KlarnaHttp;
  gateway: KlarnaNetworkGateway;
  /** The money operations (§18) over the same agent as `gateway`. */
  transactions: KlarnaPaymentTransactions;
  logger: CapturingLogger;
  /** Another client on the same sandbox (own agent, own logger), e.g. with a short timeout. */
  client(overrides?: Partial<KlarnaHttpConfig>): {
    http: KlarnaHttp;
    gateway: KlarnaNetworkGateway;
    transactions: KlarnaPaymentTransactions;
    logger: CapturingLogger;
  };
  close(): Promise<void>;
}

export async function startClientRig(): Promise<ClientRig> {
  const sb = await startSandbox();
  const extra: KlarnaHttp[] = [];
  const client = (overrides: Partial<KlarnaHttpConfig> = {}) => {
    const logger = capturingLogger();
    const http = new KlarnaHttp({ baseUrl: sb.baseUrl, apiKey: sb.config.apiKey, logger, ...overrides });
    extra.push(http);
    return {
      http,
      gateway: new KlarnaNetworkGateway(http),
      transactions: new KlarnaPaymentTransactions(http),
      logger,
    };
  };
  const main = client();
  return {
    sb,
    ...main,
    client,
    close: async () => {
      await Promise.all(extra.map((http) => http.close()));
      await sb.close();
    },
  };
}

export const key = (): string => randomUUID();

/** `expect.any(String)`, typed so it can sit inside an expected object. */
export const anyString = expect.any(String) as unknown;

export const subscription: SubscriptionTerms = {
  reference: 'sub_42',
  name: 'Pro plan',
  freeTrial: false,
  billingPlans: [
    { amountMinor: 999, currency: 'EUR', from: '2026-01-01', interval: 'MONTH', intervalCount: 1 },
  ],
};

/** Scenario (a) without an amount, (b) with one. References are unique per call. */
export function signupInput(withAmount?: number): StartSignupInput {
  const id = randomUUID().slice(0, 8);
  const common = {
    accountId: TEST_ACCOUNT,
    currency: 'EUR',
    purchaseReference: `SIGNUP-${id}`,
    subscription,
    tokenReference: `tok_${id}`,
    paymentRequestReference: `signup_${id}`,
    returnUrl: 'https://shop.example/klarna/return?pr={klarna.payment_request.id}',
    interactionExpiry: 'PT1H',
  };
  return withAmount === undefined
    ? common
    : { ...common, amountMinor: withAmount, transactionReference: `sub_${id}-first`, capture: 'NOW' };
}

export function chargeInput(customerToken: CustomerTokenSecret, amountMinor = 999): ChargeTokenInput {
  const id = randomUUID().slice(0, 8);
  return {
    accountId: TEST_ACCOUNT,
    currency: 'EUR',
    amountMinor,
    transactionReference: `sub_42-${id}`,
    purchaseReference: `INV-${id}`,
    capture: 'NOW',
    subscription,
    lineItems: [
      {
        name: 'Pro plan',
        quantity: 1,
        unitPriceMinor: amountMinor,
        totalAmountMinor: amountMinor,
        subscriptionReference: 'sub_42',
      },
    ],
    customerToken,
  };
}

/** Every way a value could be shown: JSON and util.inspect. */
export function rendered(value: unknown): string {
  return `${JSON.stringify(value)}\n${inspect(value, { depth: 20, showHidden: true })}`;
}
