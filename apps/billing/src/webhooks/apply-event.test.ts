// Applying a stored Klarna notification, on the real database: the ingester's own apply (the row
// and tokens in hand) and the sweep's (the row and its sealed tokens read back) reach the same
// signup, and the verdict commits with the fact.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect } from 'vitest';
import type { Clock } from '../domain/index.js';
import type { TokenPaymentsGateway } from '../klarna/port.js';
import type { RunNextActionPayload } from '../queue/catalog.js';
import { Secret } from '../secrets/secret.js';
import type { SignupDeps } from '../signup/deps.js';
import type { Db } from '../store/db.js';
import { insertSigningKey } from '../store/signing-keys.js';
import {
  seedChargeAttempt,
  seedCustomer,
  seedInvoice,
  seedMerchant,
  seedPaymentRequest,
  seedPlan,
  seedSubscription,
} from '../store/testing/seed.js';
import { databaseTest as test } from '../testing/database-test.js';
import { loadVaultKeyring } from '../vault/vault-config.js';
import { Vault } from '../vault/vault.js';
import { applyReceivedEvent, applyStoredEvent, type ReceivedEvent } from './apply-event.js';
import { ingestKlarnaWebhook, INLINE_APPLY_GRACE_MS } from './ingest.js';
import { MerchantDirectory } from './merchant-directory.js';
import { SigningKeyRing } from './signing-key-ring.js';

const T0 = new Date('2026-03-06T09:00:00.000Z');
const vault = new Vault(loadVaultKeyring({}).keyring);

class MovableClock implements Clock {
  constructor(private at: Date) {}
  now(): Date {
    return this.at;
  }
  set(at: Date): void {
    this.at = at;
  }
}

/** Klarna is never called when a journey's fact is applied (only a cancel would, on an end). */
const unreachableGateway = new Proxy({} as TokenPaymentsGateway, {
  get: (_target, name) => () => Promise.reject(new Error(`unexpected Klarna call ${String(name)}`)),
});

interface World {
  readonly deps: SignupDeps;
  readonly clock: MovableClock;
  readonly enqueued: RunNextActionPayload[];
  readonly ingest: (body: object) => Promise<ReceivedEvent>;
  readonly account: string;
}

async function world(db: Db): Promise<World> {
  const clock = new MovableClock(new Date(T0.getTime() + 60_000));
  const enqueued: RunNextActionPayload[] = [];
  const deps: SignupDeps = {
    db,
    clock,
    gateway: unreachableGateway,
    vault,
    log: pino({ level: 'silent' }),
    interactionExpiry: { iso: 'PT1H', ms: 3_600_000 },
    enqueueNextAction: (payload) => {
      enqueued.push(payload);
      return Promise.resolve();
    },
    sleep: () => Promise.resolve(),
  };
  const signingKeyId = `krn:partner:global:notification:signing-key:${randomUUID()}`;
  const secret = randomBytes(32).toString('base64url');
  const rowId = randomUUID();
  const sealed = vault.seal(Secret.wrap('klarna-signing-key', secret), { purpose: 'signing-key', rowId });
  await insertSigningKey(db, {
    id: rowId,
    klarnaSigningKeyId: signingKeyId,
    encryptedSecret: Uint8Array.from(sealed.ciphertext),
    keyId: sealed.keyId,
    createdAt: T0,
  });
  const ingestDeps = {
    db,
    clock,
    vault,
    keys: new SigningKeyRing(db, vault, clock),
    merchants: new MerchantDirectory(db),
  };
  const merchant = await seedMerchant(db);
  return {
    deps,
    clock,
    enqueued,
    account: merchant.klarnaPartnerAccountId,
    ingest: async (body) => {
      const rawBody = Buffer.from(JSON.stringify(body));
      const result = await ingestKlarnaWebhook(ingestDeps, {
        rawBody,
        signingKeyId,
        signature: createHmac('sha256', secret).update(rawBody).digest('hex'),
      });
      if (result.kind !== 'stored') throw new Error(`not stored: ${JSON.stringify(result)}`);
      return result.received;
    },
  };
}

/** A paid signup waiting for its journey (SUBMITTED since T0), as the signup call leaves it. */
async function openSignup(db: Db, account: string) {
  const merchant = await db.merchant.findFirstOrThrow({ where: { klarnaPartnerAccountId: account } });
  const customer = await seedCustomer(db, merchant.id);
  const { version } = await seedPlan(db, merchant.id);
  const { subscription } = await seedSubscription(db, {
    merchantId: merchant.id,
    customerId: customer.id,
    planVersionId: version.id,
    nextActionKind: 'SIGNUP_EXPIRY',
    nextActionAt: new Date(T0.getTime() + 3_600_000),
  });
  const ids = { merchantId: merchant.id, customerId: customer.id, subscriptionId: subscription.id };
  const klarnaId = `krn:payment:eu1:request:${randomUUID()}`;
  await seedPaymentRequest(db, {
    ...ids,
    klarnaPaymentRequestId: klarnaId,
    state: 'SUBMITTED',
    stateChangedAt: T0,
    paymentPart: 'PENDING',
    tokenPart: 'PENDING',
    amountMinor: 9900,
    expiresAt: new Date(T0.getTime() + 3_600_000),
    at: T0,
  });
  const invoice = await seedInvoice(db, { ...ids, planVersionId: version.id });
  await seedChargeAttempt(db, {
    merchantId: merchant.id,
    subscriptionId: subscription.id,
    invoiceId: invoice.id,
    kind: 'SIGNUP',
    status: 'STEP_UP_REQUIRED',
  });
  return { subscriptionId: subscription.id, klarnaId };
}

function event(account: string, klarnaId: string, state: 'IN_PROGRESS' | 'COMPLETED', occurredAt: Date) {
  const tokens =
    state === 'COMPLETED'
      ? {
          klarna_network_session_token: `krn:payment:eu1:klarna-network-session-token:${randomUUID()}`,
          klarna_customer: {
            customer_token: `krn:customer-token:eu1:${randomUUID()}`,
            customer_token_reference: 'tok-ref',
            scopes: ['payment:customer_not_present'],
          },
        }
      : {};
  return {
    metadata: {
      event_type: `payment.request.state-change.${state === 'COMPLETED' ? 'completed' : 'in-progress'}`,
      event_id: randomUUID(),
      event_version: 'v2',
      occurred_at: occurredAt.toISOString(),
      subject_account_id: account,
      live: false,
    },
    payload: {
      payment_request_id: klarnaId,
      state,
      state_reason: null,
      state_context: tokens,
      ...tokens,
      expires_at: new Date(T0.getTime() + 3_600_000).toISOString(),
      updated_at: occurredAt.toISOString(),
    },
  };
}

async function eventRow(db: Db, id: string) {
  return db.webhookEvent.findUniqueOrThrow({
    where: { id },
    select: { status: true, applyCount: true, lastError: true, sealedSecrets: true, processedAt: true },
  });
}

async function signupState(db: Db, subscriptionId: string) {
  const subscription = await db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
  const request = await db.paymentRequest.findFirstOrThrow({ where: { subscriptionId } });
  const attempts = await db.chargeAttempt.findMany({
    where: { subscriptionId },
    orderBy: { attemptNumber: 'asc' },
    select: { kind: true, status: true, sealedSessionToken: true, deadlineAt: true },
  });
  return {
    tokenStored: subscription.tokenId !== null,
    nextAction: subscription.nextActionKind,
    state: request.state,
    stateChangedAt: request.stateChangedAt,
    parts: [request.paymentPart, request.tokenPart],
    attempts: attempts.map((a) => ({
      kind: a.kind,
      status: a.status,
      sealed: a.sealedSessionToken !== null,
      deadlineAt: a.deadlineAt,
    })),
  };
}

describe('applying a webhook event', () => {
  test('in hand or read back from its sealed copy, a completed journey reaches the same signup', async ({
    prisma,
  }) => {
    const w = await world(prisma);
    const inHand = await openSignup(prisma, w.account);
    const readBack = await openSignup(prisma, w.account);
    const at = new Date(T0.getTime() + 30_000);

    const first = await w.ingest(event(w.account, inHand.klarnaId, 'COMPLETED', at));
    expect(await applyReceivedEvent(w.deps, first)).toBe('PROCESSED');
    const second = await w.ingest(event(w.account, readBack.klarnaId, 'COMPLETED', at));
    expect(await applyStoredEvent(w.deps, second.row.id)).toBe('PROCESSED');

    const [a, b] = [
      await signupState(prisma, inHand.subscriptionId),
      await signupState(prisma, readBack.subscriptionId),
    ];
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      tokenStored: true,
      nextAction: 'FINALIZE',
      state: 'COMPLETED',
      parts: ['PENDING', 'APPROVED'],
    });
    expect(a.attempts.at(-1)).toMatchObject({ kind: 'FINALIZE', status: 'PENDING', sealed: true });
    expect(w.enqueued.map((p) => p.subscriptionId)).toEqual([inHand.subscriptionId, readBack.subscriptionId]);
    for (const received of [first, second]) {
      expect(await eventRow(prisma, received.row.id)).toEqual({
        status: 'PROCESSED',
        applyCount: 1,
        lastError: null,
        sealedSecrets: null,
        processedAt: w.clock.now(),
      });
    }
  });

  test('a duplicate is recorded as no change, in the same way on both paths', async ({ prisma }) => {
    const w = await world(prisma);
    const signup = await openSignup(prisma, w.account);
    const body = event(w.account, signup.klarnaId, 'IN_PROGRESS', new Date(T0.getTime() + 10_000));
    const first = await w.ingest(body);
    expect(await applyReceivedEvent(w.deps, first)).toBe('PROCESSED');
    // Klarna sends the same fact again under a new event id.
    const again = await w.ingest({ ...body, metadata: { ...body.metadata, event_id: randomUUID() } });
    expect(await applyReceivedEvent(w.deps, again)).toBe('PROCESSED');
    expect(await eventRow(prisma, again.row.id)).toMatchObject({
      status: 'PROCESSED',
      applyCount: 1,
      lastError: 'no change: DUPLICATE',
    });
    expect(await signupState(prisma, signup.subscriptionId)).toMatchObject({
      state: 'IN_PROGRESS',
      stateChangedAt: new Date(T0.getTime() + 10_000),
    });
  });

  test('after its grace period the ingester reads the row: an event the sweep applied meanwhile is not applied again', async ({
    prisma,
  }) => {
    const w = await world(prisma);
    const signup = await openSignup(prisma, w.account);
    const received = await w.ingest(
      event(w.account, signup.klarnaId, 'IN_PROGRESS', new Date(T0.getTime() + 10_000)),
    );
    // The ingester's apply was held up past the grace period; the sweep's job got there first.
    w.clock.set(new Date(w.clock.now().getTime() + INLINE_APPLY_GRACE_MS));
    expect(await applyStoredEvent(w.deps, received.row.id)).toBe('PROCESSED');
    expect(await applyReceivedEvent(w.deps, received)).toBe('ALREADY_DONE');
    expect(await eventRow(prisma, received.row.id)).toMatchObject({ status: 'PROCESSED', applyCount: 1 });
  });

  test('an event about no Rebill journey is ignored, the verdict stored with its apply', async ({
    prisma,
  }) => {
    const w = await world(prisma);
    const received = await w.ingest(
      event(w.account, `krn:payment:eu1:request:${randomUUID()}`, 'IN_PROGRESS', T0),
    );
    expect(await applyReceivedEvent(w.deps, received)).toBe('IGNORED');
    expect(await eventRow(prisma, received.row.id)).toMatchObject({
      status: 'IGNORED',
      applyCount: 1,
      lastError: 'no Rebill journey with this payment request',
    });
  });
});
