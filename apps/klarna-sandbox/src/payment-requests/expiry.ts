// interaction_expiry (CONTRACT.md §5, [D-EXPIRY]): a duration or a timestamp, 15 min..48 h from
// now (sandbox time), default 3 h.
import type { ValidationError } from '../http/error-format.js';

export const MIN_EXPIRY_MS = 15 * 60_000;
export const MAX_EXPIRY_MS = 48 * 3_600_000;
export const DEFAULT_EXPIRY_MS = 3 * 3_600_000;

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an ISO-8601 duration made of weeks, days, hours, minutes, seconds; else undefined. */
export function parseIsoDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [, w, d, h, min, s] = m;
  const num = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
  return ((num(w) * 7 + num(d)) * 24 * 3600 + num(h) * 3600 + num(min) * 60 + num(s)) * 1000;
}

export interface InteractionExpiry {
  duration?: string | undefined;
  timestamp?: string | undefined;
}

const PARAM = 'step_up_config.customer_interaction_config.interaction_expiry';
const RANGE = 'must be between 15 minutes and 48 hours from now';

/** The request's expires_at (epoch ms) or the validation error naming the bad field. */
export function resolveExpiry(
  now: number,
  expiry: InteractionExpiry | undefined,
): { expiresAt: number } | { error: ValidationError } {
  if (expiry === undefined) return { expiresAt: now + DEFAULT_EXPIRY_MS };
  const { duration, timestamp } = expiry;
  if ((duration === undefined) === (timestamp === undefined)) {
    return { error: { parameter: PARAM, reason: 'must have exactly one of duration or timestamp' } };
  }
  if (duration !== undefined) {
    const ms = parseIsoDuration(duration);
    if (ms === undefined) {
      return {
        error: { parameter: `${PARAM}.duration`, reason: 'must be an ISO-8601 duration such as PT1H' },
      };
    }
    if (ms < MIN_EXPIRY_MS || ms > MAX_EXPIRY_MS)
      return { error: { parameter: `${PARAM}.duration`, reason: RANGE } };
    return { expiresAt: now + ms };
  }
  const at = RFC3339.test(timestamp ?? '') ? Date.parse(timestamp ?? '') : Number.NaN;
  if (Number.isNaN(at)) {
    return { error: { parameter: `${PARAM}.timestamp`, reason: 'must be an RFC 3339 timestamp' } };
  }
  if (at - now < MIN_EXPIRY_MS || at - now > MAX_EXPIRY_MS) {
    return { error: { parameter: `${PARAM}.timestamp`, reason: RANGE } };
  }
  return { expiresAt: at };
}
