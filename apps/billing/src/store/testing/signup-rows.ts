// The rows a signup writes, as the signup service's description has it, for the API's in-memory
// stand-in of the SubscriptionSignups port: a PENDING_TOKENIZATION subscription, its first phase
// on the plan's latest version and the payment request (CREATING until Klarna answered), all in
// one transaction that also names the subscription in the request's Idempotency-Key record.
import { randomUUID } from 'node:crypto';
import { inTransaction, type Db } from '../db.js';
import { setIdempotencyResource } from '../idempotency.js';

export type SignupRowsResult =
  | { kind: 'created'; subscriptionId: string }
  | { kind: 'not_found'; field: 'customer_id' | 'plan_id' }
  | { kind: 'plan_archived' };

export async function writeSignupRows(
  db: Db,
  input: {
    merchantId: string;
    customerId: string;
    planId: string;
    returnUrl: string;
    timeZone: string | null;
    idempotencyRecordId: string | null;
    at: Date;
  },
): Promise<SignupRowsResult> {
  return inTransaction(db, async (tx) => {
    const where = { merchantId: input.merchantId };
    const customer = await tx.customer.findFirst({ where: { ...where, id: input.customerId } });
    if (customer === null) return { kind: 'not_found', field: 'customer_id' } as const;
    const plan = await tx.plan.findFirst({
      where: { ...where, id: input.planId },
      include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
    });
    const version = plan?.versions[0];
    if (plan === null || version === undefined) return { kind: 'not_found', field: 'plan_id' } as const;
    if (plan.status === 'ARCHIVED') return { kind: 'plan_archived' } as const;
    const merchant = await tx.merchant.findUniqueOrThrow({ where: { id: input.merchantId } });
    const timeZone = input.timeZone ?? merchant.timeZone;
    const subscription = await tx.subscription.create({
      data: {
        merchantId: input.merchantId,
        customerId: customer.id,
        timeZone,
        currency: plan.currency,
        returnUrl: input.returnUrl,
        createdAt: input.at,
        updatedAt: input.at,
      },
    });
    await tx.subscriptionPhase.create({
      data: {
        merchantId: input.merchantId,
        subscriptionId: subscription.id,
        planVersionId: version.id,
        anchorAt: input.at,
        timeZone,
        firstPeriodIndex: 0,
        createdAt: input.at,
      },
    });
    await tx.paymentRequest.create({
      data: {
        merchantId: input.merchantId,
        customerId: customer.id,
        subscriptionId: subscription.id,
        reference: `pr-${randomUUID()}`,
        tokenReference: `tok-${randomUUID()}`,
        idempotencyKey: randomUUID(),
        paymentPart: version.trialDays > 0 ? 'NOT_REQUESTED' : 'PENDING',
        amountMinor: version.trialDays > 0 ? null : version.amountMinor,
        currency: plan.currency,
        createdAt: input.at,
        updatedAt: input.at,
      },
    });
    if (input.idempotencyRecordId !== null) {
      await setIdempotencyResource(tx, input.idempotencyRecordId, subscription.id);
    }
    return { kind: 'created', subscriptionId: subscription.id } as const;
  });
}

/** Klarna answered: the subscription's open payment request gets its journey URL. */
export async function markJourneyOpened(db: Db, subscriptionId: string, at: Date): Promise<void> {
  const request = await db.paymentRequest.findFirstOrThrow({
    where: { subscriptionId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  if (request.state !== 'CREATING') return;
  await db.paymentRequest.update({
    where: { id: request.id },
    data: {
      state: 'SUBMITTED',
      klarnaPaymentRequestId: `krn:payment:eu1:request:${request.id}`,
      url: `https://pay.sandbox.klarna.test/journey/${request.id}`,
      expiresAt: new Date(at.getTime() + 60 * 60_000),
      stateChangedAt: at,
      updatedAt: at,
    },
  });
}

export async function subscriptionExists(db: Db, merchantId: string, id: string): Promise<boolean> {
  return (await db.subscription.count({ where: { id, merchantId } })) === 1;
}
