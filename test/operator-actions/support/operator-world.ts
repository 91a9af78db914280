// What the operator-action tests share: the renewal engine's fixture (sandbox over HTTP, real
// PostgreSQL), one merchant and plan, and a subscriptions queue of their own on the run's Redis,
// where "retry now" enqueues the jobs the tests then run as the worker would.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  QUEUES,
  runNextActionPayload,
  type RunNextActionPayload,
} from '../../../apps/billing/src/queue/catalog.js';
import { createTestRedis, testBullmqPrefix } from '../../harness/index.js';
import { RenewalFixture, type Merchant } from '../../renewal-engine/support/renewal-fixture.js';

export interface OperatorWorld {
  readonly f: RenewalFixture;
  readonly merchant: Merchant;
  readonly plan: { planVersionId: string; currency: string };
  readonly queue: Queue;
  /** The queue's jobs for the subscription, as payloads. */
  queuedJobs(subscriptionId: string): Promise<RunNextActionPayload[]>;
  close(): Promise<void>;
}

export async function startOperatorWorld(start: Date): Promise<OperatorWorld> {
  const f = await RenewalFixture.start(start);
  const merchant = await f.merchant();
  const plan = await f.plan(merchant);
  const redis: Redis = createTestRedis();
  const queue = new Queue(QUEUES.subscriptions, {
    connection: redis,
    prefix: `${testBullmqPrefix()}:operator-${randomUUID()}`,
  });
  return {
    f,
    merchant,
    plan,
    queue,
    async queuedJobs(subscriptionId) {
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
      return jobs
        .map((j) => runNextActionPayload.parse(j.data))
        .filter((p) => p.subscriptionId === subscriptionId);
    },
    async close() {
      await queue.obliterate({ force: true });
      await queue.close();
      await redis.quit();
      await f.stop();
    },
  };
}
