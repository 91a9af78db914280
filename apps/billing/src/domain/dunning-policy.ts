// A plan's dunning policy: when to retry a failed renewal and what to do when retries run out.
//
// - retryOffsetsHours: retry times as offsets from the FIRST failure of the period (not from the
//   previous retry), strictly increasing. Attempt 1 is the renewal itself; retry k is attempt k + 1.
//   A retry is never closer to the failure just handled than the schedule's gap between the two
//   offsets: when attempts ran late (downtime), the overdue retries are spaced, not fired back to
//   back at the same customer and token.
// - maxAttempts: total attempts for one period, first one included; at most offsets + 1
//   (defaults to offsets + 1).
// - gracePeriodDays: the subscription stays PAST_DUE and service continues until the grace period
//   (counted in 24 h days from the first failure) ends; when retries run out earlier, the final
//   action waits for the grace end. A HARD decline stops the retries at once (none can succeed
//   without a new token or a customer-present flow) but not the grace period: that is the
//   customer's window to re-tokenize or finish the step-up, so the final action waits for it too.
//   Retries already scheduled past the grace end still run; only service stops at the grace end.
// - finalAction: CANCEL or MARK_UNPAID once Rebill gives up.
// A TRANSIENT failure is not a decline: the same attempt is resent with the same key while Klarna
// still dedupes it, then held as UNKNOWN for reconciliation, never replaced by a new attempt.
//
// Default: retries at +1 d, +3 d, +5 d, +7 d (5 attempts over a week), grace 7 days, then CANCEL;
// the spacing follows Stripe's fixed-schedule baseline for smart retries and gives a customer a
// couple of paydays-worth of chances without dragging a dead subscription along for weeks.
import { z } from 'zod';
import type { DeclineCategory } from './decline-classification.js';
import { InvalidDunningPolicyError, InvalidInputError, type FieldIssue } from './errors.js';
import { instantMs } from './instant.js';

export const FINAL_ACTIONS = ['CANCEL', 'MARK_UNPAID'] as const;
export type FinalAction = (typeof FINAL_ACTIONS)[number];

export interface DunningPolicy {
  readonly retryOffsetsHours: readonly number[];
  readonly maxAttempts: number;
  readonly gracePeriodDays: number;
  readonly finalAction: FinalAction;
}

export const DEFAULT_DUNNING_POLICY: DunningPolicy = Object.freeze({
  retryOffsetsHours: Object.freeze([24, 72, 120, 168]),
  maxAttempts: 5,
  gracePeriodDays: 7,
  finalAction: 'CANCEL',
});

const MAX_RETRIES = 20;
const MAX_OFFSET_HOURS = 24 * 365;
const MAX_GRACE_DAYS = 365;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Accepts a partial policy (missing fields take the default) and rejects unknown fields. */
export const dunningPolicySchema = z
  .strictObject({
    retryOffsetsHours: z
      .array(
        z
          .int({ error: 'must be an integer number of hours' })
          .min(1, { error: 'must be at least 1 hour' })
          .max(MAX_OFFSET_HOURS, { error: `must be at most ${MAX_OFFSET_HOURS} hours` }),
        { error: 'must be an array of hour offsets' },
      )
      .max(MAX_RETRIES, { error: `at most ${MAX_RETRIES} retries` })
      .default([...DEFAULT_DUNNING_POLICY.retryOffsetsHours]),
    maxAttempts: z.int({ error: 'must be an integer' }).min(1, { error: 'must be at least 1' }).optional(),
    gracePeriodDays: z
      .int({ error: 'must be an integer number of days' })
      .min(0, { error: 'must not be negative' })
      .max(MAX_GRACE_DAYS, { error: `must be at most ${MAX_GRACE_DAYS}` })
      .default(DEFAULT_DUNNING_POLICY.gracePeriodDays),
    finalAction: z
      .enum(FINAL_ACTIONS, { error: 'must be CANCEL or MARK_UNPAID' })
      .default(DEFAULT_DUNNING_POLICY.finalAction),
  })
  .superRefine((policy, ctx) => {
    policy.retryOffsetsHours.forEach((offset, i) => {
      const previous = policy.retryOffsetsHours[i - 1];
      if (previous !== undefined && offset <= previous) {
        ctx.addIssue({
          code: 'custom',
          path: ['retryOffsetsHours', i],
          message: 'offsets must be strictly increasing',
        });
      }
    });
    const limit = policy.retryOffsetsHours.length + 1;
    if (policy.maxAttempts !== undefined && policy.maxAttempts > limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxAttempts'],
        message: `must be at most ${limit} (the first attempt plus one per retry offset)`,
      });
    }
  })
  .transform((policy): DunningPolicy =>
    Object.freeze({
      retryOffsetsHours: Object.freeze([...policy.retryOffsetsHours]),
      maxAttempts: policy.maxAttempts ?? policy.retryOffsetsHours.length + 1,
      gracePeriodDays: policy.gracePeriodDays,
      finalAction: policy.finalAction,
    }),
  );

/** Parses a stored or submitted policy; throws InvalidDunningPolicyError naming each bad field. */
export function parseDunningPolicy(input: unknown): DunningPolicy {
  const parsed = dunningPolicySchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues: FieldIssue[] = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return { field: [...path, issue.keys[0] ?? ''].filter(Boolean).join('.'), message: 'unknown field' };
    }
    return { field: path.join('.') || 'dunningPolicy', message: issue.message };
  });
  throw new InvalidDunningPolicyError(issues);
}

/**
 * How long the same idempotency key may be replayed: Klarna dedupes a key for 24 h (CONTRACT.md
 * §3); we stop an hour early to leave room for clock skew and the request's own duration.
 */
export const SAME_KEY_REPLAY_WINDOW_MS = 23 * HOUR_MS;

export interface DunningInput {
  /** Number of the attempt that just failed for this period; 1 is the renewal itself. */
  readonly attemptNumber: number;
  /** When this attempt's idempotency key was first sent (bounds same-key replays). */
  readonly attemptSentAt: Date;
  /** When the period's first attempt failed. */
  readonly firstFailureAt: Date;
  readonly declineCategory: DeclineCategory;
  readonly now: Date;
}

export type GiveUpReason = 'HARD_DECLINE' | 'MAX_ATTEMPTS_REACHED';

export type DunningStep =
  /** Schedule a new attempt (new idempotency key) at `at`, never in the past. */
  | { readonly kind: 'RETRY_AT'; readonly at: Date; readonly attemptNumber: number }
  /** The outcome is not known yet: resend the same attempt with the same idempotency key. */
  | { readonly kind: 'RETRY_NOW_SAME_KEY' }
  /**
   * The outcome is still unknown and the key is too old to replay safely (Klarna may run it again
   * as a new charge): leave the attempt UNKNOWN for an operator to reconcile, start no new attempt.
   */
  | { readonly kind: 'HOLD_UNKNOWN' }
  /** Stop retrying; apply `finalAction` at `at` (now, or the grace end if that is later). */
  | {
      readonly kind: 'GIVE_UP';
      readonly finalAction: FinalAction;
      readonly reason: GiveUpReason;
      readonly at: Date;
    };

export function nextDunningStep(policy: DunningPolicy, input: DunningInput): DunningStep {
  const { attemptNumber, declineCategory } = input;
  if (!Number.isSafeInteger(attemptNumber) || attemptNumber < 1) {
    throw new InvalidInputError('attemptNumber', 'must be an integer of at least 1');
  }
  const firstFailureMs = instantMs(input.firstFailureAt, 'firstFailureAt');
  const nowMs = instantMs(input.now, 'now');

  switch (declineCategory) {
    case 'TRANSIENT': {
      const sentMs = instantMs(input.attemptSentAt, 'attemptSentAt');
      return nowMs < sentMs + SAME_KEY_REPLAY_WINDOW_MS
        ? { kind: 'RETRY_NOW_SAME_KEY' }
        : { kind: 'HOLD_UNKNOWN' };
    }
    case 'HARD':
      return giveUp(policy, 'HARD_DECLINE', input.firstFailureAt, nowMs);
    case 'SOFT': {
      const offsetHours = policy.retryOffsetsHours[attemptNumber - 1];
      if (attemptNumber >= policy.maxAttempts || offsetHours === undefined) {
        return giveUp(policy, 'MAX_ATTEMPTS_REACHED', input.firstFailureAt, nowMs);
      }
      const dueMs = firstFailureMs + offsetHours * HOUR_MS;
      const gapHours = offsetHours - (policy.retryOffsetsHours[attemptNumber - 2] ?? 0);
      const at = Math.max(dueMs, nowMs + gapHours * HOUR_MS);
      return { kind: 'RETRY_AT', at: new Date(at), attemptNumber: attemptNumber + 1 };
    }
    default:
      throw new InvalidInputError('declineCategory', 'must be HARD, SOFT or TRANSIENT');
  }
}

/** The final action, applied now or at the grace end if that is later. */
function giveUp(
  policy: DunningPolicy,
  reason: GiveUpReason,
  firstFailureAt: Date,
  nowMs: number,
): DunningStep {
  const graceEndMs = graceEndsAt(policy, firstFailureAt).getTime();
  return {
    kind: 'GIVE_UP',
    finalAction: policy.finalAction,
    reason,
    at: new Date(Math.max(nowMs, graceEndMs)),
  };
}

/** End of the grace period that started with the period's first failure. */
export function graceEndsAt(policy: DunningPolicy, firstFailureAt: Date): Date {
  return new Date(instantMs(firstFailureAt, 'firstFailureAt') + policy.gracePeriodDays * DAY_MS);
}

/** Whether a PAST_DUE subscription still gets service at `now`. */
export function isWithinGracePeriod(policy: DunningPolicy, firstFailureAt: Date, now: Date): boolean {
  return instantMs(now, 'now') < graceEndsAt(policy, firstFailureAt).getTime();
}
