import { describe, expect, it } from 'vitest';
import { VirtualClock, fixedClock, systemClock } from './clock.js';
import { InvalidInputError } from './errors.js';

describe('clocks', () => {
  it('systemClock reads the machine clock', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now - before).toBeLessThan(5_000);
  });

  it('fixedClock stands still and hands out copies', () => {
    const clock = fixedClock('2024-01-31T10:00:00Z');
    const first = clock.now();
    first.setUTCFullYear(1999);
    expect(clock.now().toISOString()).toBe('2024-01-31T10:00:00.000Z');
    expect(() => fixedClock('not a date')).toThrow(InvalidInputError);
  });

  it('VirtualClock stands still until set or advanced, and never goes back', () => {
    const clock = new VirtualClock(new Date('2024-01-31T10:00:00Z'));
    expect(clock.now().toISOString()).toBe('2024-01-31T10:00:00.000Z');
    clock.advance(90 * 24 * 3_600_000);
    expect(clock.now().toISOString()).toBe('2024-04-30T10:00:00.000Z');
    clock.set('2025-01-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(() => clock.set('2024-12-31T23:59:59Z')).toThrow(expect.objectContaining({ field: 'at' }));
    expect(() => clock.advance(-1)).toThrow(expect.objectContaining({ field: 'ms' }));
    expect(() => clock.advance(1.5)).toThrow(InvalidInputError);
    expect(clock.now().toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('VirtualClock can flow with a base clock between jumps', () => {
    const base = new VirtualClock('2000-01-01T00:00:00Z');
    const clock = new VirtualClock('2024-01-01T00:00:00Z', { flowsWith: base });
    base.advance(1_000);
    expect(clock.now().toISOString()).toBe('2024-01-01T00:00:01.000Z');
    clock.advance(60_000);
    expect(clock.now().toISOString()).toBe('2024-01-01T00:01:01.000Z');
    base.advance(500);
    expect(clock.now().toISOString()).toBe('2024-01-01T00:01:01.500Z');
    clock.set('2024-06-01T00:00:00Z');
    base.advance(250);
    expect(clock.now().toISOString()).toBe('2024-06-01T00:00:00.250Z');
  });
});
