import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleLatency } from './latency.js';

describe('sampleLatency', () => {
  it('none and undefined are zero, fixed is exact', () => {
    expect(sampleLatency(undefined)).toBe(0);
    expect(sampleLatency({ type: 'none' })).toBe(0);
    expect(sampleLatency({ type: 'fixed', ms: 250 })).toBe(250);
  });

  it('uniform spans min..max', () => {
    expect(sampleLatency({ type: 'uniform', min_ms: 100, max_ms: 300 }, () => 0)).toBe(100);
    expect(sampleLatency({ type: 'uniform', min_ms: 100, max_ms: 300 }, () => 0.5)).toBe(200);
  });

  it('normal centres on the middle', () => {
    const samples = Array.from({ length: 2000 }, () =>
      sampleLatency({ type: 'normal', min_ms: 0, max_ms: 600 }),
    );
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(280);
    expect(mean).toBeLessThan(320);
  });

  it('property: uniform and normal samples are integers within [min, max] for any random source', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('uniform' as const, 'normal' as const),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 2,
          maxLength: 2,
        }),
        (type, a, b, randoms) => {
          const [min_ms, max_ms] = a <= b ? [a, b] : [b, a];
          let i = 0;
          const value = sampleLatency({ type, min_ms, max_ms }, () => randoms[i++ % randoms.length] ?? 0);
          expect(Number.isInteger(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(min_ms);
          expect(value).toBeLessThanOrEqual(max_ms);
        },
      ),
    );
  });
});
