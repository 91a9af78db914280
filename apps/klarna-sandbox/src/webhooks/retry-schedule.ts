// CONTRACT.md §10.6 (INFERRED schedule): attempts at these offsets from the first attempt, in
// simulated time; after the last one fails the delivery is permanently FAILED.
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const ATTEMPT_OFFSETS_MS: readonly number[] = [
  0,
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  1 * HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  12 * HOUR,
];

export const MAX_ATTEMPTS = ATTEMPT_OFFSETS_MS.length;

/** Receiver timeout per attempt (real time). */
export const DEFAULT_RECEIVER_TIMEOUT_MS = 10_000;

/** Statuses that count as delivered (CONTRACT.md §10.6); anything else, redirects included, is a failure. */
export function isSuccessStatus(status: number): boolean {
  return status === 200 || status === 201 || status === 202 || status === 204;
}

/** Simulated instant of attempt number `attempt` (1-based), or undefined when none is left. */
export function attemptDueAt(firstAttemptAt: number, attempt: number): number | undefined {
  const offset = ATTEMPT_OFFSETS_MS[attempt - 1];
  return offset === undefined ? undefined : firstAttemptAt + offset;
}
