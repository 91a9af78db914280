// One charge attempt (one idempotency key) as a pure transition function.
//
//   PENDING --APPROVED--> APPROVED      PENDING --OUTCOME_UNKNOWN--> UNKNOWN (transient retries exhausted)
//   PENDING --DECLINED--> DECLINED      UNKNOWN --APPROVED|DECLINED|FAILED|STEP_UP_REQUIRED--> that
//   PENDING --FAILED----> FAILED          status (reconciled by replaying the same idempotency key)
//   PENDING --STEP_UP_REQUIRED--> STEP_UP_REQUIRED (a SIGNUP attempt handed to the customer's
//     journey: the money is authorized by the FINALIZE attempt that follows, never by this key)
//
// APPROVED, DECLINED, FAILED and STEP_UP_REQUIRED are terminal. Because a replay of the same key returns the first
// result, the same outcome may be reported twice: re-applying a terminal status's own outcome is a
// no-op (UNKNOWN + OUTCOME_UNKNOWN likewise: a reconciliation that is still inconclusive).
// OUTCOME_UNKNOWN on a terminal status is a no-op too: "not known yet" is stale news once a replay
// has learnt the outcome (a job that ran out of transient retries racing a reconciliation that
// succeeded). Any other event on a terminal status, e.g. DECLINED after APPROVED, is an
// IllegalTransitionError: two different outcomes for one key mean something is badly wrong and
// must not be papered over.
import { IllegalTransitionError } from './errors.js';

/** Matches the Prisma enum ChargeAttemptStatus. */
export const CHARGE_ATTEMPT_STATUSES = [
  'PENDING',
  'APPROVED',
  'DECLINED',
  'FAILED',
  'UNKNOWN',
  'STEP_UP_REQUIRED',
] as const;
export type ChargeAttemptStatus = (typeof CHARGE_ATTEMPT_STATUSES)[number];

export const TERMINAL_CHARGE_ATTEMPT_STATUSES = [
  'APPROVED',
  'DECLINED',
  'FAILED',
  'STEP_UP_REQUIRED',
] as const;
export type TerminalChargeAttemptStatus = (typeof TERMINAL_CHARGE_ATTEMPT_STATUSES)[number];

export const CHARGE_ATTEMPT_EVENT_TYPES = [
  'APPROVED',
  'DECLINED',
  'FAILED',
  'OUTCOME_UNKNOWN',
  'STEP_UP_REQUIRED',
] as const;
export type ChargeAttemptEventType = (typeof CHARGE_ATTEMPT_EVENT_TYPES)[number];
export interface ChargeAttemptEvent {
  readonly type: ChargeAttemptEventType;
}

export function isTerminalChargeAttemptStatus(
  status: ChargeAttemptStatus,
): status is TerminalChargeAttemptStatus {
  return (TERMINAL_CHARGE_ATTEMPT_STATUSES as readonly string[]).includes(status);
}

const TARGET: Record<ChargeAttemptEventType, ChargeAttemptStatus> = {
  APPROVED: 'APPROVED',
  DECLINED: 'DECLINED',
  FAILED: 'FAILED',
  OUTCOME_UNKNOWN: 'UNKNOWN',
  STEP_UP_REQUIRED: 'STEP_UP_REQUIRED',
};

export function transitionChargeAttempt(
  status: ChargeAttemptStatus,
  event: ChargeAttemptEvent,
): ChargeAttemptStatus {
  const target = TARGET[event.type];
  switch (status) {
    case 'PENDING':
      return target;
    case 'UNKNOWN':
      return target;
    case 'APPROVED':
    case 'DECLINED':
    case 'FAILED':
    case 'STEP_UP_REQUIRED':
      if (target === status || event.type === 'OUTCOME_UNKNOWN') return status;
      throw new IllegalTransitionError<ChargeAttemptStatus, ChargeAttemptEventType>(
        'chargeAttempt',
        status,
        event.type,
        'terminal: a different outcome for the same attempt',
      );
  }
}
