import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeclineCategory } from './decline-classification.js';
import {
  DEFAULT_DUNNING_POLICY,
  dunningPolicySchema,
  graceEndsAt,
  isWithinGracePeriod,
  nextDunningStep,
  parseDunningPolicy,
  type DunningPolicy,
} from './dunning-policy.js';
import { InvalidDunningPolicyError, InvalidInputError } from './errors.js';
import { catchError } from './catch-error.test-support.js';

const T0 = new Date('2024-03-01T09:00:00Z');
const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);

describe('nextDunningStep with the default policy (+1d, +3d, +5d, +7d, grace 7d, CANCEL)', () => {
  it.each([
    [1, hours(0), { kind: 'RETRY_AT', at: hours(24), attemptNumber: 2 }],
    [2, hours(24), { kind: 'RETRY_AT', at: hours(72), attemptNumber: 3 }],
    [3, hours(72), { kind: 'RETRY_AT', at: hours(120), attemptNumber: 4 }],
    [4, hours(120), { kind: 'RETRY_AT', at: hours(168), attemptNumber: 5 }],
    [
      5,
      hours(168),
      { kind: 'GIVE_UP', finalAction: 'CANCEL', reason: 'MAX_ATTEMPTS_REACHED', at: hours(168) },
    ],
  ])('soft decline of attempt %i', (attemptNumber, now, expected) => {
    expect(
      nextDunningStep(DEFAULT_DUNNING_POLICY, {
        attemptNumber,
        firstFailureAt: T0,
        attemptSentAt: T0,
        declineCategory: 'SOFT',
        now,
      }),
    ).toEqual(expected);
  });

  it('after downtime, spaces the overdue retries by the schedule instead of firing them back to back', () => {
    // Attempt 2 was due at +24 h but ran (and failed) at +100 h: attempt 3 (due +72 h) keeps the
    // configured 48 h gap after it rather than running at once, and so on.
    const late = (attemptNumber: number, now: Date) =>
      nextDunningStep(DEFAULT_DUNNING_POLICY, {
        attemptNumber,
        firstFailureAt: T0,
        attemptSentAt: T0,
        declineCategory: 'SOFT',
        now,
      });
    expect(late(2, hours(100))).toEqual({ kind: 'RETRY_AT', at: hours(148), attemptNumber: 3 });
    expect(late(3, hours(148))).toEqual({ kind: 'RETRY_AT', at: hours(196), attemptNumber: 4 });
    expect(late(4, hours(196))).toEqual({ kind: 'RETRY_AT', at: hours(244), attemptNumber: 5 });
    expect(late(5, hours(244))).toMatchObject({ kind: 'GIVE_UP', at: hours(244) });
    // The first retry keeps its own offset from the failure.
    expect(late(1, hours(30))).toEqual({ kind: 'RETRY_AT', at: hours(54), attemptNumber: 2 });
  });

  it('stops retrying at once on a HARD decline, whatever the attempt, but keeps the grace period', () => {
    // The customer has to re-tokenize or go through a customer-present flow: the grace period is
    // their window to do it, so the final action waits for its end like after a last soft retry.
    for (const attemptNumber of [1, 3]) {
      expect(
        nextDunningStep(DEFAULT_DUNNING_POLICY, {
          attemptNumber,
          firstFailureAt: T0,
          attemptSentAt: T0,
          declineCategory: 'HARD',
          now: hours(5),
        }),
      ).toEqual({ kind: 'GIVE_UP', finalAction: 'CANCEL', reason: 'HARD_DECLINE', at: hours(7 * 24) });
    }
    const noGrace = parseDunningPolicy({ gracePeriodDays: 0 });
    expect(
      nextDunningStep(noGrace, {
        attemptNumber: 1,
        firstFailureAt: T0,
        attemptSentAt: T0,
        declineCategory: 'HARD',
        now: hours(5),
      }),
    ).toEqual({ kind: 'GIVE_UP', finalAction: 'CANCEL', reason: 'HARD_DECLINE', at: hours(5) });
  });

  it('resends with the same key on a TRANSIENT failure while Klarna still dedupes the key', () => {
    const transient = (attemptSentAt: Date, now: Date) =>
      nextDunningStep(DEFAULT_DUNNING_POLICY, {
        attemptNumber: 5,
        firstFailureAt: T0,
        attemptSentAt,
        declineCategory: 'TRANSIENT',
        now,
      });
    expect(transient(hours(168), hours(168))).toEqual({ kind: 'RETRY_NOW_SAME_KEY' });
    expect(transient(hours(168), new Date(hours(168 + 23).getTime() - 1))).toEqual({
      kind: 'RETRY_NOW_SAME_KEY',
    });
  });

  it('holds an attempt whose outcome is still unknown once its key nears the 24 h dedupe limit', () => {
    // Klarna honours a key for 24 h (CONTRACT §3); a replay after that may charge a second time.
    for (const now of [hours(23), hours(24), hours(72)]) {
      expect(
        nextDunningStep(DEFAULT_DUNNING_POLICY, {
          attemptNumber: 1,
          firstFailureAt: T0,
          attemptSentAt: T0,
          declineCategory: 'TRANSIENT',
          now,
        }),
      ).toEqual({ kind: 'HOLD_UNKNOWN' });
    }
  });

  it('waits for the grace end before the final action when retries run out first', () => {
    const policy = parseDunningPolicy({
      retryOffsetsHours: [24, 48],
      gracePeriodDays: 14,
      finalAction: 'MARK_UNPAID',
    });
    expect(policy.maxAttempts).toBe(3);
    expect(
      nextDunningStep(policy, {
        attemptNumber: 3,
        firstFailureAt: T0,
        attemptSentAt: T0,
        declineCategory: 'SOFT',
        now: hours(48),
      }),
    ).toEqual({
      kind: 'GIVE_UP',
      finalAction: 'MARK_UNPAID',
      reason: 'MAX_ATTEMPTS_REACHED',
      at: hours(14 * 24),
    });
    expect(graceEndsAt(policy, T0)).toEqual(hours(14 * 24));
    expect(isWithinGracePeriod(policy, T0, hours(14 * 24 - 1))).toBe(true);
    expect(isWithinGracePeriod(policy, T0, hours(14 * 24))).toBe(false);
  });

  it('keeps retrying after a grace period shorter than the schedule; only service stops at the grace end', () => {
    const policy = parseDunningPolicy({ gracePeriodDays: 2 });
    const input = { firstFailureAt: T0, attemptSentAt: T0, declineCategory: 'SOFT' as const };
    expect(nextDunningStep(policy, { ...input, attemptNumber: 4, now: hours(120) })).toEqual({
      kind: 'RETRY_AT',
      at: hours(168),
      attemptNumber: 5,
    });
    expect(isWithinGracePeriod(policy, T0, hours(120))).toBe(false);
    expect(nextDunningStep(policy, { ...input, attemptNumber: 5, now: hours(168) })).toMatchObject({
      kind: 'GIVE_UP',
      at: hours(168),
    });
  });

  it('stops at maxAttempts even when more offsets are configured', () => {
    const policy = parseDunningPolicy({ retryOffsetsHours: [1, 2, 3], maxAttempts: 2, gracePeriodDays: 0 });
    expect(
      nextDunningStep(policy, {
        attemptNumber: 1,
        firstFailureAt: T0,
        attemptSentAt: T0,
        declineCategory: 'SOFT',
        now: T0,
      }).kind,
    ).toBe('RETRY_AT');
    expect(
      nextDunningStep(policy, {
        attemptNumber: 2,
        firstFailureAt: T0,
        attemptSentAt: T0,
        declineCategory: 'SOFT',
        now: hours(1),
      }),
    ).toEqual({
      kind: 'GIVE_UP',
      finalAction: 'CANCEL',
      reason: 'MAX_ATTEMPTS_REACHED',
      at: hours(1),
    });
  });

  it('gives up after the first attempt when there are no retries', () => {
    const policy = parseDunningPolicy({ retryOffsetsHours: [], gracePeriodDays: 0 });
    expect(
      nextDunningStep(policy, {
        attemptNumber: 1,
        firstFailureAt: T0,
        attemptSentAt: T0,
        declineCategory: 'SOFT',
        now: T0,
      }).kind,
    ).toBe('GIVE_UP');
  });

  it.each([
    [{ attemptNumber: 0 }, 'attemptNumber'],
    [{ attemptNumber: 1.5 }, 'attemptNumber'],
    [{ firstFailureAt: new Date(Number.NaN) }, 'firstFailureAt'],
    [{ now: new Date(Number.NaN) }, 'now'],
    [{ attemptSentAt: new Date(Number.NaN), declineCategory: 'TRANSIENT' as const }, 'attemptSentAt'],
    [{ declineCategory: 'MAYBE' as DeclineCategory }, 'declineCategory'],
  ])('rejects %o naming %s', (patch, field) => {
    const input = {
      attemptNumber: 1,
      firstFailureAt: T0,
      attemptSentAt: T0,
      declineCategory: 'SOFT' as const,
      now: T0,
      ...patch,
    };
    expect(() => nextDunningStep(DEFAULT_DUNNING_POLICY, input)).toThrow(InvalidInputError);
    expect(() => nextDunningStep(DEFAULT_DUNNING_POLICY, input)).toThrow(expect.objectContaining({ field }));
  });
});

describe('parseDunningPolicy', () => {
  it('fills every missing field from the default', () => {
    expect(parseDunningPolicy({})).toEqual(DEFAULT_DUNNING_POLICY);
    expect(parseDunningPolicy(undefined)).toEqual(DEFAULT_DUNNING_POLICY);
    expect(parseDunningPolicy({ finalAction: 'MARK_UNPAID' })).toEqual({
      ...DEFAULT_DUNNING_POLICY,
      finalAction: 'MARK_UNPAID',
    });
  });

  it('round-trips a stored policy', () => {
    const stored = JSON.parse(JSON.stringify(DEFAULT_DUNNING_POLICY)) as unknown;
    expect(parseDunningPolicy(stored)).toEqual(DEFAULT_DUNNING_POLICY);
  });

  it.each([
    [{ retryOffsetsHours: [24, 24] }, 'retryOffsetsHours.1', 'offsets must be strictly increasing'],
    [{ retryOffsetsHours: [24, 72, 48] }, 'retryOffsetsHours.2', 'offsets must be strictly increasing'],
    [{ retryOffsetsHours: [0] }, 'retryOffsetsHours.0', 'must be at least 1 hour'],
    [{ retryOffsetsHours: [1.5] }, 'retryOffsetsHours.0', 'must be an integer number of hours'],
    [{ retryOffsetsHours: '24,72' }, 'retryOffsetsHours', 'must be an array of hour offsets'],
    [
      { retryOffsetsHours: [24], maxAttempts: 3 },
      'maxAttempts',
      'must be at most 2 (the first attempt plus one per retry offset)',
    ],
    [{ maxAttempts: 0 }, 'maxAttempts', 'must be at least 1'],
    [{ gracePeriodDays: -1 }, 'gracePeriodDays', 'must not be negative'],
    [{ gracePeriodDays: 366 }, 'gracePeriodDays', 'must be at most 365'],
    [{ finalAction: 'DELETE' }, 'finalAction', 'must be CANCEL or MARK_UNPAID'],
    [{ retryDays: [1] }, 'retryDays', 'unknown field'],
    ['weekly', 'dunningPolicy', expect.any(String) as string],
  ])('rejects %j naming %s', (input, field, message) => {
    const error = catchError(() => parseDunningPolicy(input));
    expect(error).toBeInstanceOf(InvalidDunningPolicyError);
    expect(error).toMatchObject({ code: 'INVALID_DUNNING_POLICY', field, issues: [{ field, message }] });
  });

  it('exposes the schema for API composition', () => {
    expect(dunningPolicySchema.safeParse({ maxAttempts: 2 }).success).toBe(true);
  });
});

describe('nextDunningStep properties', () => {
  const policyArb: fc.Arbitrary<DunningPolicy> = fc
    .record({
      offsets: fc.uniqueArray(fc.integer({ min: 1, max: 24 * 60 }), { maxLength: 8 }),
      cut: fc.nat(8),
      gracePeriodDays: fc.integer({ min: 0, max: 60 }),
      finalAction: fc.constantFrom('CANCEL' as const, 'MARK_UNPAID' as const),
    })
    .map(({ offsets, cut, gracePeriodDays, finalAction }) => {
      const retryOffsetsHours = [...offsets].sort((a, b) => a - b);
      return parseDunningPolicy({
        retryOffsetsHours,
        maxAttempts: Math.min(cut + 1, retryOffsetsHours.length + 1),
        gracePeriodDays,
        finalAction,
      });
    });

  it('soft declines walk the schedule forward and always end in GIVE_UP within maxAttempts', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 48 }), (policy, lateHours) => {
        let attemptNumber = 1;
        let now = T0;
        let retries = 0;
        for (;;) {
          const step = nextDunningStep(policy, {
            attemptNumber,
            firstFailureAt: T0,
            attemptSentAt: T0,
            declineCategory: 'SOFT',
            now,
          });
          if (step.kind === 'GIVE_UP') {
            expect(step.finalAction).toBe(policy.finalAction);
            expect(step.at.getTime()).toBeGreaterThanOrEqual(now.getTime());
            expect(step.at.getTime()).toBeGreaterThanOrEqual(graceEndsAt(policy, T0).getTime());
            break;
          }
          expect(step.kind).toBe('RETRY_AT');
          if (step.kind !== 'RETRY_AT') return;
          expect(step.at.getTime()).toBeGreaterThanOrEqual(now.getTime());
          expect(step.attemptNumber).toBe(attemptNumber + 1);
          // Never closer to the failure than the schedule's own gap before this retry.
          const offsets = [0, ...policy.retryOffsetsHours];
          const gapHours = offsets[attemptNumber]! - offsets[attemptNumber - 1]!;
          expect(step.at.getTime() - now.getTime()).toBeGreaterThanOrEqual(gapHours * 3_600_000);
          retries += 1;
          attemptNumber = step.attemptNumber;
          now = new Date(step.at.getTime() + lateHours * 3_600_000);
        }
        expect(retries).toBe(policy.maxAttempts - 1);
      }),
      { numRuns: 300 },
    );
  });
});
