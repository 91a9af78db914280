import { describe, expect } from 'vitest';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';

describe('POST /v1/customers', () => {
  apiTest('creates a customer and an audit row', async ({ app, merchant, prisma, clock }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: merchant.headers,
      payload: { external_ref: 'crm-42', email: 'ada@example.com', name: 'Ada' },
    });

    expectStatus(response, 201);
    const customer = response.json<{ id: string }>();
    expect(customer).toEqual({
      id: customer.id,
      object: 'customer',
      external_ref: 'crm-42',
      email: 'ada@example.com',
      name: 'Ada',
      created_at: clock.now().toISOString(),
      updated_at: clock.now().toISOString(),
    });
    const audit = await prisma.auditEvent.findMany({ where: { entityId: customer.id } });
    expect(audit).toMatchObject([
      {
        merchantId: merchant.merchantId,
        actorKind: 'API_KEY',
        actorId: merchant.apiKeyId,
        action: 'created',
      },
    ]);
  });

  apiTest('takes email and name as optional', async ({ app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: merchant.headers,
      payload: { external_ref: 'crm-43' },
    });

    expectStatus(response, 201);
    expect(response.json()).toMatchObject({ email: null, name: null });
  });

  apiTest.for([
    ['external_ref', { external_ref: '' }],
    ['external_ref', { external_ref: 'x'.repeat(256) }],
    ['external_ref', { external_ref: 42 }],
    ['email', { external_ref: 'a', email: 'not an email' }],
    ['name', { external_ref: 'a', name: 'tab\there' }],
    ['phone', { external_ref: 'a', phone: '123' }],
  ] as const)('names %s when it is wrong', async ([field, payload], { app, merchant }) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/customers',
      headers: merchant.headers,
      payload,
    });

    expectInvalidFields(response, [field]);
  });

  apiTest(
    'refuses a duplicate external_ref (409) within a merchant only',
    async ({ app, merchant, otherMerchant }) => {
      const payload = { external_ref: 'crm-1' };
      await app.inject({ method: 'POST', url: '/v1/customers', headers: merchant.headers, payload });

      const again = await app.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: merchant.headers,
        payload,
      });
      const elsewhere = await app.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: otherMerchant.headers,
        payload,
      });

      expect(expectProblem(again, 409, 'already-exists').errors?.[0]?.field).toBe('external_ref');
      expectStatus(elsewhere, 201);
    },
  );
});

describe('GET /v1/customers and /v1/customers/:id', () => {
  apiTest("reads the merchant's own customers only", async ({ app, merchant, otherMerchant }) => {
    const mine = (
      await app.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: merchant.headers,
        payload: { external_ref: 'm' },
      })
    ).json<{ id: string }>();
    const theirs = (
      await app.inject({
        method: 'POST',
        url: '/v1/customers',
        headers: otherMerchant.headers,
        payload: { external_ref: 'o' },
      })
    ).json<{ id: string }>();

    const list = await app.inject({ method: 'GET', url: '/v1/customers', headers: merchant.headers });
    const own = await app.inject({
      method: 'GET',
      url: `/v1/customers/${mine.id}`,
      headers: merchant.headers,
    });
    const foreign = await app.inject({
      method: 'GET',
      url: `/v1/customers/${theirs.id}`,
      headers: merchant.headers,
    });

    expect(list.json<{ data: { id: string }[] }>().data.map((c) => c.id)).toEqual([mine.id]);
    expect(own.json()).toMatchObject({ id: mine.id, external_ref: 'm' });
    expectProblem(foreign, 404, 'not-found');
  });
});
