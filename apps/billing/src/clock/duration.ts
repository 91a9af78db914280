// How far to move the virtual clock, as operators type it: ISO-8601 durations (`P1D`, `PT2H`,
// `P1W`, `P2DT12H`, `PT0.5S`) or short forms (`90s`, `15m`, `2h`, `30d`, `2w`).
//
// Months and years are rejected, not read as 30 or 365 days: the clock moves by a fixed number of
// milliseconds, and "one month" means 28 to 31 days depending on where one starts, so any fixed
// reading would surprise someone expecting a renewal on the same day of the next month. Ask for
// days instead (`P30D`, `31d`).

export type DurationResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly field: string; readonly message: string };

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The longest jump accepted: ten years of days, like the sandbox's own clock control. */
export const MAX_DURATION_MS = 3_660 * DAY;

const SHORT = /^(\d+)(ms|s|m|h|d|w)$/;
const SHORT_UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };

// P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]; Y and the date-part M are matched so they can be named.
const ISO =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,3}))?S)?)?$/;

/**
 * Parses `input` as a positive duration in whole milliseconds; a bad value is an error naming
 * `field` (the body property or CLI argument it came from).
 */
export function parseDuration(input: unknown, field: string): DurationResult {
  const fail = (message: string): DurationResult => ({ ok: false, field, message });
  if (typeof input !== 'string' || input.trim() === '') {
    return fail('must be a duration such as "P1D", "PT2H", "90s", "15m", "2h" or "30d"');
  }
  const text = input.trim();
  const ms = parseShort(text) ?? parseIso(text.toUpperCase());
  if (ms === undefined) {
    return fail(
      `"${text}" is not a duration; use ISO-8601 ("P1D", "PT2H") or a short form ("90s", "2h", "30d")`,
    );
  }
  if (ms === 'calendar') {
    return fail('months and years have no fixed length; give days instead (e.g. "P30D" or "31d")');
  }
  if (ms <= 0) return fail('must be longer than zero');
  if (ms > MAX_DURATION_MS) return fail('must be at most 3660 days');
  return { ok: true, ms };
}

function parseShort(text: string): number | undefined {
  const m = SHORT.exec(text);
  if (!m) return undefined;
  const [, amount, unit] = m;
  const unitMs = SHORT_UNIT_MS[unit ?? ''];
  if (amount === undefined || unitMs === undefined) return undefined;
  return Number(amount) * unitMs;
}

function parseIso(text: string): number | 'calendar' | undefined {
  // A bare "P" or a "T" with nothing after it is not a duration.
  if (text === 'P' || text.endsWith('T')) return undefined;
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, years, months, weeks, days, hours, minutes, seconds, fraction] = m;
  if (years !== undefined || months !== undefined) return 'calendar';
  const n = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
  const fractionMs = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0'));
  return (
    n(weeks) * 7 * DAY +
    n(days) * DAY +
    n(hours) * HOUR +
    n(minutes) * MINUTE +
    n(seconds) * SECOND +
    fractionMs
  );
}

/** Bounds of an advance's step: a finer step is slow, a coarser one lets timers of a step bunch up. */
export const MIN_STEP_MS = 60_000;
export const MAX_STEP_MS = 7 * DAY;

/** Parses an advance's step (`P3D`, `PT6H`) within [MIN_STEP_MS, MAX_STEP_MS]. */
export function parseStep(input: unknown, field: string): DurationResult {
  const parsed = parseDuration(input, field);
  if (!parsed.ok) return parsed;
  if (parsed.ms < MIN_STEP_MS || parsed.ms > MAX_STEP_MS) {
    return { ok: false, field, message: 'must be from 1 minute to 7 days' };
  }
  return parsed;
}
