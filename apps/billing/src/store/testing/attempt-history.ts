// Invoices of one subscription with their attempts made at given instants and outcomes: the
// history the dashboard's charge and dunning figures read.
import type { Db } from '../db.js';
import { seedChargeAttempt, seedCustomer, seedInvoice, seedPlan, seedSubscription } from './seed.js';

export type AttemptStatus = 'APPROVED' | 'DECLINED' | 'FAILED' | 'UNKNOWN' | 'PENDING';
export type InvoiceStatus = 'OPEN' | 'PAID' | 'VOID' | 'UNCOLLECTIBLE';

/** One invoice per row, its attempts made at the given instants with the given outcomes. */
export async function invoicesWithAttempts(
  db: Db,
  merchantId: string,
  rows: readonly { status: InvoiceStatus; attempts: readonly [string, AttemptStatus, string?][] }[],
) {
  const customer = await seedCustomer(db, merchantId);
  const { version } = await seedPlan(db, merchantId);
  const { subscription } = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
  });
  for (const [periodIndex, row] of rows.entries()) {
    const invoice = await seedInvoice(db, {
      merchantId,
      customerId: customer.id,
      subscriptionId: subscription.id,
      planVersionId: version.id,
      periodIndex,
      status: row.status,
    });
    for (const [i, [at, status, reason]] of row.attempts.entries()) {
      await seedChargeAttempt(db, {
        merchantId,
        subscriptionId: subscription.id,
        invoiceId: invoice.id,
        attemptNumber: i + 1,
        status,
        declineReason: reason ?? null,
        at: new Date(at),
      });
    }
  }
}
