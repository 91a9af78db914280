// A signup decision's writes go in one statement: all of them, under the subscription's version.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../testing/database-test.js';
import { systemActor } from './audit.js';
import { inTransaction, type Db } from './db.js';
import { writeSignupDecision } from './signup-decisions.js';
import { seedInvoice, seedPaymentRequest, seedTenantSubscription } from './testing/seed.js';

const NOW = new Date('2026-03-06T10:00:00.123Z');

async function signup(db: Db) {
  const { merchant, customer, version, subscription } = await seedTenantSubscription(db, {
    nextActionKind: 'FINALIZE',
    nextActionAt: NOW,
    nextActionLeaseUntil: new Date(NOW.getTime() + 60_000),
  });
  const ids = { merchantId: merchant.id, customerId: customer.id, subscriptionId: subscription.id };
  const request = await seedPaymentRequest(db, { ...ids, paymentPart: 'PENDING', tokenPart: 'APPROVED' });
  const invoice = await seedInvoice(db, { ...ids, planVersionId: version.id });
  return { subscription, request, invoice };
}

describe('writeSignupDecision', () => {
  test('writes the subscription, the payment request parts, the invoice and the audit row', async ({
    prisma,
  }) => {
    const { subscription, request, invoice } = await signup(prisma);
    const renewal = new Date('2026-04-06T10:00:00.000Z');
    const written = await inTransaction(prisma, (tx) =>
      writeSignupDecision(tx, {
        subscription,
        change: {
          status: 'ACTIVE',
          requiresNewToken: false,
          periodIndex: 0,
          currentPeriodStart: invoice.periodStart,
          currentPeriodEnd: invoice.periodEnd,
          paidThroughPeriodIndex: 0,
          nextActionKind: 'RENEWAL',
          nextActionAt: renewal,
          updatedAt: NOW,
        },
        paymentRequestParts: {
          id: request.id,
          paymentPart: 'APPROVED',
          tokenPart: 'APPROVED',
          updatedAt: NOW,
        },
        invoice: { id: invoice.id, status: 'PAID', at: NOW },
        audit: {
          actor: systemActor('worker'),
          merchantId: subscription.merchantId,
          subscriptionId: subscription.id,
          entityType: 'subscription',
          entityId: subscription.id,
          action: 'subscription.activated',
          before: { status: 'PENDING_TOKENIZATION' },
          after: { status: 'ACTIVE' },
          at: NOW,
        },
      }),
    );
    expect(written).toBe(true);
    expect(await prisma.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).toMatchObject({
      status: 'ACTIVE',
      requiresNewToken: false,
      periodIndex: 0,
      currentPeriodStart: invoice.periodStart,
      currentPeriodEnd: invoice.periodEnd,
      paidThroughPeriodIndex: 0,
      nextActionKind: 'RENEWAL',
      nextActionAt: renewal,
      // Untouched: fields the decision does not name.
      tokenId: subscription.tokenId,
      endedReason: null,
      updatedAt: NOW,
      version: subscription.version + 1,
    });
    // The trigger copied the new action into the scheduler's queue, unleased.
    expect(
      await prisma.subscriptionNextAction.findUniqueOrThrow({ where: { subscriptionId: subscription.id } }),
    ).toEqual({
      subscriptionId: subscription.id,
      merchantId: subscription.merchantId,
      kind: 'RENEWAL',
      dueAt: renewal,
      leaseUntil: null,
    });
    expect(await prisma.paymentRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({
      paymentPart: 'APPROVED',
      tokenPart: 'APPROVED',
      updatedAt: NOW,
      state: request.state,
    });
    expect(await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).toMatchObject({
      status: 'PAID',
      paidAt: NOW,
      voidedAt: null,
      updatedAt: NOW,
    });
    const audits = await prisma.auditEvent.findMany({ where: { subscriptionId: subscription.id } });
    expect(audits).toMatchObject([
      {
        actorKind: 'SYSTEM',
        actorId: 'worker',
        action: 'subscription.activated',
        before: { status: 'PENDING_TOKENIZATION' },
        after: { status: 'ACTIVE' },
        createdAt: NOW,
      },
    ]);
    // The merchant's webhook event, a step of the same statement.
    const events = await prisma.outboxEvent.findMany({ where: { subscriptionId: subscription.id } });
    expect(events).toMatchObject([
      {
        merchantId: subscription.merchantId,
        type: 'subscription.activated',
        payload: { subscription_id: subscription.id, status: 'ACTIVE' },
        createdAt: NOW,
      },
    ]);
  });

  test('writes only the subscription when nothing else changes; a moved version writes nothing', async ({
    prisma,
  }) => {
    const { subscription, request } = await signup(prisma);
    const change = { nextActionKind: null, nextActionAt: null, updatedAt: NOW };
    const only = { subscription, change, paymentRequestParts: null, invoice: null, audit: null };
    expect(await inTransaction(prisma, (tx) => writeSignupDecision(tx, only))).toBe(true);
    expect(await prisma.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).toMatchObject({
      nextActionKind: null,
      status: 'PENDING_TOKENIZATION',
      version: subscription.version + 1,
    });

    // The same version again is stale now: false, and the caller's transaction fails with everything.
    const stale = inTransaction(prisma, async (tx) => {
      const written = await writeSignupDecision(tx, {
        ...only,
        paymentRequestParts: {
          id: request.id,
          paymentPart: 'DECLINED',
          tokenPart: 'DECLINED',
          updatedAt: NOW,
        },
      });
      if (!written) throw new Error('version moved');
    });
    await expect(stale).rejects.toThrow('version moved');
    expect(await prisma.paymentRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({
      paymentPart: 'PENDING',
      tokenPart: 'APPROVED',
    });
  });
});
