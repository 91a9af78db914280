// The one way to read a Secret's raw value. Only the vault (to encrypt it) and the Klarna client
// (to put it in a request header) may import this file: `secrets.test.ts` enforces it.
import { secretValue, type Secret, type SecretKind } from './secret.js';

export function reveal(secret: Secret<SecretKind>): string {
  return secretValue(secret);
}
