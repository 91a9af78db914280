// LATER captures across worker crashes, with real role processes against the sandbox over HTTP.
// A merchant's monthly plan gets a LATER version (capture 2 days after authorization); a few
// subscriptions renew on it, one more on the NOW version. Once the renewals are authorized (the
// LATER charges AUTHORIZED, nothing captured), the worker is killed with SIGKILL and a new one is
// started; the shared clock is moved past the capture time with the sandbox answering slowly, and
// the new worker is killed too while its capture calls are in flight (Capture rows written and
// sent, no answer recorded: all of them, Klarna's capture answers taking 4 s), and another started,
// which sends each again with the same key. Once nothing is left to do: every charge is
// COMPLETED with exactly one SUCCEEDED Capture of its amount, and the sandbox's ledger holds
// exactly one capture per transaction, for the full amount, before its expires_at; the NOW charge
// keeps the one capture it got at authorization.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../apps/billing/src/store/db.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import { signedUpSubscriptions } from '../support/signed-up-subscriptions.js';
import { eventually } from './support/eventually.js';
import { World, type Merchant } from './support/world.js';

const AMOUNT = 1_500;
const DELAY_SECONDS = 2 * 86_400;
const LATER_COUNT = 4;

let world: World;
let db: Db;
let merchant: Merchant;

beforeAll(async () => {
  world = await World.start({
    env: {
      // A killed worker's active jobs go back to the queue within seconds, not BullMQ's 30 s.
      WORKER_LOCK_DURATION_MS: '4000',
      WORKER_STALLED_INTERVAL_MS: '2000',
    },
  });
  db = createPrismaClient({ databaseUrl: world.databaseUrl });
  merchant = await world.createMerchant();
});

afterAll(async () => {
  await disconnect(db);
  await world?.stop();
});

interface LedgerLine {
  payment_transaction_id: string;
  payment_transaction_reference: string;
  state: string;
  amount: number;
  captured_amount: number;
  refunded_amount: number;
  released_amount: number;
  captures: { captured_at: string }[];
}

async function ledger(): Promise<LedgerLine[]> {
  const res = await world.sandbox.sim<{ entries: LedgerLine[] }>('GET', '/ledger');
  return res.body.entries;
}

const chargesOf = (ids: readonly string[]) =>
  db.charge.findMany({
    where: { subscriptionId: { in: [...ids] } },
    include: { captures: true },
    orderBy: { subscriptionId: 'asc' },
  });

/** SIGKILL the running worker, wait for it to be gone, start a new one; the dead one's pid. */
async function killAndReplaceWorker(): Promise<number> {
  const worker = world.roles.get('worker');
  if (worker === undefined) throw new Error('no worker running');
  world.roles.delete('worker');
  worker.kill();
  expect(await worker.exited).toBe('SIGKILL');
  await world.startRole('worker');
  return worker.pid;
}

describe('LATER captures when workers crash', () => {
  it('captures every authorized charge exactly once when due, across SIGKILLed workers', async () => {
    const plan = await world.api<{ id: string }>(merchant, 'POST', '/v1/plans', {
      body: { code: 'monthly', name: 'Monthly', currency: 'EUR', amount: AMOUNT, interval: 'MONTH' },
    });
    expect(plan.status, plan.text).toBe(201);
    const nowVersion = await db.planVersion.findFirstOrThrow({ where: { planId: plan.body.id } });
    expect(nowVersion.captureMode).toBe('NOW');
    // A LATER version of the plan (versions are immutable rows; a new one is a new row).
    const laterVersion = await db.planVersion.create({
      data: {
        merchantId: nowVersion.merchantId,
        planId: nowVersion.planId,
        version: nowVersion.version + 1,
        name: nowVersion.name,
        amountMinor: nowVersion.amountMinor,
        currency: nowVersion.currency,
        interval: nowVersion.interval,
        intervalCount: nowVersion.intervalCount,
        trialDays: 0,
        dunningPolicy: nowVersion.dunningPolicy ?? {},
        catchUpPolicy: nowVersion.catchUpPolicy ?? {},
        captureMode: 'LATER',
        captureDelaySeconds: DELAY_SECONDS,
        createdAt: nowVersion.createdAt,
      },
    });

    // Period 0 due in an hour of the shared clock.
    const anchorAt = new Date(Date.now() + 3_600_000);
    const anchors = (n: number) =>
      Array.from({ length: n }, () => ({ anchorAt, timeZone: 'Europe/Stockholm' }));
    const seedOn = (planVersionId: string, n: number) =>
      signedUpSubscriptions(db, world.sandbox, {
        merchantId: merchant.id,
        accountId: merchant.klarnaAccount,
        planVersionId,
        currency: 'EUR',
        anchors: anchors(n),
        at: new Date(),
      });
    const laterSubs = await seedOn(laterVersion.id, LATER_COUNT);
    const [nowSub] = await seedOn(nowVersion.id, 1);
    if (nowSub === undefined) throw new Error('seed');
    const laterIds = laterSubs.map((s) => s.id);

    // --- the renewals authorize -------------------------------------------------------------
    await world.advanceClock('PT1H');
    const authorized = await eventually(async () => {
      const charges = await chargesOf(laterIds);
      expect(charges).toHaveLength(LATER_COUNT);
      for (const c of charges) {
        expect(c).toMatchObject({ state: 'AUTHORIZED', captureMode: 'LATER', capturedMinor: 0 });
        expect(c.captures).toEqual([]);
        expect(c.captureDueAt).not.toBeNull();
        expect(c.moneyActionAt?.getTime()).toBe(c.captureDueAt?.getTime());
      }
      return charges;
    }, 30_000);
    const [nowCharge] = await eventually(async () => {
      const charges = await chargesOf([nowSub.id]);
      expect(charges).toHaveLength(1);
      expect(charges[0]).toMatchObject({ state: 'COMPLETED', captureMode: 'NOW', capturedMinor: AMOUNT });
      return charges;
    });
    if (nowCharge === undefined) throw new Error('no NOW charge');
    for (const line of (await ledger()).filter((l) =>
      authorized.some((c) => c.klarnaTransactionId === l.payment_transaction_id),
    )) {
      expect(line).toMatchObject({ state: 'AUTHORIZED', captured_amount: 0, captures: [] });
    }
    const dueAt = Math.max(...authorized.map((c) => c.captureDueAt?.getTime() ?? Infinity));
    const expiresAt = Math.min(...authorized.map((c) => c.expiresAt?.getTime() ?? 0));
    expect(dueAt).toBeLessThan(expiresAt);

    // --- crash 1: between the authorizations and the capture time ---------------------------
    const firstKilled = await killAndReplaceWorker();

    // --- the capture time passes; crash 2 while the capture calls are in flight --------------
    // Klarna answers slowly, so the calls are still out when the worker dies.
    const slow = await world.sandbox.sim<{ id: string }>('POST', '/scenarios', {
      match: { operation: 'capture' },
      latency: { type: 'fixed', ms: 4_000 },
      times: 'always',
    });
    expect(slow.status, JSON.stringify(slow.body)).toBe(201);
    const advanced = world.advanceClock('P2DT1H', 'PT12H');
    // advanceClock rejects only on an unexpected answer; keep that for the await below.
    advanced.catch(() => undefined);
    const inFlight = await eventually(
      async () => {
        const sent = await db.capture.count({
          where: { chargeId: { in: authorized.map((c) => c.id) }, status: 'PENDING', sendCount: { gte: 1 } },
        });
        // All of them out at once: the sweep queues them together, the worker runs 8 at a time.
        expect(sent).toBe(LATER_COUNT);
        return sent;
      },
      60_000,
      20,
    );
    const secondKilled = await killAndReplaceWorker();
    await world.sandbox.sim('DELETE', `/scenarios/${slow.body.id}`);
    await advanced;

    // --- quiescent: each charge captured once, in Rebill's rows and in Klarna's ledger ---------
    // A job lost with the killed worker comes back when its lease (a minute of Rebill's time)
    // runs out: the clock is moved on by a minute while captures are still missing.
    const settled = await eventually(
      async () => {
        const charges = await chargesOf(laterIds);
        const open = charges.filter((c) => c.state !== 'COMPLETED' || c.moneyActionAt !== null);
        if (open.length > 0) {
          await world.advanceClock('PT1M');
          throw new Error(`not settled yet: ${open.map((c) => `${c.id} ${c.state}`).join(', ')}`);
        }
        return charges;
      },
      60_000,
      500,
    );
    const lines = await ledger();
    const offenders: string[] = [];
    for (const charge of [...settled, nowCharge]) {
      const succeeded = charge.captures.filter((c) => c.status === 'SUCCEEDED');
      if (
        charge.state !== 'COMPLETED' ||
        charge.capturedMinor !== charge.amountMinor ||
        charge.captures.length !== 1 ||
        succeeded.length !== 1 ||
        succeeded[0]?.amountMinor !== charge.amountMinor
      ) {
        offenders.push(
          `charge ${charge.id} ${charge.state} ${charge.capturedMinor}/${charge.amountMinor}, captures ${charge.captures
            .map((c) => `${c.status}:${c.amountMinor}:sent ${c.sendCount}`)
            .join(', ')}`,
        );
      }
      const line = lines.find((l) => l.payment_transaction_id === charge.klarnaTransactionId);
      if (
        line === undefined ||
        line.state !== 'COMPLETED' ||
        line.captures.length !== 1 ||
        line.captured_amount !== line.amount ||
        line.amount !== charge.amountMinor ||
        line.refunded_amount !== 0 ||
        line.released_amount !== 0
      ) {
        offenders.push(
          `ledger ${charge.klarnaTransactionId}: ${
            line === undefined
              ? 'missing'
              : `${line.state} captured ${line.captured_amount}/${line.amount} in ${line.captures.length} captures`
          }`,
        );
      }
    }
    expect(offenders).toEqual([]);
    // Captured before Klarna's expires_at (on the shared clock: Rebill's row and the sandbox's
    // capture), and not before the capture time.
    for (const charge of settled) {
      const line = lines.find((l) => l.payment_transaction_id === charge.klarnaTransactionId);
      const klarnaCapturedAt = Date.parse(line?.captures[0]?.captured_at ?? '');
      expect(klarnaCapturedAt).toBeLessThan(charge.expiresAt?.getTime() ?? 0);
      const capturedAt = charge.captures[0]?.capturedAt?.getTime() ?? Infinity;
      expect(capturedAt).toBeLessThan(charge.expiresAt?.getTime() ?? 0);
      const due = authorized.find((a) => a.id === charge.id)?.captureDueAt?.getTime() ?? Infinity;
      expect(capturedAt).toBeGreaterThanOrEqual(due);
    }
    // The NOW charge was never touched by the money job: its capture is the authorization's.
    expect(nowCharge.captures[0]?.idempotencyKey ?? null).toBeNull();
    expect(nowCharge.captureDueAt).toBeNull();
    const sends = settled.map((c) => c.captures[0]?.sendCount ?? 0);
    // Each capture call the killed worker made was made again (same key) by the next one.
    expect(sends.every((n) => n >= 2)).toBe(true);
    process.stdout.write(
      `[capture-later] ${LATER_COUNT} LATER charges captured once; worker ${firstKilled} killed after authorization, ` +
        `worker ${secondKilled} killed with ${inFlight} capture calls in flight; sends per capture ${sends.join(', ')}\n`,
    );
  });
});
