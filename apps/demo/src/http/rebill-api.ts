// The demo as a merchant of Rebill (the merchant API with its key) and as its operator (the
// shared clock, with this run's operator token).
import { callJson } from './json-http.js';

export interface SubscriptionAnswer {
  readonly id: string;
  readonly status: string;
  readonly payment_request_url?: string | null;
  readonly current_period: { readonly index: number } | null;
}

export interface ChargeAnswer {
  readonly id: string;
  readonly amount: number;
}

export type CancelMode = 'IMMEDIATELY' | 'AT_PERIOD_END';

export class RebillApi {
  constructor(
    private readonly apiUrl: string,
    private readonly apiKey: string,
    private readonly operatorToken: string,
  ) {}

  private merchant<T>(method: string, path: string, body?: unknown): Promise<T> {
    return callJson<T>(method, `${this.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${this.apiKey}` },
      ...(body === undefined ? {} : { body }),
      expect: [200, 201, 202],
    }).then((answer) => answer.body);
  }

  async createPlan(body: Record<string, unknown>): Promise<string> {
    return (await this.merchant<{ id: string }>('POST', '/v1/plans', body)).id;
  }

  async createCustomer(externalRef: string, email: string): Promise<string> {
    const body = { external_ref: externalRef, email };
    return (await this.merchant<{ id: string }>('POST', '/v1/customers', body)).id;
  }

  subscribe(customerId: string, planId: string): Promise<SubscriptionAnswer> {
    return this.merchant('POST', '/v1/subscriptions', {
      customer_id: customerId,
      plan_id: planId,
      return_url: 'https://shop.example/welcome',
    });
  }

  subscription(id: string): Promise<SubscriptionAnswer> {
    return this.merchant('GET', `/v1/subscriptions/${id}`);
  }

  async cancel(id: string, mode: CancelMode): Promise<void> {
    await this.merchant('POST', `/v1/subscriptions/${id}/cancel`, { mode });
  }

  async pause(id: string): Promise<void> {
    await this.merchant('POST', `/v1/subscriptions/${id}/pause`, {});
  }

  async resume(id: string): Promise<void> {
    await this.merchant('POST', `/v1/subscriptions/${id}/resume`, {});
  }

  /** The subscription's charges, newest first. */
  async charges(subscriptionId: string): Promise<readonly ChargeAnswer[]> {
    const page = await this.merchant<{ data: ChargeAnswer[] }>(
      'GET',
      `/v1/charges?subscription_id=${subscriptionId}`,
    );
    return page.data;
  }

  async refund(chargeId: string, amount: number | undefined): Promise<void> {
    await this.merchant('POST', `/v1/charges/${chargeId}/refunds`, {
      ...(amount === undefined ? {} : { amount }),
      reason: 'demo: customer asked for a refund',
    });
  }

  /**
   * Moves the shared clock by an ISO duration, in steps of `step` (a day by default); answers once
   * everything that became due has run.
   */
  async advanceClock(by: string, step?: string): Promise<void> {
    await callJson('POST', `${this.apiUrl}/internal/clock/advance`, {
      headers: { authorization: `Bearer ${this.operatorToken}` },
      body: step === undefined ? { by } : { by, step },
    });
  }

  async clockNow(): Promise<Date> {
    const view = await callJson<{ now: string }>('GET', `${this.apiUrl}/internal/clock`, {
      headers: { authorization: `Bearer ${this.operatorToken}` },
    });
    return new Date(view.body.now);
  }
}
