import { describe, expect } from 'vitest';
import {
  seedCustomer,
  seedCustomerToken,
  seedPaymentRequest,
  seedPlan,
  seedSubscription,
} from '../../store/testing/seed.js';
import { buildApiApp } from '../app.js';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';

const RETURN_URL = 'https://shop.example/after-klarna';

describe('POST /v1/subscriptions', () => {
  apiTest(
    'starts a signup through the port and answers 201 with the journey URL',
    async ({ app, merchant, signups, prisma }) => {
      const customer = await seedCustomer(prisma, merchant.merchantId);
      const { plan, version } = await seedPlan(prisma, merchant.merchantId, {
        currency: 'EUR',
        amountMinor: 1500,
      });

      const response = await app.inject({
        method: 'POST',
        url: '/v1/subscriptions',
        headers: { ...merchant.headers, 'idempotency-key': 'sub-1' },
        payload: {
          customer_id: customer.id,
          plan_id: plan.id,
          return_url: RETURN_URL,
          time_zone: 'America/New_York',
        },
      });

      expectStatus(response, 201);
      const body = response.json<{ id: string; payment_request: { url: string } }>();
      expect(body).toMatchObject({
        object: 'subscription',
        status: 'PENDING_TOKENIZATION',
        customer_id: customer.id,
        plan: { id: plan.id, version: 1 },
        currency: 'EUR',
        time_zone: 'America/New_York',
        current_period: null,
        token_id: null,
        requires_new_token: false,
        payment_request: { state: 'SUBMITTED' },
        phases: [{ plan_version_id: version.id, plan_version: 1, first_period_index: 0 }],
      });
      expect(body.payment_request.url).toMatch(/^https:\/\//);
      expect(response.json()).toMatchObject({ payment_request_url: body.payment_request.url });
      const record = await prisma.apiIdempotencyRecord.findFirstOrThrow({
        where: { merchantId: merchant.merchantId, key: 'sub-1' },
      });
      expect(signups.calls).toEqual([
        {
          method: 'start',
          input: {
            merchantId: merchant.merchantId,
            customerId: customer.id,
            planId: plan.id,
            returnUrl: RETURN_URL,
            timeZone: 'America/New_York',
            actor: { kind: 'API_KEY', id: merchant.apiKeyId },
            idempotencyRecordId: record.id,
          },
        },
      ]);
    },
  );

  apiTest(
    "passes no time zone and no record when none was sent (the merchant's zone applies)",
    async ({ app, merchant, signups, prisma }) => {
      const customer = await seedCustomer(prisma, merchant.merchantId);
      const { plan } = await seedPlan(prisma, merchant.merchantId);

      const response = await app.inject({
        method: 'POST',
        url: '/v1/subscriptions',
        headers: merchant.headers,
        payload: { customer_id: customer.id, plan_id: plan.id, return_url: RETURN_URL },
      });

      expectStatus(response, 201);
      expect(response.json()).toMatchObject({ time_zone: 'Europe/Stockholm' });
      expect(signups.calls[0]).toMatchObject({ input: { timeZone: null, idempotencyRecordId: null } });
    },
  );

  apiTest.for([
    ['customer_id', { customer_id: 'c-1' }],
    ['plan_id', { plan_id: 42 }],
    ['return_url', { return_url: 'ftp://shop.example/back' }],
    ['return_url', { return_url: 'not a url' }],
    ['time_zone', { time_zone: 'Mars/Olympus_Mons' }],
    ['time_zone', { time_zone: '+01:00' }],
    ['coupon', { coupon: 'FREE' }],
  ] as const)(
    'names %s when it is wrong, without calling the port',
    async ([field, change], { app, merchant, signups }) => {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/subscriptions',
        headers: merchant.headers,
        payload: {
          customer_id: '00000000-0000-4000-8000-000000000001',
          plan_id: '00000000-0000-4000-8000-000000000002',
          return_url: RETURN_URL,
          ...change,
        },
      });

      expectInvalidFields(response, [field]);
      expect(signups.calls).toEqual([]);
    },
  );

  apiTest(
    "answers 404 naming the field for an unknown or another merchant's customer or plan",
    async ({ app, merchant, otherMerchant, prisma }) => {
      const mine = await seedCustomer(prisma, merchant.merchantId);
      const theirCustomer = await seedCustomer(prisma, otherMerchant.merchantId);
      const { plan: myPlan } = await seedPlan(prisma, merchant.merchantId);
      const { plan: theirPlan } = await seedPlan(prisma, otherMerchant.merchantId);
      const send = (customerId: string, planId: string) =>
        app.inject({
          method: 'POST',
          url: '/v1/subscriptions',
          headers: merchant.headers,
          payload: { customer_id: customerId, plan_id: planId, return_url: RETURN_URL },
        });

      const foreignCustomer = await send(theirCustomer.id, myPlan.id);
      const foreignPlan = await send(mine.id, theirPlan.id);

      expect(expectProblem(foreignCustomer, 404, 'not-found').errors).toEqual([
        { field: 'customer_id', message: 'no such customer' },
      ]);
      expect(expectProblem(foreignPlan, 404, 'not-found').errors).toEqual([
        { field: 'plan_id', message: 'no such plan' },
      ]);
      expect(await prisma.subscription.count({ where: { merchantId: merchant.merchantId } })).toBe(0);
    },
  );

  apiTest('answers 409 for an archived plan', async ({ app, merchant, prisma }) => {
    const customer = await seedCustomer(prisma, merchant.merchantId);
    const { plan } = await seedPlan(prisma, merchant.merchantId, { status: 'ARCHIVED' });

    const response = await app.inject({
      method: 'POST',
      url: '/v1/subscriptions',
      headers: merchant.headers,
      payload: { customer_id: customer.id, plan_id: plan.id, return_url: RETURN_URL },
    });

    expect(expectProblem(response, 409, 'plan-archived').errors?.[0]?.field).toBe('plan_id');
  });

  apiTest(
    "answers 502 with Klarna's code and parameters when Klarna rejects",
    async ({ app, merchant, prisma, signups }) => {
      const customer = await seedCustomer(prisma, merchant.merchantId);
      const { plan } = await seedPlan(prisma, merchant.merchantId);
      signups.klarna = { kind: 'rejected', errorCode: 'INVALID_REQUEST', parameters: ['purchase_country'] };

      const response = await app.inject({
        method: 'POST',
        url: '/v1/subscriptions',
        headers: merchant.headers,
        payload: { customer_id: customer.id, plan_id: plan.id, return_url: RETURN_URL },
      });

      const problem = expectProblem(response, 502, 'klarna-rejected');
      expect(problem).toMatchObject({
        klarna_error_code: 'INVALID_REQUEST',
        klarna_parameters: ['purchase_country'],
      });
      expect(typeof problem['subscription_id']).toBe('string');
    },
  );

  apiTest(
    'answers 503 with Retry-After and the subscription id when Klarna is unavailable',
    async ({ app, merchant, prisma, signups }) => {
      const customer = await seedCustomer(prisma, merchant.merchantId);
      const { plan } = await seedPlan(prisma, merchant.merchantId);
      signups.klarna = { kind: 'unavailable', retryAfterSeconds: 2.5 };

      const response = await app.inject({
        method: 'POST',
        url: '/v1/subscriptions',
        headers: merchant.headers,
        payload: { customer_id: customer.id, plan_id: plan.id, return_url: RETURN_URL },
      });

      const problem = expectProblem(response, 503, 'klarna-unavailable');
      expect(response.headers['retry-after']).toBe('3');
      const subscription = await prisma.subscription.findFirstOrThrow({
        where: { merchantId: merchant.merchantId },
      });
      expect(problem['subscription_id']).toBe(subscription.id);
    },
  );

  apiTest(
    'answers a port failure with a 500 problem that leaks nothing',
    async ({ prisma, clock, merchant }) => {
      const app = await buildApiApp({
        db: prisma,
        clock,
        readiness: {},
        signups: {
          start: () => Promise.reject(new Error('connection string postgres://secret@db')),
          resume: () => Promise.reject(new Error('unused')),
        },
      });
      try {
        const response = await app.inject({
          method: 'POST',
          url: '/v1/subscriptions',
          headers: merchant.headers,
          payload: {
            customer_id: '00000000-0000-4000-8000-000000000001',
            plan_id: '00000000-0000-4000-8000-000000000002',
            return_url: RETURN_URL,
          },
        });

        expectProblem(response, 500, 'internal');
        expect(response.body).not.toContain('secret');
      } finally {
        await app.close();
      }
    },
  );
});

describe('GET /v1/subscriptions', () => {
  apiTest('shows the subscription as the billing roles keep it', async ({ app, merchant, prisma }) => {
    const customer = await seedCustomer(prisma, merchant.merchantId);
    const { plan, version } = await seedPlan(prisma, merchant.merchantId);
    const token = await seedCustomerToken(prisma, {
      merchantId: merchant.merchantId,
      customerId: customer.id,
    });
    const { subscription } = await seedSubscription(prisma, {
      merchantId: merchant.merchantId,
      customerId: customer.id,
      planVersionId: version.id,
      status: 'ACTIVE',
      tokenId: token.id,
      periodIndex: 2,
      currentPeriodStart: new Date('2026-03-15T10:00:00.000Z'),
      currentPeriodEnd: new Date('2026-04-15T09:00:00.000Z'),
      nextActionKind: 'RENEWAL',
      nextActionAt: new Date('2026-04-15T09:00:00.000Z'),
      trialEndsAt: new Date('2026-01-29T10:00:00.000Z'),
    });
    const older = new Date('2026-01-15T10:00:00.000Z');
    await seedPaymentRequest(prisma, {
      merchantId: merchant.merchantId,
      customerId: customer.id,
      subscriptionId: subscription.id,
      state: 'COMPLETED',
      url: 'https://pay.example/1',
      at: older,
    });
    const latest = await seedPaymentRequest(prisma, {
      merchantId: merchant.merchantId,
      customerId: customer.id,
      subscriptionId: subscription.id,
      purpose: 'TOKEN_REPLACEMENT',
      state: 'SUBMITTED',
      url: 'https://pay.example/2',
      expiresAt: new Date('2026-03-02T10:00:00.000Z'),
      at: new Date('2026-03-01T10:00:00.000Z'),
    });

    const response = await app.inject({
      method: 'GET',
      url: `/v1/subscriptions/${subscription.id}`,
      headers: merchant.headers,
    });

    expectStatus(response, 200);
    expect(response.json()).toEqual({
      id: subscription.id,
      object: 'subscription',
      status: 'ACTIVE',
      customer_id: customer.id,
      plan: { id: plan.id, version: 1 },
      currency: 'SEK',
      time_zone: 'Europe/Stockholm',
      current_period: { index: 2, start: '2026-03-15T10:00:00.000Z', end: '2026-04-15T09:00:00.000Z' },
      trial_ends_at: '2026-01-29T10:00:00.000Z',
      next_action: { kind: 'RENEWAL', at: '2026-04-15T09:00:00.000Z' },
      requires_new_token: false,
      token_id: token.id,
      payment_request: {
        id: latest.id,
        state: 'SUBMITTED',
        url: 'https://pay.example/2',
        expires_at: '2026-03-02T10:00:00.000Z',
      },
      cancel_at_period_end: false,
      canceled_at: null,
      pause_at_period_end: false,
      paused_at: null,
      dunning: null,
      ended_at: null,
      ended_reason: null,
      created_at: subscription.createdAt.toISOString(),
      phases: [
        {
          plan_version_id: version.id,
          plan_version: 1,
          anchor_at: subscription.createdAt.toISOString(),
          first_period_index: 0,
        },
      ],
    });
    // Rebill's token id only: never the token material.
    expect(response.body).not.toContain('not a real ciphertext');
  });

  apiTest(
    'keeps the plan version it was sold when the plan gets a new one',
    async ({ app, merchant, prisma }) => {
      const customer = await seedCustomer(prisma, merchant.merchantId);
      const { plan, version } = await seedPlan(prisma, merchant.merchantId);
      const { subscription } = await seedSubscription(prisma, {
        merchantId: merchant.merchantId,
        customerId: customer.id,
        planVersionId: version.id,
      });

      const added = await app.inject({
        method: 'POST',
        url: `/v1/plans/${plan.id}/versions`,
        headers: merchant.headers,
        payload: { amount: 19900, interval: 'MONTH', interval_count: 1, trial_days: 0 },
      });
      const read = await app.inject({
        method: 'GET',
        url: `/v1/subscriptions/${subscription.id}`,
        headers: merchant.headers,
      });

      expectStatus(added, 201);
      expect(read.json()).toMatchObject({
        plan: { id: plan.id, version: 1 },
        phases: [{ plan_version_id: version.id, plan_version: 1 }],
      });
    },
  );

  apiTest(
    "filters by status and customer, and never shows another merchant's",
    async ({ app, merchant, otherMerchant, prisma }) => {
      const [a, b] = [
        await seedCustomer(prisma, merchant.merchantId),
        await seedCustomer(prisma, merchant.merchantId),
      ];
      const { version } = await seedPlan(prisma, merchant.merchantId);
      const sub = (customerId: string, status: 'ACTIVE' | 'CANCELED', minute: number) =>
        seedSubscription(prisma, {
          merchantId: merchant.merchantId,
          customerId,
          planVersionId: version.id,
          status,
          at: new Date(Date.UTC(2026, 2, 1, 10, minute)),
        });
      const s1 = (await sub(a.id, 'ACTIVE', 1)).subscription.id;
      const s2 = (await sub(a.id, 'CANCELED', 2)).subscription.id;
      const s3 = (await sub(b.id, 'ACTIVE', 3)).subscription.id;
      const theirCustomer = await seedCustomer(prisma, otherMerchant.merchantId);
      const theirs = await seedPlan(prisma, otherMerchant.merchantId);
      await seedSubscription(prisma, {
        merchantId: otherMerchant.merchantId,
        customerId: theirCustomer.id,
        planVersionId: theirs.version.id,
      });
      const ids = async (query: string) =>
        (await app.inject({ method: 'GET', url: `/v1/subscriptions${query}`, headers: merchant.headers }))
          .json<{ data: { id: string }[] }>()
          .data.map((s) => s.id);

      expect(await ids('')).toEqual([s3, s2, s1]);
      expect(await ids('?status=ACTIVE')).toEqual([s3, s1]);
      expect(await ids(`?customer_id=${a.id}`)).toEqual([s2, s1]);
      expect(await ids(`?customer_id=${a.id}&status=ACTIVE`)).toEqual([s1]);
      expect(await ids(`?customer_id=${theirCustomer.id}`)).toEqual([]);
    },
  );

  apiTest('names bad filters', async ({ app, merchant }) => {
    expectInvalidFields(
      await app.inject({ method: 'GET', url: '/v1/subscriptions?status=LIVE', headers: merchant.headers }),
      ['query.status'],
    );
    expectInvalidFields(
      await app.inject({
        method: 'GET',
        url: '/v1/subscriptions?customer_id=nope',
        headers: merchant.headers,
      }),
      ['query.customer_id'],
    );
  });
});
