// A Klarna partner account that answered 429 is left alone until its Retry-After (or a back-off)
// has passed, by every worker process at once: the throttle lives in Redis, one key per account,
// expiring by itself. Other accounts' charges go on. Losing it (a flushed Redis) costs at most
// one more 429.
import type { Redis } from 'ioredis';

export interface AccountThrottle {
  /** Until when (epoch ms) the account is throttled, or null. */
  throttledUntil(accountId: string, nowMs: number): Promise<number | null>;
  /** Throttles the account until `untilMs` (a later throttle wins over an earlier one). */
  throttle(accountId: string, untilMs: number, nowMs: number): Promise<void>;
}

/** Back-off when Klarna sent no Retry-After: exponential in the sends so far, with full jitter. */
export function rateLimitBackoffMs(sendCount: number, random: () => number = Math.random): number {
  const ceiling = Math.min(60_000, 1_000 * 2 ** Math.max(0, sendCount - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * After a 429: throttles the account for every worker until Klarna's Retry-After, else the back-off
 * for `sendCount` sends, and answers that wait. The renewal runner and the money job both call it.
 */
export async function throttleAfterRateLimit(
  throttle: AccountThrottle,
  accountId: string,
  retryAfterMs: number | null,
  sendCount: number,
  nowMs: number,
): Promise<number> {
  const waitMs = retryAfterMs ?? rateLimitBackoffMs(sendCount);
  await throttle.throttle(accountId, nowMs + waitMs, nowMs);
  return waitMs;
}

/**
 * When a job the throttle held back comes back: the throttle's end, spread over a second so that
 * the account's held jobs do not all return at the same instant.
 */
export function afterThrottle(untilMs: number, random: () => number = Math.random): Date {
  return new Date(untilMs + Math.round(random() * 1_000));
}

export function redisAccountThrottle(redis: Redis, prefix: string): AccountThrottle {
  const key = (accountId: string) => `${prefix}:klarna-throttle:${accountId}`;
  return {
    async throttledUntil(accountId, nowMs) {
      const value = await redis.get(key(accountId));
      if (value === null) return null;
      const until = Number(value);
      return Number.isFinite(until) && until > nowMs ? until : null;
    },
    async throttle(accountId, untilMs, nowMs) {
      const ttl = Math.max(1, Math.ceil(untilMs - nowMs));
      // Keep the later of two throttles: GET + SET is racy but both writers mean "wait".
      const current = Number((await redis.get(key(accountId))) ?? 0);
      if (current >= untilMs) return;
      await redis.set(key(accountId), String(untilMs), 'PX', ttl);
    },
  };
}
