import { describe, expect, it } from 'vitest';
import { parseOptions } from './options.js';

const seed = () => 42;

describe('parseOptions', () => {
  it('runs the full year by default, with a random seed', () => {
    expect(parseOptions([], seed)).toEqual({
      kind: 'run',
      options: { short: false, realTime: false, customers: 300, months: 12, seed: 42 },
    });
  });

  it('--short is a few dozen customers over three months; flags still win', () => {
    expect(parseOptions(['--short'], seed)).toMatchObject({
      options: { short: true, customers: 40, months: 3 },
    });
    expect(parseOptions(['--short', '--customers', '10', '--seed', '7'], seed)).toMatchObject({
      options: { customers: 10, months: 3, seed: 7 },
    });
  });

  it('names the flag that is wrong', () => {
    expect(parseOptions(['--months', '0'], seed)).toEqual({
      kind: 'usage_error',
      message: '--months must be a whole number from 1 to 24 (got "0")',
    });
    expect(parseOptions(['--customers', '1.5'], seed)).toEqual({
      kind: 'usage_error',
      message: '--customers must be a whole number from 1 to 5000 (got "1.5")',
    });
    expect(parseOptions(['--seed', '-1'], seed)).toMatchObject({ kind: 'usage_error' });
    expect(parseOptions(['--short', '--real-time'], seed)).toMatchObject({ kind: 'usage_error' });
    expect(parseOptions(['--fast'], seed)).toMatchObject({ kind: 'usage_error' });
  });

  it('answers --help', () => {
    expect(parseOptions(['-h'], seed)).toEqual({ kind: 'help' });
  });
});
