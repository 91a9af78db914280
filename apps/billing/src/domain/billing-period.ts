// Billing periods from an anchor in an IANA time zone (tz data from luxon's IANAZone).
//
// Rules:
// - Period n is [boundary(n), boundary(n + 1)). boundary(0) is the anchor instant itself; every
//   other boundary is computed from the anchor directly (never chained from the previous one), so
//   month-end clamping does not drift: Jan 31 -> Feb 28/29 -> Mar 31 -> Apr 30.
// - The anchor's local wall-clock date and time of day in its zone define the billing day and time.
//   MONTH/YEAR keep the anchor's day of month, clamped to the month's length (yearly Feb 29 ->
//   Feb 28 in common years, Feb 29 again in leap years). DAY/WEEK count local calendar days.
// - DST never moves a renewal to another local day and never repeats or skips one:
//   * local time exists once: that instant.
//   * local time repeated (fall-back overlap): the EARLIER instant (first occurrence). Deterministic
//     whatever the anchor's own offset was, and it charges no later than the customer expects.
//   * local time skipped (spring-forward gap): the instant luxon would give, i.e. shifted forward
//     by the gap (02:30 in a 02:00->03:00 gap is 03:30), same local day.
//   * when the forward shift would leave the local day because the gap runs to the end of the day
//     (America/Nuuk springs forward from 23:00 to 00:00), the boundary is the day's last instant
//     before the gap (22:59:59.999): the renewal keeps its day rather than landing on the next one,
//     which would skip a day and charge the next one twice.
//   * only when the zone skipped the whole local day (Pacific/Apia dropped 2011-12-30) the boundary
//     is the transition instant, the first existing moment after the gap; if that instant reads as
//     the schedule's own time of day (a 00:00 schedule) it is taken one millisecond earlier so
//     boundaries stay strictly increasing.
// - n may be negative (periods before the anchor); boundaries must fall in years 1000..9999.
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { instantMs } from './instant.js';
import { InvalidInputError, InvalidTimeZoneError } from './errors.js';

export const BILLING_INTERVALS = ['DAY', 'WEEK', 'MONTH', 'YEAR'] as const;
export type BillingInterval = (typeof BILLING_INTERVALS)[number];

export interface BillingAnchor {
  /** The instant billing is anchored to; its wall-clock reading in `timeZone` defines the schedule. */
  readonly anchorAt: Date;
  /** IANA zone, e.g. `Europe/Stockholm`. */
  readonly timeZone: string;
  readonly interval: BillingInterval;
  /** Intervals per period, >= 1 (MONTH x 3 = quarterly). */
  readonly intervalCount: number;
}

export interface BillingPeriod {
  readonly index: number;
  readonly start: Date;
  /** Exclusive: equals the next period's start. */
  readonly end: Date;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;
export const MAX_TRIAL_DAYS = 3650;

// Any zone name Intl knows, but not offsets like "+01:00" (not IANA names, and not stable under DST).
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

export function isValidTimeZone(zone: string): boolean {
  return typeof zone === 'string' && ZONE_NAME.test(zone) && IANAZone.create(zone).isValid;
}

/** Returns the zone name unchanged or throws `InvalidTimeZoneError` naming `field`. */
export function assertTimeZone(zone: string, field = 'timeZone'): string {
  if (!isValidTimeZone(zone)) throw new InvalidTimeZoneError(String(zone), field);
  return zone;
}

export const timeZoneSchema = z.string().refine(isValidTimeZone, { error: 'must be a valid IANA time zone' });
export const billingIntervalSchema = z.enum(BILLING_INTERVALS, { error: 'must be DAY, WEEK, MONTH or YEAR' });
export const intervalCountSchema = z
  .int({ error: 'must be an integer' })
  .min(1, { error: 'must be at least 1' });

/** Validates and freezes an anchor (copying the Date so later mutation of the input cannot move it). */
export function createBillingAnchor(input: BillingAnchor): BillingAnchor {
  compile(input);
  return Object.freeze({
    anchorAt: new Date(input.anchorAt.getTime()),
    timeZone: input.timeZone,
    interval: input.interval,
    intervalCount: input.intervalCount,
  });
}

/** Start of period `n` (integer; 0 is the anchor). */
export function periodBoundary(anchor: BillingAnchor, n: number): Date {
  return new Date(compile(anchor).boundary(n, 'n'));
}

/** Period `n` as [start, end). */
export function periodRange(anchor: BillingAnchor, n: number): BillingPeriod {
  const schedule = compile(anchor);
  return Object.freeze({
    index: n,
    start: new Date(schedule.boundary(n, 'n')),
    end: new Date(schedule.boundary(n + 1, 'n')),
  });
}

/** Index of the period containing `instant` (negative before the anchor). */
export function periodAt(anchor: BillingAnchor, instant: Date): number {
  const schedule = compile(anchor);
  const t = instantMs(instant, 'instant');
  let n = Math.floor((t - schedule.anchorMs) / (APPROX_INTERVAL_MS[schedule.interval] * schedule.count));
  while (schedule.boundary(n, 'instant') > t) n -= 1;
  while (schedule.boundary(n + 1, 'instant') <= t) n += 1;
  return n;
}

/** When a trial of `trialDays` local days started at `startAt` ends (same local time of day). */
export function trialEndsAt(startAt: Date, timeZone: string, trialDays: number): Date {
  const startMs = instantMs(startAt, 'startAt');
  if (!Number.isSafeInteger(trialDays) || trialDays < 0 || trialDays > MAX_TRIAL_DAYS) {
    throw new InvalidInputError('trialDays', `must be an integer from 0 to ${MAX_TRIAL_DAYS}`);
  }
  if (trialDays === 0) return new Date(startMs);
  return periodBoundary({ anchorAt: startAt, timeZone, interval: 'DAY', intervalCount: trialDays }, 1);
}

/**
 * First charge of a new subscription: at signup without a trial, at the trial end with one. The
 * trial end is also the billing anchor of a trialing subscription: period 0 starts when the trial
 * ends, so renewals fall on the trial end's local day and time, not the signup's.
 */
export function firstChargeAt(startAt: Date, timeZone: string, trialDays: number): Date {
  return trialEndsAt(startAt, timeZone, trialDays);
}

export interface NewSubscriptionSchedule {
  readonly startAt: Date;
  readonly timeZone: string;
  readonly interval: BillingInterval;
  readonly intervalCount: number;
  readonly trialDays: number;
}

/** Anchor (= first charge) and trial end (null without a trial) for a subscription starting now. */
export function anchorForNewSubscription(input: NewSubscriptionSchedule): {
  anchor: BillingAnchor;
  trialEndsAt: Date | null;
} {
  const anchorAt = firstChargeAt(input.startAt, input.timeZone, input.trialDays);
  const anchor = createBillingAnchor({
    anchorAt,
    timeZone: input.timeZone,
    interval: input.interval,
    intervalCount: input.intervalCount,
  });
  return { anchor, trialEndsAt: input.trialDays > 0 ? new Date(anchorAt.getTime()) : null };
}

// ---- internals ----

// Mean period lengths, only to guess a starting index for periodAt's search.
const APPROX_INTERVAL_MS: Record<BillingInterval, number> = {
  DAY: DAY_MS,
  WEEK: 7 * DAY_MS,
  MONTH: 30.436875 * DAY_MS,
  YEAR: 365.2425 * DAY_MS,
};

interface WallFields {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

interface CompiledSchedule {
  readonly anchorMs: number;
  readonly interval: BillingInterval;
  readonly count: number;
  boundary(n: number, field: string): number;
}

function compile(anchor: BillingAnchor): CompiledSchedule {
  const anchorMs = instantMs(anchor.anchorAt, 'anchorAt');
  const zone = IANAZone.create(assertTimeZone(anchor.timeZone));
  if (!(BILLING_INTERVALS as readonly string[]).includes(anchor.interval)) {
    throw new InvalidInputError('interval', 'must be DAY, WEEK, MONTH or YEAR');
  }
  if (!Number.isSafeInteger(anchor.intervalCount) || anchor.intervalCount < 1) {
    throw new InvalidInputError('intervalCount', 'must be an integer of at least 1');
  }
  const { interval, intervalCount: count } = anchor;
  const wall = wallFields(anchorMs + offsetMs(zone, anchorMs));
  return {
    anchorMs,
    interval,
    count,
    boundary(n, field) {
      if (!Number.isSafeInteger(n)) throw new InvalidInputError(field, 'must be an integer');
      if (n === 0) return anchorMs;
      const target = targetWall(wall, interval, count * n);
      const year = new Date(target).getUTCFullYear();
      if (!Number.isFinite(target) || year < MIN_YEAR || year > MAX_YEAR) {
        throw new InvalidInputError(field, `period lies outside the supported years ${MIN_YEAR}-${MAX_YEAR}`);
      }
      return resolveWall(zone, target);
    },
  };
}

/** Wall-clock time encoded as if it were UTC epoch ms ("wall ms"): calendar math without zones. */
function targetWall(anchor: WallFields, interval: BillingInterval, steps: number): number {
  const { year, month, day, hour, minute, second, millisecond } = anchor;
  switch (interval) {
    case 'DAY':
      return Date.UTC(year, month - 1, day + steps, hour, minute, second, millisecond);
    case 'WEEK':
      return Date.UTC(year, month - 1, day + 7 * steps, hour, minute, second, millisecond);
    case 'MONTH': {
      const monthIndex = month - 1 + steps;
      const targetYear = year + Math.floor(monthIndex / 12);
      const targetMonth = monthIndex - 12 * Math.floor(monthIndex / 12) + 1;
      const targetDay = Math.min(day, daysInMonth(targetYear, targetMonth));
      return Date.UTC(targetYear, targetMonth - 1, targetDay, hour, minute, second, millisecond);
    }
    case 'YEAR': {
      const targetYear = year + steps;
      const targetDay = Math.min(day, daysInMonth(targetYear, month));
      return Date.UTC(targetYear, month - 1, targetDay, hour, minute, second, millisecond);
    }
  }
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function wallFields(wall: number): WallFields {
  const d = new Date(wall);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/**
 * Zone offset at instant t in ms. Reads the zone's wall clock from a cached Intl formatter (about 5x
 * faster than luxon's formatToParts path); any output it cannot parse falls back to luxon.
 */
function offsetMs(zone: IANAZone, t: number): number {
  const match = WALL_CLOCK_TEXT.exec(wallClockFormatter(zone.name).format(t));
  if (!match) return Math.round(zone.offset(t) * MINUTE_MS);
  const [, month, day, year, hour, minute, second] = match.map(Number);
  // Some ICU versions print midnight as "24:00:00" of the same date.
  const wall = Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour === 24 ? 0 : hour, minute, second);
  return wall - (t - (((t % 1000) + 1000) % 1000));
}

const WALL_CLOCK_TEXT = /^(\d{1,2})\/(\d{1,2})\/(\d{4}), (\d{2}):(\d{2}):(\d{2})$/;
const wallClockFormatters = new Map<string, Intl.DateTimeFormat>();

function wallClockFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = wallClockFormatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallClockFormatters.set(zone, formatter);
  }
  return formatter;
}

// UTC offsets lie within -12h..+14h, so every instant reading as a given wall time lies within
// [wall - 14h, wall + 12h]; sampling offsets across that window finds every candidate offset.
const OFFSET_SAMPLES_MS = [-16, -12, -8, -4, 0, 4, 8, 12, 16].map((h) => h * HOUR_MS);

/** The instant for a wall time in `zone`, by the DST rules in the header comment. */
function resolveWall(zone: IANAZone, wall: number): number {
  // Fast path: one offset across the whole window, so exactly one instant reads as `wall`.
  const early = offsetMs(zone, wall - 14 * HOUR_MS);
  if (early === offsetMs(zone, wall + 12 * HOUR_MS) && offsetMs(zone, wall - early) === early) {
    return wall - early;
  }
  const offsets = new Set(OFFSET_SAMPLES_MS.map((shift) => offsetMs(zone, wall + shift)));
  let earliest = Number.POSITIVE_INFINITY;
  for (const offset of offsets) {
    const t = wall - offset;
    if (t < earliest && offsetMs(zone, t) === offset) earliest = t;
  }
  return Number.isFinite(earliest) ? earliest : resolveGap(zone, wall);
}

function resolveGap(zone: IANAZone, wall: number): number {
  // Transition G = first instant whose wall reading is past `wall` (binary search; the window
  // bounds are certainly before resp. after it given the offset range).
  let lo = wall - 15 * HOUR_MS; // wall reading < wall
  let hi = wall + 13 * HOUR_MS; // wall reading > wall
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (mid + offsetMs(zone, mid) > wall) hi = mid;
    else lo = mid;
  }
  const transition = hi;
  const forward = wall - offsetMs(zone, transition - 1);
  const forwardWall = forward + offsetMs(zone, forward);
  if (dayNumber(forwardWall) === dayNumber(wall)) return forward;
  const lastBeforeGap = transition - 1;
  if (dayNumber(lastBeforeGap + offsetMs(zone, lastBeforeGap)) === dayNumber(wall)) return lastBeforeGap;
  const transitionWall = transition + offsetMs(zone, transition);
  return timeOfDay(transitionWall) === timeOfDay(wall) ? transition - 1 : transition;
}

function dayNumber(wall: number): number {
  return Math.floor(wall / DAY_MS);
}

function timeOfDay(wall: number): number {
  return wall - dayNumber(wall) * DAY_MS;
}
