import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHARGE_ATTEMPT_EVENT_TYPES,
  CHARGE_ATTEMPT_STATUSES,
  isTerminalChargeAttemptStatus,
  transitionChargeAttempt,
  type ChargeAttemptEventType,
  type ChargeAttemptStatus,
} from './charge-attempt-state.js';
import { IllegalTransitionError } from './errors.js';

/** Expected next status, or 'x' for an IllegalTransitionError. */
const MATRIX: Record<ChargeAttemptStatus, Record<ChargeAttemptEventType, ChargeAttemptStatus | 'x'>> = {
  PENDING: {
    APPROVED: 'APPROVED',
    DECLINED: 'DECLINED',
    FAILED: 'FAILED',
    OUTCOME_UNKNOWN: 'UNKNOWN',
    STEP_UP_REQUIRED: 'STEP_UP_REQUIRED',
  },
  UNKNOWN: {
    APPROVED: 'APPROVED',
    DECLINED: 'DECLINED',
    FAILED: 'FAILED',
    OUTCOME_UNKNOWN: 'UNKNOWN',
    STEP_UP_REQUIRED: 'STEP_UP_REQUIRED',
  },
  // A late "still unknown" (e.g. a job that ran out of transient retries while a replay already
  // got the answer) adds nothing to a known outcome: no-op, not a conflict.
  APPROVED: {
    APPROVED: 'APPROVED',
    DECLINED: 'x',
    FAILED: 'x',
    OUTCOME_UNKNOWN: 'APPROVED',
    STEP_UP_REQUIRED: 'x',
  },
  DECLINED: {
    APPROVED: 'x',
    DECLINED: 'DECLINED',
    FAILED: 'x',
    OUTCOME_UNKNOWN: 'DECLINED',
    STEP_UP_REQUIRED: 'x',
  },
  FAILED: {
    APPROVED: 'x',
    DECLINED: 'x',
    FAILED: 'FAILED',
    OUTCOME_UNKNOWN: 'FAILED',
    STEP_UP_REQUIRED: 'x',
  },
  STEP_UP_REQUIRED: {
    APPROVED: 'x',
    DECLINED: 'x',
    FAILED: 'x',
    OUTCOME_UNKNOWN: 'STEP_UP_REQUIRED',
    STEP_UP_REQUIRED: 'STEP_UP_REQUIRED',
  },
};

const cases = CHARGE_ATTEMPT_STATUSES.flatMap((status) =>
  CHARGE_ATTEMPT_EVENT_TYPES.map((event) => [status, event, MATRIX[status][event]] as const),
);

describe('transitionChargeAttempt', () => {
  it.each(cases)('%s + %s -> %s', (status, event, expected) => {
    if (expected === 'x') {
      expect(() => transitionChargeAttempt(status, { type: event })).toThrow(IllegalTransitionError);
      expect(() => transitionChargeAttempt(status, { type: event })).toThrow(
        expect.objectContaining({
          code: 'ILLEGAL_TRANSITION',
          machine: 'chargeAttempt',
          from: status,
          event,
        }),
      );
    } else {
      expect(transitionChargeAttempt(status, { type: event })).toBe(expected);
    }
  });

  it('marks exactly APPROVED, DECLINED, FAILED and STEP_UP_REQUIRED terminal', () => {
    expect(CHARGE_ATTEMPT_STATUSES.filter(isTerminalChargeAttemptStatus)).toEqual([
      'APPROVED',
      'DECLINED',
      'FAILED',
      'STEP_UP_REQUIRED',
    ]);
  });

  it('random event sequences stay within declared statuses and terminal statuses never change (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CHARGE_ATTEMPT_EVENT_TYPES), { maxLength: 20 }), (events) => {
        let status: ChargeAttemptStatus = 'PENDING';
        for (const type of events) {
          const before = status;
          try {
            status = transitionChargeAttempt(status, { type });
            expect(CHARGE_ATTEMPT_STATUSES).toContain(status);
            if (isTerminalChargeAttemptStatus(before)) expect(status).toBe(before);
          } catch (error) {
            expect(error).toBeInstanceOf(IllegalTransitionError);
            expect(isTerminalChargeAttemptStatus(before)).toBe(true);
            expect(status).toBe(before);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
