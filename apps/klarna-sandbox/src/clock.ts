// The sandbox's own time. Tests advance it so expiry, idempotency windows and webhook retries
// run in seconds. Timers registered here fire when simulated time passes their due instant,
// whether time moves by advance() or by the real clock.
import { TimerQueue, type QueuedTimer } from './timer-queue.js';

export interface SimTimer {
  cancel(): void;
}

export interface SimClock {
  /** Current simulated time in epoch milliseconds. */
  now(): number;
  /** Move simulated time forward; due timers run in order before this resolves. */
  advance(ms: number): Promise<void>;
  /** Run fn once simulated time reaches dueAt (epoch ms). */
  at(dueAt: number, fn: () => void | Promise<void>): SimTimer;
  /** Stop the real-time ticker; pending timers never fire afterwards. */
  stop(): void;
}

interface Pending extends QueuedTimer {
  fn: () => void | Promise<void>;
}

/**
 * Simulated time = real time + offset. advance() grows the offset; a real-time ticker fires
 * timers that fall due without an advance (e.g. a webhook retry 30 s later in a demo).
 */
export function createSimClock(opts: { tickMs?: number; realNow?: () => number } = {}): SimClock {
  const realNow = opts.realNow ?? Date.now;
  let offset = 0;
  let seq = 0;
  const pending = new TimerQueue<Pending>();
  let running: Promise<void> = Promise.resolve();

  const now = (): number => realNow() + offset;

  // Fires everything due, in due order; serialized so two advances never interleave timers.
  const fireDue = (): Promise<void> => {
    running = running.then(async () => {
      for (;;) {
        const due = pending.popDue(now());
        if (!due) break;
        try {
          await due.fn();
        } catch {
          // A timer's failure is its own business; the clock keeps going.
        }
      }
    });
    return running;
  };

  const ticker = setInterval(() => void fireDue(), opts.tickMs ?? 250);
  ticker.unref();

  return {
    now,
    async advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance takes a non-negative number of ms');
      offset += ms;
      await fireDue();
    },
    at(dueAt, fn) {
      const p: Pending = { dueAt, seq: seq++, fn, cancelled: false };
      pending.push(p);
      if (dueAt <= now()) void fireDue();
      return { cancel: () => pending.cancel(p) };
    },
    stop() {
      clearInterval(ticker);
      pending.clear();
    },
  };
}
