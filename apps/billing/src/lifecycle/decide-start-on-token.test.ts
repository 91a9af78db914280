import { describe, expect, it } from 'vitest';
import { decideStartOnToken, RECURRING_SCOPE, type HeldToken } from './decide-start-on-token.js';

const NOW = new Date('2026-03-01T09:00:00.000Z');
const TRIAL_END = new Date('2026-03-15T09:00:00.000Z');
const TOKEN: HeldToken = { id: 't1', customerId: 'c1', status: 'ACTIVE', scopes: [RECURRING_SCOPE] };
const facts = { token: TOKEN, customerId: 'c1', trialEndsAt: null, firstPeriodStart: NOW };

describe('decideStartOnToken', () => {
  it.each([
    ['another customer', { ...facts, customerId: 'c2' }, 'other_customer'],
    ['a revoked token', { ...facts, token: { ...TOKEN, status: 'REVOKED' as const } }, 'revoked'],
    [
      'a customer-present token',
      { ...facts, token: { ...TOKEN, scopes: ['payment:customer_present'] } },
      'scope',
    ],
    ['a token with no scope', { ...facts, token: { ...TOKEN, scopes: [] } }, 'scope'],
  ])('refuses %s', (_, input, reason) => {
    expect(decideStartOnToken(input)).toMatchObject({ kind: 'refused', reason });
  });

  it("names another customer's token as such even when it is revoked (nothing leaks about it)", () => {
    const other = { ...facts, customerId: 'c2', token: { ...TOKEN, status: 'REVOKED' as const } };
    expect(decideStartOnToken(other)).toMatchObject({ reason: 'other_customer' });
  });

  it('a paid plan starts ACTIVE with its period-0 renewal due now', () => {
    expect(decideStartOnToken(facts)).toEqual({
      kind: 'start',
      status: 'ACTIVE',
      next: { kind: 'RENEWAL', at: NOW },
    });
  });

  it('a plan with a trial starts TRIALING, charged at the trial end', () => {
    expect(decideStartOnToken({ ...facts, trialEndsAt: TRIAL_END })).toEqual({
      kind: 'start',
      status: 'TRIALING',
      next: { kind: 'TRIAL_END', at: TRIAL_END },
    });
  });
});
