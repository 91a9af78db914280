import { describe, expect } from 'vitest';
import { apiTest } from '../testing/api-test.js';
import { authorizedCharge, capturedCharge } from '../../store/testing/money-charges.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';

interface RefundBody {
  id: string;
  object: string;
  charge_id: string;
  amount: number;
  status: string;
  failure_code: string | null;
  klarna_refund_id: string | null;
}

interface ListBody {
  data: RefundBody[];
  next_cursor: string | null;
}

describe('POST /v1/charges/:id/refunds', () => {
  apiTest(
    'refunds everything refundable when no amount is given, at Klarna at once (201)',
    async ({ app, merchant, prisma, payments, clock }) => {
      const { charge, capture, klarnaCaptureId } = await capturedCharge(prisma, merchant.merchantId);

      const response = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/refunds`,
        headers: merchant.headers,
      });

      expectStatus(response, 201);
      const refund = response.json<RefundBody>();
      expect(refund).toMatchObject({
        object: 'refund',
        charge_id: charge.id,
        capture_id: capture.id,
        amount: 9900,
        currency: 'SEK',
        reason: null,
        status: 'SUCCEEDED',
        failure_code: null,
        refunded_at: clock.now().toISOString(),
        created_at: clock.now().toISOString(),
      });
      expect(refund).not.toHaveProperty('idempotency_key');
      const row = await prisma.refund.findUniqueOrThrow({ where: { id: refund.id } });
      expect(payments.calls).toEqual([
        {
          kind: 'refund',
          key: row.idempotencyKey,
          input: expect.objectContaining({
            paymentTransactionId: charge.klarnaTransactionId,
            paymentCaptureId: klarnaCaptureId,
            amountMinor: 9900,
            reference: row.reference,
          }) as unknown,
        },
      ]);
      expect(refund.klarna_refund_id).toBe(row.klarnaRefundId);
      const after = await prisma.charge.findUniqueOrThrow({ where: { id: charge.id } });
      expect(after.refundedMinor).toBe(9900);
      // Both rows carry the same (fixed) time: compared as a set, not in order.
      const audit = await prisma.auditEvent.findMany({ where: { entityId: refund.id } });
      expect(audit.map((a) => [a.action, a.actorKind, a.actorId]).sort()).toEqual([
        ['refund.requested', 'API_KEY', merchant.apiKeyId],
        ['refund.succeeded', 'API_KEY', merchant.apiKeyId],
      ]);
    },
  );

  apiTest(
    'refunds part, then refuses more than is left naming amount, writing nothing',
    async ({ app, merchant, prisma }) => {
      const { charge } = await capturedCharge(prisma, merchant.merchantId);

      const first = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/refunds`,
        headers: merchant.headers,
        payload: { amount: 400, reason: 'goodwill' },
      });
      expectStatus(first, 201);
      expect(first.json()).toMatchObject({ amount: 400, reason: 'goodwill', status: 'SUCCEEDED' });

      const over = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/refunds`,
        headers: merchant.headers,
        payload: { amount: 9501 },
      });
      const problem = expectProblem(over, 409, 'amount-exceeds-refundable');
      expect(problem.refundable).toBe(9500);
      expect(problem.errors?.map((e) => e.field)).toEqual(['amount']);
      expect(await prisma.refund.count({ where: { chargeId: charge.id } })).toBe(1);

      const rest = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/refunds`,
        headers: merchant.headers,
        payload: { amount: 9500 },
      });
      expectStatus(rest, 201);
      const nothingLeft = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/refunds`,
        headers: merchant.headers,
      });
      expect(expectProblem(nothingLeft, 409, 'amount-exceeds-refundable').refundable).toBe(0);
      expect(await prisma.refund.count({ where: { chargeId: charge.id } })).toBe(2);
    },
  );

  apiTest(
    'refuses a charge with nothing captured, and a closed one',
    async ({ app, merchant, prisma, payments }) => {
      const { charge } = await authorizedCharge(prisma, merchant.merchantId);
      const uncaptured = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/refunds`,
        headers: merchant.headers,
        payload: { amount: 100 },
      });
      expectProblem(uncaptured, 409, 'charge-not-captured');

      const closed = await capturedCharge(prisma, merchant.merchantId);
      await prisma.charge.update({ where: { id: closed.charge.id }, data: { state: 'CLOSED' } });
      const response = await app.inject({
        method: 'POST',
        url: `/v1/charges/${closed.charge.id}/refunds`,
        headers: merchant.headers,
      });
      expectProblem(response, 409, 'charge-closed');
      expect(await prisma.refund.count({ where: { merchantId: merchant.merchantId } })).toBe(0);
      expect(payments.calls).toEqual([]);
    },
  );

  apiTest(
    'replays the first answer for the same Idempotency-Key: one refund, one Klarna call',
    async ({ app, merchant, prisma, payments }) => {
      const { charge } = await capturedCharge(prisma, merchant.merchantId);
      const request = {
        method: 'POST' as const,
        url: `/v1/charges/${charge.id}/refunds`,
        headers: { ...merchant.headers, 'idempotency-key': 'refund-1' },
        payload: { amount: 500 },
      };

      const first = await app.inject(request);
      const again = await app.inject(request);

      expectStatus(first, 201);
      expectStatus(again, 201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json<RefundBody>().id).toBe(first.json<RefundBody>().id);
      expect(await prisma.refund.count({ where: { chargeId: charge.id } })).toBe(1);
      expect(payments.calls.filter((c) => c.kind === 'refund')).toHaveLength(1);
    },
  );

  apiTest(
    "answers 202 PENDING while Klarna's answer is open, and FAILED with Klarna's code when refused",
    async ({ app, merchant, prisma, payments }) => {
      const { charge } = await capturedCharge(prisma, merchant.merchantId);
      payments.nextRefund({ kind: 'transient', reason: 'TIMEOUT', status: null, correlationId: null });
      const open = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/refunds`,
        headers: merchant.headers,
        payload: { amount: 100 },
      });
      expectStatus(open, 202);
      expect(open.json()).toMatchObject({ status: 'PENDING', klarna_refund_id: null });
      const after = await prisma.charge.findUniqueOrThrow({ where: { id: charge.id } });
      expect(after.moneyActionAt).not.toBeNull();

      const other = await capturedCharge(prisma, merchant.merchantId);
      payments.nextRefund({
        kind: 'refused',
        status: 403,
        errorCode: 'OPERATION_FORBIDDEN',
        parameters: [],
        correlationId: null,
      });
      const refused = await app.inject({
        method: 'POST',
        url: `/v1/charges/${other.charge.id}/refunds`,
        headers: merchant.headers,
        payload: { amount: 100 },
      });
      expectStatus(refused, 201);
      expect(refused.json()).toMatchObject({ status: 'FAILED', failure_code: 'OPERATION_FORBIDDEN' });
    },
  );

  apiTest(
    'answers 202 with the refund written when the inline job fails: the money sweep has it due',
    async ({ app, merchant, prisma, payments, clock }) => {
      const { charge } = await capturedCharge(prisma, merchant.merchantId);
      payments.throwNext(new Error('socket hang up in a bug'));

      const response = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/refunds`,
        headers: merchant.headers,
        payload: { amount: 100 },
      });

      expectStatus(response, 202);
      expect(response.json()).toMatchObject({ status: 'PENDING', amount: 100 });
      const after = await prisma.charge.findUniqueOrThrow({ where: { id: charge.id } });
      expect(after.moneyActionAt?.getTime()).toBeLessThanOrEqual(clock.now().getTime());
    },
  );

  apiTest(
    "answers 404 for another merchant's charge and an unknown one",
    async ({ app, merchant, otherMerchant, prisma }) => {
      const { charge } = await capturedCharge(prisma, otherMerchant.merchantId);
      for (const id of [charge.id, '00000000-0000-4000-8000-000000000000']) {
        const response = await app.inject({
          method: 'POST',
          url: `/v1/charges/${id}/refunds`,
          headers: merchant.headers,
        });
        expectProblem(response, 404, 'not-found');
      }
      expect(await prisma.refund.count({ where: { chargeId: charge.id } })).toBe(0);
    },
  );

  apiTest('names a bad amount and a bad reason', async ({ app, merchant, prisma }) => {
    const { charge } = await capturedCharge(prisma, merchant.merchantId);
    const response = await app.inject({
      method: 'POST',
      url: `/v1/charges/${charge.id}/refunds`,
      headers: merchant.headers,
      payload: { amount: 0, reason: 'x'.repeat(501) },
    });
    expectInvalidFields(response, ['amount', 'reason']);
    const fractional = await app.inject({
      method: 'POST',
      url: `/v1/charges/${charge.id}/refunds`,
      headers: merchant.headers,
      payload: { amount: 1.5, extra: true },
    });
    expectInvalidFields(fractional, ['amount', 'extra']);
  });
});

describe('refund lists and reads', () => {
  apiTest(
    "lists a charge's refunds oldest first and the merchant's newest first, paginated and filtered",
    async ({ app, merchant, otherMerchant, prisma, clock }) => {
      const a = await capturedCharge(prisma, merchant.merchantId);
      const b = await capturedCharge(prisma, merchant.merchantId);
      const foreign = await capturedCharge(prisma, otherMerchant.merchantId);
      const ids: string[] = [];
      for (const [chargeId, tenant] of [
        [a.charge.id, merchant],
        [b.charge.id, merchant],
        [a.charge.id, merchant],
        [foreign.charge.id, otherMerchant],
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: `/v1/charges/${chargeId}/refunds`,
          headers: tenant.headers,
          payload: { amount: 100 },
        });
        expectStatus(response, 201);
        ids.push(response.json<RefundBody>().id);
        clock.advance(1000);
      }
      const [a1, b1, a2, f1] = ids;

      const ofCharge = await app.inject({
        method: 'GET',
        url: `/v1/charges/${a.charge.id}/refunds`,
        headers: merchant.headers,
      });
      expectStatus(ofCharge, 200);
      expect(ofCharge.json<ListBody>()).toMatchObject({ object: 'list', next_cursor: null });
      expect(ofCharge.json<ListBody>().data.map((r) => r.id)).toEqual([a1, a2]);

      const page1 = await app.inject({
        method: 'GET',
        url: '/v1/refunds?limit=2',
        headers: merchant.headers,
      });
      expectStatus(page1, 200);
      const body1 = page1.json<ListBody>();
      expect(body1.data.map((r) => r.id)).toEqual([a2, b1]);
      expect(body1.next_cursor).not.toBeNull();
      const page2 = await app.inject({
        method: 'GET',
        url: `/v1/refunds?limit=2&cursor=${body1.next_cursor ?? ''}`,
        headers: merchant.headers,
      });
      expect(page2.json<ListBody>()).toMatchObject({ next_cursor: null });
      expect(page2.json<ListBody>().data.map((r) => r.id)).toEqual([a1]);

      const filtered = await app.inject({
        method: 'GET',
        url: `/v1/refunds?charge_id=${b.charge.id}`,
        headers: merchant.headers,
      });
      expect(filtered.json<ListBody>().data.map((r) => r.id)).toEqual([b1]);

      const one = await app.inject({
        method: 'GET',
        url: `/v1/refunds/${a1 ?? ''}`,
        headers: merchant.headers,
      });
      expectStatus(one, 200);
      expect(one.json()).toMatchObject({ id: a1, charge_id: a.charge.id, amount: 100 });

      const theirs = await app.inject({
        method: 'GET',
        url: `/v1/refunds/${f1 ?? ''}`,
        headers: merchant.headers,
      });
      expectProblem(theirs, 404, 'not-found');
      const theirCharge = await app.inject({
        method: 'GET',
        url: `/v1/charges/${foreign.charge.id}/refunds`,
        headers: merchant.headers,
      });
      expectProblem(theirCharge, 404, 'not-found');
    },
  );

  apiTest(
    'names a bad charge_id filter and a cursor from other filters',
    async ({ app, merchant, prisma }) => {
      const { charge } = await capturedCharge(prisma, merchant.merchantId);
      for (let i = 0; i < 2; i += 1) {
        await app.inject({
          method: 'POST',
          url: `/v1/charges/${charge.id}/refunds`,
          headers: merchant.headers,
          payload: { amount: 10 },
        });
      }
      expectInvalidFields(
        await app.inject({ method: 'GET', url: '/v1/refunds?charge_id=x', headers: merchant.headers }),
        ['query.charge_id'],
      );
      const page = (
        await app.inject({ method: 'GET', url: '/v1/refunds?limit=1', headers: merchant.headers })
      ).json<ListBody>();
      const foreignCursor = await app.inject({
        method: 'GET',
        url: `/v1/refunds?limit=1&charge_id=${charge.id}&cursor=${page.next_cursor ?? ''}`,
        headers: merchant.headers,
      });
      expectInvalidFields(foreignCursor, ['query.cursor']);
    },
  );
});

describe('POST /v1/charges/:id/void', () => {
  apiTest(
    'voids an uncaptured authorization at Klarna at once and answers the charge',
    async ({ app, merchant, prisma, payments }) => {
      const { charge } = await authorizedCharge(prisma, merchant.merchantId);

      const response = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/void`,
        headers: merchant.headers,
      });

      expectStatus(response, 200);
      expect(response.json()).toMatchObject({
        id: charge.id,
        object: 'charge',
        captured_amount: 0,
        released_amount: 9900,
        capture_due_at: null,
        voids: [
          {
            object: 'void',
            status: 'SUCCEEDED',
            reason: 'MERCHANT_REQUEST',
            released_amount: 9900,
            failure_code: null,
          },
        ],
      });
      expect(payments.calls.map((c) => c.kind)).toEqual(['void']);
      const audit = await prisma.auditEvent.findMany({
        where: { entityId: charge.id, action: 'charge.void_requested' },
      });
      expect(audit).toMatchObject([{ actorKind: 'API_KEY', actorId: merchant.apiKeyId }]);

      const again = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/void`,
        headers: merchant.headers,
      });
      expectProblem(again, 409, 'nothing-to-void');
    },
  );

  apiTest(
    "answers the charge with its void PENDING while Klarna's answer is open",
    async ({ app, merchant, prisma, payments }) => {
      const { charge } = await authorizedCharge(prisma, merchant.merchantId);
      payments.nextVoid({ kind: 'transient', reason: 'SERVER_ERROR', status: 503, correlationId: null });

      const response = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/void`,
        headers: merchant.headers,
      });

      expectStatus(response, 200);
      expect(response.json()).toMatchObject({
        state: 'AUTHORIZED',
        released_amount: 0,
        voids: [{ status: 'PENDING', reason: 'MERCHANT_REQUEST' }],
      });
    },
  );

  apiTest(
    'refuses a charge captured in full (409 nothing-to-void)',
    async ({ app, merchant, prisma, payments }) => {
      const { charge } = await capturedCharge(prisma, merchant.merchantId);
      const response = await app.inject({
        method: 'POST',
        url: `/v1/charges/${charge.id}/void`,
        headers: merchant.headers,
      });
      expectProblem(response, 409, 'nothing-to-void');
      const after = await prisma.charge.findUniqueOrThrow({ where: { id: charge.id } });
      expect(after.voidRequestedAt).toBeNull();
      expect(payments.calls).toEqual([]);
    },
  );

  apiTest("answers 404 for another merchant's charge", async ({ app, merchant, otherMerchant, prisma }) => {
    const { charge } = await authorizedCharge(prisma, otherMerchant.merchantId);
    const response = await app.inject({
      method: 'POST',
      url: `/v1/charges/${charge.id}/void`,
      headers: merchant.headers,
    });
    expectProblem(response, 404, 'not-found');
    const after = await prisma.charge.findUniqueOrThrow({ where: { id: charge.id } });
    expect(after.voidRequestedAt).toBeNull();
  });
});
