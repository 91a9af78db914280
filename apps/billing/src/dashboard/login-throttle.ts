// Failed sign-ins per client address, in this process's memory: after too many in a window, the
// address must wait, whatever email it tries. (Several api processes each keep their own count.)
export interface LoginThrottle {
  /** Milliseconds to wait before another try, or 0. */
  waitMs(key: string, nowMs: number): number;
  failed(key: string, nowMs: number): void;
  succeeded(key: string): void;
}

export function loginThrottle(options: {
  maxFailures: number;
  windowMs: number;
  maxKeys?: number;
}): LoginThrottle {
  const failures = new Map<string, number[]>();
  const recent = (key: string, nowMs: number) =>
    (failures.get(key) ?? []).filter((at) => at > nowMs - options.windowMs);
  return {
    waitMs(key, nowMs) {
      const times = recent(key, nowMs);
      const oldest = times[0];
      return times.length < options.maxFailures || oldest === undefined
        ? 0
        : oldest + options.windowMs - nowMs;
    },
    failed(key, nowMs) {
      // Bounded memory: forget the oldest address rather than grow without end.
      if (!failures.has(key) && failures.size >= (options.maxKeys ?? 10_000)) {
        const first = failures.keys().next();
        if (first.done !== true) failures.delete(first.value);
      }
      failures.set(key, [...recent(key, nowMs), nowMs]);
    },
    succeeded(key) {
      failures.delete(key);
    },
  };
}
