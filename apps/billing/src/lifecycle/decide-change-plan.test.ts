import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, type SubscriptionStatus } from '../domain/index.js';
import { decideChangePlan, type PlanChangeFacts } from './decide.js';

// Times are inputs: the current period (index 3) ends at END; nothing reads a clock.
const END = new Date('2026-03-15T10:00:00.000Z');
const RESUMED_AT = new Date('2026-03-20T08:00:00.000Z');

const BASE: PlanChangeFacts = {
  status: 'ACTIVE',
  currency: 'EUR',
  currentPeriod: { index: 3, end: END },
  currentPlanVersionId: 'v-old',
  pending: null,
  target: { planVersionId: 'v-new', currency: 'EUR', archived: false },
};
const PENDING_CHANGE = { id: 'ph-change', planVersionId: 'v-new', anchorAt: END, firstPeriodIndex: 4 };
const PENDING_RESUME = { id: 'ph-resume', planVersionId: 'v-old', anchorAt: RESUMED_AT, firstPeriodIndex: 4 };

describe('decideChangePlan', () => {
  it.each<[string, Partial<PlanChangeFacts>, unknown]>([
    ['ACTIVE: a phase from the next period, at the current end', {}, { kind: 'add_phase', phase: { anchorAt: END, firstPeriodIndex: 4, planVersionId: 'v-new' } }],
    ['PAST_DUE: the same (the past-due period stays on its version)', { status: 'PAST_DUE' }, { kind: 'add_phase', phase: { anchorAt: END, firstPeriodIndex: 4, planVersionId: 'v-new' } }],
    ['PAUSED: the same (a resume takes the phase over)', { status: 'PAUSED' }, { kind: 'add_phase', phase: { anchorAt: END, firstPeriodIndex: 4, planVersionId: 'v-new' } }],
    ['the version billing now: no-op', { target: { ...BASE.target, planVersionId: 'v-old' } }, { kind: 'noop' }],
    ['the version already pending: no-op', { pending: PENDING_CHANGE }, { kind: 'noop' }],
    ['another version while one is pending: the pending phase takes it', { pending: PENDING_CHANGE, target: { ...BASE.target, planVersionId: 'v-third' } }, { kind: 'replace_pending', phaseId: 'ph-change', planVersionId: 'v-third' }],
    ['back to the version billing now: the pending change is withdrawn', { pending: PENDING_CHANGE, target: { ...BASE.target, planVersionId: 'v-old' } }, { kind: 'withdraw_pending', phaseId: 'ph-change' }],
    ['a resume not billed yet: its phase takes the version, keeps its anchor', { pending: PENDING_RESUME }, { kind: 'replace_pending', phaseId: 'ph-resume', planVersionId: 'v-new' }],
    ['another currency: refused (422)', { target: { ...BASE.target, currency: 'SEK' } }, { kind: 'currency_mismatch', subscriptionCurrency: 'EUR', planCurrency: 'SEK' }],
    ['another currency on the same version id cannot be a no-op', { target: { planVersionId: 'v-old', currency: 'SEK', archived: false } }, { kind: 'currency_mismatch', subscriptionCurrency: 'EUR', planCurrency: 'SEK' }],
    ['an archived plan: refused (409)', { target: { ...BASE.target, archived: true } }, { kind: 'plan_archived' }],
    ['an archived plan already billing: the repeat is a no-op', { target: { planVersionId: 'v-old', currency: 'EUR', archived: true } }, { kind: 'noop' }],
  ])('%s', (_name, facts, expected) => {
    expect(decideChangePlan({ ...BASE, ...facts })).toEqual(expected);
  }); // prettier-ignore

  it.each<SubscriptionStatus>([
    'PENDING_TOKENIZATION',
    'INCOMPLETE_EXPIRED',
    'CANCELED',
    'UNPAID',
    'TRIALING',
  ])('%s is refused with the reason (409), whatever the target', (status) => {
    let thrown: unknown;
    try {
      decideChangePlan({ ...BASE, status, target: { ...BASE.target, currency: 'SEK' } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    expect(thrown).toMatchObject({ from: status, event: 'CHANGE_PLAN' });
    expect((thrown as IllegalTransitionError<string, string>).reason).not.toBe('');
  });

  it('a current period without an end cannot anchor a phase: refused', () => {
    expect(() => decideChangePlan({ ...BASE, currentPeriod: { index: 3, end: null } })).toThrow(
      IllegalTransitionError,
    );
  });
});
