// Rows for the dashboard's tests (inject and browser), written as the billing roles would leave them: a paid
// subscription with a captured charge, a held invoice, a past-due subscription with a fortnight of
// declines and approvals (for the chart), and a merchant webhook delivery that failed.
import { randomUUID } from 'node:crypto';
import { audit, systemActor } from '../audit.js';
import { inTransaction, type Db } from '../db.js';
import { capturedCharge } from './money-charges.js';
import { seedChargeAttempt, seedCustomer, seedInvoice, seedPlan, seedSubscription } from './seed.js';

const DAY = 86_400_000;
const REASONS = ['INSUFFICIENT_FUNDS', 'CARD_EXPIRED', 'DO_NOT_HONOR'];

export async function seedDashboardRows(db: Db, merchantId: string, now: Date) {
  const { charge } = await capturedCharge(db, merchantId);
  await db.subscription.update({
    where: { id: charge.subscriptionId },
    data: {
      currentPeriodStart: new Date(now.getTime() - 10 * DAY),
      currentPeriodEnd: new Date(now.getTime() + 20 * DAY),
    },
  });
  const customer = await seedCustomer(db, merchantId);
  const { version } = await seedPlan(db, merchantId);
  const heldSub = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
  });
  const heldInvoice = await seedInvoice(db, {
    merchantId,
    customerId: customer.id,
    subscriptionId: heldSub.subscription.id,
    planVersionId: version.id,
    heldAt: new Date(now.getTime() - DAY),
    holdReason: 'outcome unknown past the replay window',
  });
  await seedChargeAttempt(db, {
    merchantId,
    subscriptionId: heldSub.subscription.id,
    invoiceId: heldInvoice.id,
    status: 'UNKNOWN',
    klarnaCorrelationId: `corr-${randomUUID().slice(0, 8)}`,
    at: new Date(now.getTime() - DAY),
  });
  const pastDue = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
    status: 'PAST_DUE',
    periodIndex: 13,
    pastDuePeriodIndex: 13,
    dunningAttempt: 1,
    pastDueSince: new Date(now.getTime() - 3_600_000),
    nextRetryAt: new Date(now.getTime() + 2 * DAY),
    graceEndsAt: new Date(now.getTime() + 7 * DAY),
  });
  for (let day = 13; day >= 0; day -= 1) {
    const invoice = await seedInvoice(db, {
      merchantId,
      customerId: customer.id,
      subscriptionId: pastDue.subscription.id,
      planVersionId: version.id,
      periodIndex: 13 - day,
      at: new Date(now.getTime() - day * DAY - 3_600_000),
      status: day % 3 === 0 ? 'OPEN' : 'PAID',
    });
    for (let n = 1; n <= 1 + (day % 3); n += 1) {
      const declined = n <= day % 3 || day % 3 === 0;
      await seedChargeAttempt(db, {
        merchantId,
        subscriptionId: pastDue.subscription.id,
        invoiceId: invoice.id,
        attemptNumber: n,
        status: declined ? 'DECLINED' : 'APPROVED',
        declineReason: declined ? (REASONS[(day + n) % REASONS.length] ?? null) : null,
        klarnaCorrelationId: `corr-${day}-${n}`,
        at: new Date(now.getTime() - day * DAY - 3_600_000 + n * 60_000),
      });
    }
  }
  return {
    chargeId: charge.id,
    subscriptionId: charge.subscriptionId,
    heldInvoiceId: heldInvoice.id,
    pastDueSubscriptionId: pastDue.subscription.id,
  };
}

/** A delivery of a `charge.captured` event to the merchant's endpoint, its attempts spent. */
export async function seedFailedDelivery(db: Db, merchantId: string, now: Date): Promise<string> {
  await inTransaction(db, (tx) =>
    audit(tx, {
      actor: systemActor('test'),
      merchantId,
      entityType: 'capture',
      entityId: randomUUID(),
      action: 'capture.succeeded',
      after: { charge_id: randomUUID(), amount: 1200 },
      at: now,
    }),
  );
  const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { merchantId } });
  await db.webhookDelivery.update({
    where: { id: delivery.id },
    data: { status: 'FAILED', attemptCount: 8, lastStatus: 500, lastError: 'HTTP 500', lastAttemptAt: now },
  });
  return delivery.id;
}
