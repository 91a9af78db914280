// Composition root of the worker role: BullMQ workers for every queue of the catalog.
import { Worker } from 'bullmq';
import { apiConfigSchema, isoDurationMs, parseConfig, workerConfigSchema } from '../config/config.js';
import { QUEUES } from '../queue/catalog.js';
import { DEFAULT_DELIVERY_POLICY } from '../merchant-webhooks/deliver.js';
import {
  chargeMoneyProcessor,
  merchantWebhookProcessor,
  subscriptionProcessor,
  traced,
  webhookEventProcessor,
} from '../worker/processors.js';
import { workerMetrics } from '../ops/metrics.js';
import { queueDepthMetrics } from '../ops/queue-metrics.js';
import { roleRegistry } from '../ops/registry.js';
import { startRoleOpsServer } from '../ops/role-ops-server.js';
import {
  bullTelemetry,
  createProcessDeps,
  moneyDeps,
  readiness,
  renewalDeps,
  signupDeps,
} from './process-deps.js';
import type { RunningRole } from './running-role.js';

export async function startWorkerRole(env: NodeJS.ProcessEnv): Promise<RunningRole> {
  const config = parseConfig(workerConfigSchema, env);
  const expiry = parseConfig(
    apiConfigSchema.pick({ SIGNUP_INTERACTION_EXPIRY: true }),
    env,
  ).SIGNUP_INTERACTION_EXPIRY;
  const registry = roleRegistry('worker');
  const deps = await createProcessDeps('worker', config, env, registry);
  const metrics = workerMetrics(registry);
  queueDepthMetrics(registry, Object.values(deps.queues));
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
    // Tracing on: each job runs in a span continuing the trace of whoever enqueued it.
    ...bullTelemetry(deps.tracing),
  };
  const workers = [
    new Worker(
      QUEUES.subscriptions,
      subscriptionProcessor({
        signups,
        renewals: { ...renewalDeps(deps), observer: metrics.renewals },
        onRenewalRun: metrics.renewalRun,
      }),
      {
        ...common,
        connection: connections[0],
      },
    ),
    new Worker(QUEUES.webhookEvents, traced(webhookEventProcessor(signups)), {
      ...common,
      connection: connections[1],
    }),
    new Worker(QUEUES.money, traced(chargeMoneyProcessor(moneyDeps(deps), metrics.chargeMoneyRun)), {
      ...common,
      connection: connections[2],
    }),
    new Worker(
      QUEUES.merchantWebhooks,
      traced(
        merchantWebhookProcessor({
          db: deps.db,
          vault: deps.vault,
          log: deps.log,
          nowMs: () => Date.now(),
          policy: DEFAULT_DELIVERY_POLICY,
        }),
      ),
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
  const ops = await startRoleOpsServer({
    log: deps.log,
    registry,
    ready: () => readiness(deps),
    host: config.METRICS_HOST,
    port: config.WORKER_METRICS_PORT,
  });
  if (config.KLARNA_CONNECTIONS < config.WORKER_CONCURRENCY) {
    // Each job waits on one Klarna call at a time: past the sockets, jobs queue for one, and at
    // Klarna's latency the sockets cap the rate (64 at 300 ms: about 210 charges/s).
    deps.log.warn(
      { klarnaConnections: config.KLARNA_CONNECTIONS, concurrency: config.WORKER_CONCURRENCY },
      'KLARNA_CONNECTIONS is below WORKER_CONCURRENCY: jobs will wait for a socket to Klarna',
    );
  }
  deps.log.info({ queues: workers.map((w) => w.name), concurrency: config.WORKER_CONCURRENCY }, 'working');
  return {
    name: 'worker',
    ...(ops === null ? {} : { opsUrl: ops.url }),
    async stop() {
      await ops?.close();
      // Finish the jobs in flight (BullMQ's graceful close), then the connections.
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
      await deps.close();
    },
  };
}
