// A charge's money after authorization, against the real sandbox over HTTP on real PostgreSQL:
// LATER renewals captured when due and exactly once (also when Klarna's answer is lost or the
// call fails), refunds with their key, the void of an authorization a cancel leaves uncaptured,
// the alert before expiry, and Rebill's books equal to the sandbox ledger at the end.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlarnaHttp } from '../../apps/billing/src/klarna/http.js';
import { KlarnaPaymentTransactions } from '../../apps/billing/src/klarna/klarna-payment-transactions.js';
import { runLifecycleCommand } from '../../apps/billing/src/lifecycle/commands.js';
import type { MoneyDeps } from '../../apps/billing/src/money/deps.js';
import { runChargeMoney } from '../../apps/billing/src/money/run-charge-money.js';
import { systemActor } from '../../apps/billing/src/store/audit.js';
import {
  insertRefund,
  lockChargeMoney,
  refundableCapture,
} from '../../apps/billing/src/store/charge-money.js';
import { inTransaction } from '../../apps/billing/src/store/db.js';
import { RenewalFixture, type Merchant } from '../renewal-engine/support/renewal-fixture.js';

const DAY = 86_400_000;
// The sandbox's clock is real time; Rebill's starts there too, so expires_at means the same to both.
const START = new Date(Math.floor(Date.now() / 1000) * 1000);
const DELAY_SECONDS = 3 * 86_400;

let f: RenewalFixture;
let merchant: Merchant;
let later: { planVersionId: string; currency: string };
let now: { planVersionId: string; currency: string };
let money: MoneyDeps;
let http: KlarnaHttp;

beforeAll(async () => {
  f = await RenewalFixture.start(START);
  merchant = await f.merchant();
  now = await f.plan(merchant);
  later = await laterPlan(now.planVersionId, DELAY_SECONDS);
  const log = pino({ level: 'silent' });
  http = new KlarnaHttp({
    baseUrl: f.sandbox.baseUrl,
    apiKey: f.sandbox.config.apiKey,
    logger: log,
    clock: f.clock,
    requestTimeoutMs: 2_000,
  });
  money = {
    db: f.db,
    clock: f.clock,
    payments: new KlarnaPaymentTransactions(http),
    log,
    // The renewal runner's: one throttle per Klarna account, whichever job heard the 429.
    throttle: f.deps.throttle,
    sleep: () => Promise.resolve(),
    resendDelaysMs: [10, 10],
  };
});
afterAll(async () => {
  await http.close();
  await f.stop();
});

/** A LATER version of the plan (versions are immutable rows; the API makes them the same way). */
async function laterPlan(versionId: string, delaySeconds: number) {
  const v = await f.db.planVersion.findUniqueOrThrow({ where: { id: versionId } });
  const created = await f.db.planVersion.create({
    data: {
      merchantId: v.merchantId,
      planId: v.planId,
      version: 100 + Math.floor(Math.random() * 1_000_000),
      name: v.name,
      amountMinor: v.amountMinor,
      currency: v.currency,
      interval: v.interval,
      intervalCount: v.intervalCount,
      trialDays: 0,
      dunningPolicy: v.dunningPolicy ?? {},
      catchUpPolicy: v.catchUpPolicy ?? {},
      captureMode: 'LATER',
      captureDelaySeconds: delaySeconds,
      createdAt: v.createdAt,
    },
  });
  return { planVersionId: created.id, currency: v.currency };
}

async function rule(body: unknown): Promise<string> {
  const res = await f.sandbox.sim<{ id: string }>('POST', '/scenarios', body);
  expect(res.status).toBe(201);
  return res.body.id;
}

async function removeRule(id: string): Promise<void> {
  await f.sandbox.sim('DELETE', `/scenarios/${id}`);
}

/** A renewal charged now (period 0) on `plan`; answers its charge. */
async function renewedCharge(plan: { planVersionId: string; currency: string }, of: Merchant = merchant) {
  f.nowMs = Math.max(f.nowMs, START.getTime());
  const [sub] = await f.subscriptions(of, plan, [{ anchorAt: f.clock.now(), timeZone: 'Europe/Stockholm' }]);
  if (sub === undefined) throw new Error('seed');
  expect(await f.runDue(sub.id)).toBe('CHARGED');
  const charge = await f.db.charge.findFirstOrThrow({ where: { subscriptionId: sub.id } });
  return { sub, charge };
}

interface LedgerLine {
  payment_transaction_id: string;
  state: string;
  amount: number;
  captured_amount: number;
  refunded_amount: number;
  released_amount: number;
  captures: unknown[];
}

async function ledgerOf(transactionId: string): Promise<LedgerLine> {
  const res = await f.sandbox.sim<{ entries: LedgerLine[] }>('GET', '/ledger');
  const line = res.body.entries.find((e) => e.payment_transaction_id === transactionId);
  if (line === undefined) throw new Error(`no ledger line for ${transactionId}`);
  return line;
}

const chargeRow = (id: string) =>
  f.db.charge.findUniqueOrThrow({ where: { id }, include: { captures: true, refunds: true, voids: true } });

describe('a LATER renewal', () => {
  it('is authorized now and captured once when its delay has passed', async () => {
    const { charge } = await renewedCharge(later);
    expect(charge).toMatchObject({ state: 'AUTHORIZED', captureMode: 'LATER', capturedMinor: 0 });
    expect(charge.captureDueAt?.getTime()).toBe(f.nowMs + DELAY_SECONDS * 1000);
    expect(charge.moneyActionAt?.getTime()).toBe(charge.captureDueAt?.getTime());
    expect(await ledgerOf(charge.klarnaTransactionId)).toMatchObject({
      state: 'AUTHORIZED',
      captured_amount: 0,
    });

    // Before it is due, the job does nothing and keeps the time.
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    expect((await chargeRow(charge.id)).captures).toHaveLength(0);

    f.nowMs += DELAY_SECONDS * 1000;
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after).toMatchObject({
      state: 'COMPLETED',
      capturedMinor: 999,
      moneyActionAt: null,
      captureDueAt: null,
    });
    expect(after.captures).toHaveLength(1);
    expect(after.captures[0]).toMatchObject({ status: 'SUCCEEDED', amountMinor: 999, sendCount: 1 });
    expect(await ledgerOf(charge.klarnaTransactionId)).toMatchObject({
      state: 'COMPLETED',
      captured_amount: 999,
    });

    // A twin job (a stalled copy) finds nothing to do.
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    expect((await ledgerOf(charge.klarnaTransactionId)).captures).toHaveLength(1);
  });

  it('a lost capture answer is re-sent with the same key and captured once', async () => {
    const { charge } = await renewedCharge(later);
    f.nowMs += DELAY_SECONDS * 1000;
    await rule({
      match: { operation: 'capture', payment_transaction_id: charge.klarnaTransactionId },
      outcome: { result: 'LOSE_RESPONSE' },
      times: 'once',
    });
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after.captures).toHaveLength(1);
    expect(after.captures[0]?.status).toBe('SUCCEEDED');
    const ledger = await ledgerOf(charge.klarnaTransactionId);
    expect(ledger.captures).toHaveLength(1);
    expect(ledger.captured_amount).toBe(999);
  });

  it('a 429 throttles the merchant’s Klarna account: its next capture waits unsent; another merchant’s goes on', async () => {
    // A merchant of its own: its account stays throttled until the clock passes Retry-After.
    const limited = await f.merchant();
    const limitedLater = await laterPlan((await f.plan(limited)).planVersionId, DELAY_SECONDS);
    const { charge: first } = await renewedCharge(limitedLater, limited);
    const { charge: second } = await renewedCharge(limitedLater, limited);
    const { charge: theirs } = await renewedCharge(later);
    f.nowMs += DELAY_SECONDS * 1000;
    const limiting = await rule({
      match: { operation: 'capture', payment_transaction_id: first.klarnaTransactionId },
      outcome: { result: 'HTTP_ERROR', status: 429 },
      times: 'always',
    });
    // The sandbox sends Retry-After: 1, longer than the job waits in place: back to the sweep.
    expect(await runChargeMoney(money, first.id)).toBe('RETRY_LATER');
    expect((await chargeRow(first.id)).captures[0]).toMatchObject({ status: 'PENDING', sendCount: 1 });

    // The same account's other charge sends nothing and counts nothing until the throttle ends.
    expect(await runChargeMoney(money, second.id)).toBe('THROTTLED');
    const waiting = await chargeRow(second.id);
    expect(waiting.captures).toHaveLength(0);
    expect(waiting.moneyActionAt?.getTime()).toBeGreaterThanOrEqual(f.nowMs + 1_000);
    expect(await ledgerOf(second.klarnaTransactionId)).toMatchObject({ captured_amount: 0 });
    // Another merchant's account is not held back.
    expect(await runChargeMoney(money, theirs.id)).toBe('IDLE');
    expect(await chargeRow(theirs.id)).toMatchObject({ state: 'COMPLETED', capturedMinor: 999 });

    await removeRule(limiting);
    f.nowMs += 60_000;
    for (const charge of [first, second]) {
      expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
      expect(await chargeRow(charge.id)).toMatchObject({ state: 'COMPLETED', capturedMinor: 999 });
      expect((await ledgerOf(charge.klarnaTransactionId)).captures).toHaveLength(1);
    }
  });

  it('a capture Klarna keeps failing (503) goes back to the sweep and is re-sent with the same key', async () => {
    const { charge } = await renewedCharge(later);
    f.nowMs += DELAY_SECONDS * 1000;
    const failing = await rule({
      match: { operation: 'capture', payment_transaction_id: charge.klarnaTransactionId },
      outcome: { result: 'HTTP_ERROR', status: 503 },
      times: 'always',
    });
    expect(await runChargeMoney(money, charge.id)).toBe('RETRY_LATER');
    const waiting = await chargeRow(charge.id);
    expect(waiting.captures).toHaveLength(1);
    expect(waiting.captures[0]).toMatchObject({ status: 'PENDING', sendCount: 1 });
    expect(waiting.moneyActionAt?.getTime()).toBe(f.nowMs + 60_000);
    await removeRule(failing);
    f.nowMs += 60_000;
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after).toMatchObject({ state: 'COMPLETED', capturedMinor: 999 });
    expect(after.captures).toHaveLength(1);
    expect(after.captures[0]).toMatchObject({ status: 'SUCCEEDED', sendCount: 2 });
    expect((await ledgerOf(charge.klarnaTransactionId)).captures).toHaveLength(1);
  });

  it('an outcome left unknown is settled by reading the transaction, found by its reference (§18.5)', async () => {
    const { charge } = await renewedCharge(later);
    f.nowMs += DELAY_SECONDS * 1000;
    // Rebill's capture row as a crash leaves it: written, sent once, no answer recorded. Klarna
    // did capture it (sent here under another key, as if the first key's 24 h had passed).
    const capture = await f.db.capture.create({
      data: {
        id: crypto.randomUUID(),
        merchantId: charge.merchantId,
        chargeId: charge.id,
        amountMinor: 999,
        currency: 'EUR',
        reference: `ref-${crypto.randomUUID()}`,
        idempotencyKey: crypto.randomUUID(),
        sendCount: 3,
        lastSentAt: f.clock.now(),
        createdAt: f.clock.now(),
        updatedAt: f.clock.now(),
      },
    });
    const done = await money.payments.capture(
      {
        accountId: merchant.accountId,
        paymentTransactionId: charge.klarnaTransactionId,
        amountMinor: 999,
        reference: capture.reference,
      },
      crypto.randomUUID(),
    );
    expect(done.kind).toBe('captured');
    await f.db.charge.update({
      where: { id: charge.id },
      data: { readRequestedAt: f.clock.now(), moneyActionAt: f.clock.now() },
    });
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after).toMatchObject({ state: 'COMPLETED', capturedMinor: 999, readRequestedAt: null });
    expect(after.captures).toEqual([
      expect.objectContaining({ id: capture.id, status: 'SUCCEEDED', sendCount: 3 }),
    ]);
    expect((await ledgerOf(charge.klarnaTransactionId)).captures).toHaveLength(1);
  });

  it('a capture Klarna refuses is FAILED once: no automatic capture again, the state learnt by a read', async () => {
    const { charge } = await renewedCharge(later);
    f.nowMs += DELAY_SECONDS * 1000;
    await rule({
      match: { operation: 'capture', payment_transaction_id: charge.klarnaTransactionId },
      outcome: { result: 'HTTP_ERROR', status: 403 },
      times: 'once',
    });
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after).toMatchObject({
      state: 'AUTHORIZED',
      captureDueAt: null,
      readRequestedAt: null,
      moneyActionAt: null,
    });
    expect(after.captures).toEqual([expect.objectContaining({ status: 'FAILED' })]);
    expect(
      await f.db.auditEvent.count({
        where: { entityId: after.captures[0]?.id ?? '', action: 'capture.failed' },
      }),
    ).toBe(1);
    // Later runs (a twin job) send nothing more.
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    expect((await chargeRow(charge.id)).captures).toHaveLength(1);
    expect(await ledgerOf(charge.klarnaTransactionId)).toMatchObject({
      state: 'AUTHORIZED',
      captured_amount: 0,
    });
    // Released so that the books' comparison at the end holds for it too.
    await f.db.charge.update({
      where: { id: charge.id },
      data: { voidRequestedAt: f.clock.now(), moneyActionAt: f.clock.now() },
    });
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    expect(await chargeRow(charge.id)).toMatchObject({ state: 'CLOSED', releasedMinor: 999 });
  });

  it('is voided, not captured, when the merchant cancels before the capture', async () => {
    const { sub, charge } = await renewedCharge(later);
    const result = await runLifecycleCommand(
      f.db,
      {
        merchantId: merchant.merchantId,
        subscriptionId: sub.id,
        actor: systemActor('test'),
        now: f.clock.now(),
      },
      { type: 'CANCEL', mode: 'IMMEDIATELY' },
    );
    expect(result).toMatchObject({ kind: 'done', changed: true });
    const requested = await chargeRow(charge.id);
    expect(requested.voidRequestedAt).not.toBeNull();
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after).toMatchObject({ state: 'CLOSED', capturedMinor: 0, releasedMinor: 999 });
    expect(after.captures).toHaveLength(0);
    expect(after.voids).toHaveLength(1);
    expect(after.voids[0]).toMatchObject({ status: 'SUCCEEDED', releasedMinor: 999 });
    const invoice = await f.db.invoice.findUniqueOrThrow({ where: { id: charge.invoiceId } });
    expect(invoice.status).toBe('VOID');
    expect(await ledgerOf(charge.klarnaTransactionId)).toMatchObject({
      state: 'CLOSED',
      released_amount: 999,
    });
  });

  it('is alerted on (audit, once) when still uncaptured a day before expiry, and captured', async () => {
    const { charge } = await renewedCharge(later);
    const failing = await rule({
      match: { operation: 'capture', payment_transaction_id: charge.klarnaTransactionId },
      outcome: { result: 'HTTP_ERROR', status: 503 },
      times: 'always',
    });
    if (charge.expiresAt === null) throw new Error('no expires_at');
    f.nowMs = charge.expiresAt.getTime() - DAY + 60_000;
    expect(await runChargeMoney(money, charge.id)).toBe('RETRY_LATER');
    const alerts = await f.db.auditEvent.findMany({
      where: { entityId: charge.id, action: 'charge.authorization_expiring' },
    });
    expect(alerts).toHaveLength(1);
    await removeRule(failing);
    f.nowMs = (await chargeRow(charge.id)).moneyActionAt?.getTime() ?? f.nowMs;
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    expect(await chargeRow(charge.id)).toMatchObject({ state: 'COMPLETED', capturedMinor: 999 });
    expect(
      await f.db.auditEvent.count({
        where: { entityId: charge.id, action: 'charge.authorization_expiring' },
      }),
    ).toBe(1);
  });
});

describe('a refund', () => {
  async function refund(chargeId: string, amountMinor: number) {
    return inTransaction(f.db, async (tx) => {
      const rows = await lockChargeMoney(tx, chargeId);
      const capture = rows === null ? null : refundableCapture(rows);
      if (rows === null || capture === null) throw new Error('not refundable');
      const row = await insertRefund(tx, rows.charge, capture, {
        amountMinor,
        reason: 'customer asked',
        actor: systemActor('test'),
        now: f.clock.now(),
      });
      await tx.charge.update({ where: { id: chargeId }, data: { moneyActionAt: f.clock.now() } });
      return row;
    });
  }

  it('of part, then of the rest, of a NOW charge: each sent once with its own key', async () => {
    const { charge } = await renewedCharge(now);
    expect(charge).toMatchObject({ state: 'COMPLETED', capturedMinor: 999 });
    const first = await refund(charge.id, 300);
    // A 429 (Retry-After: 1 s) goes back to the sweep; the next run re-sends with the same key.
    await rule({
      match: { operation: 'refund', payment_transaction_id: charge.klarnaTransactionId },
      outcome: { result: 'HTTP_ERROR', status: 429 },
      times: 'once',
    });
    expect(await runChargeMoney(money, charge.id)).toBe('RETRY_LATER');
    f.nowMs = (await chargeRow(charge.id)).moneyActionAt?.getTime() ?? f.nowMs;
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    expect((await chargeRow(charge.id)).refunds[0]).toMatchObject({ status: 'SUCCEEDED', sendCount: 2 });
    const second = await refund(charge.id, 699);
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after.refundedMinor).toBe(999);
    expect(after.refunds.map((r) => [r.id, r.status, r.amountMinor]).sort()).toEqual(
      [
        [first.id, 'SUCCEEDED', 300],
        [second.id, 'SUCCEEDED', 699],
      ].sort(),
    );
    expect(new Set(after.refunds.map((r) => r.idempotencyKey)).size).toBe(2);
    expect(await ledgerOf(charge.klarnaTransactionId)).toMatchObject({
      refunded_amount: 999,
      captured_amount: 999,
    });
  });

  it('sent by two runs at once (the API inline and a swept job) is booked once', async () => {
    const { charge } = await renewedCharge(now);
    await refund(charge.id, 400);
    const results = await Promise.all([runChargeMoney(money, charge.id), runChargeMoney(money, charge.id)]);
    expect(results).toContain('IDLE');
    // A run that met the twin's call in flight (409) comes back later and finds it settled.
    f.nowMs = (await chargeRow(charge.id)).moneyActionAt?.getTime() ?? f.nowMs;
    await runChargeMoney(money, charge.id);
    const after = await chargeRow(charge.id);
    expect(after.refundedMinor).toBe(400);
    expect(after.refunds).toEqual([expect.objectContaining({ status: 'SUCCEEDED', amountMinor: 400 })]);
    expect(await ledgerOf(charge.klarnaTransactionId)).toMatchObject({ refunded_amount: 400 });
  });

  it('Klarna refuses (more than it holds) is FAILED with its code, and the books do not move', async () => {
    const { charge } = await renewedCharge(now);
    // Klarna refuses it (scripted 403): the refund fails and nothing is booked.
    const row = await inTransaction(f.db, async (tx) => {
      const rows = await lockChargeMoney(tx, charge.id);
      const capture = rows === null ? null : refundableCapture(rows);
      if (rows === null || capture === null) throw new Error('not refundable');
      const inserted = await insertRefund(tx, rows.charge, capture, {
        amountMinor: 999,
        reason: null,
        actor: systemActor('test'),
        now: f.clock.now(),
      });
      return inserted;
    });
    await f.sandbox.sim('POST', '/scenarios', {
      match: { operation: 'refund', payment_transaction_id: charge.klarnaTransactionId },
      outcome: { result: 'HTTP_ERROR', status: 403 },
      times: 'once',
    });
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after.refundedMinor).toBe(0);
    expect(after.refunds.find((r) => r.id === row.id)).toMatchObject({ status: 'FAILED' });
  });
});

describe('a refund whose answer was lost', () => {
  async function pendingRefund(chargeId: string, amountMinor: number) {
    return inTransaction(f.db, async (tx) => {
      const rows = await lockChargeMoney(tx, chargeId);
      const capture = rows === null ? null : refundableCapture(rows);
      if (rows === null || capture === null) throw new Error('not refundable');
      const refund = await insertRefund(tx, rows.charge, capture, {
        amountMinor,
        reason: null,
        actor: systemActor('test'),
        now: f.clock.now(),
      });
      return { refund, capture };
    });
  }

  it('is re-sent with the same key and answered with the result of the first call', async () => {
    const { charge } = await renewedCharge(now);
    const { refund } = await pendingRefund(charge.id, 500);
    await rule({
      match: { operation: 'refund', payment_transaction_id: charge.klarnaTransactionId },
      outcome: { result: 'LOSE_RESPONSE' },
      times: 'once',
    });
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after.refundedMinor).toBe(500);
    expect(after.refunds).toEqual([expect.objectContaining({ id: refund.id, status: 'SUCCEEDED' })]);
    expect(await ledgerOf(charge.klarnaTransactionId)).toMatchObject({ refunded_amount: 500 });
  });

  it('is settled by a read that finds it by its reference once its key is past re-sending (§18.5)', async () => {
    const { charge } = await renewedCharge(now);
    const { refund, capture } = await pendingRefund(charge.id, 400);
    await f.db.refund.update({ where: { id: refund.id }, data: { sendCount: 3, lastSentAt: f.clock.now() } });
    // Klarna holds the refund (made here under another key, as if the first key's 24 h had passed).
    const done = await money.payments.refundCapture(
      {
        accountId: merchant.accountId,
        paymentTransactionId: charge.klarnaTransactionId,
        paymentCaptureId: capture.klarnaCaptureId ?? '',
        amountMinor: 400,
        reference: refund.reference,
      },
      crypto.randomUUID(),
    );
    expect(done.kind).toBe('refunded');
    await f.db.charge.update({
      where: { id: charge.id },
      data: { readRequestedAt: f.clock.now(), moneyActionAt: f.clock.now() },
    });
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after).toMatchObject({ refundedMinor: 400, readRequestedAt: null });
    expect(after.refunds).toEqual([
      expect.objectContaining({ id: refund.id, status: 'SUCCEEDED', sendCount: 3 }),
    ]);
    expect(await ledgerOf(charge.klarnaTransactionId)).toMatchObject({ refunded_amount: 400 });
  });
});

describe("Rebill's books", () => {
  it("equal the sandbox ledger's for every charge of the run", async () => {
    const charges = await f.db.charge.findMany({ where: { merchantId: merchant.merchantId } });
    expect(charges.length).toBeGreaterThan(5);
    const res = await f.sandbox.sim<{ entries: LedgerLine[] }>('GET', '/ledger');
    const byId = new Map(res.body.entries.map((e) => [e.payment_transaction_id, e]));
    const differences = charges.flatMap((c) => {
      const line = byId.get(c.klarnaTransactionId);
      const ours = {
        state: c.state,
        captured: c.capturedMinor,
        refunded: c.refundedMinor,
        released: c.releasedMinor,
      };
      const theirs = line && {
        state: line.state,
        captured: line.captured_amount,
        refunded: line.refunded_amount,
        released: line.released_amount,
      };
      return JSON.stringify(ours) === JSON.stringify(theirs) ? [] : [{ charge: c.id, ours, theirs }];
    });
    expect(differences).toEqual([]);
  });
});

// Last in the file: it moves the sandbox's clock past expires_at, which expires every
// authorization still open there.
describe('an authorization that expires uncaptured', () => {
  it('leaves its invoice UNCOLLECTIBLE, audited and reported to the merchant, not PAID', async () => {
    const { charge } = await renewedCharge(later);
    if (charge.expiresAt === null) throw new Error('no expires_at');
    const booked = await f.db.invoice.findUniqueOrThrow({ where: { id: charge.invoiceId } });
    expect(booked.status).toBe('PAID');
    // Nothing captured it in time (say the worker was down for weeks): Klarna expired it.
    const sandboxNow = (await f.sandbox.sim<{ now_ms: number }>('GET', '/clock')).body.now_ms;
    await f.sandbox.sim('POST', '/clock/advance', {
      seconds: Math.ceil((charge.expiresAt.getTime() - sandboxNow) / 1000) + 60,
    });
    f.nowMs = Math.max(f.nowMs, charge.expiresAt.getTime() + 60_000);

    // The capture is refused, the transaction read: EXPIRED, nothing captured.
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    const after = await chargeRow(charge.id);
    expect(after).toMatchObject({ state: 'EXPIRED', capturedMinor: 0, moneyActionAt: null });
    expect(after.captures).toEqual([expect.objectContaining({ status: 'FAILED' })]);
    const invoice = await f.db.invoice.findUniqueOrThrow({ where: { id: charge.invoiceId } });
    expect(invoice).toMatchObject({ status: 'UNCOLLECTIBLE', paidAt: null });
    const audited = await f.db.auditEvent.findMany({
      where: { entityId: charge.invoiceId, action: 'invoice.uncollectible' },
    });
    expect(audited.map((a) => a.after)).toEqual([
      expect.objectContaining({
        status: 'UNCOLLECTIBLE',
        reason: 'AUTHORIZATION_EXPIRED',
        charge_id: charge.id,
      }),
    ]);
    const reported = await f.db.outboxEvent.findMany({
      where: { merchantId: merchant.merchantId, type: 'invoice.uncollectible' },
    });
    expect(reported.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        invoice_id: charge.invoiceId,
        charge_id: charge.id,
        status: 'UNCOLLECTIBLE',
      }),
    ]);

    // A twin run, or a later read, changes nothing more.
    await f.db.charge.update({ where: { id: charge.id }, data: { readRequestedAt: f.clock.now() } });
    expect(await runChargeMoney(money, charge.id)).toBe('IDLE');
    expect(
      await f.db.auditEvent.count({ where: { entityId: charge.invoiceId, action: 'invoice.uncollectible' } }),
    ).toBe(1);
  });
});
