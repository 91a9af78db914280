import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookFaults } from './faults.js';
import { ATTEMPT_OFFSETS_MS, attemptDueAt, isSuccessStatus } from './retry-schedule.js';

describe('fault counters', () => {
  it('bad_signature.next and drop_first count down, then stop', () => {
    const f = new WebhookFaults();
    f.replace({ bad_signature: { next: 2 }, drop_first: 1 });
    expect([f.takeBadSignature(), f.takeBadSignature(), f.takeBadSignature()]).toEqual([true, true, false]);
    expect([f.takeDrop(), f.takeDrop()]).toEqual([true, false]);
    expect(f.toJSON()).toMatchObject({ bad_signatures_left: 0, drops_left: 0, receiver_timeout_ms: 10_000 });
  });

  it('bad_signature.ratio follows the random source', () => {
    const values = [0.1, 0.9];
    const f = new WebhookFaults(() => values.shift() ?? 0);
    f.replace({ bad_signature: { ratio: 0.5 } });
    expect([f.takeBadSignature(), f.takeBadSignature()]).toEqual([true, false]);
  });

  it('shuffle and reverse are permutations', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.double({ min: 0, max: 0.999, noNaN: true }), (items, r) => {
        const f = new WebhookFaults(() => r);
        for (const mode of ['reverse', 'shuffle'] as const) {
          const out = f.order(items, mode);
          expect([...out].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
        }
        expect(f.order(items, 'reverse')).toEqual([...items].reverse());
      }),
    );
  });
});

describe('retry schedule', () => {
  it('ten attempts at +0, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h', () => {
    expect(ATTEMPT_OFFSETS_MS.map((ms) => ms / 1000)).toEqual([
      0, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200,
    ]);
    expect(attemptDueAt(1000, 1)).toBe(1000);
    expect(attemptDueAt(1000, 10)).toBe(1000 + 12 * 3_600_000);
    expect(attemptDueAt(1000, 11)).toBeUndefined();
  });

  it.each([
    [200, true],
    [201, true],
    [202, true],
    [204, true],
    [203, false],
    [302, false],
    [400, false],
    [500, false],
  ])('status %i counts as success: %s', (status, ok) => {
    expect(isSuccessStatus(status)).toBe(ok);
  });
});
