import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import {
  failPendingParts,
  finalizeDeclineMeans,
  finalizeRetryAt,
  FINALIZE_WINDOW_MS,
  nextFinalizeStep,
  resolveSignup,
  SIGNUP_PART_STATES,
  type SignupPartState,
  type SignupResolution,
} from './signup.js';

const WAIT = { kind: 'WAIT' };
const start = (status: 'TRIALING' | 'ACTIVE', firstPeriodPaid: boolean, requiresNewToken = false) => ({
  kind: 'START',
  status,
  firstPeriodPaid,
  requiresNewToken,
});
const end = (reason: string, cancelJourney = false) => ({ kind: 'END', reason, cancelJourney });

describe('resolveSignup', () => {
  // CONTRACT.md §7.1 and the plain cases; rows are payment, token.
  it.each<[SignupPartState, SignupPartState, boolean, object]>([
    ['NOT_REQUESTED', 'PENDING', true, WAIT],
    ['NOT_REQUESTED', 'APPROVED', true, start('TRIALING', false)],
    ['NOT_REQUESTED', 'APPROVED', false, start('ACTIVE', false)],
    ['NOT_REQUESTED', 'DECLINED', true, end('SIGNUP_DECLINED')],
    ['PENDING', 'PENDING', false, WAIT],
    ['APPROVED', 'PENDING', false, WAIT], // §7.1: keep the payment, the journey creates the token
    ['PENDING', 'APPROVED', false, WAIT], // §7.1: keep the token, the journey finishes the purchase
    ['APPROVED', 'APPROVED', false, start('ACTIVE', true)],
    ['APPROVED', 'DECLINED', false, start('ACTIVE', true, true)], // §7.1: paid period, cannot renew
    ['DECLINED', 'APPROVED', false, end('FIRST_PAYMENT_DECLINED')], // §7.1: token kept, payment failed
    ['DECLINED', 'DECLINED', false, end('FIRST_PAYMENT_DECLINED')],
    ['DECLINED', 'PENDING', false, end('FIRST_PAYMENT_DECLINED', true)],
    ['PENDING', 'DECLINED', false, WAIT], // the journey still decides the first payment
  ])('payment %s, token %s (trial %s)', (payment, token, trial, expected) => {
    expect(resolveSignup({ payment, token, trial })).toEqual(expected);
  });

  it('rejects a signup without a token part', () => {
    expect(() => resolveSignup({ payment: 'PENDING', token: 'NOT_REQUESTED', trial: false })).toThrow(
      InvalidInputError,
    );
  });

  it('failPendingParts declines exactly the parts still waiting for the journey', () => {
    expect(failPendingParts({ payment: 'APPROVED', token: 'PENDING', trial: false })).toEqual({
      payment: 'APPROVED',
      token: 'DECLINED',
      trial: false,
    });
    expect(failPendingParts({ payment: 'PENDING', token: 'APPROVED', trial: false })).toEqual({
      payment: 'DECLINED',
      token: 'APPROVED',
      trial: false,
    });
  });

  const settled = fc.constantFrom<SignupPartState>('APPROVED', 'DECLINED');

  it('resolves the same whatever order the two parts settle in (property)', () => {
    fc.assert(
      fc.property(settled, settled, fc.boolean(), (payment, token, paymentFirst) => {
        // Walk from PENDING/PENDING to the final pair one part at a time, in either order.
        const steps: Array<{ payment: SignupPartState; token: SignupPartState }> = paymentFirst
          ? [
              { payment, token: 'PENDING' },
              { payment, token },
            ]
          : [
              { payment: 'PENDING', token },
              { payment, token },
            ];
        const seen: SignupResolution[] = steps.map((s) => resolveSignup({ ...s, trial: false }));
        const last = seen.at(-1);
        expect(last).toEqual(resolveSignup({ payment, token, trial: false }));
        // Once a resolution is not WAIT, no later fact changes its kind.
        const firstDecided = seen.find((r) => r.kind !== 'WAIT');
        if (firstDecided?.kind === 'END') expect(last?.kind).toBe('END');
      }),
    );
  });

  it('never starts a subscription whose first payment was declined (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SIGNUP_PART_STATES), fc.constantFrom(...SIGNUP_PART_STATES.slice(1)), fc.boolean(), (payment, token, trial) => {
        const result = resolveSignup({ payment, token, trial });
        if (payment === 'DECLINED') expect(result.kind).toBe('END');
        if (result.kind === 'START' && result.firstPeriodPaid) expect(payment).toBe('APPROVED');
      }),
    ); // prettier-ignore
  });
});

describe('finalize', () => {
  const completed = new Date('2026-03-01T10:00:00Z');
  const deadlineAt = new Date(completed.getTime() + FINALIZE_WINDOW_MS);
  const at = (minutes: number) => new Date(completed.getTime() + minutes * 60_000);

  it.each([
    ['first send inside the window', at(0), 0, null, 'SEND'],
    ['re-send inside the window', at(59), 3, at(58), 'SEND'],
    ['window passed, never sent', at(61), 0, null, 'FALLBACK_CUSTOMER_NOT_PRESENT'],
    ['window passed, last send before it: replay once', at(61), 2, at(59), 'SEND'],
    ['window passed, already replayed after it', at(62), 3, at(61), 'FALLBACK_CUSTOMER_NOT_PRESENT'],
  ] as const)('%s', (_name, now, sendCount, lastSentAt, expected) => {
    expect(nextFinalizeStep({ now, deadlineAt, sendCount, lastSentAt }).kind).toBe(expected);
  });

  it('re-sends after 2 s, 10 s, 30 s, then every minute, never past the deadline', () => {
    const now = at(10);
    const delays = [1, 2, 3, 4, 9].map(
      (sendCount) =>
        finalizeRetryAt({ now, deadlineAt, sendCount, lastSentAt: now }).getTime() - now.getTime(),
    );
    expect(delays).toEqual([2_000, 10_000, 30_000, 60_000, 60_000]);
    const late = at(59.9);
    expect(finalizeRetryAt({ now: late, deadlineAt, sendCount: 5, lastSentAt: late })).toEqual(deadlineAt);
    expect(finalizeRetryAt({ now: at(70), deadlineAt, sendCount: 5, lastSentAt: at(59) })).toEqual(at(70));
  });

  it('reads a decline near or past the deadline as the window missed', () => {
    expect(finalizeDeclineMeans(at(30), deadlineAt)).toBe('FIRST_PAYMENT_DECLINED');
    expect(finalizeDeclineMeans(at(59.5), deadlineAt)).toBe('WINDOW_MISSED');
    expect(finalizeDeclineMeans(at(61), deadlineAt)).toBe('WINDOW_MISSED');
  });
});
