import { describe, expect, it } from 'vitest';
import { scriptCustomers } from './behaviours.js';

describe('scriptCustomers', () => {
  it('repeats with the same seed and differs with another', () => {
    expect(scriptCustomers(7, 40, 3)).toEqual(scriptCustomers(7, 40, 3));
    expect(scriptCustomers(8, 40, 3)).not.toEqual(scriptCustomers(7, 40, 3));
  });

  it('has every signup ending and every kind of event, even in a short run', () => {
    const scripts = scriptCustomers(1, 40, 3);
    expect(new Set(scripts.map((s) => s.signup))).toEqual(new Set(['APPROVE', 'DECLINE', 'ABANDON']));
    const kinds = new Set(scripts.flatMap((s) => (s.event === null ? [] : [s.event.kind])));
    expect(kinds).toEqual(new Set(['DECLINE_RECOVERED', 'DECLINE_UNRECOVERED', 'CANCEL', 'PAUSE', 'REFUND']));
  });

  it('gives events only to approved signups, within the months, a failed renewal not in the last', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      for (const { signup, event } of scriptCustomers(seed, 300, 12)) {
        if (event === null) continue;
        expect(signup).toBe('APPROVE');
        expect(event.month).toBeGreaterThanOrEqual(1);
        expect(event.month).toBeLessThanOrEqual(12);
        if (event.kind === 'DECLINE_UNRECOVERED') expect(event.month).toBeLessThan(12);
        if (event.kind === 'PAUSE' && event.resumeMonth !== null)
          expect(event.resumeMonth).toBe(event.month + 2);
      }
    }
  });
});
