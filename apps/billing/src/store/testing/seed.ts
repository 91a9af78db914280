// Rows for tests, written straight through Prisma: the merchant API only reads subscriptions,
// invoices and charges (other roles write them), so its tests need them seeded. Every helper takes
// the instant to stamp (no clock is read here) and returns the row it wrote; ids are the
// database's, references and keys random, so test files can share one database.
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';

const DEFAULT_AT = new Date('2026-01-15T10:00:00.000Z');

export async function seedMerchant(
  db: Db,
  overrides: Partial<Prisma.MerchantUncheckedCreateInput> = {},
): Promise<Prisma.MerchantGetPayload<object>> {
  const at = overrides.createdAt ?? DEFAULT_AT;
  return db.merchant.create({
    data: {
      name: 'Seeded merchant',
      timeZone: 'Europe/Stockholm',
      klarnaPartnerAccountId: `krn:partner:global:account:test:${randomUUID().replaceAll('-', '')}`,
      invoicePrefix: 'SEED',
      createdAt: at,
      updatedAt: at,
      ...overrides,
    },
  });
}

export async function seedCustomer(
  db: Db,
  merchantId: string,
  overrides: Partial<Prisma.CustomerUncheckedCreateInput> = {},
): Promise<Prisma.CustomerGetPayload<object>> {
  const at = overrides.createdAt ?? DEFAULT_AT;
  return db.customer.create({
    data: { merchantId, externalRef: `cust-${randomUUID()}`, createdAt: at, updatedAt: at, ...overrides },
  });
}

export interface SeededPlan {
  readonly plan: Prisma.PlanGetPayload<object>;
  readonly version: Prisma.PlanVersionGetPayload<object>;
}

/** A plan with its version 1 (9900 SEK a month, the domain's default policies). */
export async function seedPlan(
  db: Db,
  merchantId: string,
  overrides: {
    code?: string;
    currency?: string;
    amountMinor?: number;
    trialDays?: number;
    status?: 'ACTIVE' | 'ARCHIVED';
    at?: Date;
  } = {},
): Promise<SeededPlan> {
  const at = overrides.at ?? DEFAULT_AT;
  const currency = overrides.currency ?? 'SEK';
  const code = overrides.code ?? `plan-${randomUUID()}`;
  const plan = await db.plan.create({
    data: {
      merchantId,
      code,
      name: `Plan ${code}`,
      currency,
      status: overrides.status ?? 'ACTIVE',
      createdAt: at,
      updatedAt: at,
      archivedAt: overrides.status === 'ARCHIVED' ? at : null,
    },
  });
  const version = await db.planVersion.create({
    data: {
      merchantId,
      planId: plan.id,
      version: 1,
      name: plan.name,
      amountMinor: overrides.amountMinor ?? 9900,
      currency,
      interval: 'MONTH',
      intervalCount: 1,
      trialDays: overrides.trialDays ?? 0,
      dunningPolicy: {
        retryOffsetsHours: [24, 72, 120, 168],
        maxAttempts: 5,
        gracePeriodDays: 7,
        finalAction: 'CANCEL',
      },
      catchUpPolicy: { kind: 'CURRENT_ONLY' },
      createdAt: at,
    },
  });
  return { plan, version };
}

export interface SeededSubscription {
  readonly subscription: Prisma.SubscriptionGetPayload<object>;
  readonly phase: Prisma.SubscriptionPhaseGetPayload<object>;
}

/** A subscription's columns to seed, and the lease a sweep would have put on its next action. */
export type SubscriptionSeed = Partial<Prisma.SubscriptionUncheckedCreateInput> & {
  nextActionLeaseUntil?: Date | null;
};

export interface SeededTenantSubscription extends SeededSubscription {
  readonly merchant: Prisma.MerchantGetPayload<object>;
  readonly customer: Prisma.CustomerGetPayload<object>;
  readonly version: Prisma.PlanVersionGetPayload<object>;
}

/**
 * A new merchant with a customer and a plan, and a subscription of that customer on the plan's
 * version: the rows most store tests start from.
 */
export async function seedTenantSubscription(
  db: Db,
  fields: { currency?: string; at?: Date } & SubscriptionSeed = {},
): Promise<SeededTenantSubscription> {
  const merchant = await seedMerchant(db);
  const customer = await seedCustomer(db, merchant.id);
  const { version } = await seedPlan(db, merchant.id);
  const seeded = await seedSubscription(db, {
    merchantId: merchant.id,
    customerId: customer.id,
    planVersionId: version.id,
    ...fields,
  });
  return { merchant, customer, version, ...seeded };
}
/** A subscription with its first phase on `planVersionId`. */
export async function seedSubscription(
  db: Db,
  input: {
    merchantId: string;
    customerId: string;
    planVersionId: string;
    currency?: string;
    at?: Date;
  } & SubscriptionSeed,
): Promise<SeededSubscription> {
  const { planVersionId, at: atInput, nextActionLeaseUntil, ...rest } = input;
  const at = atInput ?? DEFAULT_AT;
  const subscription = await db.subscription.create({
    data: {
      timeZone: 'Europe/Stockholm',
      currency: 'SEK',
      returnUrl: 'https://merchant.example/return',
      createdAt: at,
      updatedAt: at,
      ...rest,
    },
  });
  const phase = await db.subscriptionPhase.create({
    data: {
      merchantId: input.merchantId,
      subscriptionId: subscription.id,
      planVersionId,
      anchorAt: at,
      timeZone: subscription.timeZone,
      firstPeriodIndex: 0,
      createdAt: at,
    },
  });
  if (nextActionLeaseUntil !== undefined && nextActionLeaseUntil !== null) {
    await db.subscriptionNextAction.update({
      where: { subscriptionId: subscription.id },
      data: { leaseUntil: nextActionLeaseUntil },
    });
  }
  return { subscription, phase };
}

export async function seedPaymentRequest(
  db: Db,
  input: {
    merchantId: string;
    customerId: string;
    subscriptionId: string;
    at?: Date;
  } & Partial<Prisma.PaymentRequestUncheckedCreateInput>,
): Promise<Prisma.PaymentRequestGetPayload<object>> {
  const { at: atInput, ...rest } = input;
  const at = atInput ?? DEFAULT_AT;
  return db.paymentRequest.create({
    data: {
      reference: `pr-${randomUUID()}`,
      tokenReference: `tok-${randomUUID()}`,
      idempotencyKey: randomUUID(),
      currency: 'SEK',
      createdAt: at,
      updatedAt: at,
      ...rest,
    },
  });
}

/** An invoice for one period with its single plan line. */
export async function seedInvoice(
  db: Db,
  input: {
    merchantId: string;
    customerId: string;
    subscriptionId: string;
    planVersionId: string;
    periodIndex?: number;
    amountMinor?: number;
    at?: Date;
  } & Partial<Prisma.InvoiceUncheckedCreateInput>,
): Promise<Prisma.InvoiceGetPayload<{ include: { lines: true } }>> {
  const { at: atInput, ...rest } = input;
  const at = atInput ?? DEFAULT_AT;
  const periodStart = rest.periodStart ?? at;
  const periodEnd = rest.periodEnd ?? new Date(new Date(periodStart).getTime() + 30 * 86_400_000);
  const amountMinor = rest.amountMinor ?? 9900;
  const invoice = await db.invoice.create({
    data: {
      number: `SEED-${randomUUID()}`,
      periodIndex: 0,
      amountMinor,
      currency: 'SEK',
      issuedAt: at,
      createdAt: at,
      updatedAt: at,
      ...rest,
      periodStart,
      periodEnd,
    },
  });
  const line = await db.invoiceLine.create({
    data: {
      merchantId: input.merchantId,
      invoiceId: invoice.id,
      position: 1,
      description: 'Plan for the period',
      quantity: 1,
      unitAmountMinor: amountMinor,
      amountMinor,
      planVersionId: input.planVersionId,
      periodStart,
      periodEnd,
    },
  });
  return { ...invoice, lines: [line] };
}

export async function seedChargeAttempt(
  db: Db,
  input: {
    merchantId: string;
    subscriptionId: string;
    invoiceId: string;
    at?: Date;
  } & Partial<Prisma.ChargeAttemptUncheckedCreateInput>,
): Promise<Prisma.ChargeAttemptGetPayload<object>> {
  const { at: atInput, ...rest } = input;
  const at = atInput ?? DEFAULT_AT;
  return db.chargeAttempt.create({
    data: {
      attemptNumber: 1,
      kind: 'CUSTOMER_NOT_PRESENT',
      idempotencyKey: randomUUID(),
      reference: `att-${randomUUID()}`,
      amountMinor: 9900,
      currency: 'SEK',
      createdAt: at,
      updatedAt: at,
      ...rest,
    },
  });
}

export interface SeededCharge {
  readonly attempt: Prisma.ChargeAttemptGetPayload<object>;
  readonly charge: Prisma.ChargeGetPayload<object>;
  readonly capture: Prisma.CaptureGetPayload<object>;
}

/** An approved attempt, its charge captured in full at authorization (capture: NOW). */
export async function seedCharge(
  db: Db,
  input: {
    merchantId: string;
    subscriptionId: string;
    invoiceId: string;
    amountMinor?: number;
    currency?: string;
    at?: Date;
  },
): Promise<SeededCharge> {
  const at = input.at ?? DEFAULT_AT;
  const amountMinor = input.amountMinor ?? 9900;
  const currency = input.currency ?? 'SEK';
  const attempt = await seedChargeAttempt(db, {
    merchantId: input.merchantId,
    subscriptionId: input.subscriptionId,
    invoiceId: input.invoiceId,
    amountMinor,
    currency,
    status: 'APPROVED',
    completedAt: at,
    at,
  });
  const charge = await db.charge.create({
    data: {
      merchantId: input.merchantId,
      subscriptionId: input.subscriptionId,
      invoiceId: input.invoiceId,
      attemptId: attempt.id,
      klarnaTransactionId: `krn:payment:eu1:transaction:${randomUUID()}`,
      amountMinor,
      currency,
      state: 'COMPLETED',
      captureMode: 'NOW',
      capturedMinor: amountMinor,
      authorizedAt: at,
      expiresAt: new Date(at.getTime() + 28 * 86_400_000),
      createdAt: at,
      updatedAt: at,
    },
  });
  const capture = await db.capture.create({
    data: {
      merchantId: input.merchantId,
      chargeId: charge.id,
      amountMinor,
      currency,
      reference: `cap-${randomUUID()}`,
      status: 'SUCCEEDED',
      capturedAt: at,
      createdAt: at,
      updatedAt: at,
    },
  });
  return { attempt, charge, capture };
}

/** A customer token row: the ciphertext is a stand-in (the vault is not involved). */
export async function seedCustomerToken(
  db: Db,
  input: { merchantId: string; customerId: string; at?: Date },
): Promise<Prisma.CustomerTokenGetPayload<object>> {
  return db.customerToken.create({
    data: {
      merchantId: input.merchantId,
      customerId: input.customerId,
      encryptedToken: Buffer.from('not a real ciphertext'),
      keyId: 'test-key',
      tokenFingerprint: randomUUID(),
      scopes: ['payment:customer_not_present'],
      reference: `ctr-${randomUUID()}`,
      createdAt: input.at ?? DEFAULT_AT,
    },
  });
}

/**
 * `count` ACTIVE subscriptions of one customer with the next action `kind` due at `dueAt`, in one
 * INSERT ... SELECT over generate_series (70,000 rows in about a second); returns their ids.
 * No phases: only the sweep's columns matter to the tests that use it.
 */
export async function seedDueSubscriptions(
  db: Db,
  input: {
    merchantId: string;
    customerId: string;
    count: number;
    dueAt: Date;
    kind?: 'RENEWAL' | 'FINALIZE' | 'SIGNUP_EXPIRY';
    at?: Date;
  },
): Promise<string[]> {
  const at = input.at ?? DEFAULT_AT;
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "Subscription" (id, "merchantId", "customerId", status, "timeZone", currency, "returnUrl",
      "nextActionAt", "nextActionKind", "createdAt", "updatedAt")
    SELECT gen_random_uuid(), ${input.merchantId}::uuid, ${input.customerId}::uuid, 'ACTIVE'::"SubscriptionStatus", 'Europe/Stockholm',
      'SEK', 'https://merchant.example/return', ${input.dueAt}, ${input.kind ?? 'RENEWAL'}::"NextActionKind", ${at}, ${at}
    FROM generate_series(1, ${input.count}::int)
    RETURNING id`;
  return rows.map((r) => r.id);
}

/** A SUCCEEDED refund of 1.00 on a seeded charge's capture. */
export async function seedRefund(
  db: Db,
  merchantId: string,
  seeded: { readonly charge: { readonly id: string }; readonly capture: { readonly id: string } },
  at: Date,
) {
  return db.refund.create({
    data: {
      merchantId,
      chargeId: seeded.charge.id,
      captureId: seeded.capture.id,
      amountMinor: 100,
      currency: 'SEK',
      reference: `ref-${seeded.charge.id}`,
      idempotencyKey: `key-${seeded.charge.id}`,
      status: 'SUCCEEDED',
      createdAt: at,
      updatedAt: at,
    },
  });
}
