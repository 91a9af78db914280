// Injected time. Domain code never reads the machine clock; it is handed a Clock (or a `now`
// taken from one), so the same code runs under a virtual clock that moves months in seconds.
//
// Choice: `now()` returns a fresh `Date` on every call (callers may mutate it without moving the
// clock). Dates are what Prisma reads and writes; use `.getTime()` for epoch milliseconds.
import { InvalidInputError } from './errors.js';

export interface Clock {
  now(): Date;
}

/** Wall time of the machine. The only place in the domain that reads it. */
export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock stopped at one instant, for tests. */
export function fixedClock(at: Date | string): Clock {
  const ms = toEpochMs(at, 'at');
  return { now: () => new Date(ms) };
}

export interface VirtualClockOptions {
  /**
   * When given, virtual time also flows at this clock's rate between jumps (a running system keeps
   * its timers honest); when absent, virtual time stands still until `set` or `advance`.
   */
  readonly flowsWith?: Clock;
}

/**
 * Settable test clock. Time only moves forward: a clock that jumps back would let a renewal be
 * charged twice, so `set` to an earlier instant and negative `advance` are rejected.
 */
export class VirtualClock implements Clock {
  private readonly base: Clock | undefined;
  /** Virtual epoch ms at the moment `baseAtMark` was read from the base clock. */
  private markMs: number;
  private baseAtMarkMs: number;

  constructor(start: Date | string, options: VirtualClockOptions = {}) {
    this.base = options.flowsWith;
    this.markMs = toEpochMs(start, 'start');
    this.baseAtMarkMs = this.base ? this.base.now().getTime() : 0;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Jumps to `at`, which must not be earlier than now. */
  set(at: Date | string): void {
    const target = toEpochMs(at, 'at');
    if (target < this.nowMs()) {
      throw new InvalidInputError('at', 'a virtual clock never moves backwards');
    }
    this.mark(target);
  }

  /** Moves forward by `ms` milliseconds (a non-negative integer). */
  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new InvalidInputError('ms', 'must be a non-negative integer number of milliseconds');
    }
    this.mark(this.nowMs() + ms);
  }

  private nowMs(): number {
    return this.base ? this.markMs + (this.base.now().getTime() - this.baseAtMarkMs) : this.markMs;
  }

  private mark(virtualMs: number): void {
    this.markMs = virtualMs;
    this.baseAtMarkMs = this.base ? this.base.now().getTime() : 0;
  }
}

function toEpochMs(at: Date | string, field: string): number {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (!Number.isFinite(ms)) {
    throw new InvalidInputError(field, 'must be a valid instant');
  }
  return ms;
}
