// Merchant webhooks end to end on PostgreSQL and a real HTTP receiver: outbox rows written with the
// state change, fanned out to the merchant's endpoints, leased by the sweep, sent signed by the
// worker, and every signature verified with the `standardwebhooks` package (an implementation
// Rebill did not write). Nothing is lost when the process dies between the commit and the enqueue
// (no job ever existed: the sweep finds the row) or mid-send (the lease ends: the same webhook-id
// is sent again).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { describe, expect, onTestFinished } from 'vitest';
import { sweepOnce, type SweepDeps } from '../scheduler/sweeps.js';
import { audit, auditMany, systemActor, type AuditEntry } from '../store/audit.js';
import { inTransaction, type Db } from '../store/db.js';
import { seedMerchant } from '../store/testing/seed.js';
import {
  createWebhookEndpoint,
  listWebhookDeliveries,
  retryWebhookDelivery,
  rotateWebhookEndpointSecret,
} from '../store/webhook-endpoints.js';
import { ownDatabaseTest as test } from '../testing/database-test.js';
import { Keyring } from '../vault/keyring.js';
import {
  newMerchantWebhookSecret,
  sealMerchantWebhookSecret,
  showMerchantWebhookSecretOnce,
} from '../vault/merchant-webhooks.js';
import { Vault } from '../vault/vault.js';
import { deliverWebhook, webhookMessageId, type DeliveryDeps } from './deliver.js';

const ACTOR = systemActor('test');
const VAULT_KEY = randomBytes(32);
const vault = new Vault(
  new Keyring({
    encryptionKeys: [{ id: 'k1', key: VAULT_KEY }],
    fingerprintKey: { id: 'fp1', key: Buffer.alloc(32, 1) },
  }),
);

interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A merchant's endpoint: records every request; `answer` decides the status (or hangs: null). */
async function receiver(answer: (n: number) => number | null) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  let onRequest: (() => void) | null = null;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
      onRequest?.();
      const status = answer(received.length);
      if (status === null) hanging.push(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    nextRequest: () => new Promise<void>((resolve) => (onRequest = resolve)),
  };
}

function recordingQueue() {
  const jobs: { name: string; data: unknown; opts: { jobId?: string } }[] = [];
  return {
    jobs,
    addBulk: (added: { name: string; data: unknown; opts?: { jobId?: string } }[]) => {
      for (const j of added) jobs.push({ name: j.name, data: j.data, opts: j.opts ?? {} });
      return Promise.resolve([]);
    },
  };
}

function sweepDeps(db: Db) {
  const merchantWebhooks = recordingQueue();
  const idle = recordingQueue();
  const deps = {
    db,
    clock: { now: () => new Date() },
    queues: {
      subscriptions: {
        ...idle,
        getWaitingCount: () => Promise.resolve(0),
        getPrioritizedCount: () => Promise.resolve(0),
      },
      webhookEvents: idle,
      money: idle,
      merchantWebhooks,
    },
    batchSize: 50,
    merchantCap: 50,
    tickMax: 100,
    queueBacklog: 1000,
    leaseMs: 60_000,
  } as unknown as SweepDeps;
  return { deps, merchantWebhooks };
}

function deliveryDeps(db: Db): DeliveryDeps {
  return {
    db,
    vault,
    log: pino({ level: 'silent' }),
    nowMs: () => Date.now(),
    policy: { timeoutMs: 2_000, maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
  };
}

async function merchantWithEndpoint(db: Db, url: string, eventTypes: readonly string[] = ['*']) {
  const merchant = await seedMerchant(db);
  let raw = '';
  const endpoint = await createWebhookEndpoint(db, {
    merchantId: merchant.id,
    url,
    eventTypes,
    description: null,
    seal: (rowId) => {
      const secret = newMerchantWebhookSecret();
      raw = showMerchantWebhookSecretOnce(secret);
      return sealMerchantWebhookSecret(vault, secret, rowId);
    },
    actor: ACTOR,
    now: new Date(),
  });
  return { merchant, endpoint, secret: raw };
}

function subscriptionEntry(merchantId: string, action: string, before: string, after: string): AuditEntry {
  const subscriptionId = crypto.randomUUID();
  return {
    actor: ACTOR,
    merchantId,
    subscriptionId,
    entityType: 'subscription',
    entityId: subscriptionId,
    action,
    before: { status: before },
    after: { status: after, period_index: 3, attempt_number: 1 },
    at: new Date('2026-03-06T10:00:00.000Z'),
  };
}

/** Sweeps, then runs every job the sweep enqueued, like the worker. */
async function sweepAndDeliver(db: Db) {
  const { deps, merchantWebhooks } = sweepDeps(db);
  const counts = await sweepOnce(deps);
  for (const job of merchantWebhooks.jobs) {
    await deliverWebhook(deliveryDeps(db), (job.data as { deliveryId: string }).deliveryId);
  }
  return { counts, jobs: merchantWebhooks.jobs };
}

function verifyAll(received: readonly Received[], secret: string) {
  const wh = new Webhook(secret);
  return received.map((r) => wh.verify(r.body, r.headers) as { type: string; data: Record<string, unknown> });
}

describe('merchant webhooks, outbox to receiver', () => {
  test('events written with the state change reach the endpoint signed; an outbox row whose job was never enqueued is found by the sweep', async ({
    prisma,
  }) => {
    const hook = await receiver(() => 204);
    const { merchant, endpoint, secret } = await merchantWithEndpoint(prisma, hook.url);
    // Another merchant's endpoint never sees this merchant's events.
    const other = await merchantWithEndpoint(prisma, hook.url);

    // The state changes commit with their outbox rows; no job is enqueued (the process "dies").
    await inTransaction(prisma, async (tx) => {
      await audit(tx, subscriptionEntry(merchant.id, 'renewal.declined', 'ACTIVE', 'PAST_DUE'));
      await audit(tx, subscriptionEntry(merchant.id, 'renewal.paid', 'PAST_DUE', 'ACTIVE'));
      await auditMany(tx, [subscriptionEntry(merchant.id, 'subscription.canceled', 'ACTIVE', 'CANCELED')]);
      // Not an event: audited, nothing in the outbox.
      await audit(tx, subscriptionEntry(merchant.id, 'subscription.cancel_scheduled', 'ACTIVE', 'ACTIVE'));
    });
    // A rolled-back change leaves no event behind.
    await expect(
      inTransaction(prisma, async (tx) => {
        await audit(tx, subscriptionEntry(merchant.id, 'subscription.paused', 'ACTIVE', 'PAUSED'));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');

    const events = await prisma.outboxEvent.findMany({
      where: { merchantId: merchant.id },
      orderBy: { type: 'asc' },
    });
    expect(events.map((e) => e.type)).toEqual([
      'subscription.canceled',
      'subscription.past_due',
      'subscription.payment_failed',
      'subscription.recovered',
      'subscription.renewed',
    ]);
    expect(
      await prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'PENDING' } }),
    ).toBe(5);
    expect(await prisma.webhookDelivery.count({ where: { endpointId: other.endpoint.id } })).toBe(0);

    const { counts, jobs } = await sweepAndDeliver(prisma);
    expect(counts.webhookDeliveries).toBe(5);
    expect(jobs.every((j) => j.opts.jobId?.startsWith('deliver-'))).toBe(true);
    expect(hook.received).toHaveLength(5);
    const verified = verifyAll(hook.received, secret);
    expect(verified.map((v) => v.type).sort()).toEqual(events.map((e) => e.type));
    for (const v of verified) expect(v.data).toMatchObject({ status: expect.any(String) as unknown });
    expect(new Set(hook.received.map((r) => r.headers['webhook-id']))).toEqual(
      new Set(events.map((e) => webhookMessageId(e.id))),
    );
    for (const r of hook.received) {
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    }
    expect(
      await prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'DELIVERED' } }),
    ).toBe(5);
    // Nothing due any more.
    expect((await sweepAndDeliver(prisma)).counts.webhookDeliveries).toBe(0);
  });

  test('a worker killed mid-send: the lease ends and the same webhook-id is sent again', async ({
    prisma,
    databaseUrl,
  }) => {
    const hook = await receiver((n) => (n === 1 ? null : 200)); // the first request never answers
    const { merchant, secret } = await merchantWithEndpoint(prisma, hook.url);
    await inTransaction(prisma, (tx) =>
      audit(tx, subscriptionEntry(merchant.id, 'subscription.resumed', 'PAUSED', 'ACTIVE')),
    );
    const { deps, merchantWebhooks } = sweepDeps(prisma);
    await sweepOnce(deps);
    const [job] = merchantWebhooks.jobs;
    const deliveryId = (job?.data as { deliveryId: string }).deliveryId;

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./deliver-child.test-support.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          DELIVERY_ID: deliveryId,
          TEST_VAULT_KEY: VAULT_KEY.toString('base64'),
        },
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await hook.nextRequest();
    child.kill('SIGKILL');
    await exited;
    expect(hook.received).toHaveLength(1);

    const row = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(row).toMatchObject({ status: 'PENDING', attemptCount: 0 });
    // Leased: the next sweep leaves it alone...
    expect((await sweepAndDeliver(prisma)).counts.webhookDeliveries).toBe(0);
    // ...until the lease ends (time passes: the row's lease is moved into the past).
    await prisma.webhookDelivery.update({
      where: { id: deliveryId },
      data: { nextAttemptAt: new Date(Date.now() - 1000) },
    });
    expect((await sweepAndDeliver(prisma)).counts.webhookDeliveries).toBe(1);

    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]?.headers['webhook-id']).toBe(hook.received[0]?.headers['webhook-id']);
    expect(verifyAll(hook.received, secret).map((v) => v.type)).toEqual([
      'subscription.resumed',
      'subscription.resumed',
    ]);
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).toMatchObject({
      status: 'DELIVERED',
      attemptCount: 1,
      lastStatus: 200,
    });
  });

  test('non-2xx answers are retried with back-off, then FAILED and listed; a retry sends it again; a rotated secret still verifies', async ({
    prisma,
  }) => {
    let status = 500;
    const hook = await receiver(() => status);
    const { merchant, endpoint, secret } = await merchantWithEndpoint(prisma, hook.url, ['charge.refunded']);
    await inTransaction(prisma, async (tx) => {
      await audit(tx, {
        actor: ACTOR,
        merchantId: merchant.id,
        subscriptionId: null,
        entityType: 'refund',
        entityId: crypto.randomUUID(),
        action: 'refund.succeeded',
        after: { charge_id: crypto.randomUUID(), amount: 500 },
        at: new Date(),
      });
      // Not a type this endpoint takes.
      await audit(tx, subscriptionEntry(merchant.id, 'subscription.paused', 'ACTIVE', 'PAUSED'));
    });
    const deps = deliveryDeps(prisma);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5)); // the 1 ms back-off passes
      await sweepAndDeliver(prisma);
    }
    expect(hook.received).toHaveLength(3);
    const failed = await listWebhookDeliveries(
      prisma,
      merchant.id,
      { status: 'FAILED' },
      { limit: 10, after: null },
    );
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({ attemptCount: 3, lastStatus: 500, eventType: 'charge.refunded' });
    expect(verifyAll(hook.received, secret)[0]?.data).toMatchObject({ amount: 500 });

    // Rotation: the new secret and the old one (still valid for a while) both verify.
    let rotated = '';
    await rotateWebhookEndpointSecret(prisma, {
      merchantId: merchant.id,
      id: endpoint.id,
      seal: (rowId) => {
        const s = newMerchantWebhookSecret();
        rotated = showMerchantWebhookSecretOnce(s);
        return sealMerchantWebhookSecret(vault, s, rowId);
      },
      oldValidUntil: new Date(Date.now() + 3600_000),
      actor: ACTOR,
      now: new Date(),
    });
    status = 200;
    const id = failed.items[0]?.id ?? '';
    expect(
      (await retryWebhookDelivery(prisma, { merchantId: merchant.id, id, actor: ACTOR, now: new Date() }))
        .kind,
    ).toBe('ok');
    await sweepAndDeliver(prisma);
    expect(hook.received).toHaveLength(4);
    const last = hook.received.slice(3);
    expect(verifyAll(last, secret)).toHaveLength(1);
    expect(verifyAll(last, rotated)).toHaveLength(1);
    expect(last[0]?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(await deliverWebhook(deps, id)).toBe('SKIPPED');
    // Another merchant cannot retry it.
    const stranger = await seedMerchant(prisma);
    expect(
      (await retryWebhookDelivery(prisma, { merchantId: stranger.id, id, actor: ACTOR, now: new Date() }))
        .kind,
    ).toBe('not_found');
  });
});
