// Merchant API keys: `rbk_<prefix>_<secret>`. The prefix (12 lower-case alphanumerics) is the
// key's public handle, stored in clear and shown in listings; the secret (40 alphanumerics, about
// 238 bits) is shown once, and only its SHA-256 is stored. A fast hash is enough for a secret that
// long (no dictionary to search), and lookups stay one indexed query by prefix.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PREFIX_LENGTH = 12;
const SECRET_LENGTH = 40;
const TOKEN = /^rbk_([a-z0-9]{12})_([A-Za-z0-9]{40})$/;

export interface NewApiKey {
  readonly prefix: string;
  readonly secretHash: string;
  /** The whole key, for the caller to show once and forget. */
  readonly token: string;
}

export function generateApiKey(): NewApiKey {
  const prefix = randomString(PREFIX_ALPHABET, PREFIX_LENGTH);
  const secret = randomString(SECRET_ALPHABET, SECRET_LENGTH);
  return { prefix, secretHash: hashApiKeySecret(secret), token: `rbk_${prefix}_${secret}` };
}

/** Splits a presented key; null when it is not shaped like one of ours. */
export function parseApiKey(token: string): { prefix: string; secret: string } | null {
  const match = TOKEN.exec(token);
  if (match === null) return null;
  const [, prefix = '', secret = ''] = match;
  return { prefix, secret };
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret against a stored hash. */
export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKeySecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Uniform over the alphabet: bytes past the last whole multiple of its size are drawn again. */
function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
