// Webhook event types the sandbox knows (CONTRACT.md §10.3) and the subscription patterns that
// select them: an exact type, or a wildcard `prefix.*` such as `payment.*` or `payment.request.*`.

export const PAYMENT_REQUEST_EVENT_TYPES = [
  'payment.request.state-change.submitted',
  'payment.request.state-change.in-progress',
  'payment.request.state-change.completed',
  'payment.request.state-change.declined',
  'payment.request.state-change.expired',
  'payment.request.state-change.canceled',
  'payment.request.updated',
] as const;

/** §18.6: names INFERRED from the captured event and the state-change naming pattern. */
export const PAYMENT_TRANSACTION_EVENT_TYPES = [
  'payment.transaction.captured',
  'payment.transaction.refunded',
  'payment.transaction.state-change.expired',
  'payment.transaction.state-change.completed',
  'payment.transaction.state-change.closed',
] as const;

export const KNOWN_EVENT_TYPES = [
  ...PAYMENT_REQUEST_EVENT_TYPES,
  ...PAYMENT_TRANSACTION_EVENT_TYPES,
] as const;

export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

const known: ReadonlySet<string> = new Set(KNOWN_EVENT_TYPES);

export function isKnownEventType(value: string): value is KnownEventType {
  return known.has(value);
}

/**
 * A pattern is valid when it names a known type, or is `<prefix>.*` and at least one known type
 * starts with `<prefix>.` (so `payment.*` is fine and `shipping.*` is a typo we reject).
 */
export function isValidEventTypePattern(pattern: string): boolean {
  if (known.has(pattern)) return true;
  if (!pattern.endsWith('.*')) return false;
  const prefix = pattern.slice(0, -1); // keeps the trailing dot
  return prefix.length > 1 && KNOWN_EVENT_TYPES.some((t) => t.startsWith(prefix));
}

export function patternMatches(pattern: string, eventType: string): boolean {
  if (pattern.endsWith('.*')) return eventType.startsWith(pattern.slice(0, -1));
  return pattern === eventType;
}

export function subscribedTo(patterns: readonly string[], eventType: string): boolean {
  return patterns.some((p) => patternMatches(p, eventType));
}
