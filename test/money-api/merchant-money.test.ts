// The merchant API's refunds and voids with the money job run inline against the real sandbox over
// HTTP: the API writes the Refund (Void) row, the job sends it with the row's key, and what the
// sandbox then reads back agrees with what the API answered.
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiApp } from '../../apps/billing/src/api/app.js';
import { FakeSignups } from '../../apps/billing/src/api/testing/fake-signups.js';
import { capturedCharge } from '../../apps/billing/src/store/testing/money-charges.js';
import { createTenant, type Tenant } from '../../apps/billing/src/api/testing/tenants.js';
import type { Clock } from '../../apps/billing/src/domain/index.js';
import type { TransactionView } from '../../apps/billing/src/klarna/money-port.js';
import { Secret } from '../../apps/billing/src/secrets/secret.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import { createDatabaseFromTemplate, dropDatabase } from '../harness/index.js';
import {
  chargeInput,
  key,
  startClientRig,
  TEST_ACCOUNT,
  type ClientRig,
} from '../klarna-client/client-fixtures.js';
import { noThrottle } from '../../apps/billing/src/testing/no-throttle.js';

let rig: ClientRig;
let databaseUrl: string;
let db: Db;
let app: FastifyInstance;
let merchant: Tenant;
const clock: Clock = { now: () => new Date() };

beforeAll(async () => {
  rig = await startClientRig();
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
  app = await buildApiApp({
    db,
    clock,
    signups: new FakeSignups(db, clock),
    money: {
      db,
      clock,
      payments: rig.transactions,
      log: pino({ level: 'silent' }),
      throttle: noThrottle,
      sleep: () => Promise.resolve(),
      resendDelaysMs: [],
    },
    readiness: {},
  });
  merchant = await createTenant(db, clock.now());
  await db.merchant.update({
    where: { id: merchant.merchantId },
    data: { klarnaPartnerAccountId: TEST_ACCOUNT },
  });
});

afterAll(async () => {
  await app.close();
  await disconnect(db);
  await dropDatabase(databaseUrl);
  await rig.close();
});

/** An AUTHORIZED sandbox transaction of `amountMinor` (capture LATER). */
async function authorized(amountMinor: number): Promise<string> {
  const minted = await rig.sb.sim<{ customer_token: string }>('POST', '/customer-tokens', {
    account_id: TEST_ACCOUNT,
    scopes: ['payment:customer_not_present'],
  });
  expect(minted.status).toBe(201);
  const token = Secret.wrap('klarna-customer-token', minted.body.customer_token);
  const outcome = await rig.gateway.chargeToken(
    { ...chargeInput(token, amountMinor), capture: 'LATER' },
    key(),
  );
  if (outcome.kind !== 'answered' || outcome.payment?.result !== 'APPROVED') {
    throw new Error(`expected an approved charge, got ${JSON.stringify(outcome)}`);
  }
  return outcome.payment.transaction.paymentTransactionId;
}

async function read(tx: string): Promise<TransactionView> {
  const outcome = await rig.transactions.readTransaction({
    accountId: TEST_ACCOUNT,
    paymentTransactionId: tx,
  });
  if (outcome.kind !== 'read') throw new Error(`expected read, got ${JSON.stringify(outcome)}`);
  return outcome.transaction;
}

/** Rebill's rows for the sandbox transaction `tx` of 1000 EUR, as the worker would leave them. */
async function chargeRows(tx: string, captured: { paymentCaptureId: string } | null): Promise<string> {
  const seeded = await capturedCharge(db, merchant.merchantId);
  await db.charge.update({
    where: { id: seeded.charge.id },
    data: {
      klarnaTransactionId: tx,
      amountMinor: 1000,
      currency: 'EUR',
      captureMode: 'LATER',
      state: captured === null ? 'AUTHORIZED' : 'COMPLETED',
      capturedMinor: captured === null ? 0 : 1000,
    },
  });
  if (captured === null) await db.capture.delete({ where: { id: seeded.capture.id } });
  else {
    await db.capture.update({
      where: { id: seeded.capture.id },
      data: { amountMinor: 1000, currency: 'EUR', klarnaCaptureId: captured.paymentCaptureId },
    });
  }
  return seeded.charge.id;
}

describe('refunds over the sandbox', () => {
  it('refunds part, refuses more than is left without calling Klarna, then refunds the rest', async () => {
    const tx = await authorized(1000);
    const capture = await rig.transactions.capture(
      { accountId: TEST_ACCOUNT, paymentTransactionId: tx, amountMinor: 1000, reference: `cap_${key()}` },
      key(),
    );
    if (capture.kind !== 'captured') throw new Error(`expected captured, got ${JSON.stringify(capture)}`);
    const chargeId = await chargeRows(tx, capture.capture);

    const part = await app.inject({
      method: 'POST',
      url: `/v1/charges/${chargeId}/refunds`,
      headers: { ...merchant.headers, 'idempotency-key': `part-${chargeId}` },
      payload: { amount: 400, reason: 'goodwill' },
    });
    expect(part.statusCode, part.body).toBe(201);
    const refund = part.json<{ id: string; status: string; klarna_refund_id: string | null }>();
    expect(refund).toMatchObject({ status: 'SUCCEEDED', amount: 400, currency: 'EUR' });
    expect(refund.klarna_refund_id).toEqual(expect.any(String));
    expect(await read(tx)).toMatchObject({
      refundedMinor: 400,
      refunds: [{ paymentRefundId: refund.klarna_refund_id, amountMinor: 400 }],
    });

    const replay = await app.inject({
      method: 'POST',
      url: `/v1/charges/${chargeId}/refunds`,
      headers: { ...merchant.headers, 'idempotency-key': `part-${chargeId}` },
      payload: { amount: 400, reason: 'goodwill' },
    });
    expect(replay.json<{ id: string }>().id).toBe(refund.id);

    const over = await app.inject({
      method: 'POST',
      url: `/v1/charges/${chargeId}/refunds`,
      headers: merchant.headers,
      payload: { amount: 601 },
    });
    expect(over.statusCode, over.body).toBe(409);
    expect(over.json()).toMatchObject({ refundable: 600, errors: [{ field: 'amount' }] });

    const rest = await app.inject({
      method: 'POST',
      url: `/v1/charges/${chargeId}/refunds`,
      headers: merchant.headers,
    });
    expect(rest.statusCode, rest.body).toBe(201);
    expect(rest.json()).toMatchObject({ status: 'SUCCEEDED', amount: 600 });
    expect(await read(tx)).toMatchObject({ refundedMinor: 1000 });
    expect(await db.refund.count({ where: { chargeId } })).toBe(2);
  });
});

describe('voids over the sandbox', () => {
  it('voids an uncaptured authorization: the sandbox releases it, the charge shows it', async () => {
    const tx = await authorized(1000);
    const chargeId = await chargeRows(tx, null);

    const response = await app.inject({
      method: 'POST',
      url: `/v1/charges/${chargeId}/void`,
      headers: merchant.headers,
    });

    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      id: chargeId,
      released_amount: 1000,
      voids: [{ status: 'SUCCEEDED', released_amount: 1000 }],
    });
    expect(await read(tx)).toMatchObject({ capturedMinor: 0, releasedMinor: 1000 });

    const again = await app.inject({
      method: 'POST',
      url: `/v1/charges/${chargeId}/void`,
      headers: merchant.headers,
    });
    expect(again.statusCode, again.body).toBe(409);
  });
});
