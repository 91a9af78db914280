import { describe, expect, it } from 'vitest';
import { ACTIVE, END, NOW } from './lifecycle-row.test-support.js';
import { IllegalTransitionError } from '../domain/index.js';
import { decideLifecycle, decideTokenRevoked, type LifecycleCommand, type LifecycleRow } from './decide.js';

const TRIAL_END = new Date('2026-03-10T00:00:00.000Z');

const next = (row: LifecycleRow, command: LifecycleCommand) => {
  const decision = decideLifecycle(row, command, NOW);
  return decision.kind === 'noop'
    ? 'noop'
    : { kind: decision.patch.nextActionKind, at: decision.patch.nextActionAt?.toISOString() ?? null };
};

describe('decideLifecycle', () => {
  it.each<[string, LifecycleRow, LifecycleCommand, unknown]>([
    [
      'cancel at period end',
      ACTIVE,
      { type: 'CANCEL', mode: 'AT_PERIOD_END' },
      { kind: 'CANCEL_AT_PERIOD_END', at: END.toISOString() },
    ],
    [
      'cancel at period end again',
      { ...ACTIVE, cancelAtPeriodEnd: true },
      { type: 'CANCEL', mode: 'AT_PERIOD_END' },
      'noop',
    ],
    ['cancel now', ACTIVE, { type: 'CANCEL', mode: 'IMMEDIATELY' }, { kind: null, at: null }],
    [
      'cancel a canceled one',
      { ...ACTIVE, status: 'CANCELED' },
      { type: 'CANCEL', mode: 'IMMEDIATELY' },
      'noop',
    ],
    [
      'uncancel',
      { ...ACTIVE, cancelAtPeriodEnd: true },
      { type: 'UNCANCEL' },
      { kind: 'RENEWAL', at: END.toISOString() },
    ],
    ['uncancel with nothing scheduled', ACTIVE, { type: 'UNCANCEL' }, 'noop'],
    ['pause', ACTIVE, { type: 'PAUSE' }, { kind: 'PAUSE_AT_PERIOD_END', at: END.toISOString() }],
    [
      'pause a trial',
      { ...ACTIVE, status: 'TRIALING', currentPeriodEnd: null, trialEndsAt: TRIAL_END },
      { type: 'PAUSE' },
      { kind: 'PAUSE_AT_PERIOD_END', at: TRIAL_END.toISOString() },
    ],
    [
      'pause with a cancel scheduled: the cancel wins',
      { ...ACTIVE, cancelAtPeriodEnd: true },
      { type: 'PAUSE' },
      { kind: 'CANCEL_AT_PERIOD_END', at: END.toISOString() },
    ],
    ['pause again', { ...ACTIVE, pauseAtPeriodEnd: true }, { type: 'PAUSE' }, 'noop'],
    ['pause a paused one', { ...ACTIVE, status: 'PAUSED' }, { type: 'PAUSE' }, 'noop'],
    [
      'resume a paused one',
      { ...ACTIVE, status: 'PAUSED' },
      { type: 'RESUME', lastPeriodIndex: 3 },
      { kind: 'RENEWAL', at: NOW.toISOString() },
    ],
    [
      'resume before the pause',
      { ...ACTIVE, pauseAtPeriodEnd: true },
      { type: 'RESUME', lastPeriodIndex: 3 },
      { kind: 'RENEWAL', at: END.toISOString() },
    ],
    ['resume an active one', ACTIVE, { type: 'RESUME', lastPeriodIndex: 3 }, 'noop'],
  ])('%s', (_name, row, command, expected) => {
    expect(next(row, command)).toEqual(expected);
  });

  it('numbers the resumed phase after the last period', () => {
    const decision = decideLifecycle(
      { ...ACTIVE, status: 'PAUSED' },
      { type: 'RESUME', lastPeriodIndex: 7 },
      NOW,
    );
    expect(decision).toMatchObject({ kind: 'change', newPhase: { anchorAt: NOW, firstPeriodIndex: 8 } });
  });

  it.each<[string, LifecycleRow, LifecycleCommand]>([
    [
      'pause while past due',
      { ...ACTIVE, status: 'PAST_DUE', pastDuePeriodIndex: 4, pastDueSince: NOW, graceEndsAt: END },
      { type: 'PAUSE' },
    ],
    ['pause an unpaid one', { ...ACTIVE, status: 'UNPAID' }, { type: 'PAUSE' }],
    ['uncancel an ended one', { ...ACTIVE, status: 'CANCELED' }, { type: 'UNCANCEL' }],
    [
      'anything during a signup',
      { ...ACTIVE, status: 'PENDING_TOKENIZATION' },
      { type: 'CANCEL', mode: 'IMMEDIATELY' },
    ],
    [
      'resume into PAST_DUE without dunning times',
      { ...ACTIVE, status: 'PAUSED', pastDuePeriodIndex: 4 },
      { type: 'RESUME', lastPeriodIndex: 4 },
    ],
    ['pause without a period end', { ...ACTIVE, currentPeriodEnd: null }, { type: 'PAUSE' }],
  ])('refuses: %s', (_name, row, command) => {
    expect(() => decideLifecycle(row, command, NOW)).toThrow(IllegalTransitionError);
  });
});

describe('decideTokenRevoked', () => {
  it('flags a live subscription on the token once', () => {
    expect(decideTokenRevoked(ACTIVE, 't1')).toEqual({ requiresNewToken: true });
    expect(decideTokenRevoked({ ...ACTIVE, requiresNewToken: true }, 't1')).toBeNull();
    expect(decideTokenRevoked({ ...ACTIVE, status: 'CANCELED' }, 't1')).toBeNull();
    expect(decideTokenRevoked({ ...ACTIVE, status: 'INCOMPLETE_EXPIRED' }, 't1')).toBeNull();
  });

  it('refuses while a signup on the token is in progress', () => {
    expect(() => decideTokenRevoked({ ...ACTIVE, status: 'PENDING_TOKENIZATION' }, 't1')).toThrow(
      IllegalTransitionError,
    );
  });
});
