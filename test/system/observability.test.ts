// Observability of a running Rebill (api, worker and scheduler as real processes, tracing on to a
// tiny OTLP/HTTP JSON receiver in this test): /metrics moves as renewals run (queue depth while
// Klarna is slow, renewal runs, declines by reason, Klarna's latency histogram, swept rows), and
// one renewal is one trace from the scheduler's tick through the BullMQ job in the worker to the
// Klarna call and the database, whose id the roles' log lines carry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClockState } from '../../apps/billing/src/store/clock-state.js';
import { createPrismaClient, disconnect } from '../../apps/billing/src/store/prisma-client.js';
import type { Db } from '../../apps/billing/src/store/db.js';
import { signedUpSubscriptions, type SignedUp } from '../support/signed-up-subscriptions.js';
import { eventually } from './support/eventually.js';
import { sample, scrape } from './support/metrics.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { logFields } from './support/role-process.js';
import { Shop } from './support/shop.js';
import { World } from './support/world.js';

let receiver: OtlpReceiver;
let world: World;
let shop: Shop;
let db: Db;
let planVersionId: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  world = await World.start({
    roles: ['api', 'worker', 'scheduler'],
    opsServers: true,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // Spans leave each role every 200 ms instead of every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '200',
      // The Klarna client's line for each call is at debug.
      LOG_LEVEL: 'debug',
    },
  });
  shop = await Shop.open(world, 'Observed Shop');
  const planId = await shop.createPlan({ code: 'obs', name: 'Observed', currency: 'SEK', amount: 4900 });
  const [version] = await world.sql<{ id: string }>('SELECT id FROM "PlanVersion" WHERE "planId" = $1', [
    planId,
  ]);
  planVersionId = version?.id ?? '';
  db = createPrismaClient({ databaseUrl: world.databaseUrl });
}, 180_000);

afterAll(async () => {
  await disconnect(db);
  await world?.stop();
  await receiver?.close();
}, 120_000);

/** Subscriptions whose renewal is due a second from now on the shared clock. */
async function dueRenewals(count: number): Promise<SignedUp[]> {
  const now = new Date(Date.now() + ((await readClockState(db))?.offsetMs ?? 0));
  return signedUpSubscriptions(db, world.sandbox, {
    merchantId: shop.merchant.id,
    accountId: shop.merchant.klarnaAccount,
    planVersionId,
    currency: 'SEK',
    anchors: Array.from({ length: count }, () => ({
      anchorAt: new Date(now.getTime() + 1_000),
      timeZone: 'Europe/Stockholm',
    })),
    at: now,
  });
}

/** The first span received that matches (rejects while there is none yet: for `eventually`). */
function spanWhere(match: (span: ReceivedSpan) => boolean): Promise<ReceivedSpan> {
  const found = receiver.spans.find(match);
  return found === undefined ? Promise.reject(new Error('no such span yet')) : Promise.resolve(found);
}

describe('/metrics during a run', () => {
  it('moves with the renewals: queue depth while Klarna is slow, runs, declines by reason, latency', async () => {
    const worker = world.opsUrl('worker');
    const scheduler = world.opsUrl('scheduler');
    const before = { worker: await scrape(worker), scheduler: await scrape(scheduler) };

    const [approved, declined] = await dueRenewals(2);
    if (approved === undefined || declined === undefined) throw new Error('seed');
    // Klarna takes 1.5 s to answer either: both jobs are active meanwhile. One is declined.
    const slow = { type: 'fixed', ms: 1_500 };
    for (const [token, outcome] of [
      [approved.token, { result: 'APPROVED' }],
      [declined.token, { result: 'DECLINED', reason: 'CUSTOMER_ACTION_REQUIRED' }],
    ] as const) {
      const rule = await world.sandbox.sim('POST', '/scenarios', {
        match: { customer_token: token },
        outcome,
        latency: slow,
        times: 'once',
      });
      expect(rule.status, rule.text).toBe(201);
    }

    const depth = (text: string, state: string) =>
      sample(text, 'rebill_queue_jobs', { queue: 'subscriptions', state });
    await eventually(async () => expect(depth(await scrape(worker), 'active')).toBe(2), 20_000, 50);

    const after = await eventually(async () => {
      const scraped = { worker: await scrape(worker), scheduler: await scrape(scheduler) };
      expect(
        sample(scraped.worker, 'rebill_renewal_runs_total', { kind: 'RENEWAL' }) -
          sample(before.worker, 'rebill_renewal_runs_total', { kind: 'RENEWAL' }),
      ).toBe(2);
      expect(depth(scraped.worker, 'active')).toBe(0);
      return scraped;
    }, 30_000);
    const moved = (role: 'worker' | 'scheduler', name: string, labels: Record<string, string> = {}) =>
      sample(after[role], name, labels) - sample(before[role], name, labels);

    // CHARGED: an attempt was made and recorded, whatever Klarna answered.
    expect(moved('worker', 'rebill_renewal_runs_total', { kind: 'RENEWAL', result: 'CHARGED' })).toBe(2);
    expect(
      moved('worker', 'rebill_charge_declines_total', {
        category: 'SOFT',
        reason: 'CUSTOMER_ACTION_REQUIRED',
      }),
    ).toBe(1);
    expect(moved('worker', 'rebill_charge_declines_total')).toBe(1);
    const authorize = { operation: 'authorize', outcome: '2xx' };
    expect(moved('worker', 'rebill_klarna_request_duration_seconds_count', authorize)).toBe(2);
    // Both waited 1.5 s for Klarna: the histogram's sum moved by at least that much.
    expect(moved('worker', 'rebill_klarna_request_duration_seconds_sum', authorize)).toBeGreaterThanOrEqual(
      3,
    );
    expect(moved('scheduler', 'rebill_swept_rows_total', { kind: 'next_action' })).toBeGreaterThanOrEqual(2);
    expect(moved('scheduler', 'rebill_sweep_duration_seconds_count')).toBeGreaterThan(0);
    expect(depth(after.scheduler, 'failed')).toBe(0);
  });
});

describe('OpenTelemetry traces', () => {
  it('one renewal is one trace: scheduler tick -> enqueue -> worker job -> Klarna call and database', async () => {
    const [renewal] = await dueRenewals(1);
    if (renewal === undefined) throw new Error('seed');

    // The worker's job span names the job, whose id carries the subscription's.
    const job = await eventually(
      () =>
        spanWhere(
          (s) =>
            s.service === 'rebill-worker' &&
            s.name === 'process subscriptions' &&
            String(s.attributes['bullmq.job.id']).startsWith(`RENEWAL-${renewal.id}-`),
        ),
      30_000,
    );
    const trace = job.traceId;
    const inTrace = (service: string, name: string) =>
      eventually(() => spanWhere((s) => s.traceId === trace && s.service === service && s.name === name));

    // In the scheduler: the tick is the root, the enqueue its child.
    const tick = await inTrace('rebill-scheduler', 'scheduler tick');
    expect(tick.parentSpanId).toBeUndefined();
    const enqueue = await inTrace('rebill-scheduler', 'addBulk subscriptions');
    expect(enqueue.parentSpanId).toBe(tick.spanId);
    // Across processes: the worker's job continues the enqueue.
    expect(job.parentSpanId).toBe(enqueue.spanId);
    // In the worker, under the job: the Klarna call and the renewal's database transactions.
    const call = await inTrace('rebill-worker', 'klarna authorize');
    expect(call.parentSpanId).toBe(job.spanId);
    expect(call.attributes).toMatchObject({
      'rebill.klarna.operation': 'authorize',
      'rebill.klarna.outcome': '2xx',
      'http.response.status_code': 200,
    });
    const transaction = await inTrace('rebill-worker', 'pg transaction');
    expect(transaction.parentSpanId).toBe(job.spanId);
    expect(transaction.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'rebill.db.client': 'pipelined',
    });
    // No span carries the raw customer token.
    expect(JSON.stringify(receiver.spans)).not.toContain(renewal.token);

    // The roles' log lines written in that work carry the trace id.
    const linesOf = (role: 'worker' | 'scheduler') =>
      (world.roles.get(role)?.lines ?? []).map(logFields).filter((l) => l?.traceId === trace);
    expect(linesOf('scheduler').map((l) => l?.msg)).toContain('sweep enqueued due work');
    expect(linesOf('worker')).toContainEqual(
      expect.objectContaining({ msg: 'klarna call', operation: 'authorize', traceId: trace }),
    );
  });

  it('an API request is a server span, with its Prisma transaction under it', async () => {
    // beforeAll created the plan through the API.
    const request = await eventually(() =>
      spanWhere((s) => s.service === 'rebill-api' && s.name === 'POST /v1/plans'),
    );
    expect(request.attributes).toMatchObject({ 'http.route': '/v1/plans', 'http.response.status_code': 201 });
    const transaction = await eventually(() =>
      spanWhere((s) => s.parentSpanId === request.spanId && s.name === 'pg transaction'),
    );
    expect(transaction).toMatchObject({ service: 'rebill-api', traceId: request.traceId });
    expect(transaction.attributes).toMatchObject({ 'rebill.db.client': 'prisma' });
  });
});
