// SubscriptionNextAction, the scheduler's queue, is kept by triggers from the subscription's own
// next action: every way a writer can set, move or clear it, and what becomes of a lease.
import { describe, expect } from 'vitest';
import { databaseTest as test } from '../testing/database-test.js';
import { inTransaction, type Db } from './db.js';
import { leaseDueNextActions, leaseNextAction, readNextActionLease } from './next-actions.js';
import { deferNextAction } from './renewals.js';
import { seedTenantSubscription } from './testing/seed.js';

const DUE = new Date('2027-05-01T08:00:00.000Z');
const LATER = new Date('2027-05-02T08:00:00.000Z');
const LEASE = new Date('2027-05-01T08:05:00.000Z');

async function subscriptionDue(db: Db, dueAt: Date | null = DUE) {
  const { subscription } = await seedTenantSubscription(db, {
    status: 'ACTIVE',
    nextActionKind: dueAt === null ? null : 'RENEWAL',
    nextActionAt: dueAt,
  });
  return subscription;
}

const queued = (db: Db, subscriptionId: string) =>
  db.subscriptionNextAction.findUnique({ where: { subscriptionId } });

describe('the scheduler queue follows the subscription', () => {
  test('a new subscription with a next action is queued unleased; one without is not', async ({ prisma }) => {
    const due = await subscriptionDue(prisma);
    expect(await queued(prisma, due.id)).toEqual({
      subscriptionId: due.id,
      merchantId: due.merchantId,
      kind: 'RENEWAL',
      dueAt: DUE,
      leaseUntil: null,
    });
    const none = await subscriptionDue(prisma, null);
    expect(await queued(prisma, none.id)).toBeNull();
  });

  test('a moved or changed action drops the lease; the same action written again keeps it', async ({
    prisma,
  }) => {
    const sub = await subscriptionDue(prisma);
    await inTransaction(prisma, (tx) => leaseNextAction(tx, sub.id, LEASE));
    expect(await inTransaction(prisma, (tx) => readNextActionLease(tx, sub.id))).toEqual(LEASE);

    // A lifecycle write that leaves the action where it was: the job holding it keeps it.
    await prisma.subscription.update({
      where: { id: sub.id },
      data: { nextActionKind: 'RENEWAL', nextActionAt: DUE, cancelAtPeriodEnd: true },
    });
    expect(await queued(prisma, sub.id)).toMatchObject({ dueAt: DUE, leaseUntil: LEASE });

    // Another kind at the same time is another action.
    await prisma.subscription.update({
      where: { id: sub.id },
      data: { nextActionKind: 'CANCEL_AT_PERIOD_END' },
    });
    expect(await queued(prisma, sub.id)).toMatchObject({
      kind: 'CANCEL_AT_PERIOD_END',
      dueAt: DUE,
      leaseUntil: null,
    });

    await inTransaction(prisma, (tx) => leaseNextAction(tx, sub.id, LEASE));
    await prisma.subscription.update({ where: { id: sub.id }, data: { nextActionAt: LATER } });
    expect(await queued(prisma, sub.id)).toMatchObject({ dueAt: LATER, leaseUntil: null });
  });

  test('a cleared action leaves the queue; a new one comes back', async ({ prisma }) => {
    const sub = await subscriptionDue(prisma);
    await prisma.subscription.update({
      where: { id: sub.id },
      data: { nextActionKind: null, nextActionAt: null },
    });
    expect(await queued(prisma, sub.id)).toBeNull();
    expect(await inTransaction(prisma, (tx) => readNextActionLease(tx, sub.id))).toBeNull();
    await prisma.subscription.update({
      where: { id: sub.id },
      data: { nextActionKind: 'RENEWAL', nextActionAt: LATER },
    });
    expect(await queued(prisma, sub.id)).toMatchObject({ kind: 'RENEWAL', dueAt: LATER, leaseUntil: null });
  });

  test('a deferral releases the lease, also to the same instant', async ({ prisma }) => {
    const sub = await subscriptionDue(prisma);
    await inTransaction(prisma, (tx) => leaseNextAction(tx, sub.id, LEASE));
    await inTransaction(prisma, (tx) => deferNextAction(tx, sub.id, { kind: 'RENEWAL', at: DUE }, DUE));
    expect(await queued(prisma, sub.id)).toMatchObject({ dueAt: DUE, leaseUntil: null });
  });

  test('a lease taken in the transaction that set the action survives its commit', async ({
    prisma,
    transactions,
  }) => {
    const sub = await subscriptionDue(prisma, LATER);
    await inTransaction(prisma, async (tx) => {
      await tx.subscription.update({ where: { id: sub.id }, data: { nextActionAt: DUE } });
      await leaseNextAction(tx, sub.id, LEASE);
    });
    expect(await queued(prisma, sub.id)).toMatchObject({ dueAt: DUE, leaseUntil: LEASE });
    // So a sweep does not take it while the caller's job holds it, and does once the lease ends.
    const quotas = [{ merchantId: sub.merchantId, limit: 10 }];
    const leaseUntil = new Date(LEASE.getTime() + 300_000);
    expect(await leaseDueNextActions(transactions, { now: DUE, leaseUntil, quotas })).toEqual([]);
    expect(await leaseDueNextActions(transactions, { now: LEASE, leaseUntil, quotas })).toEqual([
      { subscriptionId: sub.id, merchantId: sub.merchantId, kind: 'RENEWAL', dueAt: DUE },
    ]);
  });
});
