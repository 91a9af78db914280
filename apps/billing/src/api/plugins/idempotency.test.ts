import type { FastifyInstance } from 'fastify';
import { describe, expect } from 'vitest';
import { deleteExpiredIdempotencyRecords } from '../../store/idempotency.js';
import { requestHash } from '../request-hash.js';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';

const DAY_MS = 24 * 3_600_000;

describe('Idempotency-Key', () => {
  apiTest(
    'replays the first answer for the same request, with Idempotent-Replayed',
    async ({ app, merchant, prisma }) => {
      const send = (payload: object) =>
        app.inject({
          method: 'POST',
          url: '/v1/customers',
          headers: { ...merchant.headers, 'idempotency-key': 'create-ada' },
          payload,
        });

      const first = await send({ external_ref: 'ada', name: 'Ada' });
      const second = await send({ name: 'Ada', external_ref: 'ada' }); // same request, keys reordered

      expectStatus(first, 201);
      expectStatus(second, 201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.headers['content-type']).toMatch(/^application\/json/);
      expect(second.json()).toEqual(first.json());
      expect(await prisma.customer.count({ where: { merchantId: merchant.merchantId } })).toBe(1);
    },
  );

  apiTest('answers 422 when the key comes back with another body or path', async ({ app, merchant }) => {
    const headers = { ...merchant.headers, 'idempotency-key': 'k-422' };
    await app.inject({ method: 'POST', url: '/v1/customers', headers, payload: { external_ref: 'a' } });

    const otherBody = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers,
      payload: { external_ref: 'b' },
    });
    const otherPath = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers,
      payload: { external_ref: 'a' },
    });

    expect(expectProblem(otherBody, 422, 'idempotency-key-reused').errors?.[0]?.field).toBe(
      'idempotency-key',
    );
    expectProblem(otherPath, 422, 'idempotency-key-reused');
  });

  apiTest('stores and replays a 4xx answer too', async ({ app, merchant }) => {
    const headers = { ...merchant.headers, 'idempotency-key': 'bad-body' };

    const first = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers,
      payload: { external_ref: '' },
    });
    const second = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers,
      payload: { external_ref: '' },
    });

    expectInvalidFields(first, ['external_ref']);
    expectInvalidFields(second, ['external_ref']);
    expect(second.headers['idempotent-replayed']).toBe('true');
  });

  apiTest('keeps keys per merchant', async ({ app, merchant, otherMerchant }) => {
    const payload = { external_ref: 'same' };
    const key = { 'idempotency-key': 'shared-key' };

    const mine = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { ...merchant.headers, ...key },
      payload,
    });
    const theirs = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { ...otherMerchant.headers, ...key },
      payload,
    });

    expectStatus(mine, 201);
    expectStatus(theirs, 201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json<{ id: string }>().id).not.toBe(mine.json<{ id: string }>().id);
  });

  apiTest.for([
    ['longer than 255 characters', 'k'.repeat(256)],
    ['with a non-ASCII character', 'clé'],
    ['with a control character', 'a\tb'],
  ])('answers 400 naming the header for a key %s', async ([, key], { app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { ...merchant.headers, 'idempotency-key': key },
      payload: { external_ref: 'x' },
    });

    expectInvalidFields(response, ['idempotency-key']);
  });

  apiTest('accepts a key of exactly 255 printable characters', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: { ...merchant.headers, 'idempotency-key': ` ~${'k'.repeat(253)}` },
      payload: { external_ref: 'x255' },
    });

    expectStatus(response, 201);
  });

  apiTest('answers 409 while the first request is in flight', async ({ app, merchant, signups, prisma }) => {
    const { plan, customer } = await seedPlanAndCustomer(app, merchant.headers);
    const headers = { ...merchant.headers, 'idempotency-key': 'signup-1' };
    const payload = { customer_id: customer, plan_id: plan, return_url: 'https://shop.example/back' };
    const release = signups.hold();

    const first = app.inject({ method: 'POST', url: '/v1/subscriptions', headers, payload });
    await until(() => signups.calls.length === 1);
    const during = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers, payload });
    release();
    const done = await first;
    const after = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers, payload });

    expectProblem(during, 409, 'idempotency-in-flight');
    expectStatus(done, 201);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.json()).toEqual(done.json());
    expect(signups.calls).toHaveLength(1);
    expect(await prisma.subscription.count({ where: { merchantId: merchant.merchantId } })).toBe(1);
  });

  apiTest('creates one resource for two identical concurrent requests', async ({ app, merchant, prisma }) => {
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { ...merchant.headers, 'idempotency-key': 'twins' },
        payload: { name: 'twin' },
      });

    const answers = await Promise.all([send(), send(), send()]);

    for (const answer of answers) expect([201, 409]).toContain(answer.statusCode);
    const created = answers.filter((a) => a.statusCode === 201).map((a) => a.json<{ id: string }>().id);
    expect(new Set(created).size).toBe(1);
    expect(await prisma.apiKey.count({ where: { merchantId: merchant.merchantId, name: 'twin' } })).toBe(1);
  });

  apiTest(
    'lets a 5xx answer free the key, and the retry resume the same subscription',
    async ({ app, merchant, signups, prisma }) => {
      const { plan, customer } = await seedPlanAndCustomer(app, merchant.headers);
      const headers = { ...merchant.headers, 'idempotency-key': 'signup-retry' };
      const payload = { customer_id: customer, plan_id: plan, return_url: 'https://shop.example/back' };
      signups.klarna = { kind: 'unavailable', retryAfterSeconds: 30 };

      const failed = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers, payload });

      const problem = expectProblem(failed, 503, 'klarna-unavailable');
      expect(failed.headers['retry-after']).toBe('30');
      const subscriptionId = problem['subscription_id'];
      const record = await prisma.apiIdempotencyRecord.findFirstOrThrow({
        where: { merchantId: merchant.merchantId, key: 'signup-retry' },
      });
      expect(record).toMatchObject({ responseStatus: null, lockedUntil: null, resourceId: subscriptionId });

      signups.klarna = { kind: 'opens_journey' };
      const retried = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers, payload });

      expectStatus(retried, 201);
      expect(retried.json()).toMatchObject({ id: subscriptionId });
      expect(signups.calls.map((c) => c.method)).toEqual(['start', 'resume']);
      expect(signups.calls[1]).toMatchObject({ merchantId: merchant.merchantId, subscriptionId });
      expect(await prisma.subscription.count({ where: { merchantId: merchant.merchantId } })).toBe(1);
    },
  );

  apiTest('takes over a key whose request died holding it', async ({ app, merchant, prisma, clock }) => {
    const path = '/v1/customers';
    const payload = { external_ref: 'orphan' };
    await prisma.apiIdempotencyRecord.create({
      data: {
        merchantId: merchant.merchantId,
        key: 'orphaned',
        method: 'POST',
        path,
        requestHash: requestHash('POST', path, payload),
        lockedUntil: new Date(clock.now().getTime() - 1),
        createdAt: clock.now(),
        expiresAt: new Date(clock.now().getTime() + DAY_MS),
      },
    });

    const response = await app.inject({
      method: 'POST',
      url: path,
      headers: { ...merchant.headers, 'idempotency-key': 'orphaned' },
      payload,
    });

    expectStatus(response, 201);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
  });

  apiTest(
    'runs the request anew once the record is 24 hours old',
    async ({ app, merchant, clock, prisma }) => {
      const send = () =>
        app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: { ...merchant.headers, 'idempotency-key': 'daily' },
          payload: { name: 'daily' },
        });
      const first = await send();

      clock.advance(DAY_MS);
      const second = await send();

      expectStatus(second, 201);
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      expect(second.json<{ id: string }>().id).not.toBe(first.json<{ id: string }>().id);
      expect(
        await prisma.apiIdempotencyRecord.count({ where: { merchantId: merchant.merchantId, key: 'daily' } }),
      ).toBe(1);
    },
  );

  apiTest('deletes expired records in bounded batches', async ({ prisma, merchant }) => {
    // Instants long before any other test's, so other files' records on the shared database stay.
    const now = new Date('2020-06-01T00:00:00.000Z');
    for (const [key, age] of [
      ['old-1', DAY_MS + 1],
      ['old-2', DAY_MS * 2],
      ['old-3', DAY_MS * 3],
      ['fresh', 1000],
    ] as const) {
      const createdAt = new Date(now.getTime() - age);
      await prisma.apiIdempotencyRecord.create({
        data: {
          merchantId: merchant.merchantId,
          key,
          method: 'POST',
          path: '/v1/customers',
          requestHash: 'h',
          responseStatus: 201,
          createdAt,
          expiresAt: new Date(createdAt.getTime() + DAY_MS),
        },
      });
    }

    expect(await deleteExpiredIdempotencyRecords(prisma, now, 2)).toBe(2);
    expect(await deleteExpiredIdempotencyRecords(prisma, now, 2)).toBe(1);
    const left = await prisma.apiIdempotencyRecord.findMany({ where: { merchantId: merchant.merchantId } });
    expect(left.map((r) => r.key)).toEqual(['fresh']);
  });
});

async function seedPlanAndCustomer(
  app: FastifyInstance,
  headers: Record<string, string>,
): Promise<{ plan: string; customer: string }> {
  const plan = await app.inject({
    method: 'POST',
    url: '/v1/plans',
    headers,
    payload: {
      code: 'basic',
      name: 'Basic',
      currency: 'EUR',
      amount: 500,
      interval: 'MONTH',
      interval_count: 1,
      trial_days: 0,
    },
  });
  const customer = await app.inject({
    method: 'POST',
    url: '/v1/customers',
    headers,
    payload: { external_ref: 'c' },
  });
  return { plan: plan.json<{ id: string }>().id, customer: customer.json<{ id: string }>().id };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
