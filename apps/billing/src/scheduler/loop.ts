// The scheduler role's heartbeat: a sweep every tick, never two at once, stopped cleanly. A failed
// tick is logged and the next one tries again (PostgreSQL or Redis may be restarting).
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { inUnitOfWork } from '../ops/trace-context.js';
import { newSweepState, sweepOnce, type SweepCounts, type SweepDeps } from './sweeps.js';

/** Told of every tick (metrics): what it enqueued, or null when it failed, and how long it took. */
export interface SweepObserver {
  tick(counts: SweepCounts | null, seconds: number): void;
}

export interface SchedulerLoop {
  /** Resolves once the tick in progress (if any) has finished and no further tick will start. */
  stop(): Promise<void>;
  /** Runs a tick now (e.g. right after the clock moved); resolves when it is done. */
  tickNow(): Promise<void>;
}

export function startSchedulerLoop(
  deps: SweepDeps & {
    readonly log: Logger;
    readonly tickMs: number;
    readonly beforeTick?: () => Promise<void>;
    readonly observer?: SweepObserver;
  },
): SchedulerLoop {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  // Where the round of merchants starts, carried from tick to tick (fairness when a tick is full).
  const state = newSweepState();

  // Each tick under a trace of its own (a span when tracing is on): its log lines group together,
  // and the jobs it enqueues continue its trace.
  const tick = (): Promise<void> => inUnitOfWork('scheduler tick', sweepTick);
  const sweepTick = async (): Promise<void> => {
    const startedAt = performance.now();
    try {
      await deps.beforeTick?.();
      const counts = await sweepOnce(deps, state);
      deps.observer?.tick(counts, (performance.now() - startedAt) / 1_000);
      if (counts.nextActions + counts.webhookEvents + counts.charges + counts.webhookDeliveries > 0)
        deps.log.info(counts, 'sweep enqueued due work');
      else if (counts.backlogFull)
        deps.log.debug(counts, 'subscriptions queue backlog full; no next action leased');
    } catch (error) {
      deps.observer?.tick(null, (performance.now() - startedAt) / 1_000);
      deps.log.error({ err: error }, 'sweep failed; retrying next tick');
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, deps.tickMs);
  };
  running = tick().finally(schedule);

  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
    async tickNow() {
      await running;
      running = tick();
      await running;
    },
  };
}
