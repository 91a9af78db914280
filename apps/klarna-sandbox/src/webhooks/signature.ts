// CONTRACT.md §10.5: HMAC-SHA256 over the raw body bytes, keyed with the signing key, lowercase hex.
import { createHmac } from 'node:crypto';

export function signBody(body: Buffer, signingKey: string): string {
  return createHmac('sha256', signingKey).update(body).digest('hex');
}
