import { describe, expect } from 'vitest';
import { seedChargeAttempt } from '../../store/testing/seed.js';
import { seedBilledSubscription } from '../testing/billing-rows.js';
import { apiTest } from '../testing/api-test.js';
import { expectProblem, expectStatus } from '../testing/expectations.js';

interface AttemptList {
  data: Record<string, unknown>[];
  next_cursor: string | null;
}

describe('charge attempts', () => {
  apiTest(
    'lists a subscription’s attempts newest first, declines with their reason, never a key or token',
    async ({ app, merchant, prisma }) => {
      const billed = await seedBilledSubscription(prisma, merchant.merchantId, 2);
      const other = await seedBilledSubscription(prisma, merchant.merchantId);
      const invoice = billed.invoices[1];
      const approved = billed.charges[1];
      if (invoice === undefined || approved === undefined) throw new Error('seed');
      // A declined attempt before the approved one on period 1 (a dunning retry recovered it).
      await prisma.chargeAttempt.update({ where: { id: approved.attempt.id }, data: { attemptNumber: 2 } });
      const declined = await seedChargeAttempt(prisma, {
        merchantId: merchant.merchantId,
        subscriptionId: billed.subscription.id,
        invoiceId: invoice.id,
        attemptNumber: 1,
        status: 'DECLINED',
        declineReason: 'TECHNICAL_ERROR',
        declineCategory: 'SOFT',
        klarnaCorrelationId: 'corr-declined',
        sendCount: 1,
        firstSentAt: new Date('2026-02-15T09:00:00.000Z'),
        completedAt: new Date('2026-02-15T09:00:01.000Z'),
        at: new Date('2026-02-15T09:00:00.000Z'),
      });

      const url = `/v1/subscriptions/${billed.subscription.id}/attempts`;
      const res = await app.inject({ method: 'GET', url, headers: merchant.headers });
      expectStatus(res, 200);
      const body = res.json<AttemptList>();
      expect(body.data.map((a) => [a.id, a.attempt_number, a.status])).toEqual([
        [approved.attempt.id, 2, 'APPROVED'],
        [declined.id, 1, 'DECLINED'],
        [billed.charges[0]?.attempt.id, 1, 'APPROVED'],
      ]);
      expect(body.data[1]).toEqual({
        id: declined.id,
        object: 'charge_attempt',
        subscription_id: billed.subscription.id,
        invoice_id: invoice.id,
        attempt_number: 1,
        kind: 'CUSTOMER_NOT_PRESENT',
        payment_transaction_reference: declined.reference,
        amount: 9900,
        currency: 'SEK',
        capture_mode: 'NOW',
        status: 'DECLINED',
        decline_reason: 'TECHNICAL_ERROR',
        decline_category: 'SOFT',
        error_code: null,
        klarna_correlation_id: 'corr-declined',
        send_count: 1,
        charge_id: null,
        first_sent_at: '2026-02-15T09:00:00.000Z',
        completed_at: '2026-02-15T09:00:01.000Z',
        created_at: '2026-02-15T09:00:00.000Z',
      });
      expect(body.data[0]?.charge_id).toBe(approved.charge.id);
      expect(res.body).not.toContain(declined.idempotencyKey);
      expect(res.body).not.toContain(approved.attempt.idempotencyKey);
      expect(res.body).not.toMatch(/idempotency|token/i);

      // The merchant-wide list filters to the same attempts; unfiltered it holds both subscriptions'.
      const filtered = await app.inject({
        method: 'GET',
        url: `/v1/charge-attempts?subscription_id=${billed.subscription.id}`,
        headers: merchant.headers,
      });
      expect(filtered.json<AttemptList>().data).toEqual(body.data);
      const all = await app.inject({ method: 'GET', url: '/v1/charge-attempts', headers: merchant.headers });
      expect(all.json<AttemptList>().data.map((a) => a.subscription_id)).toContain(other.subscription.id);
    },
  );

  apiTest('pages with a cursor; an unknown subscription is a 404', async ({ app, merchant, prisma }) => {
    const billed = await seedBilledSubscription(prisma, merchant.merchantId, 3);
    const url = `/v1/subscriptions/${billed.subscription.id}/attempts`;
    const first = await app.inject({ method: 'GET', url: `${url}?limit=2`, headers: merchant.headers });
    expectStatus(first, 200);
    const page1 = first.json<AttemptList>();
    expect(page1.data).toHaveLength(2);
    expect(page1.next_cursor).not.toBeNull();
    const second = await app.inject({
      method: 'GET',
      url: `${url}?limit=2&cursor=${encodeURIComponent(page1.next_cursor ?? '')}`,
      headers: merchant.headers,
    });
    const page2 = second.json<AttemptList>();
    expect(page2.data).toHaveLength(1);
    expect(page2.next_cursor).toBeNull();
    expect([...page1.data, ...page2.data].map((a) => a.id)).toEqual(
      [...billed.charges].reverse().map((c) => c.attempt.id),
    );
    expectProblem(
      await app.inject({
        method: 'GET',
        url: '/v1/subscriptions/00000000-0000-4000-8000-000000000000/attempts',
        headers: merchant.headers,
      }),
      404,
      'not-found',
    );
  });
});
