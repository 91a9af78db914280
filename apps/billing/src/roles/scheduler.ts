// Composition root of the scheduler role: sweeps due work from PostgreSQL into the queues.
import { parseConfig, schedulerConfigSchema } from '../config/config.js';
import { sweepMetrics } from '../ops/metrics.js';
import { queueDepthMetrics } from '../ops/queue-metrics.js';
import { roleRegistry } from '../ops/registry.js';
import { startRoleOpsServer } from '../ops/role-ops-server.js';
import { startSchedulerLoop } from '../scheduler/loop.js';
import { createProcessDeps, readiness } from './process-deps.js';
import type { RunningRole } from './running-role.js';

export async function startSchedulerRole(env: NodeJS.ProcessEnv): Promise<RunningRole> {
  const config = parseConfig(schedulerConfigSchema, env);
  const registry = roleRegistry('scheduler');
  const deps = await createProcessDeps('scheduler', config, env, registry);
  // The scheduler feeds the queues, so their depths are read here (at scrape time).
  queueDepthMetrics(registry, Object.values(deps.queues));
  const loop = startSchedulerLoop({
    db: deps.db,
    transactions: deps.transactions,
    clock: deps.clock,
    queues: deps.queues,
    batchSize: config.SCHEDULER_BATCH_SIZE,
    merchantCap: config.SCHEDULER_MERCHANT_CAP,
    tickMax: config.SCHEDULER_TICK_MAX,
    queueBacklog: config.SCHEDULER_QUEUE_BACKLOG,
    leaseMs: config.SCHEDULER_LEASE_MS,
    tickMs: config.SCHEDULER_TICK_MS,
    log: deps.log,
    // A tick acts on the newest shared time (a clock advance may just have happened).
    beforeTick: () => deps.clock.refresh(),
    observer: sweepMetrics(registry),
  });
  const ops = await startRoleOpsServer({
    log: deps.log,
    registry,
    ready: () => readiness(deps),
    host: config.METRICS_HOST,
    port: config.SCHEDULER_METRICS_PORT,
  });
  deps.log.info({ tickMs: config.SCHEDULER_TICK_MS }, 'sweeping');
  return {
    name: 'scheduler',
    ...(ops === null ? {} : { opsUrl: ops.url }),
    async stop() {
      await ops?.close();
      await loop.stop();
      await deps.close();
    },
  };
}
