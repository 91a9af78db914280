import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, InvalidInputError } from './errors.js';
import {
  INITIAL_SUBSCRIPTION_STATE,
  SUBSCRIPTION_EVENT_TYPES,
  SUBSCRIPTION_STATUSES,
  isFinalSubscriptionStatus,
  transitionSubscription,
  type SubscriptionEvent,
  type SubscriptionState,
  type SubscriptionStatus,
} from './subscription-state.js';
import { catchError } from './catch-error.test-support.js';

// Every status is tested from a base state: PENDING_TOKENIZATION has no token and no payment,
// the others a usable token and periods paid through index 3.
// INCOMPLETE_EXPIRED, which only PENDING_TOKENIZATION reaches, looks like it.
function base(status: SubscriptionStatus): SubscriptionState {
  if (status === 'PENDING_TOKENIZATION') return INITIAL_SUBSCRIPTION_STATE;
  if (status === 'INCOMPLETE_EXPIRED') return Object.freeze({ ...INITIAL_SUBSCRIPTION_STATE, status });
  // PAST_DUE and UNPAID got there by a decline of period 4.
  const pastDue = status === 'PAST_DUE' || status === 'UNPAID' ? 4 : null;
  return Object.freeze({
    status,
    cancelAtPeriodEnd: false,
    tokenUsable: true,
    tokenId: 'tok-1',
    paidThroughPeriodIndex: 3,
    pastDuePeriodIndex: pastDue,
  });
}

const EVENTS = {
  'TOKENIZED trial': { type: 'TOKENIZED', withTrial: true, tokenId: 'tok-1' },
  'TOKENIZED plain': { type: 'TOKENIZED', withTrial: false, tokenId: 'tok-1' },
  TOKENIZATION_EXPIRED: { type: 'TOKENIZATION_EXPIRED' },
  TOKENIZATION_FAILED: { type: 'TOKENIZATION_FAILED' },
  TRIAL_ENDED: { type: 'TRIAL_ENDED' },
  'APPROVED 4': { type: 'CHARGE_APPROVED', periodIndex: 4 },
  'APPROVED 3': { type: 'CHARGE_APPROVED', periodIndex: 3 },
  'DECLINED 4': { type: 'CHARGE_DECLINED', periodIndex: 4 },
  'DECLINED 2': { type: 'CHARGE_DECLINED', periodIndex: 2 },
  'EXHAUSTED CANCEL': { type: 'DUNNING_EXHAUSTED', finalAction: 'CANCEL' },
  'EXHAUSTED UNPAID': { type: 'DUNNING_EXHAUSTED', finalAction: 'MARK_UNPAID' },
  PAUSE: { type: 'PAUSE' },
  RESUME: { type: 'RESUME' },
  'CANCEL now': { type: 'CANCEL', mode: 'IMMEDIATELY' },
  'CANCEL at end': { type: 'CANCEL', mode: 'AT_PERIOD_END' },
  UNCANCEL: { type: 'UNCANCEL' },
  PERIOD_ENDED: { type: 'PERIOD_ENDED' },
  TOKEN_REVOKED: { type: 'TOKEN_REVOKED', tokenId: 'tok-1' },
  'TOKEN_REVOKED old': { type: 'TOKEN_REVOKED', tokenId: 'tok-0' },
  TOKEN_REPLACED: { type: 'TOKEN_REPLACED', tokenId: 'tok-2' },
} as const satisfies Record<string, SubscriptionEvent>;
type EventName = keyof typeof EVENTS;

/** '=' no-op (same object), 'x' illegal, a status (changed), or a patch of the base state. */
type Outcome = '=' | 'x' | SubscriptionStatus | Partial<SubscriptionState>;
type Row = Record<EventName, Outcome>;

const liveCommon = {
  'TOKENIZED trial': '=',
  'TOKENIZED plain': '=',
  TOKENIZATION_EXPIRED: '=',
  TOKENIZATION_FAILED: '=',
  TRIAL_ENDED: '=',
  'APPROVED 3': '=',
  'DECLINED 2': '=',
  'CANCEL now': 'CANCELED',
  UNCANCEL: '=',
  PERIOD_ENDED: '=',
  TOKEN_REVOKED: { tokenUsable: false },
  // A revocation of a token the subscription no longer uses (late webhook after a replacement).
  'TOKEN_REVOKED old': '=',
  TOKEN_REPLACED: { tokenId: 'tok-2' },
} as const satisfies Partial<Row>;

const MATRIX: Record<SubscriptionStatus, Row> = {
  PENDING_TOKENIZATION: {
    'TOKENIZED trial': { status: 'TRIALING', tokenUsable: true, tokenId: 'tok-1' },
    'TOKENIZED plain': { status: 'ACTIVE', tokenUsable: true, tokenId: 'tok-1' },
    TOKENIZATION_EXPIRED: 'INCOMPLETE_EXPIRED',
    TOKENIZATION_FAILED: 'INCOMPLETE_EXPIRED',
    TRIAL_ENDED: 'x',
    'APPROVED 4': { paidThroughPeriodIndex: 4 },
    'APPROVED 3': { paidThroughPeriodIndex: 3 },
    'DECLINED 4': 'x',
    'DECLINED 2': 'x',
    'EXHAUSTED CANCEL': 'x',
    'EXHAUSTED UNPAID': 'x',
    PAUSE: 'x',
    RESUME: 'x',
    'CANCEL now': 'CANCELED',
    'CANCEL at end': 'CANCELED',
    UNCANCEL: '=',
    PERIOD_ENDED: 'x',
    TOKEN_REVOKED: 'x',
    'TOKEN_REVOKED old': 'x',
    TOKEN_REPLACED: 'x',
  },
  TRIALING: {
    ...liveCommon,
    TRIAL_ENDED: 'ACTIVE',
    'APPROVED 4': { status: 'ACTIVE', paidThroughPeriodIndex: 4 },
    'DECLINED 4': { status: 'PAST_DUE', pastDuePeriodIndex: 4 },
    'EXHAUSTED CANCEL': 'x',
    'EXHAUSTED UNPAID': 'x',
    PAUSE: 'x',
    RESUME: 'x',
    'CANCEL at end': { cancelAtPeriodEnd: true },
  },
  ACTIVE: {
    ...liveCommon,
    'APPROVED 4': { paidThroughPeriodIndex: 4 },
    'DECLINED 4': { status: 'PAST_DUE', pastDuePeriodIndex: 4 },
    'EXHAUSTED CANCEL': 'x',
    'EXHAUSTED UNPAID': 'x',
    PAUSE: 'PAUSED',
    RESUME: '=',
    'CANCEL at end': { cancelAtPeriodEnd: true },
  },
  PAST_DUE: {
    ...liveCommon,
    'APPROVED 4': { status: 'ACTIVE', paidThroughPeriodIndex: 4, pastDuePeriodIndex: null },
    'DECLINED 4': '=',
    'EXHAUSTED CANCEL': 'CANCELED',
    'EXHAUSTED UNPAID': 'UNPAID',
    PAUSE: 'x',
    RESUME: '=',
    'CANCEL at end': { cancelAtPeriodEnd: true },
  },
  PAUSED: {
    ...liveCommon,
    'APPROVED 4': { paidThroughPeriodIndex: 4 },
    // A charge in flight when the pause came: recorded, so RESUME goes back to PAST_DUE.
    'DECLINED 4': { pastDuePeriodIndex: 4 },
    'EXHAUSTED CANCEL': 'x',
    'EXHAUSTED UNPAID': 'x',
    PAUSE: '=',
    RESUME: 'ACTIVE',
    'CANCEL at end': 'CANCELED',
  },
  UNPAID: {
    ...liveCommon,
    'APPROVED 4': { status: 'ACTIVE', paidThroughPeriodIndex: 4, pastDuePeriodIndex: null },
    'DECLINED 4': '=',
    'EXHAUSTED CANCEL': 'x',
    'EXHAUSTED UNPAID': '=',
    PAUSE: 'x',
    RESUME: 'x',
    'CANCEL at end': 'CANCELED',
  },
  // Final states: redelivered and late news that asks for nothing is a no-op; news that needs
  // someone to act (money taken, a token issued, a request to pause, resume or revive) throws.
  CANCELED: {
    'TOKENIZED trial': 'x',
    'TOKENIZED plain': 'x',
    TOKENIZATION_EXPIRED: '=',
    TOKENIZATION_FAILED: '=',
    TRIAL_ENDED: '=',
    'APPROVED 4': 'x',
    'APPROVED 3': '=',
    'DECLINED 4': '=',
    'DECLINED 2': '=',
    'EXHAUSTED CANCEL': '=',
    'EXHAUSTED UNPAID': '=',
    PAUSE: 'x',
    RESUME: 'x',
    'CANCEL now': '=',
    'CANCEL at end': '=',
    UNCANCEL: 'x',
    PERIOD_ENDED: '=',
    TOKEN_REVOKED: '=',
    'TOKEN_REVOKED old': '=',
    TOKEN_REPLACED: 'x',
  },
  INCOMPLETE_EXPIRED: {
    'TOKENIZED trial': 'x',
    'TOKENIZED plain': 'x',
    TOKENIZATION_EXPIRED: '=',
    TOKENIZATION_FAILED: '=',
    TRIAL_ENDED: 'x',
    'APPROVED 4': 'x',
    'APPROVED 3': 'x',
    'DECLINED 4': '=',
    'DECLINED 2': '=',
    'EXHAUSTED CANCEL': 'x',
    'EXHAUSTED UNPAID': 'x',
    PAUSE: 'x',
    RESUME: 'x',
    'CANCEL now': '=',
    'CANCEL at end': '=',
    UNCANCEL: 'x',
    PERIOD_ENDED: 'x',
    TOKEN_REVOKED: 'x',
    'TOKEN_REVOKED old': 'x',
    TOKEN_REPLACED: 'x',
  },
};

const cases = SUBSCRIPTION_STATUSES.flatMap((status) =>
  (Object.keys(EVENTS) as EventName[]).map((name) => [status, name, MATRIX[status][name]] as const),
);

describe('transitionSubscription: every status x event', () => {
  it('covers every status and every event type', () => {
    expect(cases).toHaveLength(SUBSCRIPTION_STATUSES.length * Object.keys(EVENTS).length);
    expect(new Set(Object.values(EVENTS).map((e) => e.type))).toEqual(new Set(SUBSCRIPTION_EVENT_TYPES));
  });

  it.each(cases)('%s + %s -> %o', (status, name, outcome) => {
    const state = base(status);
    const event = EVENTS[name];
    if (outcome === 'x') {
      const error = catchError(() => transitionSubscription(state, event));
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect(error).toMatchObject({
        code: 'ILLEGAL_TRANSITION',
        machine: 'subscription',
        from: status,
        event: event.type,
      });
      expect(state).toEqual(base(status));
      return;
    }
    const next = transitionSubscription(state, event);
    if (outcome === '=') {
      expect(next).toBe(state);
      return;
    }
    const patch = typeof outcome === 'string' ? { status: outcome } : outcome;
    expect(next).toEqual({ ...state, ...patch });
    expect(next).not.toBe(state);
    expect(Object.isFrozen(next)).toBe(true);
  });
});

describe('transitionSubscription: flags and ordering', () => {
  const withFlag = (status: SubscriptionStatus) => ({ ...base(status), cancelAtPeriodEnd: true });

  it.each<SubscriptionStatus>(['TRIALING', 'ACTIVE', 'PAST_DUE', 'PAUSED', 'UNPAID'])(
    '%s with cancelAtPeriodEnd is canceled by PERIOD_ENDED',
    (status) => {
      expect(transitionSubscription(withFlag(status), { type: 'PERIOD_ENDED' }).status).toBe('CANCELED');
    },
  );

  it('a trial set to cancel at period end ends canceled, not active', () => {
    expect(transitionSubscription(withFlag('TRIALING'), { type: 'TRIAL_ENDED' }).status).toBe('CANCELED');
  });

  it('UNCANCEL withdraws a pending cancellation; repeating CANCEL at end is a no-op', () => {
    const flagged = withFlag('ACTIVE');
    expect(transitionSubscription(flagged, { type: 'UNCANCEL' })).toEqual(base('ACTIVE'));
    expect(transitionSubscription(flagged, { type: 'CANCEL', mode: 'AT_PERIOD_END' })).toBe(flagged);
  });

  it('a revoked token is flagged until replaced', () => {
    const revoked = transitionSubscription(base('ACTIVE'), { type: 'TOKEN_REVOKED', tokenId: 'tok-1' });
    expect(revoked.tokenUsable).toBe(false);
    expect(transitionSubscription(revoked, { type: 'TOKEN_REVOKED', tokenId: 'tok-1' })).toBe(revoked);
    expect(transitionSubscription(revoked, { type: 'TOKEN_REPLACED', tokenId: 'tok-2' })).toEqual({
      ...base('ACTIVE'),
      tokenId: 'tok-2',
    });
  });

  it('a late revocation of the replaced token leaves the new one usable', () => {
    // The customer re-tokenizes after a PERMANENT decline; Klarna's revocation webhook for the old
    // token arrives afterwards (or is redelivered).
    const revoked = transitionSubscription(base('ACTIVE'), { type: 'TOKEN_REVOKED', tokenId: 'tok-1' });
    const replaced = transitionSubscription(revoked, { type: 'TOKEN_REPLACED', tokenId: 'tok-2' });
    expect(transitionSubscription(replaced, { type: 'TOKEN_REVOKED', tokenId: 'tok-1' })).toBe(replaced);
    expect(replaced).toMatchObject({ tokenId: 'tok-2', tokenUsable: true });
  });

  it('a late approval of an older period does not clear the dunning of a newer one', () => {
    // Period 4 is declined and dunned; the renewal of period 5 is declined too; then a retry of 4 succeeds.
    let state = base('ACTIVE');
    state = transitionSubscription(state, { type: 'CHARGE_DECLINED', periodIndex: 4 });
    state = transitionSubscription(state, { type: 'CHARGE_DECLINED', periodIndex: 5 });
    state = transitionSubscription(state, { type: 'CHARGE_APPROVED', periodIndex: 4 });
    expect(state).toMatchObject({ status: 'PAST_DUE', paidThroughPeriodIndex: 4, pastDuePeriodIndex: 5 });
    // Period 5's dunning can still end it...
    expect(transitionSubscription(state, { type: 'DUNNING_EXHAUSTED', finalAction: 'CANCEL' }).status).toBe(
      'CANCELED',
    );
    // ...or its payment bring it back.
    expect(transitionSubscription(state, { type: 'CHARGE_APPROVED', periodIndex: 5 })).toMatchObject({
      status: 'ACTIVE',
      paidThroughPeriodIndex: 5,
      pastDuePeriodIndex: null,
    });
  });

  it('a paused subscription with a declined charge resumes past due', () => {
    let state = transitionSubscription(base('ACTIVE'), { type: 'PAUSE' });
    state = transitionSubscription(state, { type: 'CHARGE_DECLINED', periodIndex: 4 });
    expect(transitionSubscription(state, { type: 'RESUME' }).status).toBe('PAST_DUE');
  });

  it('a late decline for a period that was paid meanwhile does not make the subscription past due', () => {
    const paid = transitionSubscription(base('ACTIVE'), { type: 'CHARGE_APPROVED', periodIndex: 5 });
    expect(transitionSubscription(paid, { type: 'CHARGE_DECLINED', periodIndex: 5 })).toBe(paid);
  });

  it('a first payment approved before the token arrives is kept when TOKENIZED follows', () => {
    const paid = transitionSubscription(INITIAL_SUBSCRIPTION_STATE, {
      type: 'CHARGE_APPROVED',
      periodIndex: 0,
    });
    expect(paid.status).toBe('PENDING_TOKENIZATION');
    expect(transitionSubscription(paid, { type: 'TOKENIZED', withTrial: false, tokenId: 'tok-1' })).toEqual({
      status: 'ACTIVE',
      cancelAtPeriodEnd: false,
      tokenUsable: true,
      tokenId: 'tok-1',
      paidThroughPeriodIndex: 0,
      pastDuePeriodIndex: null,
    });
  });

  it('rejects an empty tokenId', () => {
    for (const event of [
      { type: 'TOKENIZED', withTrial: false, tokenId: '' },
      { type: 'TOKEN_REVOKED', tokenId: '' },
      { type: 'TOKEN_REPLACED', tokenId: '' },
    ] as const) {
      const state = event.type === 'TOKENIZED' ? INITIAL_SUBSCRIPTION_STATE : base('ACTIVE');
      expect(catchError(() => transitionSubscription(state, event))).toMatchObject({ field: 'tokenId' });
    }
  });

  it.each([-1, 1.5, Number.NaN])('rejects periodIndex %s', (periodIndex) => {
    for (const state of [base('ACTIVE'), base('CANCELED')]) {
      for (const type of ['CHARGE_APPROVED', 'CHARGE_DECLINED'] as const) {
        const error = catchError(() => transitionSubscription(state, { type, periodIndex }));
        expect(error).toBeInstanceOf(InvalidInputError);
        expect(error).toMatchObject({ field: 'periodIndex' });
      }
    }
  });
});

// ---- properties ----

const tokenIdArb = fc.constantFrom('tok-a', 'tok-b', 'tok-c');
const eventArb: fc.Arbitrary<SubscriptionEvent> = fc.oneof(
  fc
    .record({ withTrial: fc.boolean(), tokenId: tokenIdArb })
    .map(({ withTrial, tokenId }): SubscriptionEvent => ({ type: 'TOKENIZED', withTrial, tokenId })),
  fc
    .record({
      type: fc.constantFrom('TOKEN_REVOKED' as const, 'TOKEN_REPLACED' as const),
      tokenId: tokenIdArb,
    })
    .map((e): SubscriptionEvent => e),
  fc.constantFrom<SubscriptionEvent>(
    { type: 'TOKENIZATION_EXPIRED' },
    { type: 'TOKENIZATION_FAILED' },
    { type: 'TRIAL_ENDED' },
    { type: 'PAUSE' },
    { type: 'RESUME' },
    { type: 'UNCANCEL' },
    { type: 'PERIOD_ENDED' },
    { type: 'CANCEL', mode: 'IMMEDIATELY' },
    { type: 'CANCEL', mode: 'AT_PERIOD_END' },
    { type: 'DUNNING_EXHAUSTED', finalAction: 'CANCEL' },
    { type: 'DUNNING_EXHAUSTED', finalAction: 'MARK_UNPAID' },
  ),
  fc
    .record({
      type: fc.constantFrom('CHARGE_APPROVED' as const, 'CHARGE_DECLINED' as const),
      periodIndex: fc.nat(6),
    })
    .map((e): SubscriptionEvent => e),
);

const sequenceArb = fc.array(eventArb, { minLength: 1, maxLength: 40 });

describe('transitionSubscription properties', () => {
  it('never reaches an undeclared state; illegal events throw the typed error and change nothing', () => {
    fc.assert(
      fc.property(sequenceArb, (events) => {
        let state = INITIAL_SUBSCRIPTION_STATE;
        for (const event of events) {
          const before = JSON.stringify(state);
          try {
            const next = transitionSubscription(state, event);
            expect(SUBSCRIPTION_STATUSES).toContain(next.status);
            expect(Object.keys(next).sort()).toEqual(Object.keys(INITIAL_SUBSCRIPTION_STATE).sort());
            expect(typeof next.cancelAtPeriodEnd).toBe('boolean');
            expect(typeof next.tokenUsable).toBe('boolean');
            if (state.paidThroughPeriodIndex !== null) {
              expect(next.paidThroughPeriodIndex).toBeGreaterThanOrEqual(state.paidThroughPeriodIndex);
            }
            // Past due exactly while a declined period is newer than every approved one.
            if (next.status === 'PAST_DUE' || next.status === 'UNPAID') {
              expect(next.pastDuePeriodIndex).not.toBeNull();
            }
            if (next.status === 'ACTIVE' || next.status === 'TRIALING') {
              expect(next.pastDuePeriodIndex).toBeNull();
            }
            if (next.pastDuePeriodIndex !== null && next.paidThroughPeriodIndex !== null) {
              expect(next.pastDuePeriodIndex).toBeGreaterThan(next.paidThroughPeriodIndex);
            }
            state = next;
          } catch (error) {
            expect(error).toBeInstanceOf(IllegalTransitionError);
            expect(error).toMatchObject({ from: state.status, event: event.type });
            expect(JSON.stringify(state)).toBe(before);
          }
          if (isFinalSubscriptionStatus(state.status)) {
            // A final state never changes again: every event is a no-op or throws.
            for (const other of events) {
              try {
                expect(transitionSubscription(state, other)).toBe(state);
              } catch (error) {
                expect(error).toBeInstanceOf(IllegalTransitionError);
              }
            }
            expect(JSON.parse(JSON.stringify(state))).toEqual(state);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('every event is idempotent: applying it twice equals applying it once', () => {
    fc.assert(
      fc.property(sequenceArb, eventArb, (prefix, event) => {
        let state = INITIAL_SUBSCRIPTION_STATE;
        for (const e of prefix) {
          try {
            state = transitionSubscription(state, e);
          } catch {
            // illegal in this state: skip it
          }
        }
        let once: SubscriptionState;
        try {
          once = transitionSubscription(state, event);
        } catch (error) {
          expect(error).toBeInstanceOf(IllegalTransitionError);
          return;
        }
        // Redelivery is harmless, also of the event that ended the subscription.
        expect(transitionSubscription(once, event)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('charge outcomes in any delivery order, redelivered or not, end in the same state', () => {
    // One outcome per period (what the attempt rows finally say), delivered shuffled with duplicates.
    const outcomesArb = fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }).chain((approved) =>
      fc.record({
        approved: fc.constant(approved),
        order: fc.shuffledSubarray([...approved.keys(), ...approved.keys()], {
          minLength: 2 * approved.length,
        }),
      }),
    );
    fc.assert(
      fc.property(outcomesArb, ({ approved, order }) => {
        const start: SubscriptionState = { ...base('ACTIVE'), paidThroughPeriodIndex: null };
        const state = order.reduce(
          (s, n) =>
            transitionSubscription(s, {
              type: approved[n] ? 'CHARGE_APPROVED' : 'CHARGE_DECLINED',
              periodIndex: n,
            }),
          start,
        );
        const newest = approved.length - 1;
        const lastApproved = approved.lastIndexOf(true);
        expect(state.paidThroughPeriodIndex).toBe(lastApproved === -1 ? null : lastApproved);
        // The newest period decides, as with Stripe's latest invoice.
        expect(state.status).toBe(approved[newest] ? 'ACTIVE' : 'PAST_DUE');
        expect(state.pastDuePeriodIndex).toBe(approved[newest] ? null : newest);
      }),
      { numRuns: 300 },
    );
  });

  it('illegal events leave the input untouched', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUBSCRIPTION_STATUSES),
        fc.boolean(),
        eventArb,
        (status, flag, event) => {
          const state = Object.freeze({ ...base(status), cancelAtPeriodEnd: flag });
          const snapshot = { ...state };
          try {
            transitionSubscription(state, event);
          } catch (error) {
            expect(error).toBeInstanceOf(IllegalTransitionError);
          }
          expect(state).toEqual(snapshot);
        },
      ),
      { numRuns: 300 },
    );
  });
});
