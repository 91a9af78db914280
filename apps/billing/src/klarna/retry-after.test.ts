import { describe, expect, it } from 'vitest';
import { fixedClock } from '../domain/clock.js';
import { parseRetryAfter } from './retry-after.js';

const clock = fixedClock('2026-03-06T09:00:00.000Z');

describe('parseRetryAfter', () => {
  it.each<[string | null | undefined, number | null]>([
    ['1', 1000],
    ['0', 0],
    [' 120 ', 120_000],
    ['Fri, 06 Mar 2026 09:00:30 GMT', 30_000],
    // the obsolete RFC 850 form
    ['Friday, 06-Mar-26 09:01:00 GMT', 60_000],
    // a date in the past means "now"
    ['Fri, 06 Mar 2026 08:00:00 GMT', 0],
    [null, null],
    [undefined, null],
    ['', null],
    ['-5', null],
    ['1.5', null],
    ['soon', null],
    ['2026', 2_026_000],
    // not an HTTP-date
    ['2026-03-06T09:00:30Z', null],
  ])('%j -> %j', (value, expected) => {
    expect(parseRetryAfter(value, clock)).toBe(expected);
  });
});
