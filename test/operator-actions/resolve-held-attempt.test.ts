// "Resolve held attempt" against the sandbox over HTTP on real PostgreSQL: an outcome left unknown
// past Klarna's replay window holds the invoice; the operator's APPROVED is read back from Klarna
// and checked before the engine books it, NOT_CHARGED hands the invoice back to dunning.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlarnaNetworkGateway } from '../../apps/billing/src/klarna/klarna-network-gateway.js';
import type { ChargeTokenInput } from '../../apps/billing/src/klarna/port.js';
import {
  resolveHeldAttempt,
  type ResolveHeldDeps,
} from '../../apps/billing/src/operator-actions/resolve-held-attempt.js';
import { retryNow } from '../../apps/billing/src/operator-actions/retry-now.js';
import { runRenewalAction } from '../../apps/billing/src/renewal/run-renewal.js';
import type { RenewalFixture } from '../renewal-engine/support/renewal-fixture.js';
import { startOperatorWorld, type OperatorWorld } from './support/operator-world.js';

const START = new Date('2026-01-31T09:00:00.000Z');
const REPLAY_WINDOW_PASSED_MS = 24 * 3_600_000 + 60_000;
let world: OperatorWorld;
let f: RenewalFixture;
let deps: ResolveHeldDeps;
let network: ReturnType<typeof createKlarnaNetworkGateway>;

beforeAll(async () => {
  world = await startOperatorWorld(START);
  f = world.f;
  const log = pino({ level: 'silent' });
  network = createKlarnaNetworkGateway({
    baseUrl: f.sandbox.baseUrl,
    apiKey: f.sandbox.config.apiKey,
    logger: log,
    clock: f.clock,
    requestTimeoutMs: 2_000,
  });
  deps = { db: f.db, clock: f.clock, payments: network, log };
});
afterAll(() => world.close());

/** A renewal whose answers never came (500s), held once Klarna's replay window passed. */
async function held() {
  const [sub] = await f.subscriptions(world.merchant, world.plan, [
    { anchorAt: START, timeZone: 'Europe/Stockholm' },
  ]);
  if (sub === undefined) throw new Error('seed');
  const rule = await f.sandbox.sim('POST', '/scenarios', {
    match: { customer_token: sub.token },
    outcome: { result: 'HTTP_ERROR', status: 500 },
    times: 4,
  });
  expect(rule.status).toBe(201);
  f.nowMs = START.getTime();
  expect(await f.runDue(sub.id)).toBe('RESEND_LATER');
  f.nowMs = START.getTime() + REPLAY_WINDOW_PASSED_MS;
  expect(await f.runDue(sub.id)).toBe('HELD');
  const invoice = await f.db.invoice.findFirstOrThrow({ where: { subscriptionId: sub.id } });
  const attempt = await f.db.chargeAttempt.findFirstOrThrow({ where: { invoiceId: invoice.id } });
  expect(attempt.status).toBe('UNKNOWN');
  const sent = f.chargeInputs.find((i) => i.transactionReference === attempt.reference);
  if (sent === undefined) throw new Error('the runner sent nothing');
  return { sub, invoice, attempt, sent };
}

/** Charges at Klarna as the lost call would have (a key of its own): Klarna's transaction id. */
async function chargeAtKlarna(input: ChargeTokenInput): Promise<string> {
  const outcome = await network.chargeToken(input, randomUUID());
  if (outcome.kind !== 'answered' || outcome.payment?.result !== 'APPROVED') throw new Error('not approved');
  return outcome.payment.transaction.paymentTransactionId;
}

const resolve = (invoiceId: string, resolution: Parameters<typeof resolveHeldAttempt>[1]['resolution']) =>
  resolveHeldAttempt(deps, {
    invoiceId,
    merchantId: world.merchant.merchantId,
    operatorId: 'op-ada',
    resolution,
  });

describe('resolve held attempt', () => {
  it('APPROVED with a verified transaction books it as the engine would: charge, capture, period', async () => {
    const { sub, invoice, sent } = await held();
    const paymentTransactionId = await chargeAtKlarna(sent);
    expect(await resolve(invoice.id, { kind: 'APPROVED', paymentTransactionId })).toEqual({
      kind: 'RESOLVED',
      resolution: 'APPROVED',
      subscriptionStatus: 'ACTIVE',
    });
    const paid = await f.db.invoice.findUniqueOrThrow({
      where: { id: invoice.id },
      include: { charges: { include: { captures: true } }, chargeAttempts: true },
    });
    expect(paid).toMatchObject({ status: 'PAID', heldAt: null, holdReason: null });
    expect(paid.chargeAttempts.map((a) => a.status)).toEqual(['APPROVED']);
    expect(paid.charges).toEqual([
      expect.objectContaining({
        klarnaTransactionId: paymentTransactionId,
        capturedMinor: 999,
        state: 'COMPLETED',
      }),
    ]);
    expect(paid.charges[0]?.captures).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', amountMinor: 999 }),
    ]);
    const row = await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } });
    expect(row).toMatchObject({ status: 'ACTIVE', paidThroughPeriodIndex: 0, nextActionKind: 'RENEWAL' });
    const audits = await f.db.auditEvent.findMany({
      where: { subscriptionId: sub.id, action: { in: ['invoice.hold_resolved', 'renewal.paid'] } },
    });
    expect(audits.map((a) => [a.action, a.actorKind, a.actorId]).sort()).toEqual([
      ['invoice.hold_resolved', 'OPERATOR', 'op-ada'],
      ['renewal.paid', 'OPERATOR', 'op-ada'],
    ]);
    expect(await f.sandboxCharges(sub.id)).toBe(1);
    // Done once: the same resolution again changes nothing.
    expect(await resolve(invoice.id, { kind: 'APPROVED', paymentTransactionId })).toEqual({
      kind: 'NOT_HELD',
    });
  });

  it('refuses a transaction Klarna does not have or that is not the attempt’s, naming the field', async () => {
    const { invoice, sent } = await held();
    const otherReference = await chargeAtKlarna({
      ...sent,
      transactionReference: `${sent.transactionReference}-x`,
    });
    const otherAmount = await chargeAtKlarna({ ...sent, amountMinor: sent.amountMinor + 1 });
    const cases = [
      { id: `krn:payment:eu1:transaction:${randomUUID()}`, expected: { kind: 'UNKNOWN_TRANSACTION' } },
      {
        id: otherReference,
        expected: {
          kind: 'MISMATCH',
          field: 'payment_transaction_reference',
          expected: sent.transactionReference,
          actual: `${sent.transactionReference}-x`,
        },
      },
      { id: otherAmount, expected: { kind: 'MISMATCH', field: 'amount', expected: '999', actual: '1000' } },
    ];
    for (const c of cases) {
      expect(await resolve(invoice.id, { kind: 'APPROVED', paymentTransactionId: c.id }), c.id).toEqual(
        c.expected,
      );
    }
    const still = await f.db.invoice.findUniqueOrThrow({
      where: { id: invoice.id },
      include: { charges: true },
    });
    expect(still).toMatchObject({ status: 'OPEN', charges: [] });
    expect(still.heldAt).not.toBeNull();
    expect(
      await resolveHeldAttempt(deps, {
        invoiceId: invoice.id,
        merchantId: randomUUID(),
        operatorId: 'op-ada',
        resolution: { kind: 'NOT_CHARGED' },
      }),
    ).toEqual({ kind: 'NOT_FOUND' });
  });

  it('NOT_CHARGED hands the invoice back to dunning; retry now then charges it', async () => {
    const { sub, invoice, attempt } = await held();
    expect(await resolve(invoice.id, { kind: 'NOT_CHARGED' })).toEqual({
      kind: 'RESOLVED',
      resolution: 'NOT_CHARGED',
      subscriptionStatus: 'PAST_DUE',
    });
    expect(await f.db.chargeAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).toMatchObject({
      status: 'DECLINED',
      declineReason: 'NOT_CHARGED',
    });
    expect(await f.db.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).toMatchObject({
      status: 'OPEN',
      heldAt: null,
    });
    expect(await f.db.subscription.findUniqueOrThrow({ where: { id: sub.id } })).toMatchObject({
      status: 'PAST_DUE',
      nextActionKind: 'DUNNING_RETRY',
    });
    const retried = await retryNow(
      { db: f.db, clock: f.clock, subscriptions: world.queue, leaseMs: 60_000 },
      { subscriptionId: sub.id, operatorId: 'op-ada' },
    );
    expect(retried.kind).toBe('ENQUEUED');
    const [job] = await world.queuedJobs(sub.id);
    if (job === undefined) throw new Error('no job');
    expect(await runRenewalAction(f.deps, job)).toBe('CHARGED');
    expect(await f.db.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).toMatchObject({
      status: 'PAID',
    });
    expect(await f.sandboxCharges(sub.id)).toBe(1);
  });
});
