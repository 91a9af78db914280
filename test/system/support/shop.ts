// A merchant's view of a world, for system tests: its plans, customers and subscriptions over the
// real API, and the customer's side of Klarna's journey through the sandbox's /__sim controls.
import { expect } from 'vitest';
import { eventually } from './eventually.js';
import type { HttpAnswer } from './recording-http.js';
import type { Merchant, World } from './world.js';

export interface SubscriptionView {
  id: string;
  status: string;
  requires_new_token: boolean;
  token_id: string | null;
  ended_reason: string | null;
  next_action: { kind: string; at: string } | null;
  current_period: { index: number; start: string; end: string } | null;
  trial_ends_at: string | null;
  payment_request: { id: string; state: string; url: string | null; expires_at: string | null } | null;
  /** Only in the answer to POST /v1/subscriptions. */
  payment_request_url?: string | null;
  /** Only in a 503/502 problem. */
  subscription_id?: string;
}

/** A charge in the sandbox's ledger. */
export interface LedgerEntry {
  customer_token: string | null;
  payment_transaction_reference: string;
  amount: number;
}

export type JourneyStep = 'enter' | 'complete' | 'decline' | 'abort';

export class Shop {
  constructor(
    readonly world: World,
    readonly merchant: Merchant,
  ) {}

  static async open(world: World, name: string): Promise<Shop> {
    return new Shop(world, await world.createMerchant(name));
  }

  async createPlan(body: Record<string, unknown>): Promise<string> {
    const res = await this.world.api<{ id: string }>(this.merchant, 'POST', '/v1/plans', {
      body: { interval: 'MONTH', ...body },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }

  async createCustomer(): Promise<string> {
    const res = await this.world.api<{ id: string }>(this.merchant, 'POST', '/v1/customers', {
      body: { external_ref: `customer-${Math.random().toString(36).slice(2)}`, email: 'ada@example.com' },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }

  /** POST /v1/subscriptions for a new customer (or the one given); the answer as it came. */
  async trySubscribe(
    planId: string,
    options: { headers?: Record<string, string>; customerId?: string } = {},
  ): Promise<HttpAnswer<SubscriptionView>> {
    const customerId = options.customerId ?? (await this.createCustomer());
    return this.world.api<SubscriptionView>(this.merchant, 'POST', '/v1/subscriptions', {
      body: { customer_id: customerId, plan_id: planId, return_url: 'https://shop.example/return' },
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
  }

  async subscribe(planId: string): Promise<SubscriptionView> {
    const res = await this.trySubscribe(planId);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  async subscription(id: string): Promise<SubscriptionView> {
    const res = await this.world.api<SubscriptionView>(this.merchant, 'GET', `/v1/subscriptions/${id}`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  /** The customer acts in Klarna's journey (the sandbox's customer controls). */
  async customer(step: JourneyStep, sub: SubscriptionView): Promise<void> {
    const res = await this.world.sandbox.sim(
      'POST',
      `/payment-requests/${encodeURIComponent(journeyId(sub))}/${step}`,
    );
    expect(res.status, res.text).toBe(200);
  }

  /** The customer tokens Klarna issued on this merchant's account, oldest first. */
  async klarnaTokens(): Promise<string[]> {
    const res = await this.world.sandbox.sim<{ customer_tokens: { customer_token: string }[] }>(
      'GET',
      `/customer-tokens?account_id=${encodeURIComponent(this.merchant.klarnaAccount)}`,
    );
    return res.body.customer_tokens.map((t) => t.customer_token);
  }

  /** The sandbox ledger's charges of this merchant whose reference starts with `prefix`. */
  async ledger(prefix: string): Promise<LedgerEntry[]> {
    const res = await this.world.sandbox.sim<{ entries: LedgerEntry[] }>(
      'GET',
      `/ledger?account_id=${encodeURIComponent(this.merchant.klarnaAccount)}`,
    );
    return res.body.entries.filter((e) => e.payment_transaction_reference.startsWith(prefix));
  }

  /** Lets everything in flight settle (a one-second clock advance waits for it), then expects `status`. */
  async settledAs(id: string, status: string): Promise<SubscriptionView> {
    await this.world.advanceClock('PT1S');
    return eventually(async () => {
      const sub = await this.subscription(id);
      expect(sub.status).toBe(status);
      return sub;
    });
  }
}

/** The Klarna payment request id behind a subscription's journey URL. */
export function journeyId(sub: SubscriptionView): string {
  const url = sub.payment_request_url ?? sub.payment_request?.url ?? '';
  const id = decodeURIComponent(url.split('/journey/')[1] ?? '');
  if (id === '') throw new Error(`no journey URL on ${JSON.stringify(sub)}`);
  return id;
}
