// `rebill reconcile` against the real sandbox over HTTP, on a database of this file's own:
// transactions authorized (capture NOW and LATER), captured and refunded through Rebill's Klarna
// client, their Charge/Capture/Refund rows written as Rebill would have them. They reconcile with
// no difference and exit 0; a row broken on purpose is reported (the transaction and its total)
// with exit 1; a 429 on a read waits and reads again.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseReconcileArgs,
  runReconcile,
  type ReconcileOptions,
} from '../../apps/billing/src/cli/reconcile.js';
import type { CapturedMoney } from '../../apps/billing/src/klarna/money-port.js';
import { Secret } from '../../apps/billing/src/secrets/secret.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import {
  seedCharge,
  seedCustomer,
  seedInvoice,
  seedMerchant,
  seedPlan,
  seedSubscription,
} from '../../apps/billing/src/store/testing/seed.js';
import { createDatabaseFromTemplate, dropDatabase } from '../harness/index.js';
import {
  chargeInput,
  key,
  startClientRig,
  TEST_ACCOUNT,
  type ClientRig,
} from '../klarna-client/client-fixtures.js';

const AT = new Date('2026-03-01T10:00:00.000Z');

let databaseUrl: string;
let db: Db;
let rig: ClientRig;
let merchantId: string;
/** Charge ids by name, for breaking one on purpose. */
const charges: Record<string, { id: string; klarnaTransactionId: string }> = {};
const sleeps: number[] = [];

async function authorize(amountMinor: number, capture: 'NOW' | 'LATER') {
  const minted = await rig.sb.sim<{ customer_token: string }>('POST', '/customer-tokens', {
    account_id: TEST_ACCOUNT,
    scopes: ['payment:customer_not_present'],
  });
  expect(minted.status).toBe(201);
  const token = Secret.wrap('klarna-customer-token', minted.body.customer_token);
  const outcome = await rig.gateway.chargeToken({ ...chargeInput(token, amountMinor), capture }, key());
  if (outcome.kind !== 'answered' || outcome.payment?.result !== 'APPROVED') {
    throw new Error(`expected an approved charge, got ${JSON.stringify(outcome)}`);
  }
  return outcome.payment.transaction;
}

/** A Charge row (and its capture row) as Rebill writes it after the authorization. */
async function chargeRow(
  paymentTransactionId: string,
  input: { amountMinor: number; state: 'AUTHORIZED' | 'COMPLETED'; captured: number; mode: 'NOW' | 'LATER' },
) {
  const customer = await seedCustomer(db, merchantId);
  const { version } = await seedPlan(db, merchantId);
  const { subscription } = await seedSubscription(db, {
    merchantId,
    customerId: customer.id,
    planVersionId: version.id,
    currency: 'EUR',
  });
  const invoice = await seedInvoice(db, {
    merchantId,
    customerId: customer.id,
    subscriptionId: subscription.id,
    planVersionId: version.id,
    amountMinor: input.amountMinor,
    currency: 'EUR',
  });
  const seeded = await seedCharge(db, {
    merchantId,
    subscriptionId: subscription.id,
    invoiceId: invoice.id,
    amountMinor: input.amountMinor,
    currency: 'EUR',
    at: AT,
  });
  const charge = await db.charge.update({
    where: { id: seeded.charge.id },
    data: {
      klarnaTransactionId: paymentTransactionId,
      state: input.state,
      captureMode: input.mode,
      capturedMinor: input.captured,
    },
  });
  if (input.captured === 0) await db.capture.delete({ where: { id: seeded.capture.id } });
  return { charge, capture: seeded.capture };
}

function captured(outcome: Awaited<ReturnType<ClientRig['transactions']['capture']>>): CapturedMoney {
  if (outcome.kind !== 'captured') throw new Error(`expected captured, got ${JSON.stringify(outcome)}`);
  return outcome.capture;
}

async function reconcile(options: ReconcileOptions = { merchantId }) {
  let out = '';
  const code = await runReconcile(
    {
      db,
      transactions: rig.transactions,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      stdout: (text) => (out += text),
      // Small pages, so the keyset paging is crossed.
      pageSize: 2,
    },
    options,
  );
  return { code, lines: out.trimEnd().split('\n') };
}

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate();
  db = createPrismaClient({ databaseUrl });
  rig = await startClientRig();
  const merchant = await seedMerchant(db, { klarnaPartnerAccountId: TEST_ACCOUNT });
  merchantId = merchant.id;

  // Captured in full at authorization.
  const now = await authorize(1000, 'NOW');
  charges.now = (
    await chargeRow(now.paymentTransactionId, {
      amountMinor: 1000,
      state: 'COMPLETED',
      captured: 1000,
      mode: 'NOW',
    })
  ).charge;

  // Captured later in full, then partly refunded.
  const later = await authorize(2000, 'LATER');
  const on = { accountId: TEST_ACCOUNT, paymentTransactionId: later.paymentTransactionId };
  const captureRef = `cap-${randomUUID()}`;
  const capture = captured(
    await rig.transactions.capture({ ...on, amountMinor: 2000, reference: captureRef }, key()),
  );
  const refundRef = `ref-${randomUUID()}`;
  const refund = await rig.transactions.refundCapture(
    { ...on, paymentCaptureId: capture.paymentCaptureId, amountMinor: 500, reference: refundRef },
    key(),
  );
  expect(refund.kind).toBe('refunded');
  const refunded = await chargeRow(later.paymentTransactionId, {
    amountMinor: 2000,
    state: 'COMPLETED',
    captured: 2000,
    mode: 'LATER',
  });
  await db.capture.update({
    where: { id: refunded.capture.id },
    data: { reference: captureRef, klarnaCaptureId: capture.paymentCaptureId },
  });
  await db.charge.update({ where: { id: refunded.charge.id }, data: { refundedMinor: 500 } });
  await db.refund.create({
    data: {
      merchantId,
      chargeId: refunded.charge.id,
      captureId: refunded.capture.id,
      amountMinor: 500,
      currency: 'EUR',
      reference: refundRef,
      idempotencyKey: key(),
      klarnaRefundId: refund.kind === 'refunded' ? refund.refund.paymentRefundId : null,
      status: 'SUCCEEDED',
      refundedAt: AT,
      createdAt: AT,
      updatedAt: AT,
    },
  });
  charges.refunded = refunded.charge;

  // Authorized, not captured yet.
  const open = await authorize(700, 'LATER');
  charges.open = (
    await chargeRow(open.paymentTransactionId, {
      amountMinor: 700,
      state: 'AUTHORIZED',
      captured: 0,
      mode: 'LATER',
    })
  ).charge;
});

afterAll(async () => {
  await rig.close();
  await disconnect(db);
  await dropDatabase(databaseUrl);
});

describe('rebill reconcile', () => {
  it('Rebill and Klarna agree: no difference, exit 0', async () => {
    expect(await reconcile()).toEqual({ code: 0, lines: ['reconciled 3 transactions: 0 differences'] });
    // All merchants (there is one) reads the same.
    expect(await reconcile({})).toEqual({ code: 0, lines: ['reconciled 3 transactions: 0 differences'] });
  });

  it('--since after every charge reconciles nothing; another merchant has none', async () => {
    const since = parseReconcileArgs(['--since', '2026-03-02']);
    expect(since.kind).toBe('options');
    if (since.kind !== 'options') return;
    expect(await reconcile({ ...since.options, merchantId })).toEqual({
      code: 0,
      lines: ['reconciled 0 transactions: 0 differences'],
    });
    expect(await reconcile({ merchantId: randomUUID() })).toEqual({
      code: 0,
      lines: ['reconciled 0 transactions: 0 differences'],
    });
  });

  it('a 429 on a read waits its Retry-After and reads again', async () => {
    const res = await rig.sb.sim('POST', '/scenarios', {
      match: { operation: 'read', payment_transaction_id: charges.open?.klarnaTransactionId },
      outcome: { result: 'HTTP_ERROR', status: 429 },
      times: 'once',
    });
    expect(res.status).toBe(201);
    sleeps.length = 0;
    expect(await reconcile()).toEqual({ code: 0, lines: ['reconciled 3 transactions: 0 differences'] });
    expect(sleeps).toEqual([1000]);
  });

  it('a row broken on purpose is reported with its total, exit 1', async () => {
    const broken = charges.refunded;
    if (broken === undefined) throw new Error('no refunded charge');
    await db.charge.update({ where: { id: broken.id }, data: { refundedMinor: 0, state: 'AUTHORIZED' } });
    const { code, lines } = await reconcile();
    expect(code).toBe(1);
    expect(lines).toEqual([
      'merchant\tcurrency\ttransaction\tfield\trebill\tklarna',
      `${merchantId}\tEUR\t${broken.klarnaTransactionId}\tstate\trebill=AUTHORIZED\tklarna=COMPLETED`,
      `${merchantId}\tEUR\t${broken.klarnaTransactionId}\trefunded\trebill=0\tklarna=500`,
      `${merchantId}\tEUR\t(total)\ttotal_refunded\trebill=0\tklarna=500`,
      'reconciled 3 transactions: 3 differences',
    ]);
  });

  it('a transaction Klarna does not know is reported', async () => {
    const open = charges.open;
    if (open === undefined) throw new Error('no open charge');
    const unknown = `krn:payment:eu1:transaction:${randomUUID()}`;
    await db.charge.update({ where: { id: open.id }, data: { klarnaTransactionId: unknown } });
    const { code, lines } = await reconcile();
    expect(code).toBe(1);
    expect(lines).toContain(`${merchantId}\tEUR\t${unknown}\tnot_found\trebill=AUTHORIZED\tklarna=-`);
    expect(lines.at(-1)).toMatch(/^reconciled 3 transactions: \d+ differences$/);
  });
});
