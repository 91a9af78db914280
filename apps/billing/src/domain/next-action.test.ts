import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { nextAction, NEXT_ACTION_KINDS, type NextActionFacts, type NextActionKind } from './next-action.js';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from './subscription-state.js';

const T = (iso: string) => new Date(iso);
const TRIAL_END = T('2026-03-01T10:00:00Z');
const PERIOD_END = T('2026-04-01T10:00:00Z');
const RETRY = T('2026-03-20T10:00:00Z');
const GRACE = T('2026-03-25T10:00:00Z');

const base: NextActionFacts = {
  status: 'ACTIVE',
  cancelAtPeriodEnd: false,
  pauseAtPeriodEnd: false,
  trialEndsAt: null,
  currentPeriodEnd: PERIOD_END,
  signup: { kind: 'NONE' },
  dunning: null,
};

describe('nextAction', () => {
  it.each<[string, Partial<NextActionFacts>, NextActionKind | null, Date | null]>([
    ['pending, finalizing', { status: 'PENDING_TOKENIZATION', currentPeriodEnd: null, signup: { kind: 'FINALIZING', at: RETRY } }, 'FINALIZE', RETRY],
    ['pending, awaiting the customer', { status: 'PENDING_TOKENIZATION', signup: { kind: 'AWAITING_CUSTOMER', expiresAt: GRACE } }, 'SIGNUP_EXPIRY', GRACE],
    ['pending, nothing to wait for', { status: 'PENDING_TOKENIZATION', signup: { kind: 'NONE' } }, null, null],
    ['trialing', { status: 'TRIALING', trialEndsAt: TRIAL_END }, 'TRIAL_END', TRIAL_END],
    ['trialing, cancel at period end', { status: 'TRIALING', trialEndsAt: TRIAL_END, cancelAtPeriodEnd: true }, 'CANCEL_AT_PERIOD_END', TRIAL_END],
    ['active', {}, 'RENEWAL', PERIOD_END],
    ['active, cancel at period end', { cancelAtPeriodEnd: true }, 'CANCEL_AT_PERIOD_END', PERIOD_END],
    ['active, pause at period end', { pauseAtPeriodEnd: true }, 'PAUSE_AT_PERIOD_END', PERIOD_END],
    ['active, cancel wins over pause', { pauseAtPeriodEnd: true, cancelAtPeriodEnd: true }, 'CANCEL_AT_PERIOD_END', PERIOD_END],
    ['trialing, pause at trial end', { status: 'TRIALING', trialEndsAt: TRIAL_END, pauseAtPeriodEnd: true }, 'PAUSE_AT_PERIOD_END', TRIAL_END],
    ['past due, retry before grace end', { status: 'PAST_DUE', dunning: { nextRetryAt: RETRY, graceEndsAt: GRACE } }, 'DUNNING_RETRY', RETRY],
    ['past due, retries over', { status: 'PAST_DUE', dunning: { nextRetryAt: null, graceEndsAt: GRACE } }, 'GRACE_END', GRACE],
    ['past due, retry after grace end', { status: 'PAST_DUE', dunning: { nextRetryAt: PERIOD_END, graceEndsAt: GRACE } }, 'GRACE_END', GRACE],
    ['past due, retry and grace end tie: retry first', { status: 'PAST_DUE', dunning: { nextRetryAt: GRACE, graceEndsAt: GRACE } }, 'DUNNING_RETRY', GRACE],
    ['past due, period ends first while canceling', { status: 'PAST_DUE', cancelAtPeriodEnd: true, currentPeriodEnd: T('2026-03-10T00:00:00Z'), dunning: { nextRetryAt: RETRY, graceEndsAt: GRACE } }, 'CANCEL_AT_PERIOD_END', T('2026-03-10T00:00:00Z')],
    ['paused', { status: 'PAUSED' }, null, null],
    ['unpaid', { status: 'UNPAID' }, null, null],
    ['canceled', { status: 'CANCELED', cancelAtPeriodEnd: true }, null, null],
    ['incomplete expired', { status: 'INCOMPLETE_EXPIRED', signup: { kind: 'AWAITING_CUSTOMER', expiresAt: GRACE } }, null, null],
  ])('%s', (_name, patch, kind, at) => {
    const result = nextAction({ ...base, ...patch });
    expect(result?.kind ?? null).toBe(kind);
    expect(result?.at ?? null).toEqual(at);
  }); // prettier-ignore

  it('names the missing fact instead of guessing', () => {
    expect(() => nextAction({ ...base, status: 'TRIALING', trialEndsAt: null })).toThrow(
      expect.objectContaining({ field: 'trialEndsAt' }),
    );
    expect(() => nextAction({ ...base, status: 'PAST_DUE', dunning: null })).toThrow(InvalidInputError);
    expect(() => nextAction({ ...base, currentPeriodEnd: new Date(Number.NaN) })).toThrow(InvalidInputError);
  });

  it('returns a copy: mutating the input later does not move the action', () => {
    const end = new Date(PERIOD_END);
    const result = nextAction({ ...base, currentPeriodEnd: end });
    end.setFullYear(2030);
    expect(result?.at).toEqual(PERIOD_END);
  });

  const date = fc.date({
    min: T('2000-01-01T00:00:00Z'),
    max: T('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  });
  const facts = fc.record({
    status: fc.constantFrom(...SUBSCRIPTION_STATUSES),
    cancelAtPeriodEnd: fc.boolean(),
    pauseAtPeriodEnd: fc.boolean(),
    trialEndsAt: date,
    currentPeriodEnd: date,
    signup: fc.oneof(
      fc.record({ kind: fc.constant('FINALIZING' as const), at: date }),
      fc.record({ kind: fc.constant('AWAITING_CUSTOMER' as const), expiresAt: date }),
      fc.constant({ kind: 'NONE' as const }),
    ),
    dunning: fc.record({ nextRetryAt: fc.option(date), graceEndsAt: date }),
  });

  const allowed: Record<SubscriptionStatus, readonly NextActionKind[]> = {
    PENDING_TOKENIZATION: ['FINALIZE', 'SIGNUP_EXPIRY'],
    TRIALING: ['TRIAL_END', 'CANCEL_AT_PERIOD_END', 'PAUSE_AT_PERIOD_END'],
    ACTIVE: ['RENEWAL', 'CANCEL_AT_PERIOD_END', 'PAUSE_AT_PERIOD_END'],
    PAST_DUE: ['DUNNING_RETRY', 'GRACE_END', 'CANCEL_AT_PERIOD_END'],
    PAUSED: [],
    UNPAID: [],
    CANCELED: [],
    INCOMPLETE_EXPIRED: [],
  };

  it('only ever schedules a kind its status allows, at one of the instants it was given (property)', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const result = nextAction(f);
        if (result === null) return;
        expect(NEXT_ACTION_KINDS).toContain(result.kind);
        expect(allowed[f.status]).toContain(result.kind);
        const given = [
          f.trialEndsAt,
          f.currentPeriodEnd,
          f.dunning.graceEndsAt,
          f.dunning.nextRetryAt,
          f.signup.kind === 'FINALIZING' ? f.signup.at : null,
          f.signup.kind === 'AWAITING_CUSTOMER' ? f.signup.expiresAt : null,
        ].map((d) => d?.getTime());
        expect(given).toContain(result.at.getTime());
      }),
    );
  });

  it('a past-due subscription is never scheduled later than its grace end (property)', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const result = nextAction({ ...f, status: 'PAST_DUE' });
        expect(result?.at.getTime()).toBeLessThanOrEqual(f.dunning.graceEndsAt.getTime());
      }),
    );
  });
});
