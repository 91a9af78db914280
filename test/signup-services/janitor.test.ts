// The signup janitor (SIGNUP_EXPIRY) against the real sandbox over HTTP, with the signup services
// called in this process so the test can pick the moment it runs: a journey Klarna has already
// deleted (a read answers 404: EXPIRED, CONTRACT.md §8.2), and a journey still open at Klarna
// after Rebill's expiry (Rebill abandons it and cancels it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startSandbox, type TestSandbox } from '../../apps/klarna-sandbox/src/testing/harness.js';
import { createTenant } from '../../apps/billing/src/api/testing/tenants.js';
import {
  DEFAULT_DUNNING_POLICY,
  DEFAULT_CATCH_UP_POLICY,
  type Clock,
} from '../../apps/billing/src/domain/index.js';
import { createKlarnaNetworkGateway } from '../../apps/billing/src/klarna/klarna-network-gateway.js';
import type { SignupDeps } from '../../apps/billing/src/signup/deps.js';
import { runSignupExpiry } from '../../apps/billing/src/signup/signup-expiry.js';
import { startSignup } from '../../apps/billing/src/signup/start-signup.js';
import { systemActor } from '../../apps/billing/src/store/audit.js';
import { createCustomer } from '../../apps/billing/src/store/customers.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { createPlan } from '../../apps/billing/src/store/plans.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import { loadVaultKeyring } from '../../apps/billing/src/vault/vault-config.js';
import { Vault } from '../../apps/billing/src/vault/vault.js';
import { createDatabaseFromTemplate, dropDatabase } from '../harness/index.js';

/** Rebill's clock for this test: the sandbox's own, read over HTTP before each step. */
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

let databaseUrl: string;
let db: Db;
let sandbox: TestSandbox;
let deps: SignupDeps;
let gateway: ReturnType<typeof createKlarnaNetworkGateway>;
let merchantId: string;
let planId: string;
const actor = systemActor('test');

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
  sandbox = await startSandbox();
  const log = pino({ level: 'silent' });
  gateway = createKlarnaNetworkGateway({
    baseUrl: sandbox.baseUrl,
    apiKey: sandbox.config.apiKey,
    logger: log,
    clock,
  });
  deps = {
    db,
    clock,
    gateway,
    vault: new Vault(loadVaultKeyring({}).keyring),
    log,
    interactionExpiry: { iso: 'PT1H', ms: 3_600_000 },
    enqueueNextAction: () => Promise.resolve(),
    sleep: () => Promise.resolve(),
  };
  const tenant = await createTenant(db, clock.now());
  merchantId = tenant.merchantId;
  const plan = await createPlan(db, {
    merchantId,
    code: 'pro',
    name: 'Pro',
    currency: 'EUR',
    amountMinor: 999,
    interval: 'MONTH',
    intervalCount: 1,
    trialDays: 0,
    dunningPolicy: DEFAULT_DUNNING_POLICY,
    catchUpPolicy: DEFAULT_CATCH_UP_POLICY,
    actor,
    at: clock.now(),
  });
  if (plan.kind !== 'created') throw new Error('plan');
  planId = plan.plan.id;
});

afterAll(async () => {
  await gateway?.close();
  await sandbox?.close();
  await disconnect(db);
  await dropDatabase(databaseUrl);
});

async function signup(): Promise<{ subscriptionId: string; klarnaRequestId: string }> {
  const customer = await createCustomer(db, {
    merchantId,
    externalRef: `c-${Math.random().toString(36).slice(2)}`,
    email: null,
    name: null,
    actor,
    at: clock.now(),
  });
  if (customer.kind !== 'created') throw new Error('customer');
  const started = await startSignup(deps, {
    merchantId,
    customerId: customer.customer.id,
    planId,
    returnUrl: 'https://shop.example/r',
    timeZone: null,
    actor,
    idempotencyRecordId: null,
  });
  if (started.kind !== 'started') throw new Error(started.kind);
  const pr = await db.paymentRequest.findFirstOrThrow({ where: { subscriptionId: started.subscriptionId } });
  return { subscriptionId: started.subscriptionId, klarnaRequestId: pr.klarnaPaymentRequestId ?? '' };
}

/** Moves the sandbox's clock and Rebill's together. */
async function advance(seconds: number): Promise<void> {
  await sandbox.sim('POST', '/clock/advance', { seconds });
  const { body } = await sandbox.sim<{ offset_ms: number }>('GET', '/clock');
  offsetMs = body.offset_ms;
}

async function subscription(id: string) {
  return db.subscription.findUniqueOrThrow({ where: { id }, include: { paymentRequests: true } });
}

describe('the signup janitor', () => {
  it('reads a journey Klarna has already deleted (404) as EXPIRED and ends the signup', async () => {
    const { subscriptionId } = await signup();
    // 26 h: Klarna expired the request at 1 h and forgot it 24 h later (the sandbox's reading of §8.2).
    await advance(26 * 3600);
    expect(await runSignupExpiry(deps, subscriptionId)).toBe('APPLIED');
    const sub = await subscription(subscriptionId);
    expect(sub).toMatchObject({
      status: 'INCOMPLETE_EXPIRED',
      endedReason: 'SIGNUP_EXPIRED',
      nextActionAt: null,
    });
    expect(sub.paymentRequests[0]?.state).toBe('EXPIRED');
    expect(sub.paymentRequests[0]?.stateReason).toBe('NOT_FOUND_AFTER_EXPIRY');
  });

  it('is not due before the expiry and leaves the signup alone', async () => {
    const { subscriptionId } = await signup();
    expect(await runSignupExpiry(deps, subscriptionId)).toBe('NOT_DUE');
    expect((await subscription(subscriptionId)).status).toBe('PENDING_TOKENIZATION');
  });

  it("abandons a journey still open at Klarna after its expiry by Rebill's clock, and cancels it", async () => {
    const { subscriptionId, klarnaRequestId } = await signup();
    // Rebill's clock runs two hours ahead of Klarna's: by Rebill's time the journey has expired,
    // by Klarna's it is still open. Rebill abandons it and cancels it at Klarna.
    offsetMs += 2 * 3600_000;
    expect(await runSignupExpiry(deps, subscriptionId)).toBe('ABANDONED');
    const sub = await subscription(subscriptionId);
    expect(sub).toMatchObject({ status: 'INCOMPLETE_EXPIRED', endedReason: 'SIGNUP_EXPIRED' });
    expect(sub.paymentRequests[0]?.state).toBe('CANCELED');
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: merchantId } });
    const read = await sandbox.request<{ state: string; state_reason: string }>(
      'GET',
      `/v2/accounts/${merchant.klarnaPartnerAccountId}/payment/requests/${klarnaRequestId}`,
    );
    expect(read.body).toMatchObject({ state: 'CANCELED', state_reason: 'PARTNER_CANCELED' });
  });
});
