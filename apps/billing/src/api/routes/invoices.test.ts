import { describe, expect } from 'vitest';
import { seedBilledSubscription } from '../testing/billing-rows.js';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';

describe('invoices', () => {
  apiTest('reads an invoice with its lines', async ({ app, merchant, prisma }) => {
    const billed = await seedBilledSubscription(prisma, merchant.merchantId);
    const invoice = billed.invoices[0];
    if (invoice === undefined) throw new Error('no invoice seeded');
    const line = invoice.lines[0];

    const response = await app.inject({
      method: 'GET',
      url: `/v1/invoices/${invoice.id}`,
      headers: merchant.headers,
    });

    expectStatus(response, 200);
    expect(response.json()).toEqual({
      id: invoice.id,
      object: 'invoice',
      number: invoice.number,
      status: 'PAID',
      customer_id: billed.customer.id,
      subscription_id: billed.subscription.id,
      plan_version_id: billed.version.id,
      period_index: 0,
      period_start: '2026-01-15T10:00:00.000Z',
      period_end: '2026-02-15T10:00:00.000Z',
      amount: 9900,
      tax: null,
      currency: 'SEK',
      issued_at: '2026-01-15T10:00:00.000Z',
      paid_at: '2026-01-15T10:00:00.000Z',
      voided_at: null,
      hold: null,
      created_at: '2026-01-15T10:00:00.000Z',
      updated_at: '2026-01-15T10:00:00.000Z',
      lines: [
        {
          id: line?.id,
          object: 'invoice_line',
          position: 1,
          description: 'Plan for the period',
          quantity: 1,
          unit_amount: 9900,
          amount: 9900,
          tax: null,
          tax_rate_bps: null,
          plan_version_id: billed.version.id,
          period_start: '2026-01-15T10:00:00.000Z',
          period_end: '2026-02-15T10:00:00.000Z',
        },
      ],
    });
  });

  apiTest(
    'lists newest first, filtered by subscription and status, own merchant only',
    async ({ app, merchant, otherMerchant, prisma }) => {
      const first = await seedBilledSubscription(prisma, merchant.merchantId, 3);
      const second = await seedBilledSubscription(prisma, merchant.merchantId, 1);
      await seedBilledSubscription(prisma, otherMerchant.merchantId, 2);
      await prisma.invoice.update({
        where: { id: first.invoices[2]?.id ?? '' },
        data: { status: 'OPEN', paidAt: null },
      });
      const ids = async (query: string) =>
        (await app.inject({ method: 'GET', url: `/v1/invoices${query}`, headers: merchant.headers }))
          .json<{ data: { id: string }[] }>()
          .data.map((i) => i.id);

      const all = await ids('');
      expect(all).toHaveLength(4);
      expect(await ids(`?subscription_id=${first.subscription.id}`)).toEqual(
        first.invoices.map((i) => i.id).reverse(),
      );
      expect(await ids(`?subscription_id=${second.subscription.id}`)).toEqual([second.invoices[0]?.id]);
      expect(await ids('?status=OPEN')).toEqual([first.invoices[2]?.id]);
      expect(await ids('?status=VOID')).toEqual([]);
    },
  );

  apiTest(
    "answers 404 for another merchant's invoice and names bad filters",
    async ({ app, merchant, otherMerchant, prisma }) => {
      const theirs = await seedBilledSubscription(prisma, otherMerchant.merchantId);

      expectProblem(
        await app.inject({
          method: 'GET',
          url: `/v1/invoices/${theirs.invoices[0]?.id}`,
          headers: merchant.headers,
        }),
        404,
        'not-found',
      );
      expectInvalidFields(
        await app.inject({ method: 'GET', url: '/v1/invoices?status=DUE', headers: merchant.headers }),
        ['query.status'],
      );
    },
  );
});
