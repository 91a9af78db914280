// Retry-After (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Klarna's 429 and 503
// may carry it; the sandbox sends seconds. The date form needs "now", so it comes from a Clock.
import type { Clock } from '../domain/clock.js';

const SECONDS = /^\d{1,10}$/;

/** Milliseconds to wait, or null when the header is absent or unreadable. Never negative. */
export function parseRetryAfter(value: string | null | undefined, clock: Clock): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  if (SECONDS.test(text)) return Number(text) * 1000;
  // An HTTP-date always has a month name; without this check Date.parse would take "1.5" or "2026".
  if (!/[A-Za-z]{3}/.test(text)) return null;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return null;
  return Math.max(0, at - clock.now().getTime());
}
