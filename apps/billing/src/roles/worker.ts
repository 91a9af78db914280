// Composition root of the worker role: BullMQ workers for every queue of the catalog.
import { Worker } from 'bullmq';
import { apiConfigSchema, isoDurationMs, parseConfig, workerConfigSchema } from '../config/config.js';
import { QUEUES } from '../queue/catalog.js';
import { DEFAULT_DELIVERY_POLICY } from '../merchant-webhooks/deliver.js';
import {
  chargeMoneyProcessor,
  merchantWebhookProcessor,
  subscriptionProcessor,
  webhookEventProcessor,
} from '../worker/processors.js';
import { createProcessDeps, moneyDeps, renewalDeps, signupDeps } from './process-deps.js';
import type { RunningRole } from './running-role.js';

export async function startWorkerRole(env: NodeJS.ProcessEnv): Promise<RunningRole> {
  const config = parseConfig(workerConfigSchema, env);
  const expiry = parseConfig(
    apiConfigSchema.pick({ SIGNUP_INTERACTION_EXPIRY: true }),
    env,
  ).SIGNUP_INTERACTION_EXPIRY;
  const deps = await createProcessDeps('worker', config, env);
  const signups = signupDeps(deps, { iso: expiry, ms: isoDurationMs(expiry) });
  // BullMQ leaves connections it was given open on close(): these are closed in stop().
  const connections = [
    deps.redis.duplicate(),
    deps.redis.duplicate(),
    deps.redis.duplicate(),
    deps.redis.duplicate(),
  ] as const;
  const common = {
    prefix: deps.prefix,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.WORKER_LOCK_DURATION_MS,
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
  };
  const workers = [
    new Worker(QUEUES.subscriptions, subscriptionProcessor({ signups, renewals: renewalDeps(deps) }), {
      ...common,
      connection: connections[0],
    }),
    new Worker(QUEUES.webhookEvents, webhookEventProcessor(signups), {
      ...common,
      connection: connections[1],
    }),
    new Worker(QUEUES.money, chargeMoneyProcessor(moneyDeps(deps)), {
      ...common,
      connection: connections[2],
    }),
    new Worker(
      QUEUES.merchantWebhooks,
      merchantWebhookProcessor({
        db: deps.db,
        vault: deps.vault,
        log: deps.log,
        nowMs: () => Date.now(),
        policy: DEFAULT_DELIVERY_POLICY,
      }),
      { ...common, connection: connections[3] },
    ),
  ];
  for (const worker of workers) {
    worker.on('failed', (job, error) => {
      deps.log.error(
        { err: error, queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade },
        'job failed',
      );
    });
    worker.on('error', (error) => deps.log.error({ err: error, queue: worker.name }, 'worker error'));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  deps.log.info({ queues: workers.map((w) => w.name), concurrency: config.WORKER_CONCURRENCY }, 'working');
  return {
    name: 'worker',
    async stop() {
      // Finish the jobs in flight (BullMQ's graceful close), then the connections.
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
      await deps.close();
    },
  };
}
