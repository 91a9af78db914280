// A merchant's subscription with invoices and charges, seeded as the billing roles would leave
// them, for the invoice and charge routes; charges ready for a refund or a void.
import type { Db } from '../../store/db.js';
import {
  seedCharge,
  seedCustomer,
  seedInvoice,
  seedPlan,
  seedSubscription,
} from '../../store/testing/seed.js';

export async function seedBilledSubscription(db: Db, merchantId: string, periods = 1) {
  const customer = await seedCustomer(db, merchantId);
  const { plan, version } = await seedPlan(db, merchantId);
  const { subscription } = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
    status: 'ACTIVE',
  });
  const invoices = [];
  const charges = [];
  for (let periodIndex = 0; periodIndex < periods; periodIndex += 1) {
    const at = new Date(Date.UTC(2026, periodIndex, 15, 10));
    const invoice = await seedInvoice(db, {
      merchantId,
      customerId: customer.id,
      subscriptionId: subscription.id,
      planVersionId: version.id,
      periodIndex,
      periodStart: at,
      periodEnd: new Date(Date.UTC(2026, periodIndex + 1, 15, 10)),
      status: 'PAID',
      paidAt: at,
      at,
    });
    invoices.push(invoice);
    charges.push(
      await seedCharge(db, { merchantId, subscriptionId: subscription.id, invoiceId: invoice.id, at }),
    );
  }
  return { customer, plan, version, subscription, invoices, charges };
}
