// An approved authorize answer is recorded once, in one statement: the attempt APPROVED (its
// session token dropped), the Charge, and the Capture when it was captured at authorization.
import { systemActor } from './audit.js';
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../testing/database-test.js';
import {
  recordApprovedCharge,
  recordApprovedRenewal,
  recordApprovedRenewalIfUnchanged,
} from './charge-outcomes.js';
import { inTransaction, type Db } from './db.js';
import { seedChargeAttempt, seedInvoice, seedTenantSubscription } from './testing/seed.js';

const ACTOR = systemActor('test');

const NOW = new Date('2026-03-06T10:00:00.123Z');

/** A renewal's decision: period 1 begun, period 0 paid. */
const RENEWED = {
  status: 'ACTIVE',
  pauseAtPeriodEnd: false,
  periodIndex: 1,
  currentPeriodStart: NOW,
  currentPeriodEnd: NOW,
  paidThroughPeriodIndex: 0,
  pastDuePeriodIndex: null,
  pastDueSince: null,
  dunningAttempt: 0,
  nextRetryAt: null,
  graceEndsAt: null,
  requiresNewToken: false,
  next: null,
} as const;

async function pendingAttempt(db: Db) {
  const { merchant, customer, version, subscription } = await seedTenantSubscription(db);
  const invoice = await seedInvoice(db, {
    merchantId: merchant.id,
    customerId: customer.id,
    subscriptionId: subscription.id,
    planVersionId: version.id,
  });
  return seedChargeAttempt(db, {
    merchantId: merchant.id,
    subscriptionId: subscription.id,
    invoiceId: invoice.id,
    kind: 'FINALIZE',
    captureMode: 'NOW',
    sealedSessionToken: Uint8Array.from([1, 2, 3]),
    sealedKeyId: 'k1',
  });
}

describe('recordApprovedCharge', () => {
  test('records the charge and its capture, and a replayed answer changes nothing', async ({ prisma }) => {
    const attempt = await pendingAttempt(prisma);
    const transaction = {
      paymentTransactionId: `krn:payment:eu1:transaction:${crypto.randomUUID()}`,
      state: 'COMPLETED',
      authorizedAt: new Date('2026-03-06T09:59:59.500Z'),
      expiresAt: new Date('2026-04-03T09:59:59.500Z'),
      capture: { paymentCaptureId: 'cap-1', amount: 9900, capturedAt: new Date('2026-03-06T09:59:59.600Z') },
    };
    const recorded = await inTransaction(prisma, (tx) =>
      recordApprovedCharge(tx, attempt, transaction, {
        correlationId: 'corr-1',
        now: NOW,
        actor: ACTOR,
        captureDelaySeconds: 0,
      }),
    );
    expect(recorded.captured).toBe(true);

    const charge = await prisma.charge.findUniqueOrThrow({
      where: { id: recorded.chargeId },
      include: { captures: true },
    });
    expect(charge).toMatchObject({
      merchantId: attempt.merchantId,
      subscriptionId: attempt.subscriptionId,
      invoiceId: attempt.invoiceId,
      attemptId: attempt.id,
      klarnaTransactionId: transaction.paymentTransactionId,
      amountMinor: 9900,
      currency: 'SEK',
      state: 'COMPLETED',
      captureMode: 'NOW',
      capturedMinor: 9900,
      refundedMinor: 0,
      authorizedAt: transaction.authorizedAt,
      expiresAt: transaction.expiresAt,
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(charge.captures).toHaveLength(1);
    expect(charge.captures[0]).toMatchObject({
      merchantId: attempt.merchantId,
      amountMinor: 9900,
      currency: 'SEK',
      klarnaCaptureId: 'cap-1',
      status: 'SUCCEEDED',
      capturedAt: transaction.capture.capturedAt,
      createdAt: NOW,
      updatedAt: NOW,
      idempotencyKey: null,
    });
    expect(charge.captures[0]?.reference).toBe(charge.captures[0]?.id);
    const approved = await prisma.chargeAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    expect(approved).toMatchObject({
      status: 'APPROVED',
      klarnaCorrelationId: 'corr-1',
      completedAt: NOW,
      updatedAt: NOW,
      sealedSessionToken: null,
      sealedKeyId: null,
    });

    const later = new Date(NOW.getTime() + 60_000);
    const replayed = await inTransaction(prisma, (tx) =>
      recordApprovedCharge(tx, attempt, transaction, {
        correlationId: 'corr-2',
        now: later,
        actor: ACTOR,
        captureDelaySeconds: 0,
      }),
    );
    expect(replayed).toEqual({ chargeId: recorded.chargeId, captured: true });
    expect(await prisma.charge.count({ where: { attemptId: attempt.id } })).toBe(1);
    expect(await prisma.capture.count({ where: { chargeId: recorded.chargeId } })).toBe(1);
    expect(await prisma.chargeAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).toEqual(approved);
  });

  test('an authorization without capture records an AUTHORIZED charge and no capture', async ({ prisma }) => {
    const attempt = await pendingAttempt(prisma);
    const recorded = await inTransaction(prisma, (tx) =>
      recordApprovedCharge(
        tx,
        attempt,
        {
          paymentTransactionId: `krn:payment:eu1:transaction:${crypto.randomUUID()}`,
          state: null,
          authorizedAt: null,
          expiresAt: null,
          capture: null,
        },
        { correlationId: null, now: NOW, actor: ACTOR, captureDelaySeconds: 0 },
      ),
    );
    expect(recorded.captured).toBe(false);
    const charge = await prisma.charge.findUniqueOrThrow({
      where: { id: recorded.chargeId },
      include: { captures: true },
    });
    expect(charge).toMatchObject({
      state: 'AUTHORIZED',
      capturedMinor: 0,
      authorizedAt: NOW,
      expiresAt: null,
    });
    expect(charge.captures).toEqual([]);
  });
});

/** A pending attempt and its subscription as the renewal runner read it. */
async function pendingRenewal(db: Db) {
  const attempt = await pendingAttempt(db);
  return {
    attempt,
    subscription: await db.subscription.findUniqueOrThrow({ where: { id: attempt.subscriptionId } }),
  };
}

/** A renewal's approval that was refused: no charge, the attempt, invoice and subscription as they were. */
async function expectNothingWritten(
  db: Db,
  attempt: { id: string; invoiceId: string; merchantId: string },
  subscription: { id: string; version: number },
): Promise<void> {
  expect(await db.charge.count({ where: { attemptId: attempt.id } })).toBe(0);
  expect(await db.chargeAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).toMatchObject({
    status: 'PENDING',
  });
  expect(await db.invoice.findUniqueOrThrow({ where: { id: attempt.invoiceId } })).toMatchObject({
    status: 'OPEN',
  });
  expect(await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).toMatchObject({
    version: subscription.version,
  });
  expect(await db.auditEvent.count({ where: { subscriptionId: subscription.id } })).toBe(0);
  expect(await db.outboxEvent.count({ where: { merchantId: attempt.merchantId } })).toBe(0);
}

describe('recordApprovedRenewal', () => {
  test('a subscription whose version moved on writes nothing, even committed with the statement', async ({
    prisma,
    transactions,
  }) => {
    const { attempt, subscription } = await pendingRenewal(prisma);
    const transaction = {
      paymentTransactionId: `krn:payment:eu1:transaction:${crypto.randomUUID()}`,
      state: 'COMPLETED',
      authorizedAt: NOW,
      expiresAt: null,
      capture: { paymentCaptureId: 'cap-2', amount: 9900, capturedAt: NOW },
    };
    const stale = { id: subscription.id, version: subscription.version + 1 };
    await expect(
      transactions.run((tx) =>
        recordApprovedRenewal(
          tx,
          attempt,
          transaction,
          { correlationId: null, now: NOW, actor: ACTOR, captureDelaySeconds: 0 },
          {
            invoiceId: attempt.invoiceId,
            subscription: stale,
            patch: RENEWED,
            audit: {
              actor: ACTOR,
              merchantId: attempt.merchantId,
              entityType: 'subscription',
              entityId: subscription.id,
              action: 'renewal.paid',
              at: NOW,
            },
          },
        ),
      ),
    ).rejects.toThrow('changed under its row lock');
    await expectNothingWritten(prisma, attempt, subscription);
  });

  test('an approval writes its outbox events (charge captured, subscription renewed) as steps of the same statement', async ({
    prisma,
    transactions,
  }) => {
    const { attempt, subscription } = await pendingRenewal(prisma);
    await transactions.run((tx) =>
      recordApprovedRenewal(
        tx,
        attempt,
        {
          paymentTransactionId: `krn:payment:eu1:transaction:${crypto.randomUUID()}`,
          state: 'COMPLETED',
          authorizedAt: NOW,
          expiresAt: null,
          capture: { paymentCaptureId: 'cap-3', amount: 9900, capturedAt: NOW },
        },
        { correlationId: null, now: NOW, actor: ACTOR, captureDelaySeconds: 0 },
        {
          invoiceId: attempt.invoiceId,
          subscription: { id: subscription.id, version: subscription.version },
          patch: RENEWED,
          audit: {
            actor: ACTOR,
            merchantId: attempt.merchantId,
            subscriptionId: subscription.id,
            entityType: 'subscription',
            entityId: subscription.id,
            action: 'renewal.paid',
            before: { status: 'PAST_DUE' },
            after: { status: 'ACTIVE', period_index: 1, attempt_number: 1 },
            at: NOW,
          },
        },
      ),
    );
    const events = await prisma.outboxEvent.findMany({
      where: { merchantId: attempt.merchantId },
      orderBy: { type: 'asc' },
    });
    expect(events.map((e) => e.type)).toEqual([
      'charge.captured',
      'subscription.recovered',
      'subscription.renewed',
    ]);
    const charge = await prisma.charge.findFirstOrThrow({ where: { attemptId: attempt.id } });
    expect(events[0]?.payload).toEqual({
      subscription_id: subscription.id,
      charge_id: charge.id,
      invoice_id: attempt.invoiceId,
      attempt_id: attempt.id,
      amount: 9900,
      currency: 'SEK',
    });
    expect(events[2]?.payload).toEqual({
      subscription_id: subscription.id,
      status: 'ACTIVE',
      period_index: 1,
      attempt_number: 1,
    });
    expect(events.every((e) => e.createdAt.getTime() === NOW.getTime())).toBe(true);
  });
});

describe('recordApprovedRenewalIfUnchanged (no lock and re-read after the call)', () => {
  const renewed = (
    attempt: { invoiceId: string; merchantId: string },
    subscription: { id: string; version: number },
  ) => ({
    invoiceId: attempt.invoiceId,
    subscription,
    patch: RENEWED,
    audit: {
      actor: ACTOR,
      merchantId: attempt.merchantId,
      subscriptionId: subscription.id,
      entityType: 'subscription',
      entityId: subscription.id,
      action: 'subscription.renewed',
      at: NOW,
    },
  });
  const approval = () => ({
    paymentTransactionId: `krn:payment:eu1:transaction:${crypto.randomUUID()}`,
    state: 'COMPLETED',
    authorizedAt: NOW,
    expiresAt: null,
    capture: { paymentCaptureId: `cap-${crypto.randomUUID()}`, amount: 9900, capturedAt: NOW },
  });
  const meta = { correlationId: null, now: NOW, actor: ACTOR, captureDelaySeconds: 0 };

  test('writes nothing and answers null when the attempt was settled meanwhile, or the version moved', async ({
    prisma,
    transactions,
  }) => {
    const { attempt, subscription } = await pendingRenewal(prisma);
    const current = { id: subscription.id, version: subscription.version };
    await prisma.chargeAttempt.update({ where: { id: attempt.id }, data: { status: 'UNKNOWN' } });
    expect(
      await transactions.run((tx) =>
        recordApprovedRenewalIfUnchanged(tx, attempt, approval(), meta, renewed(attempt, current)),
      ),
    ).toBeNull();
    await prisma.chargeAttempt.update({ where: { id: attempt.id }, data: { status: 'PENDING' } });
    const moved = { id: subscription.id, version: subscription.version + 1 };
    expect(
      await transactions.run((tx) =>
        recordApprovedRenewalIfUnchanged(tx, attempt, approval(), meta, renewed(attempt, moved)),
      ),
    ).toBeNull();
    await expectNothingWritten(prisma, attempt, subscription);
  });

  test('on the version it was decided on: the charge, the invoice paid, the subscription patched', async ({
    prisma,
    transactions,
  }) => {
    const { attempt, subscription } = await pendingRenewal(prisma);
    const recorded = await transactions.run((tx) =>
      recordApprovedRenewalIfUnchanged(
        tx,
        attempt,
        approval(),
        meta,
        renewed(attempt, { id: subscription.id, version: subscription.version }),
      ),
    );
    expect(recorded?.captured).toBe(true);
    expect(await prisma.chargeAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).toMatchObject({
      status: 'APPROVED',
    });
    expect(await prisma.invoice.findUniqueOrThrow({ where: { id: attempt.invoiceId } })).toMatchObject({
      status: 'PAID',
    });
    expect(await prisma.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).toMatchObject({
      version: subscription.version + 1,
      paidThroughPeriodIndex: 0,
    });
  });
});
