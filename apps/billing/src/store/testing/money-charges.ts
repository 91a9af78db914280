// Charges in the states the money routes act on, seeded as the roles would leave them.
import type { Db } from '../db.js';
import { seedCharge, seedCustomer, seedInvoice, seedPlan, seedSubscription } from './seed.js';

/** One paid period of a subscription and its charge (captured at authorization). */
async function seededCharge(db: Db, merchantId: string) {
  const customer = await seedCustomer(db, merchantId);
  const { version } = await seedPlan(db, merchantId);
  const { subscription } = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
    status: 'ACTIVE',
  });
  const at = new Date(Date.UTC(2026, 0, 15, 10));
  const invoice = await seedInvoice(db, {
    merchantId,
    customerId: customer.id,
    subscriptionId: subscription.id,
    planVersionId: version.id,
    periodIndex: 0,
    periodStart: at,
    periodEnd: new Date(Date.UTC(2026, 1, 15, 10)),
    status: 'PAID',
    paidAt: at,
    at,
  });
  return seedCharge(db, { merchantId, subscriptionId: subscription.id, invoiceId: invoice.id, at });
}

/** A charge of 9900 SEK captured in full at authorization, its capture known to Klarna. */
export async function capturedCharge(prisma: Db, merchantId: string) {
  const seeded = await seededCharge(prisma, merchantId);
  const klarnaCaptureId = `${seeded.charge.klarnaTransactionId}:capture:1`;
  await prisma.capture.update({ where: { id: seeded.capture.id }, data: { klarnaCaptureId } });
  return { ...seeded, klarnaCaptureId };
}

/** An authorization of 9900 SEK with capture LATER, nothing captured yet. */
export async function authorizedCharge(prisma: Db, merchantId: string) {
  const seeded = await capturedCharge(prisma, merchantId);
  await prisma.capture.delete({ where: { id: seeded.capture.id } });
  const charge = await prisma.charge.update({
    where: { id: seeded.charge.id },
    data: {
      state: 'AUTHORIZED',
      captureMode: 'LATER',
      capturedMinor: 0,
      captureDueAt: new Date('2026-01-18T10:00:00.000Z'),
    },
  });
  return { ...seeded, charge };
}
