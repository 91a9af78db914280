// Dashboard session ids and CSRF tokens: random, URL-safe. Only a session id's SHA-256 is stored,
// so the session table alone signs nobody in.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newSessionId = (): string => randomBytes(32).toString('base64url');
export const newCsrfToken = (): string => randomBytes(32).toString('base64url');

export function sessionIdHash(sessionId: string): Buffer {
  return createHash('sha256').update(sessionId, 'utf8').digest();
}

/** Constant-time comparison of a presented token with the expected one. */
export function sameToken(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
