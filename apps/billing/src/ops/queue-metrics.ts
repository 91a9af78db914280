// Queue depths, read from BullMQ (Redis) when Prometheus scrapes and not kept up to date between
// scrapes: one getJobCounts per queue per scrape, nothing on the jobs' path.
import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';

const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

export function queueDepthMetrics(
  registry: Registry,
  queues: readonly Pick<Queue, 'name' | 'getJobCounts'>[],
) {
  return new Gauge({
    name: 'rebill_queue_jobs',
    help: 'Jobs in each BullMQ queue by state (waiting, prioritized, active, delayed, failed), read at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const counts = await Promise.all(queues.map((queue) => queue.getJobCounts(...STATES)));
      queues.forEach((queue, i) => {
        for (const state of STATES) this.set({ queue: queue.name, state }, counts[i]?.[state] ?? 0);
      });
    },
  });
}
