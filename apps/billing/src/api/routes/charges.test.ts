import { describe, expect } from 'vitest';
import { seedBilledSubscription } from '../testing/billing-rows.js';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';

describe('charges', () => {
  apiTest('reads a charge with its captures and refunds', async ({ app, merchant, prisma }) => {
    const billed = await seedBilledSubscription(prisma, merchant.merchantId);
    const seeded = billed.charges[0];
    if (seeded === undefined) throw new Error('no charge seeded');
    const { charge, capture, attempt } = seeded;
    await prisma.charge.update({ where: { id: charge.id }, data: { refundedMinor: 400 } });
    const refund = await prisma.refund.create({
      data: {
        merchantId: merchant.merchantId,
        chargeId: charge.id,
        captureId: capture.id,
        amountMinor: 400,
        currency: 'SEK',
        reason: 'goodwill',
        reference: `ref-${charge.id}`,
        idempotencyKey: `key-${charge.id}`,
        status: 'SUCCEEDED',
        refundedAt: new Date('2026-01-20T10:00:00.000Z'),
        createdAt: new Date('2026-01-20T10:00:00.000Z'),
        updatedAt: new Date('2026-01-20T10:00:00.000Z'),
      },
    });

    const response = await app.inject({
      method: 'GET',
      url: `/v1/charges/${charge.id}`,
      headers: merchant.headers,
    });

    expectStatus(response, 200);
    expect(response.json()).toEqual({
      id: charge.id,
      object: 'charge',
      klarna_payment_transaction_id: charge.klarnaTransactionId,
      subscription_id: billed.subscription.id,
      invoice_id: billed.invoices[0]?.id,
      attempt_id: attempt.id,
      amount: 9900,
      currency: 'SEK',
      state: 'COMPLETED',
      capture_mode: 'NOW',
      captured_amount: 9900,
      refunded_amount: 400,
      released_amount: 0,
      capture_due_at: null,
      authorized_at: '2026-01-15T10:00:00.000Z',
      expires_at: '2026-02-12T10:00:00.000Z',
      created_at: '2026-01-15T10:00:00.000Z',
      updated_at: '2026-01-15T10:00:00.000Z',
      captures: [
        {
          id: capture.id,
          object: 'capture',
          charge_id: charge.id,
          amount: 9900,
          currency: 'SEK',
          status: 'SUCCEEDED',
          klarna_capture_id: null,
          captured_at: '2026-01-15T10:00:00.000Z',
          created_at: '2026-01-15T10:00:00.000Z',
        },
      ],
      refunds: [
        {
          id: refund.id,
          object: 'refund',
          charge_id: charge.id,
          capture_id: capture.id,
          amount: 400,
          currency: 'SEK',
          reason: 'goodwill',
          status: 'SUCCEEDED',
          failure_code: null,
          klarna_refund_id: null,
          refunded_at: '2026-01-20T10:00:00.000Z',
          created_at: '2026-01-20T10:00:00.000Z',
        },
      ],
      voids: [],
    });
  });

  apiTest(
    'lists newest first, filtered by subscription, own merchant only',
    async ({ app, merchant, otherMerchant, prisma }) => {
      const first = await seedBilledSubscription(prisma, merchant.merchantId, 2);
      const second = await seedBilledSubscription(prisma, merchant.merchantId, 1);
      await seedBilledSubscription(prisma, otherMerchant.merchantId, 1);
      const ids = async (query: string) =>
        (await app.inject({ method: 'GET', url: `/v1/charges${query}`, headers: merchant.headers }))
          .json<{ data: { id: string }[] }>()
          .data.map((c) => c.id);

      expect(await ids('')).toHaveLength(3);
      expect(await ids(`?subscription_id=${first.subscription.id}`)).toEqual(
        first.charges.map((c) => c.charge.id).reverse(),
      );
      expect(await ids(`?subscription_id=${second.subscription.id}`)).toEqual([second.charges[0]?.charge.id]);
    },
  );

  apiTest(
    "answers 404 for another merchant's charge and names bad filters",
    async ({ app, merchant, otherMerchant, prisma }) => {
      const theirs = await seedBilledSubscription(prisma, otherMerchant.merchantId);

      expectProblem(
        await app.inject({
          method: 'GET',
          url: `/v1/charges/${theirs.charges[0]?.charge.id}`,
          headers: merchant.headers,
        }),
        404,
        'not-found',
      );
      expectInvalidFields(
        await app.inject({ method: 'GET', url: '/v1/charges?subscription_id=1', headers: merchant.headers }),
        ['query.subscription_id'],
      );
    },
  );
});
