// Artificial latency (SIM-ONLY): fixed, uniform or normal (mean at the centre, 3 sigma at the
// bounds, clamped) between min and max milliseconds.
import type { Latency } from './schema.js';

export function sampleLatency(latency: Latency | undefined, random: () => number = Math.random): number {
  if (latency === undefined) return 0;
  switch (latency.type) {
    case 'none':
      return 0;
    case 'fixed':
      return latency.ms;
    case 'uniform':
      return Math.round(latency.min_ms + random() * (latency.max_ms - latency.min_ms));
    case 'normal': {
      const mean = (latency.min_ms + latency.max_ms) / 2;
      const sigma = (latency.max_ms - latency.min_ms) / 6;
      // Box-Muller; 1 - random() keeps the log argument in (0, 1].
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return Math.round(Math.min(latency.max_ms, Math.max(latency.min_ms, mean + z * sigma)));
    }
  }
}

/**
 * Latency waits run on real time (callers time out in real time). close() cancels the pending
 * ones, so a stopped sandbox executes nothing afterwards and no timer keeps the process alive.
 */
export class LatencyTimers {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  /** Resolves true once `ms` have passed, false when the sandbox closes first. */
  wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve(true);
      }, ms);
      this.pending.set(timer, () => resolve(false));
    });
  }

  close(): void {
    this.closed = true;
    for (const [timer, cancel] of this.pending) {
      clearTimeout(timer);
      cancel();
    }
    this.pending.clear();
  }
}
