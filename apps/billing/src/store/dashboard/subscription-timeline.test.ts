// A subscription's timeline: every source in time order as a tagged entry, paged by cursor, scoped
// to its merchant.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../../testing/database-test.js';
import { audit } from '../audit.js';
import {
  seedCharge,
  seedCustomer,
  seedInvoice,
  seedMerchant,
  seedPaymentRequest,
  seedPlan,
  seedSubscription,
} from '../testing/seed.js';
import { subscriptionTimeline, type TimelineEntry } from './subscription-timeline.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 15, 10, minute));

describe('subscriptionTimeline', () => {
  test('tells the whole story in time order, in pages', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    const other = await seedMerchant(prisma);
    const customer = await seedCustomer(prisma, merchant.id);
    const { version } = await seedPlan(prisma, merchant.id);
    const { subscription } = await seedSubscription(prisma, {
      merchantId: merchant.id,
      customerId: customer.id,
      planVersionId: version.id,
      at: at(0),
    });
    const klarnaPaymentRequestId = `krn:payment:eu1:payment-request:${crypto.randomUUID()}`;
    await seedPaymentRequest(prisma, {
      merchantId: merchant.id,
      customerId: customer.id,
      subscriptionId: subscription.id,
      klarnaPaymentRequestId,
      state: 'COMPLETED',
      at: at(1),
    });
    await prisma.webhookEvent.create({
      data: {
        eventId: crypto.randomUUID(),
        eventType: 'payment.request.state-change.completed',
        occurredAt: at(2),
        receivedAt: at(2),
        merchantId: merchant.id,
        klarnaPaymentRequestId,
        signingKeyId: 'key-1',
        payload: {},
        status: 'PROCESSED',
        nextAttemptAt: at(2),
      },
    });
    await prisma.webhookEndpoint.create({
      data: {
        merchantId: merchant.id,
        url: 'https://merchant.example/hooks',
        eventTypes: ['*'],
        createdAt: at(0),
        updatedAt: at(0),
      },
    });
    await audit(prisma, {
      actor: { kind: 'SYSTEM', id: 'webhooks' },
      merchantId: merchant.id,
      subscriptionId: subscription.id,
      entityType: 'subscription',
      entityId: subscription.id,
      action: 'subscription.activated',
      before: { status: 'PENDING_TOKENIZATION' },
      after: { status: 'ACTIVE' },
      at: at(3),
    });
    const invoice = await seedInvoice(prisma, {
      merchantId: merchant.id,
      customerId: customer.id,
      subscriptionId: subscription.id,
      planVersionId: version.id,
      at: at(4),
    });
    const { attempt, charge, capture } = await seedCharge(prisma, {
      merchantId: merchant.id,
      subscriptionId: subscription.id,
      invoiceId: invoice.id,
      at: at(5),
    });
    await prisma.chargeAttempt.update({
      where: { id: attempt.id },
      data: { klarnaCorrelationId: 'corr-approved' },
    });
    const refund = await prisma.refund.create({
      data: {
        merchantId: merchant.id,
        chargeId: charge.id,
        captureId: capture.id,
        amountMinor: 1000,
        currency: 'SEK',
        reference: `ref-${crypto.randomUUID()}`,
        idempotencyKey: crypto.randomUUID(),
        status: 'SUCCEEDED',
        createdAt: at(6),
        updatedAt: at(6),
      },
    });
    await audit(prisma, {
      actor: { kind: 'OPERATOR', id: 'op-ada' },
      merchantId: merchant.id,
      subscriptionId: subscription.id,
      entityType: 'refund',
      entityId: refund.id,
      action: 'refund.requested',
      after: { amount: 1000, currency: 'SEK' },
      at: at(6),
    });

    const all = await subscriptionTimeline(prisma, {
      subscriptionId: subscription.id,
      merchantId: merchant.id,
      limit: 50,
      after: null,
    });
    const brief = (e: TimelineEntry) => `${e.at.toISOString().slice(14, 16)} ${e.kind}`;
    expect(all?.entries.map(brief)).toEqual([
      '00 SIGNED_UP',
      '01 PAYMENT_REQUEST',
      '02 WEBHOOK_RECEIVED',
      '03 STATE_CHANGE',
      '03 MERCHANT_WEBHOOK',
      '05 ATTEMPT',
      '05 CHARGE',
      '05 CAPTURE',
      '06 REFUND',
      '06 AUDITED_ACTION',
    ]);
    const entries = all?.entries ?? [];
    expect(entries.find((e) => e.kind === 'STATE_CHANGE')).toMatchObject({
      actor: { kind: 'SYSTEM', id: 'webhooks' },
      from: 'PENDING_TOKENIZATION',
      to: 'ACTIVE',
    });
    expect(entries.find((e) => e.kind === 'MERCHANT_WEBHOOK')).toMatchObject({
      type: 'subscription.activated',
      deliveries: [{ status: 'PENDING', attemptCount: 0 }],
    });
    expect(entries.find((e) => e.kind === 'ATTEMPT')).toMatchObject({
      status: 'APPROVED',
      klarnaCorrelationId: 'corr-approved',
    });
    expect(entries.find((e) => e.kind === 'AUDITED_ACTION')).toMatchObject({
      actor: { kind: 'OPERATOR', id: 'op-ada' },
      action: 'refund.requested',
    });
    expect(all?.next).toBeNull();

    // Pages of 3 walk the same entries.
    const walked: TimelineEntry[] = [];
    let after: { at: Date; key: string } | null = null;
    do {
      const page = await subscriptionTimeline(prisma, { subscriptionId: subscription.id, limit: 3, after });
      walked.push(...(page?.entries ?? []));
      after = page?.next ?? null;
    } while (after !== null);
    expect(walked).toEqual(entries);

    expect(
      await subscriptionTimeline(prisma, {
        subscriptionId: subscription.id,
        merchantId: other.id,
        limit: 5,
        after: null,
      }),
    ).toBeNull();
  });
});
