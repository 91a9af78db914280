// Composition root of the scheduler role: sweeps due work from PostgreSQL into the queues.
import { parseConfig, schedulerConfigSchema } from '../config/config.js';
import { startSchedulerLoop } from '../scheduler/loop.js';
import { createProcessDeps } from './process-deps.js';
import type { RunningRole } from './running-role.js';

export async function startSchedulerRole(env: NodeJS.ProcessEnv): Promise<RunningRole> {
  const config = parseConfig(schedulerConfigSchema, env);
  const deps = await createProcessDeps('scheduler', config, env);
  const loop = startSchedulerLoop({
    db: deps.db,
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
  });
  deps.log.info({ tickMs: config.SCHEDULER_TICK_MS }, 'sweeping');
  return {
    name: 'scheduler',
    async stop() {
      await loop.stop();
      await deps.close();
    },
  };
}
