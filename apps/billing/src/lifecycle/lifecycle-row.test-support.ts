// A stored ACTIVE subscription row as the lifecycle decisions read it, for their tests.
import type { LifecycleRow } from './decide.js';

export const NOW = new Date('2026-03-02T09:00:00.000Z');
export const END = new Date('2026-03-15T10:00:00.000Z');

export const ACTIVE: LifecycleRow = {
  id: 's1',
  status: 'ACTIVE',
  tokenId: 't1',
  requiresNewToken: false,
  cancelAtPeriodEnd: false,
  pauseAtPeriodEnd: false,
  pausedAt: null,
  paidThroughPeriodIndex: 3,
  pastDuePeriodIndex: null,
  currentPeriodEnd: END,
  trialEndsAt: null,
  pastDueSince: null,
  nextRetryAt: null,
  graceEndsAt: null,
  canceledAt: null,
  nextActionKind: 'RENEWAL',
  nextActionAt: END,
};
