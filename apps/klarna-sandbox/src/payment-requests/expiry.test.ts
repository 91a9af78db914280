import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXPIRY_MS,
  MAX_EXPIRY_MS,
  MIN_EXPIRY_MS,
  parseIsoDuration,
  resolveExpiry,
} from './expiry.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const PARAM = 'step_up_config.customer_interaction_config.interaction_expiry';

describe('ISO-8601 durations', () => {
  it.each([
    ['PT15M', 15 * 60_000],
    ['PT1H', 3_600_000],
    ['PT1H30M', 90 * 60_000],
    ['P1D', 86_400_000],
    ['P2D', 2 * 86_400_000],
    ['P1DT12H', 36 * 3_600_000],
    ['PT900S', 900_000],
    ['PT0.5S', 500],
    ['P1W', 7 * 86_400_000],
  ])('%s = %d ms', (text, ms) => expect(parseIsoDuration(text)).toBe(ms));

  it.each([['P'], ['PT'], ['1H'], ['PT1h'], ['P1M'], ['P1Y'], ['PT-1H'], [''], ['P1DT']])(
    'rejects %j',
    (text) => expect(parseIsoDuration(text)).toBeUndefined(),
  );
});

describe('resolveExpiry', () => {
  it('defaults to 3 hours', () =>
    expect(resolveExpiry(NOW, undefined)).toEqual({ expiresAt: NOW + DEFAULT_EXPIRY_MS }));

  it.each([
    [{ duration: 'PT14M59S' }, `${PARAM}.duration`],
    [{ duration: 'PT48H1S' }, `${PARAM}.duration`],
    [{ duration: 'P3D' }, `${PARAM}.duration`],
    [{ duration: 'one hour' }, `${PARAM}.duration`],
    [{ timestamp: '2026-06-01T12:14:00Z' }, `${PARAM}.timestamp`],
    [{ timestamp: '2026-06-03T12:00:01Z' }, `${PARAM}.timestamp`],
    [{ timestamp: '2026-06-01 13:00:00' }, `${PARAM}.timestamp`],
    [{ timestamp: '2026-06-01T11:00:00Z' }, `${PARAM}.timestamp`],
    [{}, PARAM],
    [{ duration: 'PT1H', timestamp: '2026-06-01T13:00:00Z' }, PARAM],
  ])('rejects %j naming %s', (expiry, parameter) => {
    expect(resolveExpiry(NOW, expiry)).toMatchObject({ error: { parameter } });
  });

  it('accepts a timestamp with an offset', () => {
    expect(resolveExpiry(NOW, { timestamp: '2026-06-01T15:00:00+02:00' })).toEqual({
      expiresAt: NOW + 3_600_000,
    });
  });

  it('property: any whole-second duration in [15 min, 48 h] is accepted as now + duration, outside rejected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * 86_400 }), (seconds) => {
        const result = resolveExpiry(NOW, { duration: `PT${seconds}S` });
        const ms = seconds * 1000;
        if (ms >= MIN_EXPIRY_MS && ms <= MAX_EXPIRY_MS) expect(result).toEqual({ expiresAt: NOW + ms });
        else expect(result).toHaveProperty('error');
      }),
    );
  });
});
