import type { FastifyInstance } from 'fastify';
import { describe, expect } from 'vitest';
import { seedRefund } from '../../store/testing/seed.js';
import { seedBilledSubscription } from '../testing/billing-rows.js';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';
import type { Tenant } from '../testing/tenants.js';

const REFUNDED_AT = new Date('2026-05-01T10:00:00.000Z');

interface Page {
  data: { id: string; object: string; charge_id?: string; subscription_id?: string }[];
  next_cursor: string | null;
}

async function get(app: FastifyInstance, tenant: Tenant, url: string) {
  return app.inject({ method: 'GET', url, headers: tenant.headers });
}

describe("a subscription's transactions", () => {
  apiTest(
    'charges, captures and refunds per subscription and per merchant, newest first, paginated',
    async ({ app, merchant, prisma }) => {
      const billed = await seedBilledSubscription(prisma, merchant.merchantId, 3);
      const other = await seedBilledSubscription(prisma, merchant.merchantId);
      const [first, , third] = billed.charges;
      const otherCharge = other.charges[0];
      if (first === undefined || third === undefined || otherCharge === undefined) throw new Error('seed');
      const refund = await seedRefund(prisma, merchant.merchantId, third, REFUNDED_AT);
      await seedRefund(prisma, merchant.merchantId, otherCharge, REFUNDED_AT);
      const sub = `/v1/subscriptions/${billed.subscription.id}`;
      const newestFirst = [...billed.charges].reverse();

      // Charges, two pages of two and one.
      const page1 = await get(app, merchant, `${sub}/charges?limit=2`);
      expectStatus(page1, 200);
      const body1 = page1.json<Page>();
      expect(body1.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 2).map((c) => c.charge.id));
      expect(body1.next_cursor).not.toBeNull();
      const page2 = await get(app, merchant, `${sub}/charges?limit=2&cursor=${body1.next_cursor ?? ''}`);
      expect(page2.json<Page>()).toEqual({
        object: 'list',
        data: [expect.objectContaining({ id: first.charge.id, object: 'charge' })],
        next_cursor: null,
      });

      // Captures: the subscription's, under it or filtered; one by id.
      const captures = await get(app, merchant, `${sub}/captures`);
      expectStatus(captures, 200);
      expect(captures.json<Page>().data.map((c) => [c.id, c.charge_id])).toEqual(
        newestFirst.map((c) => [c.capture.id, c.charge.id]),
      );
      const filtered = await get(app, merchant, `/v1/captures?subscription_id=${billed.subscription.id}`);
      expect(filtered.json<Page>().data).toEqual(captures.json<Page>().data);
      const all = await get(app, merchant, '/v1/captures');
      expect(all.json<Page>().data).toHaveLength(4);
      const byCharge = await get(app, merchant, `/v1/captures?charge_id=${first.charge.id}`);
      expect(byCharge.json<Page>().data.map((c) => c.id)).toEqual([first.capture.id]);
      const one = await get(app, merchant, `/v1/captures/${first.capture.id}`);
      expectStatus(one, 200);
      expect(one.json()).toMatchObject({
        id: first.capture.id,
        object: 'capture',
        charge_id: first.charge.id,
      });

      // Refunds: only those of this subscription's charges.
      const refunds = await get(app, merchant, `${sub}/refunds`);
      expect(refunds.json<Page>().data.map((r) => r.id)).toEqual([refund.id]);
      const refundsFiltered = await get(
        app,
        merchant,
        `/v1/refunds?subscription_id=${billed.subscription.id}`,
      );
      expect(refundsFiltered.json<Page>().data.map((r) => r.id)).toEqual([refund.id]);
      expect((await get(app, merchant, '/v1/refunds')).json<Page>().data).toHaveLength(2);

      // A cursor of one list is refused by another (here: another subscription's).
      const foreign = await get(
        app,
        merchant,
        `/v1/subscriptions/${other.subscription.id}/charges?cursor=${body1.next_cursor ?? ''}`,
      );
      expectInvalidFields(foreign, ['query.cursor']);
    },
  );

  apiTest('an unknown subscription is a 404 on every list under it', async ({ app, merchant }) => {
    for (const list of ['attempts', 'charges', 'captures', 'refunds']) {
      const res = await get(app, merchant, `/v1/subscriptions/00000000-0000-4000-8000-000000000000/${list}`);
      expectProblem(res, 404, 'not-found');
    }
  });
});
