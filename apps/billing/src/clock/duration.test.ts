import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, parseDuration } from './duration.js';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['P1D', D],
    ['p1d', D],
    ['PT2H', 2 * H],
    ['PT15M', 15 * M],
    ['PT90S', 90 * S],
    ['PT0.5S', 500],
    ['PT1,25S', 1_250],
    ['P1W', 7 * D],
    ['P2DT12H', 2 * D + 12 * H],
    ['P1DT1H1M1S', D + H + M + S],
    ['P3660D', MAX_DURATION_MS],
    ['90s', 90 * S],
    ['15m', 15 * M],
    ['2h', 2 * H],
    ['30d', 30 * D],
    ['2w', 14 * D],
    ['250ms', 250],
    [' 1d ', D],
  ])('reads %s as %d ms', (input, ms) => {
    expect(parseDuration(input, 'by')).toEqual({ ok: true, ms });
  });

  it.each([
    ['P1M', 'months and years have no fixed length'],
    ['P1Y', 'months and years have no fixed length'],
    ['P1Y2D', 'months and years have no fixed length'],
    ['P', 'is not a duration'],
    ['PT', 'is not a duration'],
    ['P1DT', 'is not a duration'],
    ['1 day', 'is not a duration'],
    ['1.5d', 'is not a duration'],
    ['-1d', 'is not a duration'],
    ['1D', 'is not a duration'],
    ['P-1D', 'is not a duration'],
    ['P0D', 'must be longer than zero'],
    ['0s', 'must be longer than zero'],
    ['P3661D', 'must be at most 3660 days'],
    ['523w', 'must be at most 3660 days'],
    ['', 'must be a duration such as'],
    [42, 'must be a duration such as'],
    [undefined, 'must be a duration such as'],
  ])('rejects %j, naming the field', (input, message) => {
    const result = parseDuration(input, 'by');
    expect(result).toMatchObject({ ok: false, field: 'by' });
    expect(result.ok ? '' : result.message).toContain(message);
  });

  it('names the field it was given', () => {
    expect(parseDuration('soon', 'duration')).toMatchObject({ ok: false, field: 'duration' });
  });
});
