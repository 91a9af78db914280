// The constraints the billing logic relies on, exercised on the run's migrated database.
// Every test creates its own merchant, so test files can share the database.
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { parseDunningPolicy } from '../domain/dunning-policy.js';
import { databaseTest } from '../testing/database-test.js';
import { Prisma } from './generated/prisma/client.js';
import type { PrismaClient } from './generated/prisma/client.js';

const PERIOD_START = new Date('2026-01-31T09:00:00Z');
const PERIOD_END = new Date('2026-02-28T09:00:00Z');

/** Resolves to the name of the unique index `write` violated; fails on any other outcome. */
async function uniqueViolation(write: Promise<unknown>): Promise<string | undefined> {
  const error: unknown = await write.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected a unique constraint violation').toBeInstanceOf(
    Prisma.PrismaClientKnownRequestError,
  );
  const known = error as Prisma.PrismaClientKnownRequestError;
  expect(known.code).toBe('P2002');
  return violatedIndex(known.meta);
}

/** Prisma 7 over a driver adapter names the violated index under meta.driverAdapterError. */
function violatedIndex(meta: Record<string, unknown> | undefined): string | undefined {
  const adapterError = meta?.['driverAdapterError'] as
    { cause?: { constraint?: { index?: string } } } | undefined;
  return adapterError?.cause?.constraint?.index;
}

async function createMerchant(prisma: PrismaClient): Promise<string> {
  const merchant = await prisma.merchant.create({
    data: { name: 'Schema test merchant', timeZone: 'Europe/Stockholm' },
  });
  return merchant.id;
}

/** Retries 1, 3 and 5 days after the first failure; the domain's own parser accepts it. */
const DUNNING_POLICY = { retryOffsetsHours: [24, 72, 120], finalAction: 'CANCEL' };

function planData(merchantId: string, code: string): Prisma.PlanUncheckedCreateInput {
  return {
    merchantId,
    code,
    name: `Plan ${code}`,
    amountMinor: 9900,
    currency: 'SEK',
    interval: 'MONTH',
    dunningPolicy: DUNNING_POLICY,
  };
}

async function createSubscription(prisma: PrismaClient, merchantId: string): Promise<string> {
  const customer = await prisma.customer.create({
    data: { merchantId, externalRef: `customer-${randomUUID()}` },
  });
  const plan = await prisma.plan.create({ data: planData(merchantId, `plan-${randomUUID()}`) });
  const subscription = await prisma.subscription.create({
    data: {
      merchantId,
      customerId: customer.id,
      planId: plan.id,
      anchorAt: PERIOD_START,
      timeZone: 'Europe/Stockholm',
    },
  });
  return subscription.id;
}

function chargeAttemptData(
  merchantId: string,
  subscriptionId: string,
  attemptNumber: number,
): Prisma.ChargeAttemptUncheckedCreateInput {
  return {
    merchantId,
    subscriptionId,
    periodStart: PERIOD_START,
    periodEnd: PERIOD_END,
    attemptNumber,
    idempotencyKey: randomUUID(),
    reference: `charge-${randomUUID()}`,
    amountMinor: 9900,
    currency: 'SEK',
  };
}

describe('ChargeAttempt', () => {
  databaseTest('allows one row per (subscription, period start, attempt number)', async ({ prisma }) => {
    const merchantId = await createMerchant(prisma);
    const subscriptionId = await createSubscription(prisma, merchantId);
    await prisma.chargeAttempt.create({ data: chargeAttemptData(merchantId, subscriptionId, 1) });

    const index = await uniqueViolation(
      prisma.chargeAttempt.create({ data: chargeAttemptData(merchantId, subscriptionId, 1) }),
    );

    expect(index).toBe('ChargeAttempt_subscriptionId_periodStart_attemptNumber_key');
    await prisma.chargeAttempt.create({ data: chargeAttemptData(merchantId, subscriptionId, 2) });
    expect(await prisma.chargeAttempt.count({ where: { subscriptionId } })).toBe(2);
  });

  databaseTest('never stores the same idempotency key twice', async ({ prisma }) => {
    const merchantId = await createMerchant(prisma);
    const subscriptionId = await createSubscription(prisma, merchantId);
    const first = await prisma.chargeAttempt.create({
      data: chargeAttemptData(merchantId, subscriptionId, 1),
    });

    const index = await uniqueViolation(
      prisma.chargeAttempt.create({
        data: { ...chargeAttemptData(merchantId, subscriptionId, 2), idempotencyKey: first.idempotencyKey },
      }),
    );

    expect(index).toBe('ChargeAttempt_idempotencyKey_key');
  });
});

describe('Plan', () => {
  databaseTest('keeps codes unique within a merchant', async ({ prisma }) => {
    const merchantId = await createMerchant(prisma);
    await prisma.plan.create({ data: planData(merchantId, 'gold') });

    const index = await uniqueViolation(prisma.plan.create({ data: planData(merchantId, 'gold') }));

    expect(index).toBe('Plan_merchantId_code_key');
  });

  databaseTest('lets another merchant reuse a code', async ({ prisma }) => {
    const [first, second] = [await createMerchant(prisma), await createMerchant(prisma)];
    await prisma.plan.create({ data: planData(first, 'gold') });

    const plan = await prisma.plan.create({ data: planData(second, 'gold') });

    expect(plan).toMatchObject({ merchantId: second, code: 'gold' });
  });
});

describe('Plan dunning policy', () => {
  databaseTest('is stored in a shape the domain parses, and read back unchanged', async ({ prisma }) => {
    const merchantId = await createMerchant(prisma);
    const created = await prisma.plan.create({ data: planData(merchantId, 'dunning') });

    const stored = await prisma.plan.findUniqueOrThrow({ where: { id: created.id } });

    expect(stored.dunningPolicy).toEqual(DUNNING_POLICY);
    expect(parseDunningPolicy(stored.dunningPolicy)).toMatchObject({
      retryOffsetsHours: [24, 72, 120],
      finalAction: 'CANCEL',
    });
  });
});

describe('WebhookEvent', () => {
  databaseTest('records an event id once', async ({ prisma }) => {
    const eventId = randomUUID();
    const event = {
      eventId,
      eventType: 'payment.request.state-change.completed',
      occurredAt: new Date('2026-01-31T09:00:05Z'),
      payload: { metadata: { event_id: eventId } },
    };
    await prisma.webhookEvent.create({ data: event });

    const index = await uniqueViolation(prisma.webhookEvent.create({ data: event }));

    expect(index).toBe('WebhookEvent_eventId_key');
  });
});

describe('Subscription', () => {
  databaseTest('starts at version 0 for optimistic locking', async ({ prisma }) => {
    const merchantId = await createMerchant(prisma);
    const subscriptionId = await createSubscription(prisma, merchantId);

    const subscription = await prisma.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });

    expect(subscription.version).toBe(0);
    expect(subscription.status).toBe('PENDING_TOKENIZATION');
  });
});

describe('tenant isolation', () => {
  /** Resolves when `write` is rejected by a foreign key; fails on any other outcome. */
  async function foreignKeyViolation(write: Promise<unknown>): Promise<void> {
    const error: unknown = await write.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error, 'expected a foreign key violation').toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe('P2003');
  }

  databaseTest("rejects a subscription on another merchant's plan or customer", async ({ prisma }) => {
    const [mine, theirs] = [await createMerchant(prisma), await createMerchant(prisma)];
    const myCustomer = await prisma.customer.create({ data: { merchantId: mine, externalRef: 'c1' } });
    const theirCustomer = await prisma.customer.create({ data: { merchantId: theirs, externalRef: 'c1' } });
    const myPlan = await prisma.plan.create({ data: planData(mine, 'gold') });
    const theirPlan = await prisma.plan.create({ data: planData(theirs, 'gold') });
    const base = { merchantId: mine, anchorAt: PERIOD_START, timeZone: 'Europe/Stockholm' };

    await foreignKeyViolation(
      prisma.subscription.create({ data: { ...base, customerId: myCustomer.id, planId: theirPlan.id } }),
    );
    await foreignKeyViolation(
      prisma.subscription.create({ data: { ...base, customerId: theirCustomer.id, planId: myPlan.id } }),
    );
    expect(await prisma.subscription.count({ where: { merchantId: mine } })).toBe(0);
  });

  databaseTest(
    "rejects a charge attempt filed under another merchant than its subscription's",
    async ({ prisma }) => {
      const [mine, theirs] = [await createMerchant(prisma), await createMerchant(prisma)];
      const subscriptionId = await createSubscription(prisma, mine);

      await foreignKeyViolation(
        prisma.chargeAttempt.create({ data: chargeAttemptData(theirs, subscriptionId, 1) }),
      );
    },
  );
});
