import { describe, expect, it } from 'vitest';
import { ACTIVE, END, NOW } from './lifecycle-row.test-support.js';
import type { LifecycleRow } from './decide.js';
import { decideReplacementStart, decideTokenSwap } from './decide-token-replacement.js';

const GRACE_END = new Date('2026-03-09T09:00:00.000Z');

/** After a hard decline: no retry left, the grace end is the next action. */
const HARD_DECLINED: LifecycleRow = {
  ...ACTIVE,
  status: 'PAST_DUE',
  requiresNewToken: true,
  pastDuePeriodIndex: 4,
  pastDueSince: new Date('2026-03-02T08:00:00.000Z'),
  graceEndsAt: GRACE_END,
  nextActionKind: 'GRACE_END',
  nextActionAt: GRACE_END,
};

describe('decideReplacementStart', () => {
  it.each(['TRIALING', 'ACTIVE', 'PAST_DUE', 'PAUSED'] as const)('allows %s', (status) => {
    expect(decideReplacementStart(status)).toEqual({ kind: 'allowed' });
  });

  it.each(['PENDING_TOKENIZATION', 'UNPAID', 'CANCELED', 'INCOMPLETE_EXPIRED'] as const)(
    'refuses %s with a reason',
    (status) => {
      const start = decideReplacementStart(status);
      expect(start).toMatchObject({ kind: 'refused', status });
      expect(start.kind === 'refused' && start.reason.length > 0).toBe(true);
    },
  );
});

describe('decideTokenSwap', () => {
  it('PAST_DUE after a hard decline: new token, flag cleared, the open period retried now', () => {
    expect(decideTokenSwap(HARD_DECLINED, 't2', NOW)).toEqual({
      kind: 'swap',
      swap: {
        tokenId: 't2',
        requiresNewToken: false,
        nextRetryAt: NOW,
        next: { kind: 'DUNNING_RETRY', at: NOW },
        retryNow: true,
      },
    });
  });

  it('ACTIVE: new token, the renewal stays the next action', () => {
    expect(decideTokenSwap(ACTIVE, 't2', NOW)).toEqual({
      kind: 'swap',
      swap: {
        tokenId: 't2',
        requiresNewToken: false,
        nextRetryAt: null,
        next: { kind: 'RENEWAL', at: END },
        retryNow: false,
      },
    });
  });

  it('the current usable token again: no change (a redelivered completion)', () => {
    expect(decideTokenSwap(ACTIVE, 't1', NOW)).toEqual({ kind: 'noop' });
  });

  it('a subscription that ended while the journey ran does not take the token', () => {
    const decision = decideTokenSwap({ ...ACTIVE, status: 'CANCELED' }, 't2', NOW);
    expect(decision.kind).toBe('unused');
  });
});
