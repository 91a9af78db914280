// `payment.transaction.*` notifications on the real database, through the real ingester (signature,
// envelope, store once) and apply: a hint that agrees with the charge's rows changes nothing; one
// that disagrees asks the money job for a read (moneyActionAt and readRequestedAt now) and never
// moves an amount or a state; an event about no charge of the merchant is ignored.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect } from 'vitest';
import type { Clock } from '../domain/index.js';
import type { PaymentTransactionsGateway } from '../klarna/money-port.js';
import type { TokenPaymentsGateway } from '../klarna/port.js';
import { runChargeMoney } from '../money/run-charge-money.js';
import { Secret } from '../secrets/secret.js';
import type { SignupDeps } from '../signup/deps.js';
import type { Db } from '../store/db.js';
import { insertSigningKey } from '../store/signing-keys.js';
import {
  seedCharge,
  seedCustomer,
  seedInvoice,
  seedMerchant,
  seedPlan,
  seedSubscription,
} from '../store/testing/seed.js';
import { databaseTest as test } from '../testing/database-test.js';
import { loadVaultKeyring } from '../vault/vault-config.js';
import { Vault } from '../vault/vault.js';
import { applyReceivedEvent, applyStoredEvent, type ReceivedEvent } from './apply-event.js';
import { ingestKlarnaWebhook } from './ingest.js';
import { MerchantDirectory } from './merchant-directory.js';
import { SigningKeyRing } from './signing-key-ring.js';
import { noThrottle } from '../testing/no-throttle.js';

const T0 = new Date('2026-03-06T09:00:00.000Z');
const NOW = new Date(T0.getTime() + 60_000);
const vault = new Vault(loadVaultKeyring({}).keyring);
const clock: Clock = { now: () => NOW };

const unreachableGateway = new Proxy({} as TokenPaymentsGateway, {
  get: (_target, name) => () => Promise.reject(new Error(`unexpected Klarna call ${String(name)}`)),
});

interface World {
  readonly deps: SignupDeps;
  readonly account: string;
  readonly merchantId: string;
  readonly ingest: (body: object) => Promise<ReceivedEvent | 'duplicate'>;
}

async function world(db: Db): Promise<World> {
  const deps: SignupDeps = {
    db,
    clock,
    gateway: unreachableGateway,
    vault,
    log: pino({ level: 'silent' }),
    interactionExpiry: { iso: 'PT1H', ms: 3_600_000 },
    enqueueNextAction: () => Promise.resolve(),
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
    account: merchant.klarnaPartnerAccountId,
    merchantId: merchant.id,
    ingest: async (body) => {
      const rawBody = Buffer.from(JSON.stringify(body));
      const result = await ingestKlarnaWebhook(ingestDeps, {
        rawBody,
        signingKeyId,
        signature: createHmac('sha256', secret).update(rawBody).digest('hex'),
      });
      if (result.kind === 'duplicate') return 'duplicate';
      if (result.kind !== 'stored') throw new Error(`not stored: ${JSON.stringify(result)}`);
      return result.received;
    },
  };
}

/** A charge captured in full at authorization (COMPLETED, one SUCCEEDED capture of 9900 SEK). */
async function capturedCharge(db: Db, merchantId: string) {
  const customer = await seedCustomer(db, merchantId);
  const { version } = await seedPlan(db, merchantId);
  const { subscription } = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
  });
  const invoice = await seedInvoice(db, {
    merchantId,
    customerId: customer.id,
    subscriptionId: subscription.id,
    planVersionId: version.id,
  });
  const seeded = await seedCharge(db, { merchantId, subscriptionId: subscription.id, invoiceId: invoice.id });
  const klarnaCaptureId = `krn:payment:eu1:capture:${randomUUID()}`;
  await db.capture.update({ where: { id: seeded.capture.id }, data: { klarnaCaptureId } });
  return { ...seeded, klarnaCaptureId };
}

function transactionEvent(
  account: string,
  type: string,
  payload: Record<string, unknown>,
  eventId: string = randomUUID(),
) {
  return {
    metadata: {
      event_type: type,
      event_id: eventId,
      event_version: 'v2',
      occurred_at: T0.toISOString(),
      subject_account_id: account,
      live: false,
    },
    payload: { payment_transaction_reference: 'sub_1-0', previous_state: 'AUTHORIZED', ...payload },
  };
}

async function chargeState(db: Db, chargeId: string) {
  const charge = await db.charge.findUniqueOrThrow({ where: { id: chargeId } });
  const captures = await db.capture.findMany({
    where: { chargeId },
    select: { status: true, amountMinor: true },
  });
  return {
    money: {
      state: charge.state,
      capturedMinor: charge.capturedMinor,
      refundedMinor: charge.refundedMinor,
      releasedMinor: charge.releasedMinor,
      captures,
    },
    readRequestedAt: charge.readRequestedAt,
    moneyActionAt: charge.moneyActionAt,
  };
}

async function eventRow(db: Db, id: string) {
  return db.webhookEvent.findUniqueOrThrow({
    where: { id },
    select: { status: true, applyCount: true, lastError: true },
  });
}

function stored(received: ReceivedEvent | 'duplicate'): ReceivedEvent {
  if (received === 'duplicate') throw new Error('expected the event to be stored');
  return received;
}

describe('applying payment.transaction.* hints', () => {
  test('a captured event naming the SUCCEEDED capture agrees: nothing changes, the event is processed', async ({
    prisma,
  }) => {
    const w = await world(prisma);
    const seeded = await capturedCharge(prisma, w.merchantId);
    const before = await chargeState(prisma, seeded.charge.id);
    const received = stored(
      await w.ingest(
        transactionEvent(w.account, 'payment.transaction.captured', {
          payment_transaction_id: seeded.charge.klarnaTransactionId,
          state: 'COMPLETED',
          amount: 9900,
          currency: 'SEK',
          payment_capture_id: seeded.klarnaCaptureId,
          payment_capture_reference: seeded.capture.reference,
        }),
      ),
    );
    expect(await applyReceivedEvent(w.deps, received)).toBe('PROCESSED');
    expect(await chargeState(prisma, seeded.charge.id)).toEqual(before);
    expect(before.readRequestedAt).toBeNull();
    expect(await eventRow(prisma, received.row.id)).toEqual({
      status: 'PROCESSED',
      applyCount: 1,
      lastError: 'no change: the rows agree',
    });
  });

  test('a capture Rebill has PENDING asks for a read under the lock; amounts and states stay', async ({
    prisma,
  }) => {
    const w = await world(prisma);
    const seeded = await capturedCharge(prisma, w.merchantId);
    await prisma.charge.update({
      where: { id: seeded.charge.id },
      data: { state: 'AUTHORIZED', capturedMinor: 0, captureMode: 'LATER' },
    });
    await prisma.capture.update({
      where: { id: seeded.capture.id },
      data: { status: 'PENDING', klarnaCaptureId: null, capturedAt: null },
    });
    const before = await chargeState(prisma, seeded.charge.id);
    const received = stored(
      await w.ingest(
        transactionEvent(w.account, 'payment.transaction.captured', {
          payment_transaction_id: seeded.charge.klarnaTransactionId,
          state: 'COMPLETED',
          amount: 9900,
          currency: 'SEK',
          payment_capture_id: seeded.klarnaCaptureId,
          payment_capture_reference: seeded.capture.reference,
        }),
      ),
    );
    // Read back from the stored row, as the sweep applies it.
    expect(await applyStoredEvent(w.deps, received.row.id)).toBe('PROCESSED');
    const after = await chargeState(prisma, seeded.charge.id);
    expect(after.money).toEqual(before.money);
    expect(after.money).toMatchObject({ state: 'AUTHORIZED', capturedMinor: 0 });
    expect(after.readRequestedAt).toEqual(NOW);
    expect(after.moneyActionAt).toEqual(NOW);
    expect(await eventRow(prisma, received.row.id)).toEqual({
      status: 'PROCESSED',
      applyCount: 1,
      lastError: 'read requested: capture is PENDING in Rebill',
    });
    const audit = await prisma.auditEvent.findMany({
      where: { entityId: seeded.charge.id, action: 'charge.read_requested' },
    });
    expect(audit).toHaveLength(1);

    // The money job the sweep then runs reads the transaction: Klarna's answer settles the capture.
    const reads: string[] = [];
    const payments = {
      readTransaction: (input: { paymentTransactionId: string }) => {
        reads.push(input.paymentTransactionId);
        return Promise.resolve({
          kind: 'read',
          correlationId: null,
          transaction: {
            paymentTransactionId: input.paymentTransactionId,
            reference: null,
            state: 'COMPLETED',
            amountMinor: 9900,
            currency: 'SEK',
            expiresAt: null,
            capturedMinor: 9900,
            refundedMinor: 0,
            releasedMinor: 0,
            captures: [
              {
                paymentCaptureId: seeded.klarnaCaptureId,
                reference: seeded.capture.reference,
                amountMinor: 9900,
                capturedAt: T0,
                refundedMinor: 0,
              },
            ],
            refunds: [],
          },
        });
      },
    } as unknown as PaymentTransactionsGateway;
    await runChargeMoney(
      {
        db: prisma,
        clock,
        payments,
        log: pino({ level: 'silent' }),
        throttle: noThrottle,
        sleep: () => Promise.resolve(),
        resendDelaysMs: [],
      },
      seeded.charge.id,
    );
    expect(reads).toEqual([seeded.charge.klarnaTransactionId]);
    const settled = await chargeState(prisma, seeded.charge.id);
    expect(settled.money).toMatchObject({
      state: 'COMPLETED',
      capturedMinor: 9900,
      captures: [{ status: 'SUCCEEDED', amountMinor: 9900 }],
    });
    expect(settled.readRequestedAt).toBeNull();
  });

  test.for<[string, Record<string, unknown>, string]>([
    [
      'payment.transaction.state-change.closed',
      { state: 'CLOSED' },
      'read requested: state CLOSED, Rebill has COMPLETED',
    ],
    [
      'payment.transaction.refunded',
      { state: 'COMPLETED', amount: 500, payment_refund_id: 'krn:refund:x', payment_refund_reference: 'r-x' },
      'read requested: refund unknown to Rebill',
    ],
  ])('%s that Rebill does not hold asks for a read', async ([type, extra, note], { prisma }) => {
    const w = await world(prisma);
    const seeded = await capturedCharge(prisma, w.merchantId);
    const before = await chargeState(prisma, seeded.charge.id);
    const received = stored(
      await w.ingest(
        transactionEvent(w.account, type, {
          payment_transaction_id: seeded.charge.klarnaTransactionId,
          amount: 9900,
          currency: 'SEK',
          ...extra,
        }),
      ),
    );
    expect(await applyReceivedEvent(w.deps, received)).toBe('PROCESSED');
    const after = await chargeState(prisma, seeded.charge.id);
    expect(after.money).toEqual(before.money);
    expect(after.readRequestedAt).toEqual(NOW);
    expect((await eventRow(prisma, received.row.id)).lastError).toBe(note);
  });

  test('a state change to the state Rebill has agrees', async ({ prisma }) => {
    const w = await world(prisma);
    const seeded = await capturedCharge(prisma, w.merchantId);
    const received = stored(
      await w.ingest(
        transactionEvent(w.account, 'payment.transaction.state-change.completed', {
          payment_transaction_id: seeded.charge.klarnaTransactionId,
          state: 'COMPLETED',
          amount: 9900,
          currency: 'SEK',
        }),
      ),
    );
    expect(await applyReceivedEvent(w.deps, received)).toBe('PROCESSED');
    expect((await chargeState(prisma, seeded.charge.id)).readRequestedAt).toBeNull();
  });

  test('an event about no charge of the merchant is ignored; one of another merchant too', async ({
    prisma,
  }) => {
    const w = await world(prisma);
    const other = await seedMerchant(prisma);
    const theirs = await capturedCharge(prisma, other.id);
    for (const id of [`krn:payment:eu1:transaction:${randomUUID()}`, theirs.charge.klarnaTransactionId]) {
      const received = stored(
        await w.ingest(
          transactionEvent(w.account, 'payment.transaction.state-change.closed', {
            payment_transaction_id: id,
            state: 'CLOSED',
            amount: 9900,
            currency: 'SEK',
          }),
        ),
      );
      expect(await applyReceivedEvent(w.deps, received)).toBe('IGNORED');
      expect(await eventRow(prisma, received.row.id)).toEqual({
        status: 'IGNORED',
        applyCount: 1,
        lastError: 'no Rebill charge with this payment transaction',
      });
    }
    expect((await chargeState(prisma, theirs.charge.id)).readRequestedAt).toBeNull();
  });

  test('an unreadable payload and an unhandled transaction event type are ignored; a redelivery is stored once', async ({
    prisma,
  }) => {
    const w = await world(prisma);
    const unreadable = stored(
      await w.ingest(transactionEvent(w.account, 'payment.transaction.captured', { state: 'COMPLETED' })),
    );
    expect(await applyReceivedEvent(w.deps, unreadable)).toBe('IGNORED');
    expect((await eventRow(prisma, unreadable.row.id)).lastError).toBe(
      'payload unreadable at payload.payment_transaction_id',
    );
    const eventId = randomUUID();
    const body = transactionEvent(
      w.account,
      'payment.transaction.updated',
      { payment_transaction_id: 'krn:tx', state: 'AUTHORIZED' },
      eventId,
    );
    const unhandled = stored(await w.ingest(body));
    expect(await applyReceivedEvent(w.deps, unhandled)).toBe('IGNORED');
    expect((await eventRow(prisma, unhandled.row.id)).lastError).toBe('event type not handled');
    expect(await w.ingest(body)).toBe('duplicate');
    expect(await prisma.webhookEvent.count({ where: { eventId } })).toBe(1);
  });
});
