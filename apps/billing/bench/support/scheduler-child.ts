// The process under test of the scheduler benchmark (bench/scheduler.ts), one per phase, so each
// phase's peak RSS is its own. BENCH_MODE=sweep runs the scheduler's tick (sweepOnce: leases in
// PostgreSQL, addBulk to the subscriptions queue) back to back until BENCH_N rows are enqueued;
// BENCH_MODE=floor adds the same number of jobs of the same shape in batches of the same size with
// a plain `addBulk` loop. Prints one JSON line: rows, milliseconds, ticks, peak RSS, and the CPU
// ms spent in the timed part by this process, by the PostgreSQL backends of its database (the sweep's
// pool, read from /proc before and after) and by Redis (the whole shared server).
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { systemClock } from '../../src/domain/index.js';
import { JOBS, QUEUES, bullPrefix } from '../../src/queue/catalog.js';
import { newSweepState, sweepOnce } from '../../src/scheduler/sweeps.js';
import { createPipelinedTransactions } from '../../src/store/pipelined-transaction.js';
import { createPrismaClient, disconnect } from '../../src/store/prisma-client.js';
import { cpuBetween, findPid, postgresSnapshot, processCpuMs } from './proc-cpu.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};
const int = (name: string): number => Number.parseInt(env(name), 10);

async function main(): Promise<void> {
  const mode = env('BENCH_MODE');
  const n = int('BENCH_N');
  const batchSize = int('SCHEDULER_BATCH_SIZE');
  const redis = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
  const subscriptions = new Queue(QUEUES.subscriptions, {
    connection: redis,
    prefix: bullPrefix(env('REDIS_PREFIX')),
  });
  const webhookEvents = new Queue(QUEUES.webhookEvents, {
    connection: redis,
    prefix: bullPrefix(env('REDIS_PREFIX')),
  });
  const money = new Queue(QUEUES.money, {
    connection: redis,
    prefix: bullPrefix(env('REDIS_PREFIX')),
  });
  const merchantWebhooks = new Queue(QUEUES.merchantWebhooks, {
    connection: redis,
    prefix: bullPrefix(env('REDIS_PREFIX')),
  });
  await subscriptions.waitUntilReady();

  const databaseName = new URL(env('DATABASE_URL')).pathname.slice(1);
  const redisPid = findPid('redis-server');
  const cpuNow = () => ({
    self: processCpuMs(process.pid),
    postgres: postgresSnapshot(databaseName, new Set()).backends,
    redis: redisPid === null ? Number.NaN : processCpuMs(redisPid),
  });
  let rows = 0;
  let ticks = 0;
  let ms: number;
  let cpuBefore: ReturnType<typeof cpuNow>;
  let cpuAfter: ReturnType<typeof cpuNow>;
  if (mode === 'sweep') {
    const db = createPrismaClient({ databaseUrl: env('DATABASE_URL') });
    const transactions = createPipelinedTransactions({ databaseUrl: env('DATABASE_URL') });
    const deps = {
      db,
      transactions,
      clock: systemClock,
      queues: { subscriptions, webhookEvents, money, merchantWebhooks },
      batchSize,
      merchantCap: int('SCHEDULER_MERCHANT_CAP'),
      tickMax: int('SCHEDULER_TICK_MAX'),
      queueBacklog: int('SCHEDULER_QUEUE_BACKLOG'),
      leaseMs: int('SCHEDULER_LEASE_MS'),
    };
    await db.$queryRaw`SELECT 1`;
    const state = newSweepState();
    cpuBefore = cpuNow();
    const started = performance.now();
    while (rows < n) {
      const counts = await sweepOnce(deps, state);
      ticks += 1;
      rows += counts.nextActions;
      if (counts.nextActions === 0) break;
    }
    ms = performance.now() - started;
    cpuAfter = cpuNow();
    await transactions.close();
    await disconnect(db);
  } else {
    const job = JOBS.runNextAction;
    const leaseUntil = new Date(Date.now() + 300_000);
    const dueAtMs = Date.now();
    cpuBefore = cpuNow();
    const started = performance.now();
    while (rows < n) {
      const size = Math.min(batchSize, n - rows);
      const jobs = Array.from({ length: size }, () => {
        const payload = job.payload.parse({ subscriptionId: randomUUID(), kind: 'RENEWAL', dueAtMs });
        return {
          name: job.name,
          data: payload,
          opts: { ...job.options, jobId: job.jobId(payload, leaseUntil) },
        };
      });
      await subscriptions.addBulk(jobs);
      rows += size;
      ticks += 1;
    }
    ms = performance.now() - started;
    cpuAfter = cpuNow();
  }
  await subscriptions.close();
  await webhookEvents.close();
  await money.close();
  await merchantWebhooks.close();
  redis.disconnect();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const cpuMs = {
    self: cpuAfter.self - cpuBefore.self,
    postgres: cpuBetween(cpuBefore.postgres, cpuAfter.postgres),
    redis: cpuAfter.redis - cpuBefore.redis,
  };
  process.stdout.write(`${JSON.stringify({ mode, rows, ms, ticks, peakRssMb, cpuMs })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
