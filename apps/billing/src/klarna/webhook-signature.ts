// Webhook signatures (CONTRACT.md §10.5): `Klarna-Signature` is the lowercase hex HMAC-SHA256 of
// the raw request body, keyed with the signing key named by `Klarna-Signing-Key-Id`. Verify over
// the bytes as received, before parsing them, and compare in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { reveal } from '../secrets/reveal.js';
import type { SigningKeySecret } from '../secrets/secret.js';

export const KLARNA_SIGNATURE_HEADER = 'klarna-signature';
export const KLARNA_SIGNING_KEY_ID_HEADER = 'klarna-signing-key-id';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** False for a missing header, a wrong length, non-hex characters or a different MAC. */
export function verifyKlarnaSignature(
  rawBody: Buffer,
  signatureHeader: string | undefined,
  key: SigningKeySecret,
): boolean {
  if (signatureHeader === undefined || !HEX_SHA256.test(signatureHeader)) return false;
  const expected = createHmac('sha256', reveal(key)).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(signatureHeader, 'hex'));
}
