// The signup context read in one statement must give exactly what Prisma's relation reads give
// (the reference below is the query it replaced): the same rows, fields, types and order.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../testing/database-test.js';
import { inTransaction, type Db } from './db.js';
import {
  lockSignupByKlarnaRequest,
  lockSignupContext,
  readSignupContext,
  type SignupContext,
} from './signups.js';
import {
  seedChargeAttempt,
  seedCustomer,
  seedInvoice,
  seedMerchant,
  seedPaymentRequest,
  seedPlan,
  seedSubscription,
  seedTenantSubscription,
} from './testing/seed.js';

/** What readSignupContext read before it became one statement: Prisma's includes. */
async function prismaReference(db: Db, subscriptionId: string): Promise<SignupContext | null> {
  const subscription = await db.subscription.findUnique({
    where: { id: subscriptionId },
    include: {
      merchant: true,
      customer: true,
      phases: {
        orderBy: { firstPeriodIndex: 'asc' },
        take: 1,
        include: { planVersion: { include: { plan: true } } },
      },
      paymentRequests: { where: { purpose: 'SIGNUP' }, orderBy: { createdAt: 'desc' }, take: 1 },
      invoices: { where: { periodIndex: 0 }, include: { lines: { orderBy: { position: 'asc' } } } },
    },
  });
  if (subscription === null) return null;
  const { merchant, customer, phases, paymentRequests, invoices, ...row } = subscription;
  const phase = phases[0];
  const paymentRequest = paymentRequests[0];
  if (phase === undefined || paymentRequest === undefined) return null;
  const invoice = invoices[0] ?? null;
  const attempts =
    invoice === null
      ? []
      : await db.chargeAttempt.findMany({
          where: { invoiceId: invoice.id },
          orderBy: { attemptNumber: 'asc' },
        });
  return { subscription: row, merchant, customer, phase, paymentRequest, invoice, attempts };
}

async function paidSignup(db: Db) {
  const merchant = await seedMerchant(db);
  const customer = await seedCustomer(db, merchant.id, { email: 'a@example.com' });
  const { version } = await seedPlan(db, merchant.id);
  const { subscription } = await seedSubscription(db, {
    merchantId: merchant.id,
    customerId: customer.id,
    planVersionId: version.id,
    nextActionKind: 'FINALIZE',
    nextActionAt: new Date('2026-01-15T10:05:00.000Z'),
  });
  const ids = { merchantId: merchant.id, customerId: customer.id, subscriptionId: subscription.id };
  // A later phase, an older SIGNUP request and a request of another purpose: not the ones read.
  await db.subscriptionPhase.create({
    data: {
      merchantId: merchant.id,
      subscriptionId: subscription.id,
      planVersionId: version.id,
      anchorAt: new Date('2026-02-15T10:00:00.000Z'),
      timeZone: 'UTC',
      firstPeriodIndex: 1,
      createdAt: new Date('2026-02-15T10:00:00.000Z'),
    },
  });
  await seedPaymentRequest(db, { ...ids, at: new Date('2026-01-15T09:00:00.000Z'), state: 'EXPIRED' });
  const request = await seedPaymentRequest(db, {
    ...ids,
    state: 'COMPLETED',
    klarnaPaymentRequestId: `krn:payment:eu1:request:${crypto.randomUUID()}`,
    paymentPart: 'PENDING',
    amountMinor: 9900,
    expiresAt: new Date('2026-01-15T11:00:00.000Z'),
    stateChangedAt: new Date('2026-01-15T10:01:00.123Z'),
  });
  const invoice = await seedInvoice(db, { ...ids, planVersionId: version.id });
  await db.invoiceLine.create({
    data: {
      merchantId: merchant.id,
      invoiceId: invoice.id,
      position: 2,
      description: 'Second line',
      quantity: 2,
      unitAmountMinor: 100,
      amountMinor: 200,
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
    },
  });
  const invoiceIds = { merchantId: merchant.id, subscriptionId: subscription.id, invoiceId: invoice.id };
  // Inserted out of order, with a sealed session token (bytes) on one.
  await seedChargeAttempt(db, {
    ...invoiceIds,
    attemptNumber: 2,
    kind: 'FINALIZE',
    sealedSessionToken: Uint8Array.from([0, 1, 2, 250, 255]),
    sealedKeyId: 'k1',
    deadlineAt: new Date('2026-01-15T11:00:00.000Z'),
  });
  await seedChargeAttempt(db, {
    ...invoiceIds,
    attemptNumber: 1,
    kind: 'SIGNUP',
    status: 'STEP_UP_REQUIRED',
  });
  await seedChargeAttempt(db, {
    ...invoiceIds,
    attemptNumber: 3,
    status: 'DECLINED',
    declineCategory: 'SOFT',
  });
  return { subscriptionId: subscription.id, request };
}

describe('readSignupContext', () => {
  test('reads what Prisma relation reads read, for a paid signup with lines and attempts', async ({
    prisma,
  }) => {
    const { subscriptionId } = await paidSignup(prisma);
    const read = await inTransaction(prisma, (tx) => readSignupContext(tx, subscriptionId));
    const reference = await prismaReference(prisma, subscriptionId);
    expect(read).not.toBeNull();
    expect(read).toStrictEqual(reference);
    expect(read?.invoice?.lines.map((l) => l.position)).toEqual([1, 2]);
    expect(read?.attempts.map((a) => a.attemptNumber)).toEqual([1, 2, 3]);
    expect(read?.attempts[1]?.sealedSessionToken).toStrictEqual(reference?.attempts[1]?.sealedSessionToken);
  });

  test('reads a trial signup (no invoice, no attempts) as Prisma does', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    const customer = await seedCustomer(prisma, merchant.id);
    const { version } = await seedPlan(prisma, merchant.id, { trialDays: 14 });
    const { subscription } = await seedSubscription(prisma, {
      merchantId: merchant.id,
      customerId: customer.id,
      planVersionId: version.id,
    });
    await seedPaymentRequest(prisma, {
      merchantId: merchant.id,
      customerId: customer.id,
      subscriptionId: subscription.id,
      paymentPart: 'NOT_REQUESTED',
    });
    const read = await inTransaction(prisma, (tx) => readSignupContext(tx, subscription.id));
    expect(read).toStrictEqual(await prismaReference(prisma, subscription.id));
    expect(read?.invoice).toBeNull();
    expect(read?.attempts).toEqual([]);
  });

  test('is null for an unknown subscription and for one without a signup request', async ({ prisma }) => {
    expect(await inTransaction(prisma, (tx) => readSignupContext(tx, crypto.randomUUID()))).toBeNull();
    const { subscription } = await seedTenantSubscription(prisma);
    expect(await inTransaction(prisma, (tx) => lockSignupContext(tx, subscription.id))).toBeNull();
    expect(await prismaReference(prisma, subscription.id)).toBeNull();
  });
});

describe('lockSignupByKlarnaRequest', () => {
  test('finds the signup by Klarna id, else by reference, and locks its subscription', async ({ prisma }) => {
    const { subscriptionId, request } = await paidSignup(prisma);
    const klarnaId = request.klarnaPaymentRequestId ?? '';
    const owner = {
      subscriptionId,
      merchantId: request.merchantId,
      paymentRequestId: request.id,
      purpose: 'SIGNUP',
    };
    expect(await inTransaction(prisma, (tx) => lockSignupByKlarnaRequest(tx, klarnaId, null))).toEqual(owner);
    expect(
      await inTransaction(prisma, (tx) => lockSignupByKlarnaRequest(tx, 'krn:unknown', request.reference)),
    ).toEqual(owner);
    expect(
      await inTransaction(prisma, (tx) => lockSignupByKlarnaRequest(tx, 'krn:unknown', 'nope')),
    ).toBeNull();
    expect(
      await inTransaction(prisma, (tx) => lockSignupByKlarnaRequest(tx, 'krn:unknown', null)),
    ).toBeNull();

    // The row stays locked until the transaction ends: another locker waits for it.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = inTransaction(prisma, async (tx) => {
      await lockSignupByKlarnaRequest(tx, klarnaId, null);
      await held;
      return Date.now();
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = inTransaction(prisma, async (tx) => {
      await lockSignupContext(tx, subscriptionId);
      return Date.now();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    const [firstDone, secondDone] = await Promise.all([first, second]);
    expect(secondDone).toBeGreaterThanOrEqual(firstDone);
  });
});
