import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { describe, expect } from 'vitest';
import { RECURRING_SCOPE } from '../../lifecycle/decide-start-on-token.js';
import { systemActor } from '../../store/audit.js';
import { inTransaction, type Db } from '../../store/db.js';
import { seedCustomer, seedPlan } from '../../store/testing/seed.js';
import { Secret } from '../../secrets/secret.js';
import { storeCustomerToken } from '../../vault/customer-tokens.js';
import { apiTest, testVault } from '../testing/api-test.js';
import { expectProblem, expectStatus } from '../testing/expectations.js';
import type { Tenant } from '../testing/tenants.js';

const RAW_PREFIX = 'krn:customer-token:eu1:';

async function plantToken(db: Db, merchantId: string, customerId: string, scopes: string[]): Promise<string> {
  return inTransaction(db, (tx) =>
    storeCustomerToken(tx, testVault, {
      merchantId,
      customerId,
      token: Secret.wrap('klarna-customer-token', `${RAW_PREFIX}${randomUUID()}`),
      scopes,
      reference: `tok-${randomUUID()}`,
      actor: systemActor('test'),
      subscriptionId: null,
      at: new Date('2026-03-01T09:00:00.000Z'),
    }),
  );
}

async function world(prisma: Db, merchant: Tenant) {
  const customer = await seedCustomer(prisma, merchant.merchantId);
  const other = await seedCustomer(prisma, merchant.merchantId);
  const { plan } = await seedPlan(prisma, merchant.merchantId);
  const token = await plantToken(prisma, merchant.merchantId, customer.id, [RECURRING_SCOPE]);
  return { customer, other, plan, token };
}

function start(app: FastifyInstance, merchant: Tenant, customerId: string, body: Record<string, unknown>) {
  return app.inject({
    method: 'POST',
    url: `/v1/customers/${customerId}/subscriptions`,
    headers: { ...merchant.headers, 'idempotency-key': randomUUID() },
    payload: { return_url: 'https://shop.example/return', ...body },
  });
}

describe('POST /v1/customers/{id}/subscriptions', () => {
  apiTest(
    'starts ACTIVE on the token, its first period due now, audited',
    async ({ app, merchant, prisma, clock }) => {
      const { customer, plan, token } = await world(prisma, merchant);
      const response = await start(app, merchant, customer.id, {
        plan_id: plan.id,
        customer_token_id: token,
      });
      expectStatus(response, 201);
      const sub = response.json<{ id: string; status: string; token_id: string; next_action: unknown }>();
      expect(sub).toMatchObject({
        status: 'ACTIVE',
        token_id: token,
        next_action: { kind: 'RENEWAL', at: clock.now().toISOString() },
        payment_request: null,
      });
      expect(response.body).not.toContain(RAW_PREFIX);
      const audits = await prisma.auditEvent.findMany({
        where: { subscriptionId: sub.id },
        orderBy: { action: 'asc' },
      });
      expect(audits.map((a) => [a.action, a.actorKind])).toEqual([
        ['subscription.activated', 'API_KEY'],
        ['subscription.created', 'API_KEY'],
      ]);
    },
  );

  apiTest(
    "refuses another customer's, a revoked and a customer-present token, naming customer_token_id",
    async ({ app, merchant, prisma }) => {
      const { customer, other, plan, token } = await world(prisma, merchant);
      const present = await plantToken(prisma, merchant.merchantId, customer.id, [
        'payment:customer_present',
      ]);
      const revoked = await plantToken(prisma, merchant.merchantId, customer.id, [RECURRING_SCOPE]);
      await prisma.customerToken.update({ where: { id: revoked }, data: { status: 'REVOKED' } });
      const cases = [
        [other.id, token, 'other_customer'],
        [customer.id, present, 'scope'],
        [customer.id, revoked, 'revoked'],
      ] as const;
      for (const [customerId, tokenId, reason] of cases) {
        const response = await start(app, merchant, customerId, {
          plan_id: plan.id,
          customer_token_id: tokenId,
        });
        const body = expectProblem(response, 422, 'token-not-usable');
        expect(body).toMatchObject({ reason, errors: [{ field: 'customer_token_id' }] });
      }
      const unknown = await start(app, merchant, customer.id, {
        plan_id: plan.id,
        customer_token_id: randomUUID(),
      });
      expect(expectProblem(unknown, 404, 'not-found').errors?.[0]?.field).toBe('customer_token_id');
      expect(
        await prisma.subscription.count({ where: { customerId: { in: [customer.id, other.id] } } }),
      ).toBe(0);
    },
  );
});

describe('GET /v1/customers/{id}/tokens', () => {
  apiTest(
    'lists the tokens by id, status and scope, never the Klarna token',
    async ({ app, merchant, prisma }) => {
      const { customer, token } = await world(prisma, merchant);
      const response = await app.inject({
        method: 'GET',
        url: `/v1/customers/${customer.id}/tokens`,
        headers: merchant.headers,
      });
      expectStatus(response, 200);
      expect(response.json()).toEqual({
        object: 'list',
        data: [
          {
            id: token,
            object: 'customer_token',
            status: 'ACTIVE',
            scopes: [RECURRING_SCOPE],
            created_at: '2026-03-01T09:00:00.000Z',
            last_used_at: null,
            revoked_at: null,
          },
        ],
        next_cursor: null,
      });
      expect(response.body).not.toContain(RAW_PREFIX);
    },
  );
});
