// The constraints the billing logic relies on, exercised on the run's migrated database: composite
// tenant foreign keys, unique keys, the CHECK constraints and the triggers of the init migration's
// hand-written SQL. Every test seeds its own merchant, so test files can share the database.
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { parseDunningPolicy } from '../domain/dunning-policy.js';
import { databaseTest } from '../testing/database-test.js';
import { databaseError, type DatabaseError } from './database-errors.js';
import type { Db } from './db.js';
import {
  seedCharge,
  seedChargeAttempt,
  seedCustomer,
  seedInvoice,
  seedMerchant,
  seedPlan,
  seedSubscription,
} from './testing/seed.js';

const AT = new Date('2026-01-31T09:00:00.000Z');

/** Resolves to what PostgreSQL said when it refused `write`; fails when the write succeeds. */
async function refusal(write: Promise<unknown>): Promise<DatabaseError> {
  const error: unknown = await write.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  const found = databaseError(error);
  expect(found, `expected the database to refuse the write, got ${String(error)}`).not.toBeNull();
  return found as DatabaseError;
}

async function expectUnique(write: Promise<unknown>, constraint: string): Promise<void> {
  expect(await refusal(write)).toMatchObject({ sqlState: '23505', constraint });
}

async function expectForeignKey(write: Promise<unknown>): Promise<void> {
  expect((await refusal(write)).sqlState).toBe('23503');
}

async function expectCheck(write: Promise<unknown>, constraint: string): Promise<void> {
  expect(await refusal(write)).toMatchObject({ sqlState: '23514', constraint });
}

/** The triggers raise restrict_violation with a message naming the operation and the table. */
async function expectRefusedByTrigger(write: Promise<unknown>, message: RegExp): Promise<void> {
  const found = await refusal(write);
  expect(found.sqlState).toBe('23001');
  expect(found.message).toMatch(message);
}

/** A merchant with a customer, a plan and a subscription on it. */
async function seedTenant(db: Db) {
  const merchant = await seedMerchant(db);
  const customer = await seedCustomer(db, merchant.id);
  const { plan, version } = await seedPlan(db, merchant.id);
  const { subscription, phase } = await seedSubscription(db, {
    merchantId: merchant.id,
    customerId: customer.id,
    planVersionId: version.id,
  });
  return { merchant, customer, plan, version, subscription, phase };
}

describe('tenant foreign keys', () => {
  databaseTest("refuse a subscription for another merchant's customer", async ({ prisma }) => {
    const mine = await seedMerchant(prisma);
    const theirs = await seedTenant(prisma);

    await expectForeignKey(
      prisma.subscription.create({
        data: {
          merchantId: mine.id,
          customerId: theirs.customer.id,
          timeZone: 'UTC',
          currency: 'SEK',
          returnUrl: 'https://x.example',
          createdAt: AT,
          updatedAt: AT,
        },
      }),
    );
    expect(await prisma.subscription.count({ where: { merchantId: mine.id } })).toBe(0);
  });

  databaseTest("refuse a phase on another merchant's plan version", async ({ prisma }) => {
    const mine = await seedTenant(prisma);
    const theirs = await seedTenant(prisma);

    await expectForeignKey(
      prisma.subscriptionPhase.create({
        data: {
          merchantId: mine.merchant.id,
          subscriptionId: mine.subscription.id,
          planVersionId: theirs.version.id,
          anchorAt: AT,
          timeZone: 'UTC',
          firstPeriodIndex: 1,
          createdAt: AT,
        },
      }),
    );
  });

  databaseTest("refuse a plan version filed under another merchant than its plan's", async ({ prisma }) => {
    const mine = await seedTenant(prisma);
    const theirs = await seedMerchant(prisma);
    const { id: _id, ...version } = mine.version;

    await expectForeignKey(
      prisma.planVersion.create({
        data: {
          ...version,
          merchantId: theirs.id,
          version: 2,
          dunningPolicy: {},
          catchUpPolicy: { kind: 'CURRENT_ONLY' },
        },
      }),
    );
  });

  databaseTest('refuse a subscription token that belongs to another customer', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const otherCustomer = await seedCustomer(prisma, tenant.merchant.id);
    const token = await prisma.customerToken.create({
      data: {
        merchantId: tenant.merchant.id,
        customerId: otherCustomer.id,
        encryptedToken: Buffer.from('ciphertext'),
        keyId: 'k1',
        tokenFingerprint: randomUUID(),
        reference: randomUUID(),
        createdAt: AT,
      },
    });

    await expectForeignKey(
      prisma.subscription.update({ where: { id: tenant.subscription.id }, data: { tokenId: token.id } }),
    );
  });

  databaseTest(
    "refuse a charge attempt filed under another merchant than its subscription's",
    async ({ prisma }) => {
      const mine = await seedTenant(prisma);
      const theirs = await seedMerchant(prisma);
      const invoice = await seedInvoice(prisma, {
        merchantId: mine.merchant.id,
        customerId: mine.customer.id,
        subscriptionId: mine.subscription.id,
        planVersionId: mine.version.id,
      });

      await expectForeignKey(
        seedChargeAttempt(prisma, {
          merchantId: theirs.id,
          subscriptionId: mine.subscription.id,
          invoiceId: invoice.id,
        }),
      );
    },
  );
});

describe('unique keys', () => {
  databaseTest('plan codes are unique within a merchant, not across merchants', async ({ prisma }) => {
    const [first, second] = [await seedMerchant(prisma), await seedMerchant(prisma)];
    await seedPlan(prisma, first.id, { code: 'gold' });

    await expectUnique(seedPlan(prisma, first.id, { code: 'gold' }), 'Plan_merchantId_code_key');
    expect((await seedPlan(prisma, second.id, { code: 'gold' })).plan.code).toBe('gold');
  });

  databaseTest('a plan has one row per version number', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const { id: _id, ...version } = tenant.version;

    await expectUnique(
      prisma.planVersion.create({
        data: { ...version, dunningPolicy: {}, catchUpPolicy: { kind: 'CURRENT_ONLY' } },
      }),
      'PlanVersion_planId_version_key',
    );
  });

  databaseTest('customer external references are unique within a merchant', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    await seedCustomer(prisma, merchant.id, { externalRef: 'c-1' });

    await expectUnique(
      seedCustomer(prisma, merchant.id, { externalRef: 'c-1' }),
      'Customer_merchantId_externalRef_key',
    );
  });

  databaseTest('a Klarna partner account belongs to one merchant', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);

    await expectUnique(
      seedMerchant(prisma, { klarnaPartnerAccountId: merchant.klarnaPartnerAccountId }),
      'Merchant_klarnaPartnerAccountId_key',
    );
  });

  databaseTest('API key prefixes and secret hashes are unique', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    const key = { merchantId: merchant.id, name: 'k', createdAt: AT };
    await prisma.apiKey.create({ data: { ...key, prefix: 'p1', secretHash: 'h1' } });

    await expectUnique(
      prisma.apiKey.create({ data: { ...key, prefix: 'p1', secretHash: 'h2' } }),
      'ApiKey_prefix_key',
    );
    await expectUnique(
      prisma.apiKey.create({ data: { ...key, prefix: 'p2', secretHash: 'h1' } }),
      'ApiKey_secretHash_key',
    );
  });

  databaseTest('an idempotency key is recorded once per merchant', async ({ prisma }) => {
    const [first, second] = [await seedMerchant(prisma), await seedMerchant(prisma)];
    const record = {
      key: 'order-1',
      method: 'POST',
      path: '/v1/plans',
      requestHash: 'h',
      createdAt: AT,
      expiresAt: AT,
    };
    await prisma.apiIdempotencyRecord.create({ data: { ...record, merchantId: first.id } });

    await expectUnique(
      prisma.apiIdempotencyRecord.create({ data: { ...record, merchantId: first.id } }),
      'ApiIdempotencyRecord_merchantId_key_key',
    );
    await prisma.apiIdempotencyRecord.create({ data: { ...record, merchantId: second.id } });
  });

  databaseTest('one invoice per subscription period, numbers unique per merchant', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const base = {
      merchantId: tenant.merchant.id,
      customerId: tenant.customer.id,
      subscriptionId: tenant.subscription.id,
      planVersionId: tenant.version.id,
    };
    const first = await seedInvoice(prisma, { ...base, periodIndex: 0, number: 'SEED-1' });

    await expectUnique(
      seedInvoice(prisma, { ...base, periodIndex: 0, number: 'SEED-2' }),
      'Invoice_subscriptionId_periodIndex_key',
    );
    await expectUnique(
      seedInvoice(prisma, { ...base, periodIndex: 1, number: first.number }),
      'Invoice_merchantId_number_key',
    );
  });

  databaseTest('attempt numbers, attempt keys and charges per attempt are unique', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const invoice = await seedInvoice(prisma, {
      merchantId: tenant.merchant.id,
      customerId: tenant.customer.id,
      subscriptionId: tenant.subscription.id,
      planVersionId: tenant.version.id,
    });
    const ids = {
      merchantId: tenant.merchant.id,
      subscriptionId: tenant.subscription.id,
      invoiceId: invoice.id,
    };
    const { attempt, charge } = await seedCharge(prisma, ids);

    await expectUnique(
      seedChargeAttempt(prisma, { ...ids, attemptNumber: 1 }),
      'ChargeAttempt_invoiceId_attemptNumber_key',
    );
    await expectUnique(
      seedChargeAttempt(prisma, { ...ids, attemptNumber: 2, idempotencyKey: attempt.idempotencyKey }),
      'ChargeAttempt_idempotencyKey_key',
    );
    const { id: _id, ...sameAttempt } = charge;
    await expectUnique(
      prisma.charge.create({ data: { ...sameAttempt, klarnaTransactionId: randomUUID() } }),
      'Charge_attemptId_merchantId_key',
    );
  });

  databaseTest('a webhook event id is recorded once', async ({ prisma }) => {
    const eventId = randomUUID();
    const event = {
      eventId,
      eventType: 'payment.request.state-change.completed',
      occurredAt: AT,
      receivedAt: AT,
      nextAttemptAt: new Date(),
      signingKeyId: 'sk-1',
      payload: { metadata: { event_id: eventId } },
    };
    await prisma.webhookEvent.create({ data: event });

    await expectUnique(prisma.webhookEvent.create({ data: event }), 'WebhookEvent_eventId_key');
  });
});

describe('CHECK constraints', () => {
  databaseTest('plan versions: positive amount, ISO currency, sane schedule', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const { id: _id, ...base } = tenant.version;
    const version = (overrides: object) =>
      prisma.planVersion.create({
        data: {
          ...base,
          version: 9,
          dunningPolicy: {},
          catchUpPolicy: { kind: 'CURRENT_ONLY' },
          ...overrides,
        },
      });

    await expectCheck(version({ amountMinor: 0 }), 'PlanVersion_amount_check');
    await expectCheck(version({ currency: 'sek' }), 'PlanVersion_currency_check');
    await expectCheck(version({ intervalCount: 0 }), 'PlanVersion_intervalCount_check');
    await expectCheck(version({ trialDays: -1 }), 'PlanVersion_trialDays_check');
    await expectCheck(version({ version: 0 }), 'PlanVersion_version_check');
  });

  databaseTest('a subscription has a next action time exactly when it has a kind', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const where = { id: tenant.subscription.id };

    await expectCheck(
      prisma.subscription.update({ where, data: { nextActionAt: AT } }),
      'Subscription_nextAction_check',
    );
    await expectCheck(
      prisma.subscription.update({ where, data: { nextActionKind: 'RENEWAL' } }),
      'Subscription_nextAction_check',
    );
    const both = await prisma.subscription.update({
      where,
      data: { nextActionAt: AT, nextActionKind: 'RENEWAL' },
    });
    expect(both.nextActionKind).toBe('RENEWAL');
  });

  databaseTest('invoices: no negative amount, tax within the gross, a forward period', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const base = {
      merchantId: tenant.merchant.id,
      customerId: tenant.customer.id,
      subscriptionId: tenant.subscription.id,
      planVersionId: tenant.version.id,
    };

    await expectCheck(
      seedInvoice(prisma, { ...base, periodIndex: 1, amountMinor: -1 }),
      'Invoice_amount_check',
    );
    await expectCheck(
      seedInvoice(prisma, { ...base, periodIndex: 1, amountMinor: 100, taxMinor: 101 }),
      'Invoice_tax_check',
    );
    await expectCheck(
      seedInvoice(prisma, { ...base, periodIndex: 1, periodStart: AT, periodEnd: AT }),
      'Invoice_period_check',
    );
    const zero = await seedInvoice(prisma, { ...base, periodIndex: 1, amountMinor: 0 });
    expect(zero.amountMinor).toBe(0);
  });

  databaseTest('invoice lines have a quantity of at least one', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const invoice = await seedInvoice(prisma, {
      merchantId: tenant.merchant.id,
      customerId: tenant.customer.id,
      subscriptionId: tenant.subscription.id,
      planVersionId: tenant.version.id,
    });

    await expectCheck(
      prisma.invoiceLine.create({
        data: {
          merchantId: tenant.merchant.id,
          invoiceId: invoice.id,
          position: 2,
          description: 'x',
          quantity: 0,
          unitAmountMinor: 1,
          amountMinor: 0,
        },
      }),
      'InvoiceLine_quantity_check',
    );
  });

  databaseTest(
    'a charge never captures more than authorized nor refunds more than captured',
    async ({ prisma }) => {
      const tenant = await seedTenant(prisma);
      const invoice = await seedInvoice(prisma, {
        merchantId: tenant.merchant.id,
        customerId: tenant.customer.id,
        subscriptionId: tenant.subscription.id,
        planVersionId: tenant.version.id,
      });
      const { charge } = await seedCharge(prisma, {
        merchantId: tenant.merchant.id,
        subscriptionId: tenant.subscription.id,
        invoiceId: invoice.id,
        amountMinor: 1000,
      });
      const where = { id: charge.id };

      await expectCheck(
        prisma.charge.update({ where, data: { capturedMinor: 1001 } }),
        'Charge_captured_check',
      );
      await expectCheck(
        prisma.charge.update({ where, data: { refundedMinor: 1001 } }),
        'Charge_captured_check',
      );
      await prisma.charge.update({ where, data: { refundedMinor: 1000 } });
    },
  );
});

describe('triggers', () => {
  databaseTest('the audit trail is append-only', async ({ prisma }) => {
    const merchant = await seedMerchant(prisma);
    const event = await prisma.auditEvent.create({
      data: {
        merchantId: merchant.id,
        actorKind: 'SYSTEM',
        actorId: 'test',
        entityType: 'merchant',
        entityId: merchant.id,
        action: 'created',
        createdAt: AT,
      },
    });

    await expectRefusedByTrigger(
      prisma.auditEvent.update({ where: { id: event.id }, data: { action: 'edited' } }),
      /UPDATE on "AuditEvent" is not allowed/,
    );
    await expectRefusedByTrigger(
      prisma.auditEvent.delete({ where: { id: event.id } }),
      /DELETE on "AuditEvent" is not allowed/,
    );
  });

  databaseTest('plan versions never change and are never deleted', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const where = { id: tenant.version.id };

    await expectRefusedByTrigger(
      prisma.planVersion.update({ where, data: { amountMinor: 1 } }),
      /UPDATE on "PlanVersion" is not allowed/,
    );
    // The phase's RESTRICT foreign key would refuse the delete too; the trigger fires first.
    await expectRefusedByTrigger(
      prisma.planVersion.delete({ where }),
      /DELETE on "PlanVersion" is not allowed/,
    );
  });

  databaseTest('invoice lines never change', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const invoice = await seedInvoice(prisma, {
      merchantId: tenant.merchant.id,
      customerId: tenant.customer.id,
      subscriptionId: tenant.subscription.id,
      planVersionId: tenant.version.id,
    });
    const line = invoice.lines[0];
    if (line === undefined) throw new Error('seeded invoice has no line');

    await expectRefusedByTrigger(
      prisma.invoiceLine.update({ where: { id: line.id }, data: { description: 'changed' } }),
      /UPDATE on "InvoiceLine" is not allowed/,
    );
    await expectRefusedByTrigger(
      prisma.invoiceLine.delete({ where: { id: line.id } }),
      /DELETE on "InvoiceLine" is not allowed/,
    );
  });

  databaseTest("an invoice's content is fixed, its status and stamps move", async ({ prisma }) => {
    const tenant = await seedTenant(prisma);
    const invoice = await seedInvoice(prisma, {
      merchantId: tenant.merchant.id,
      customerId: tenant.customer.id,
      subscriptionId: tenant.subscription.id,
      planVersionId: tenant.version.id,
    });
    const where = { id: invoice.id };

    for (const data of [
      { amountMinor: 1 },
      { number: 'OTHER-1' },
      { periodEnd: new Date('2027-01-01T00:00:00Z') },
      { taxMinor: 1 },
      { issuedAt: new Date('2026-02-01T00:00:00Z') },
    ]) {
      await expectRefusedByTrigger(
        prisma.invoice.update({ where, data }),
        /UPDATE of an invoice's content is not allowed/,
      );
    }
    await expectRefusedByTrigger(prisma.invoice.delete({ where }), /invoices are never deleted/);

    const paid = await prisma.invoice.update({
      where,
      data: { status: 'PAID', paidAt: AT, updatedAt: AT },
    });
    expect(paid).toMatchObject({ status: 'PAID', amountMinor: invoice.amountMinor, number: invoice.number });
  });
});

describe('plan version policies', () => {
  databaseTest('are stored in the shape the domain parses and read back unchanged', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);

    const stored = await prisma.planVersion.findUniqueOrThrow({ where: { id: tenant.version.id } });

    expect(parseDunningPolicy(stored.dunningPolicy)).toEqual({
      retryOffsetsHours: [24, 72, 120, 168],
      maxAttempts: 5,
      gracePeriodDays: 7,
      finalAction: 'CANCEL',
    });
    expect(stored.catchUpPolicy).toEqual({ kind: 'CURRENT_ONLY' });
  });
});

describe('Subscription', () => {
  databaseTest('starts at version 0 for optimistic locking, pending tokenization', async ({ prisma }) => {
    const tenant = await seedTenant(prisma);

    expect(tenant.subscription).toMatchObject({ version: 0, status: 'PENDING_TOKENIZATION', periodIndex: 0 });
  });
});
