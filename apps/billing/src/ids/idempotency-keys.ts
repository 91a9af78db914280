// Klarna-Idempotency-Key values, each derived from the database row the call belongs to: the
// same row always sends the same key (a re-send after a timeout or a crash is the same request to
// Klarna), and a new row (a new attempt) a new key (CONTRACT.md §3).
import { uuidv5 } from './uuidv5.js';

/** Rebill's UUIDv5 namespace (fixed forever: changing it would change every key). */
export const REBILL_KEY_NAMESPACE = '8d4c1f1e-2b7a-4f0e-9a53-5c1e4b9d7a20';

export type KeyedCall =
  'charge-attempt' | 'payment-request' | 'payment-request-cancel' | 'capture' | 'refund' | 'void';

export function klarnaIdempotencyKey(call: KeyedCall, rowId: string): string {
  return uuidv5(`${call}:${rowId}`, REBILL_KEY_NAMESPACE);
}
